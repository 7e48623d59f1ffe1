"""``flask ip``: Improvement Plan jobs run by hand."""

import click
from flask.cli import AppGroup

group = AppGroup("ip", help="Improvement Plan jobs.")


@group.command("mark-delayed")
def ip_mark_delayed():
    """Mark open items past their target date Delayed (the daily job, run by hand)."""
    from ..jobs.ip_daily import mark_delayed_items

    click.echo(f"{mark_delayed_items()} items marked Delayed.")
