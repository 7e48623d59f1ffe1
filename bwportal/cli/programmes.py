"""``flask programme``: create a country programme and invite its first admin."""

import click
from flask.cli import AppGroup

group = AppGroup("programme", help="Country programmes.")


@group.command("create")
@click.option("--name", required=True, help="The programme's name, e.g. Bangladesh.")
@click.option("--country", required=True, help="ISO 3166 two-letter code, e.g. BD.")
@click.option("--committee-short", required=True, help="The committee's short name, e.g. PC.")
@click.option("--committee-long", required=True, help="The committee's full name.")
@click.option("--default-locale", default="en", show_default=True, help="The language of new users.")
@click.option("--timezone", default="UTC", show_default=True, help="e.g. Asia/Dhaka.")
def programme_create(name, country, committee_short, committee_long, default_locale, timezone):
    """Create a programme with its own copy of the standard catalogues; prints its id."""
    from ..domain.programmes.setup import ProgrammeError, create_programme
    from ..extensions import db

    try:
        programme = create_programme(name=name, country=country, committee_short=committee_short,
                                     committee_long=committee_long, default_locale=default_locale,
                                     timezone=timezone)
    except ProgrammeError as refused:
        db.session.rollback()
        raise click.ClickException(str(refused.args[0])) from None
    db.session.commit()
    click.echo(programme.id)


@group.command("invite-admin")
@click.option("--programme", "programme_name", required=True, help="The programme's name.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--locale", default=None, help="The invitation's language (default: the programme's).")
def programme_invite_admin(programme_name, email, name, locale):
    """Invite a programme's first admin: e-mails a single-use link and prints it."""
    from flask import current_app

    from ..blueprints.onboarding import invitation_url
    from ..domain.people.management import PeopleError, invite_admin_from_console
    from ..extensions import db
    from ..infra.mail import MailError, compose, send
    from ..models import Programme

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
