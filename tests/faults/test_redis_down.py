"""Redis down (issue 9): pages, a PR1 save, the submission, the EA's approval and a PDF
request all work; their notices and the PDF job wait in the outbox, pending; once Redis is
back the periodic relay and a burst worker deliver each exactly once.

"Down" is REDIS_URL pointing at a port of this machine nothing listens on (the machine's
Redis stays up for everyone else). "Back" is the real Redis of REDIS_URL (CI), else fakeredis.
tests/web/test_notices.py covers the narrower case of one submission.
"""

import os
import socket
from collections import Counter

from sqlalchemy import select

from bwportal.extensions import db
from bwportal.jobs import outbox as relay_jobs
from bwportal.models import Document, DocumentStatus, OutboxMessage, OutboxStatus, ReportStatus
from tests.conftest import sign_in
from tests.web.test_notices import _redis_for_test, _work

from .conftest import say, section_url, stored_section


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed on leaving: nothing listens there


def rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_redis_down_the_portal_works_and_the_outbox_waits(app, world, pr1, mailbox, monkeypatch):
    factory, ea = app.test_client(), app.test_client()
    sign_in(factory, world.factory_user)
    sign_in(ea, world.ea)
    dead = f"redis://127.0.0.1:{unused_port()}/0"
    monkeypatch.setitem(app.config, "REDIS_URL", dead)
    report_url = f"/factories/{world.angkor.id}/reports/{pr1.id}"

    pages = [f"/factories/{world.angkor.id}/organization", report_url + "?preview=1", section_url(world, pr1),
             f"/factories/{world.angkor.id}/ip", "/home", "/notices"]
    for page in pages:
        assert factory.get(page).status_code == 200, page
    assert ea.get("/inbox").status_code == 200
    health = factory.get("/healthz").get_json()
    assert (health["database"], health["redis"]) == ("ok", "down")  # reported, not hidden

    version = stored_section(pr1).version
    saved = factory.post(section_url(world, pr1), data={"feedback": "Saved while Redis is down",
                                                        "version": str(version)})
    assert saved.status_code == 302
    assert factory.post(report_url + "/submit").status_code == 302
    pdf = factory.post(report_url + "/pdf")
    assert pdf.status_code == 302
    assert ea.post(report_url + "/approve").status_code == 302

    db.session.expire_all()
    assert stored_section(pr1).answers["feedback"]["value"] == "Saved while Redis is down"
    assert db.session.get(type(pr1), pr1.id).status is ReportStatus.APPROVED
    waiting = rows()
    kinds = Counter(row.kind for row in waiting)
    assert kinds["mail.report_submitted"] >= 1 and kinds["mail.report_approved"] >= 1
    assert kinds["mail.report_released"] >= 1 and kinds["job.render_document"] == 1
    assert {row.status for row in waiting} == {OutboxStatus.PENDING} and mailbox.messages() == []
    document = db.session.scalar(select(Document))
    assert document.status is DocumentStatus.QUEUED

    # Redis is back: the periodic relay hands every row to the queue; a burst worker works it.
    connection = _redis_for_test(app, monkeypatch)
    assert relay_jobs.relay_due() == len(waiting)
    _work(connection)
    done = rows()
    assert {row.status for row in done} == {OutboxStatus.SENT}, [(r.kind, r.status, r.last_error) for r in done]
    mails = [row for row in done if row.kind.startswith("mail.")]
    sent = Counter(message["To"] for message in mailbox.messages())
    expected = Counter(db.session.get(type(world.ea), row.recipient_id).email for row in mails)
    assert sent == expected  # each notice to its recipient, once
    db.session.refresh(document)
    assert document.status is DocumentStatus.READY
    # Relayed again (a second cron tick): nothing is sent twice.
    assert relay_jobs.relay_due() == 0
    _work(connection)
    assert Counter(message["To"] for message in mailbox.messages()) == expected
    back = os.environ.get("REDIS_URL") or "fakeredis"
    say(f"Redis down ({dead}): {len(pages) + 1} pages 200, /healthz says redis down; a PR1 save, "
        f"the submission, a PDF request and the EA's approval committed; {len(waiting)} outbox rows waited "
        f"pending ({dict(kinds)}); Redis back ({back}): relay_due handed on {len(waiting)}, the burst worker sent "
        f"{sum(sent.values())} mails once each and rendered the PDF; a second relay sent nothing")
