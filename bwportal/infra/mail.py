"""Sending e-mail. With MAIL_SERVER set, through SMTP; otherwise (the embedded default) each
message is written to the outbox folder as an .eml file and logged to the console, so a
developer can open the links it holds.

Messages are composed from a text and an HTML template in the recipient's language, with the
headers RFC 5322 asks for (Date, a Message-ID in the portal's own domain, PUBLIC_URL's).

Transport (issue 18 item 6), the standard library's ``smtplib`` used fully, no extra
dependency: implicit TLS (``MAIL_USE_SSL``, port 465) or STARTTLS (``MAIL_USE_TLS``, port
587), both verifying the server's certificate (``MAIL_TLS_CA_FILE`` for a private CA), then
login when ``MAIL_USERNAME`` is set. Inside ``connection()`` every ``send`` shares one SMTP
session (the relay sends a batch of notices through one connection); outside it each
message opens its own.
"""

import contextvars
import logging
import smtplib
import ssl
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template
from flask_babel import force_locale

from ..forms.text import single_line

log = logging.getLogger(__name__)

_open: contextvars.ContextVar["_Connection | None"] = contextvars.ContextVar("smtp_connection", default=None)


class MailError(RuntimeError):
    """The message could not be handed to the mail server."""


def mail_domain() -> str:
    """The domain of the portal's Message-IDs: PUBLIC_URL's host."""
    return urlsplit(current_app.config.get("PUBLIC_URL") or "").hostname or "localhost"


def message_id(local: str | None = None) -> str:
    """A Message-ID in the portal's domain; ``local`` makes it stable (the same outbox row
    sent again carries the same id, which mail systems use to drop the copy)."""
    if local:
        return f"<{local}@{mail_domain()}>"
    return make_msgid(domain=mail_domain())


def compose(template: str, to: str, locale: str, *, msgid: str | None = None, **context) -> EmailMessage:
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
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = msgid or message_id()
    message.set_content(body.lstrip("\n"))
    message.add_alternative(html, subtype="html")
    message["Content-Language"] = locale  # after set_content, which drops Content-* headers
    return message


def _tls_context(config) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=config.get("MAIL_TLS_CA_FILE") or None)


class _Connection:
    """One SMTP session, opened at the first message and kept for the next ones."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.sent = 0

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config.get("MAIL_TIMEOUT", 15)
        if config.get("MAIL_USE_SSL"):
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context(config))
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if config.get("MAIL_USE_TLS"):
                smtp.starttls(context=_tls_context(config))
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return smtp

    def send(self, message: EmailMessage) -> None:
        try:
            if self.smtp is None:
                self.smtp = self._connect()
            self.smtp.send_message(message)
            self.sent += 1
        except (OSError, smtplib.SMTPException) as error:
            self.close()  # a broken session is not reused: the next message opens a new one
            raise MailError(str(error)) from error

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()
            self.smtp = None


@contextmanager
def connection():
    """Send every message of the block through one SMTP connection (opened only if one is sent)."""
    if _open.get() is not None or not current_app.config.get("MAIL_SERVER"):
        yield
        return
    opened = _Connection(current_app.config)
    token = _open.set(opened)
    try:
        yield
    finally:
        _open.reset(token)
        opened.close()


def send(message: EmailMessage) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_to_outbox(message, Path(config["MAIL_OUTBOX_DIR"]))
        return
    shared = _open.get()
    if shared is not None:
        shared.send(message)
        return
    single = _Connection(config)
    try:
        single.send(message)
    finally:
        single.close()


def _write_to_outbox(message: EmailMessage, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    # Names sort in the order the mails were written.
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + f"{time.time_ns() % 10**9:09d}"
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.eml"
    path.write_bytes(bytes(message))
    log.warning("mail to %s written to %s: %s", message["To"], path, message["Subject"])
