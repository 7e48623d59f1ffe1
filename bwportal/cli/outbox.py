"""``flask outbox``: notices and jobs waiting, sent or failed; relay and sweep by hand."""

import click
from flask.cli import AppGroup

group = AppGroup("outbox", help="Notices and jobs waiting, sent or failed.")


@group.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]), default=None)
@click.option("--kind", default="", help="Kinds beginning with this, e.g. mail.pr1")
@click.option("--limit", default=50, show_default=True)
def outbox_list(status, kind, limit):
    """The newest rows: id, status, attempts, kind, recipient, created."""
    from ..extensions import db
    from ..models import OutboxMessage, OutboxStatus

    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if kind:
        query = query.where(OutboxMessage.kind.startswith(kind))
    for row in db.session.scalars(query):
        who = row.recipient.email if row.recipient else "-"
        click.echo(f"{row.id}\t{row.status.value}\t{row.attempts}\t{row.kind}\t{who}\t{row.created_at:%Y-%m-%d %H:%M}")


@group.command("show")
@click.argument("outbox_id", type=int)
def outbox_show(outbox_id):
    """Everything about one row, with its last error."""
    import json

    from ..extensions import db
    from ..models import OutboxMessage

    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:
        raise click.ClickException(f"There is no outbox row {outbox_id}.")
    for name in ("id", "key", "kind", "status", "attempts", "recipient_id", "factory_id", "created_at",
                 "available_at", "claimed_until", "sent_at", "last_error"):
        value = getattr(row, name)
        click.echo(f"{name}: {value.value if hasattr(value, 'value') else value}")
    click.echo("payload: " + json.dumps(row.payload, ensure_ascii=False))


@group.command("retry")
@click.argument("outbox_ids", type=int, nargs=-1)
@click.option("--failed", is_flag=True, help="Every failed row.")
def outbox_retry(outbox_ids, failed):
    """Put failed (or given) rows back to pending, due now, and hand them on; a given row
    closed as possibly sent is sent again (the recipient said it never came)."""
    from datetime import UTC, datetime

    from ..domain.notices.outbox import take_committed
    from ..extensions import db
    from ..jobs.outbox import relay
    from ..models import OutboxMessage, OutboxStatus

    # Not a row that was sent, but one closed as "possibly sent" (sent, no sent_at: jobs.outbox) may be.
    query = db.select(OutboxMessage).where(db.or_(OutboxMessage.status != OutboxStatus.SENT,
                                                  OutboxMessage.sent_at.is_(None)))
    if failed:
        query = query.where(OutboxMessage.status == OutboxStatus.FAILED)
    elif outbox_ids:
        query = query.where(OutboxMessage.id.in_(outbox_ids))
    else:
        raise click.UsageError("Give row ids or --failed.")
    rows = list(db.session.scalars(query))
    for row in rows:
        row.status, row.available_at, row.claimed_until, row.attempts = OutboxStatus.PENDING, datetime.now(UTC), None, 0
        row.handed_over_at = None
    db.session.commit()
    take_committed(db.session())
    relay([row.id for row in rows])
    click.echo(f"{len(rows)} rows retried.")


@group.command("relay")
def outbox_relay():
    """Hand on every row that is due (what the cron process does every minute)."""
    from ..jobs.outbox import relay_due

    click.echo(f"{relay_due()} rows handed on.")


@group.command("sweep")
def outbox_sweep():
    """Run the deadline sweep now (what the cron process does every hour)."""
    from ..jobs.deadlines import sweep

    counts = sweep()
    click.echo(", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items())) or "No notices due.")
