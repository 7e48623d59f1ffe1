"""Flask CLI commands: ``flask --app wsgi seed-demo``, ``flask --app wsgi i18n update``,
``flask --app wsgi programme create``."""

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.pofile import read_po, write_po
from flask import current_app
from flask.cli import AppGroup

from .config import ROOT
from .demo import DEMO_PASSWORD, USERS, seed_demo

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
# The keywords our code marks strings with, besides gettext/ngettext/_.
EXTRACT_KEYWORDS = ("_l", "N_")

i18n = AppGroup("i18n", help="Translation catalogues.")


def pybabel(*args: str) -> None:
    pybabel_bin = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel_bin), *args], check=True, cwd=ROOT)


@i18n.command("update")
def i18n_update():
    """Extract strings, then merge them into every locale's catalogue."""
    keywords = [arg for k in EXTRACT_KEYWORDS for arg in ("-k", k)]
    pybabel("extract", "-F", "babel.cfg", *keywords, "--no-location", "--sort-output",
            "--omit-header", "-o", str(POT), ".")
    for locale in current_app.config["LOCALES"]:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
                    "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    _fill_source_locale(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo("Catalogues updated; translate the empty entries, then run tests/unit/test_catalogues.py.")


def _fill_source_locale(path: Path) -> None:
    """English is the source language: its catalogue repeats each message."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and not (message.string if isinstance(message.string, str) else all(message.string)):
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    with path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True, include_lineno=False)


ip_cli = AppGroup("ip", help="Improvement Plan jobs.")


@ip_cli.command("mark-delayed")
def ip_mark_delayed():
    """Mark open items past their target date Delayed (the daily job, run by hand)."""
    from .jobs.ip_daily import mark_delayed_items

    click.echo(f"{mark_delayed_items()} items marked Delayed.")


programme_cli = AppGroup("programme", help="Country programmes.")


@programme_cli.command("create")
@click.option("--name", required=True, help="The programme's name, e.g. Bangladesh.")
@click.option("--country", required=True, help="ISO 3166 two-letter code, e.g. BD.")
@click.option("--committee-short", required=True, help="The committee's short name, e.g. PC.")
@click.option("--committee-long", required=True, help="The committee's full name.")
@click.option("--default-locale", default="en", show_default=True, help="The language of new users.")
@click.option("--timezone", default="UTC", show_default=True, help="e.g. Asia/Dhaka.")
def programme_create(name, country, committee_short, committee_long, default_locale, timezone):
    """Create a programme with its own copy of the standard catalogues; prints its id."""
    from .domain.programmes import ProgrammeError, create_programme
    from .extensions import db

    try:
        programme = create_programme(name=name, country=country, committee_short=committee_short,
                                     committee_long=committee_long, default_locale=default_locale,
                                     timezone=timezone)
    except ProgrammeError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused.args[0])) from None
    db.session.commit()
    click.echo(programme.id)


@programme_cli.command("invite-admin")
@click.option("--programme", "programme_name", required=True, help="The programme's name.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--locale", default=None, help="The invitation's language (default: the programme's).")
def programme_invite_admin(programme_name, email, name, locale):
    """Invite a programme's first admin: e-mails a single-use link and prints it."""
    from flask import current_app

    from .blueprints.onboarding import invitation_url
    from .domain.people import PeopleError, invite_admin_from_console
    from .extensions import db
    from .mail import MailError, compose, send
    from .models import Programme

    programme = db.session.scalar(db.select(Programme).filter_by(name=programme_name))
    if programme is None:
        raise click.ClickException(f"There is no programme called {programme_name}.")
    locale = locale or programme.default_locale
    if locale not in current_app.config["LOCALES"]:
        raise click.ClickException(f"The language must be one of {', '.join(current_app.config['LOCALES'])}.")
    try:
        invitation, token = invite_admin_from_console(email=email, name=name, locale=locale, programme=programme,
                                                      days=current_app.config["INVITATION_DAYS"])
    except PeopleError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused.message)) from None
    db.session.commit()
    with current_app.test_request_context():
        url = invitation_url(token)
        message = compose("invitation", invitation.email, locale, invitation=invitation, inviter=programme.name,
                          url=url, days=current_app.config["INVITATION_DAYS"])
        try:
            send(message)
        except MailError as error:
            click.echo(f"The e-mail could not be sent ({error}); give the link to the person yourself.", err=True)
    click.echo(url)


outbox_cli = AppGroup("outbox", help="Notices and jobs waiting, sent or failed.")


@outbox_cli.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "failed"]), default=None)
@click.option("--kind", default="", help="Kinds beginning with this, e.g. mail.pr1")
@click.option("--limit", default=50, show_default=True)
def outbox_list(status, kind, limit):
    """The newest rows: id, status, attempts, kind, recipient, created."""
    from .extensions import db
    from .models import OutboxMessage, OutboxStatus

    query = db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status:
        query = query.where(OutboxMessage.status == OutboxStatus(status))
    if kind:
        query = query.where(OutboxMessage.kind.startswith(kind))
    for row in db.session.scalars(query):
        who = row.recipient.email if row.recipient else "-"
        click.echo(f"{row.id}\t{row.status.value}\t{row.attempts}\t{row.kind}\t{who}\t{row.created_at:%Y-%m-%d %H:%M}")


