"""What the admin's and the account manager's people pages share: sending an invitation
e-mail, and switching an account off or on."""

from flask import current_app, flash, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..domain.people import management as people
from ..infra.mail import MailError, compose, send
from ..web.unit_of_work import unit_of_work


def invitation_url(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.invitation", token=token)


def send_invitation(invitation, token: str) -> bool:
    """E-mail the link in the invitee's language; tell the sender how it went."""
    inviter = invitation.invited_by.name if invitation.invited_by else invitation.programme.name
    message = compose("invitation", invitation.email, invitation.locale, invitation=invitation, inviter=inviter,
                      url=invitation_url(token), days=current_app.config["INVITATION_DAYS"])
    try:
        send(message)
    except MailError:
        current_app.logger.exception("invitation mail to %s failed", invitation.email)
        flash(_("The invitation is saved but the e-mail could not be sent. Try “Send again” later."), "error")
        return False
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
