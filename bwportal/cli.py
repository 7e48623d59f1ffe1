"""Flask CLI commands: ``flask --app wsgi seed-demo``."""

import click

from .demo import DEMO_PASSWORD, USERS, seed_demo


def register_cli(app) -> None:
    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load the demo programmes, factories and users (idempotent)."""
        seed_demo()
        click.echo(f"Demo data ready. Sign in with any of these, password '{DEMO_PASSWORD}':")
        for user in USERS:
            click.echo(f"  {user['email']:24} {user['role'].value}")
