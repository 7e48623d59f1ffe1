"""``flask --app wsgi check``: what this deployment misses for production (issue 18 item 3)."""

import click
from flask import current_app
from flask.cli import with_appcontext

from ..infra.deployment import missing


@click.command("check")
@with_appcontext
def check_command():
    """List what a production deployment still misses; exit 1 if anything."""
    problems = missing(current_app.config)
    if not problems:
        click.echo("Ready for production: secret key, PostgreSQL, public address and SMTP are set.")
        return
    click.echo("Not ready for production:")
    for problem in problems:
        click.echo(f"  - {problem}")
    raise SystemExit(1)
