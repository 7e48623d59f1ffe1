"""Sending a notice: the outbox row's words in the recipient's language, as an e-mail with
plain text and HTML and a link to the page (JOB-2)."""

import hashlib
from datetime import date

from flask import current_app, url_for
from flask_babel import force_locale, format_date, gettext

from ..domain.notices.notify import KINDS
from ..extensions import db
from ..infra.mail import compose, message_id, send
from ..models import Invitation, PasswordReset


def _locale(user) -> str:
    supported = current_app.config["LOCALES"]
    if user.locale in supported:
        return user.locale
    programme = user.home_programme
    return programme.default_locale if programme is not None and programme.default_locale in supported else "en"


def _words(kind, params: dict) -> tuple[str, str]:
    values = dict(params)
    report_name = values.get("report")
    if report_name:  # stored as its English msgid (domain.notices.REPORT_NAMES)
        values["report"] = gettext(report_name)
    if values.get("due"):
        values["due"] = format_date(date.fromisoformat(values["due"]), "long")
    body = gettext(kind.body, **values)
    if values.get("reason"):  # the EA's words, as written: a report sent back says why
        body += "\n\n" + gettext("Their comments: %(reason)s", reason=values["reason"])
    return gettext(kind.subject, **values), body


def render(row, locale: str | None = None) -> tuple[str, str, str, str]:
    """(locale, subject, body, url) of the row's notice, in ``locale`` or its recipient's."""
    locale = locale or _locale(row.recipient)
    kind = KINDS[row.kind.removeprefix("mail.")]
    link = dict(row.payload.get("link") or {})
    endpoint = link.pop("endpoint", "main.home")
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        url = url_for(endpoint, _external=True, **link)
        with force_locale(locale):
            subject, body = _words(kind, row.payload.get("params") or {})
    return locale, subject, body, url


def hand_over(row) -> None:
    from .outbox import hand_over as record  # jobs.outbox imports this module's handlers lazily

    record(row)


def send_notice(row) -> None:
    recipient = row.recipient
    if recipient is None or not recipient.active:
        return  # nobody to tell any more; the row is done
    locale, subject, body, url = render(row)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        message = compose("notice", recipient.email, locale, msgid=row_message_id(row), subject=subject, body=body,
                          url=url, name=recipient.name)
    hand_over(row)
    send(message)


def row_message_id(row) -> str:
    """The same Message-ID whenever this row is sent: a copy sent again (see jobs.outbox) is
    one message to the recipient's mail system."""
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:12]
    return message_id(f"outbox.{row.id}.{digest}")


def send_link(row) -> dict:
    """An e-mail carrying a one-time link (password reset, invitation). Returns what to write
    on the row once sent: the payload without the link, so no usable token stays behind."""
    payload = dict(row.payload or {})
    url = payload.pop("url", None)
    if not url:
        return {}
    if row.kind == "link.password_reset":
        reset = db.session.get(PasswordReset, payload.get("reset_id"))
        if reset is None or reset.user is None:
            return {"payload": payload}  # gone: nothing to send
        # A link replaced since is sent all the same (it answers "replaced by a newer one"), as
        # when it was sent inside the request: what arrives does not depend on the queue's speed.
        user = reset.user
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            message = compose("password_reset", user.email, _locale(user), msgid=row_message_id(row), user=user,
                              url=url, hours=payload.get("hours", 1))
    else:
        invitation = db.session.get(Invitation, payload.get("invitation_id"))
        if invitation is None:
            return {"payload": payload}
        inviter = invitation.invited_by.name if invitation.invited_by else invitation.programme.name
        with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
            message = compose("invitation", invitation.email, invitation.locale, msgid=row_message_id(row),
                              invitation=invitation, inviter=inviter, url=url, days=payload.get("days", 7))
    hand_over(row)
    send(message)
    return {"payload": payload}
