"""Mail transport: through a real SMTP server on loopback when MAIL_SERVER is set."""

import socket
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message

from bwportal.infra.mail import MailError, compose, send
from tests import factories as f
from tests.helpers import translated


class Inbox(Message):
    def __init__(self):
        super().__init__()
        self.received = []

    def handle_message(self, message):
        self.received.append(message)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    app.config.update(MAIL_SERVER="")
    controller.stop()


def test_invitation_reaches_the_smtp_server_in_the_invitees_language(login, world, smtp_server, mailbox, jobs):
    admin = login(world.admin)
    admin.post("/admin/invitations/new", data={"email": "new@example.com", "name": "Nimol", "role": "assessor",
                                               "locale": "fr"})
    jobs()  # through the outbox (issue 17 item 10): the worker sends it
    [message] = smtp_server.received
    assert message["To"] == "new@example.com"
    assert message["Content-Language"] == "fr"
    subject = str(make_header(decode_header(message["Subject"])))  # the server keeps it MIME-encoded
    assert subject == translated("fr", "You are invited to the Better Work portal")
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.walk()
             if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "/invitation/" in parts["text/plain"] and "Nimol" in parts["text/html"]
    assert mailbox.messages() == [], "with an SMTP server nothing goes to the outbox folder"


def test_an_unreachable_server_is_a_mail_error(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port())
    try:
        with app.test_request_context():
            message = compose("invitation", "x@example.com", "en", invitation=_FakeInvitation(), inviter="A",
                              url="http://x/invitation/t", days=7)
            with pytest.raises(MailError):
                send(message)
    finally:
        app.config.update(MAIL_SERVER="")


class _FakeInvitation:
    name = "X"
    factory = None
    programme = type("P", (), {"name": "Cambodia"})()


def test_a_notice_reaches_the_smtp_server_in_the_recipients_language(app, world, smtp_server):
    from bwportal.extensions import db
    from bwportal.jobs.outbox import deliver

    world.buyer.locale = "ar"
    row = f.make_notice(world.buyer, world.angkor, "smtp-test:1")
    db.session.commit()
    assert deliver(row.id) == "sent"
    [message] = smtp_server.received
    assert message["To"] == world.buyer.email and message["Content-Language"] == "ar"
    subject = str(make_header(decode_header(message["Subject"])))
    expected = translated("ar", "%(factory)s: the final %(report)s is released") % {
        "factory": "Angkor Garments", "report": translated("ar", "Progress Report 1")}
    assert subject == expected
    html = next(p for p in message.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    assert 'dir="rtl"' in html
