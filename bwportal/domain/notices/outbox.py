"""Writing to the outbox (ARCHITECTURE "Jobs and notices"). A notice or job is a row
written in the caller's transaction under its idempotency key; writing the same key again
is a no-op, so a cause seen twice (a sweep run twice, two overlapping sweeps, a double
click) still gives one row. The relay (jobs.outbox) delivers rows after the commit."""

from datetime import UTC, date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, event, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...extensions import db
from ...models import OutboxMessage, OutboxStatus

# How long a worker holds a claimed row before another may take it over (a dead worker). A live
# worker renews its claim every third of it while the work runs (jobs.outbox heartbeat), so a
# long PDF is never overtaken, and a dead worker's row is due again within a minute (handed on
# by the relay, every minute: two minutes at most, not six). OUTBOX_CLAIM_SECONDS overrides it.
CLAIM = timedelta(seconds=60)
# Retries after a failure, then the row is FAILED (an operator may retry it).
BACKOFF = (timedelta(seconds=30), timedelta(minutes=5), timedelta(minutes=30))


def key_for(kind: str, obj: str | int | None = None, recipient: int | None = None,
            due: date | str | None = None) -> str:
    """The idempotency key: (kind, object, recipient, due date)."""
    due = due.isoformat() if isinstance(due, date) else due
    return ":".join("" if part is None else str(part) for part in (kind, obj, recipient, due))


def write(kind: str, key: str, *, payload: dict | None = None, recipient_id: int | None = None,
          factory_id: int | None = None) -> bool:
    """Add the row unless its key exists; True when this call wrote it."""
    values = dict(key=key, kind=kind, payload=payload or {}, recipient_id=recipient_id, factory_id=factory_id,
                  status=OutboxStatus.PENDING, attempts=0, last_error="", available_at=datetime.now(UTC))
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(OutboxMessage).values(**values).on_conflict_do_nothing(index_elements=["key"])
    written = db.session.execute(statement.returning(OutboxMessage.id)).scalar()
    if written is not None:
        db.session.info.setdefault("outbox_written", []).append(written)
    return written is not None


def write_many(rows: list[dict]) -> list[tuple[int, str]]:
    """``write`` for many rows at once (the deadline sweep): each dict has kind, key,
    payload, recipient_id and factory_id; a key that exists is skipped. One statement
    compiled once and sent in pages of rows (SQLAlchemy's "insertmanyvalues"), not one per
    row. Returns (id, kind) of the rows that were new."""
    if not rows:
        return []
    now = datetime.now(UTC)
    unique = {row["key"]: row for row in rows}.values()
    values = [dict(key=row["key"], kind=row["kind"], payload=row.get("payload") or {},
                   recipient_id=row.get("recipient_id"), factory_id=row.get("factory_id"),
                   status=OutboxStatus.PENDING, attempts=0, last_error="", available_at=now) for row in unique]
    table = OutboxMessage.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = insert(table).on_conflict_do_nothing(index_elements=["key"]).returning(table.c.id, table.c.kind)
    written = [(row.id, row.kind) for row in db.session.execute(statement, values)]
    if written:
        db.session.info.setdefault("outbox_written", []).extend(row_id for row_id, _kind in written)
    return written


@event.listens_for(Session, "after_commit")
def _committed(session) -> None:
    session.info.setdefault("outbox_committed", []).extend(session.info.pop("outbox_written", []))


@event.listens_for(Session, "after_rollback")
def _rolled_back(session) -> None:
    session.info.pop("outbox_written", None)


def take_committed(session) -> list[int]:
    """The ids of the rows this session has committed since it was last asked."""
    return session.info.pop("outbox_committed", [])


def claim_period() -> timedelta:
    seconds = current_app.config.get("OUTBOX_CLAIM_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds else CLAIM


def due_rows(now: datetime | None = None) -> Select:
    """Rows a relay should hand to a worker: pending and due, or claimed by a worker that
    has not finished in time (it died)."""
    now = now or datetime.now(UTC)
    return select(OutboxMessage.id).where(or_(
        (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.available_at <= now),
        (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now),
    )).order_by(OutboxMessage.id)


def pending_summary(now: datetime | None = None) -> dict:
    """Queue depth and the age of the oldest row not yet sent, for /healthz."""
    now = now or datetime.now(UTC)
    open_statuses = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    count, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.status.in_(open_statuses))
    ).one()
    failed = db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.status == OutboxStatus.FAILED))
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    return {"pending": count, "failed": failed,
            "oldest_pending_seconds": int((now - oldest).total_seconds()) if oldest else 0}


def notices_for(user_id: int) -> Select:
    """What the portal shows a user of the notices sent to them, newest first."""
    return (select(OutboxMessage).where(OutboxMessage.recipient_id == user_id, OutboxMessage.kind.startswith("mail."))
            .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()))
