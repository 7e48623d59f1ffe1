"""Issue 18, item 7: notices go first, and a dead worker's job is taken over soon (JOB-1, NOT-1).

Queue order is checked the way the Procfile's worker takes jobs (RQ's dequeue over its queues in
the order given); time is moved with time-machine, never waited for."""

import os
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine

from bwportal.domain import documents
from bwportal.domain.notices import outbox
from bwportal.extensions import db
from bwportal.jobs import outbox as relay_jobs
from bwportal.models import OutboxMessage, OutboxStatus
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]


def procfile_queues() -> list[str]:
    """The queues the Procfile's worker serves, in its order."""
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith("worker:"))
    words = line.split()
    return words[words.index("--url") + 2:]


@pytest.fixture
def redis_connection(app, monkeypatch):
    """The real Redis of CI when REDIS_URL is set, else fakeredis; the queues emptied."""
    from bwportal.infra import redis_connection

    if os.environ.get("REDIS_URL"):
        monkeypatch.setitem(app.config, "REDIS_URL", os.environ["REDIS_URL"])
        connection = redis_connection.get_redis()
    else:
        import fakeredis

        connection = fakeredis.FakeStrictRedis()
        monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
        monkeypatch.setattr(relay_jobs, "get_redis", lambda: connection)
    connection.delete(*(f"rq:queue:{name}" for name in procfile_queues()), "rq:queue:default")
    yield connection
    connection.delete(*(f"rq:queue:{name}" for name in procfile_queues()))


def test_a_notice_enqueued_behind_a_pdf_backlog_is_served_first(app, world, pr1, redis_connection):
    """JOB-1 / NOT-1: five PDFs were asked for first; the deadline e-mail is still the next job."""
    from rq import Queue

    for _ in range(5):
        documents.request_ip(world.angkor, world.factory_user, "en")
    db.session.commit()
    pdfs = outbox.take_committed(db.session())
    notice = f.make_notice(world.buyer, world.angkor)
    db.session.commit()
    notices = outbox.take_committed(db.session())
    assert relay_jobs.relay(pdfs) == 5 and relay_jobs.relay(notices) == 1
    queues = [Queue(name, connection=redis_connection) for name in procfile_queues()]
    job, queue = Queue.dequeue_any(queues, None, connection=redis_connection)
    assert job.args == ([notice.id],) and queue.name == "notices"  # e-mails go in batches (one SMTP connection)
    served = [Queue.dequeue_any(queues, None, connection=redis_connection)[0].args[0] for _ in range(5)]
    assert sorted(served) == sorted(pdfs)  # the backlog is still there, after it


class Killed(BaseException):
    """The worker process dying mid-job (nothing below it runs: no except, no commit)."""


def test_a_dead_workers_job_is_taken_over_within_two_minutes(app, world, monkeypatch, mailbox, jobs):
    """JOB-1: a worker claimed a notice and died; within the claim (a minute) nobody takes it,
    after it the relay (every minute) hands it on and it is sent."""
    notice = f.make_notice(world.buyer, world.angkor)
    db.session.commit()
    outbox.take_committed(db.session())
    real_handler = relay_jobs.handler_for

    def dies(kind):
        def handler(row):
            raise Killed()
        return handler

    monkeypatch.setattr(relay_jobs, "handler_for", dies)
    started = datetime.now(UTC)
    with pytest.raises(Killed):
        relay_jobs.deliver(notice.id)
    db.session.expire_all()
    assert db.session.get(OutboxMessage, notice.id).status is OutboxStatus.SENDING
    monkeypatch.setattr(relay_jobs, "handler_for", real_handler)
    with time_machine.travel(started + timedelta(seconds=30)):
        assert relay_jobs.relay_due() == 0  # the claim still holds: it might be alive
    with time_machine.travel(started + timedelta(seconds=119)):  # the relay's run at most 2 minutes on
        assert relay_jobs.relay_due() == 1
        jobs()
    db.session.expire_all()
    row = db.session.get(OutboxMessage, notice.id)
    assert row.status is OutboxStatus.SENT and row.attempts == 2
    assert len(mailbox.messages()) == 1


@pytest.mark.skipif(not (os.environ.get("DATABASE_URL") or "").startswith("postgres"),
                    reason="workers in processes of their own: PostgreSQL")
def test_a_live_worker_renews_its_claim_and_is_not_overtaken(app, world, monkeypatch):
    """JOB-1: a claim far shorter than a long PDF: the working worker keeps renewing it, so the
    relay never hands its row to a second worker meanwhile."""
    monkeypatch.setitem(app.config, "OUTBOX_CLAIM_SECONDS", 0.6)
    notice = f.make_notice(world.buyer, world.angkor)
    db.session.commit()
    outbox.take_committed(db.session())
    seen = []

    def claim_end():
        with db.engine.connect() as connection:
            end = connection.scalar(db.select(OutboxMessage.claimed_until).where(OutboxMessage.id == notice.id))
        return end if end.tzinfo else end.replace(tzinfo=UTC)

    def due_now() -> list[int]:
        with db.engine.connect() as connection:
            return list(connection.scalars(outbox.due_rows()))

    def long_job(kind):
        def handler(row):
            first = claim_end()
            stop = threading.Event()
            # The work goes on past the first claim's end (bounded: 10 s at most).
            while datetime.now(UTC) < first + timedelta(seconds=0.5) and not stop.wait(0.05):
                pass
            for _ in range(100):
                seen.append((claim_end() > first, notice.id in due_now()))
                if seen[-1][0]:
                    return
                stop.wait(0.1)
        return handler

    monkeypatch.setattr(relay_jobs, "handler_for", long_job)
    assert relay_jobs.deliver(notice.id) == "sent"
    assert seen and seen[-1] == (True, False), "the claim ran out while the job ran: another worker may take it"
