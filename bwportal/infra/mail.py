"""Sending e-mail. With MAIL_SERVER set, through SMTP; otherwise (the embedded default) each
message is written to the outbox folder as an .eml file and logged to the console, so a
developer can open the links it holds.

Messages are composed from a text and an HTML template in the recipient's language.
"""

import logging
import smtplib
import time
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from flask import current_app, render_template
from flask_babel import force_locale

from ..forms.text import single_line

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def compose(template: str, to: str, locale: str, **context) -> EmailMessage:
    """``emails/<template>.txt`` and ``.html``, rendered in ``locale``; the subject is the
    text template's first line."""
    with force_locale(locale):
        text = render_template(f"emails/{template}.txt", **context)
        html = render_template(f"emails/{template}.html", **context)
    subject, _, body = text.partition("\n")
    message = EmailMessage()
    # A header never carries a line break, whatever a name in it holds (a carriage return in a
    # factory's name made every mail naming it fail and stuck its queue: issue 17 item 9).
    message["Subject"] = single_line(subject).strip()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = single_line(to).strip()
    message["Message-ID"] = make_msgid(domain="bwportal")
    message.set_content(body.lstrip("\n"))
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after set_content, which drops Content-* headers
    return message


def send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=15) as smtp:
            if config.get("MAIL_USE_TLS"):
                smtp.starttls()
            if config.get("MAIL_USERNAME"):
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(str(error)) from error


def _write_to_outbox(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Names sort in the order the mails were written.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"{time.time_ns() % 10**9:09d}"
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    log.warning("mail to %s written to %s: %s", message["To"], path, message["Subject"])
