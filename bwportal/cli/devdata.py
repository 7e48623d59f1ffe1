"""``flask seed-demo`` and ``flask seed-scale``: data for developers and benchmarks.

The data lives in the checkout's ``devdata`` package, not in the installed portal: these
commands exist only where it can be imported (a checkout), never in a production install.
"""

import click
from flask.cli import with_appcontext


@click.command("seed-scale")
@click.option("--factories", default=10_000, show_default=True, type=click.IntRange(1, 99_999))
@click.option("--programme", "name", default="Scale", show_default=True, help="The programme's name.")
@click.option("--replace", is_flag=True, help="Remove that programme and its data first.")
@click.option("--batch", default=250, show_default=True, type=click.IntRange(1),
              help="Factories per commit.")
@click.option("--seed", default=1, show_default=True, help="Random seed: the same seed gives the same data.")
@click.option("--people-only", is_flag=True,
              help="Only the factories, their people, EAs and subscriptions (no cycles, IP, reports).")
@with_appcontext
def seed_scale_command(factories, name, replace, batch, seed, people_only):
    """A programme with N factories and all their data, for load tests (bulk inserts)."""
    from devdata.seed_scale import SCALE_PASSWORD, ScaleExists, seed_scale

    from ..extensions import db

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


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo programmes, factories and users (idempotent)."""
    from devdata.demo import DEMO_PASSWORD, USERS, seed_demo

    seed_demo()
    click.echo(f"Demo data ready. Sign in with any of these, password '{DEMO_PASSWORD}':")
    for user in USERS:
        click.echo(f"  {user['email']:24} {user['role'].value}")