@outbox_cli.command("show")
@click.argument("outbox_id", type=int)
def outbox_show(outbox_id):
    """Everything about one row, with its last error."""
    import json

    from .extensions import db
    from .models import OutboxMessage

    row = db.session.get(OutboxMessage, outbox_id)
    if row is None:
        raise click.ClickException(f"There is no outbox row {outbox_id}.")
    for name in ("id", "key", "kind", "status", "attempts", "recipient_id", "factory_id", "created_at",
                 "available_at", "claimed_until", "sent_at", "last_error"):
        value = getattr(row, name)
        click.echo(f"{name}: {value.value if hasattr(value, 'value') else value}")
    click.echo("payload: " + json.dumps(row.payload, ensure_ascii=False))


@outbox_cli.command("retry")
@click.argument("outbox_ids", type=int, nargs=-1)
@click.option("--failed", is_flag=True, help="Every failed row.")
def outbox_retry(outbox_ids, failed):
    """Put failed (or given) rows back to pending, due now, and hand them on."""
    from datetime import UTC, datetime

    from .domain.outbox import take_committed
    from .extensions import db
    from .jobs.outbox import relay
    from .models import OutboxMessage, OutboxStatus

    query = db.select(OutboxMessage).where(OutboxMessage.status != OutboxStatus.SENT)
    if failed:
        query = query.where(OutboxMessage.status == OutboxStatus.FAILED)
    elif outbox_ids:
        query = query.where(OutboxMessage.id.in_(outbox_ids))
    else:
        raise click.UsageError("Give row ids or --failed.")
    rows = list(db.session.scalars(query))
    for row in rows:
        row.status, row.available_at, row.claimed_until, row.attempts = OutboxStatus.PENDING, datetime.now(UTC), None, 0
    db.session.commit()
    take_committed(db.session())
    relay([row.id for row in rows])
    click.echo(f"{len(rows)} rows retried.")


@outbox_cli.command("relay")
def outbox_relay():
    """Hand on every row that is due (what the cron process does every minute)."""
    from .jobs.outbox import relay_due

    click.echo(f"{relay_due()} rows handed on.")


@outbox_cli.command("sweep")
def outbox_sweep():
    """Run the deadline sweep now (what the cron process does every hour)."""
    from .jobs.deadlines import sweep

    counts = sweep()
    click.echo(", ".join(f"{kind}: {n}" for kind, n in sorted(counts.items())) or "No notices due.")


def register_cli(app) -> None:
    app.cli.add_command(i18n)
    app.cli.add_command(ip_cli)
    app.cli.add_command(programme_cli)
    app.cli.add_command(outbox_cli)

    @app.cli.command("seed-scale")
    @click.option("--factories", default=10_000, show_default=True, type=click.IntRange(1, 99_999))
    @click.option("--programme", "name", default="Scale", show_default=True, help="The programme's name.")
    @click.option("--replace", is_flag=True, help="Remove that programme and its data first.")
    @click.option("--batch", default=250, show_default=True, type=click.IntRange(1),
                  help="Factories per commit.")
    @click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same data.")
    @click.option("--people-only", is_flag=True,
                  help="Only the factories, their people, EAs and subscriptions (no cycles, IP, reports).")
    def seed_scale_command(factories, name, replace, batch, seed, people_only):
        """A programme with N factories and all their data, for load tests (bulk inserts)."""
        from .extensions import db
        from .seed_scale import SCALE_PASSWORD, ScaleExists, seed_scale

        try:
            result = seed_scale(factories, name=name, replace=replace, batch_size=batch, seed=seed,
                                people_only=people_only, echo=click.echo)
        except ScaleExists as refused:
            raise click.ClickException(str(refused.args[0])) from None
        c = result.counts
        click.echo(f"Done in {result.seconds:.1f} s on {db.engine.dialect.name}: {c['factory']:,} factories, "
                   f"{c['user']:,} users, {c['cycle']:,} cycles, {c['finding']:,} findings, {c['ip_item']:,} IP items, "
                   f"{c['ip_event']:,} history entries, {c['progress_report']:,} reports, "
                   f"{c['committee_meeting']:,} committee meetings, {c['public_response']:,} public responses.")
        if result.reports:
            click.echo("PR1s: " + ", ".join(f"{state} {n:,}" for state, n in sorted(result.reports.items())))
        click.echo(f"Sign in with any of these, password '{SCALE_PASSWORD}'"
                   + (f" (the factory is {result.sample_factory}):" if result.sample_factory else ":"))
        for role, email in result.sample.items():
            click.echo(f"  {email:28} {role}")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo programmes, factories and users (idempotent)."""
        seed_demo()
        click.echo(f"Demo data ready. Sign in with any of these, password '{DEMO_PASSWORD}':")
        for user in USERS:
            click.echo(f"  {user['email']:24} {user['role'].value}")
