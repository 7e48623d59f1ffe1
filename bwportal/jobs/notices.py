"""Sending a notice: the outbox row's words in the recipient's language, as an e-mail with
plain text and HTML and a link to the page (JOB-2)."""

from datetime import date

from flask import current_app, url_for
from flask_babel import force_locale, format_date, gettext

from ..domain.notices.notify import KINDS
from ..infra.mail import compose, send


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


def send_notice(row) -> None:
    recipient = row.recipient
    if recipient is None or not recipient.active:
        return  # nobody to tell any more; the row is done
    locale, subject, body, url = render(row)
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"]):
        message = compose("notice", recipient.email, locale, subject=subject, body=body, url=url, name=recipient.name)
    send(message)
