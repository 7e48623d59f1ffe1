"""What the admin's and the account manager's people pages share: sending an invitation
e-mail, and switching an account off or on."""

from flask import current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.notices import notify
from ..domain.people import management as people
from ..web.unit_of_work import unit_of_work


def invitation_url(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.invitation", token=token)


def send_invitation(invitation, token: str) -> bool:
    """Queue the link's e-mail in the invitee's language through the outbox (a worker sends it,
    no SMTP in this request), and tell the sender."""
    with unit_of_work():
        notify.invitation_link(invitation, invitation_url(token), current_app.config["INVITATION_DAYS"])
    flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
    return True


def set_user_active(user, active: bool) -> None:
    """Deactivate or reactivate ``user`` (the caller checked who may), and say so."""
    try:
        with unit_of_work():
            people.set_active(current_user, user, active)
    except people.PeopleError as error:
        flash(error.message, "error")
        return
    flash(_("%(name)s can sign in again.", name=user.name) if user.active
          else _("%(name)s can no longer sign in.", name=user.name), "success")
