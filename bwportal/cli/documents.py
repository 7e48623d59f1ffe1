"""``flask documents prune``: delete old PDFs of drafts and of the IP (a final report's stay)."""

import click
from flask.cli import AppGroup

group = AppGroup("documents", help="Rendered PDFs.")


@group.command("prune")
@click.option("--days", type=click.IntRange(min=0), default=None,
              help="Older than this many days (default: DOCUMENT_PRUNE_DAYS, 30).")
def prune_command(days):
    """Delete PDFs of drafts and of the IP older than --days; final reports' PDFs are kept."""
    from flask import current_app

    from ..domain import documents
    from ..extensions import db

    days = current_app.config["DOCUMENT_PRUNE_DAYS"] if days is None else days
    removed = documents.prune(days)
    db.session.commit()
    click.echo(f"{removed} PDF(s) older than {days} days removed.")
