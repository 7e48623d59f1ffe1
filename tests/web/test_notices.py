"""Notices through the outbox (issue 7): the deadline sweep on the right local day, once;
event e-mails in the recipient's language; Redis down; retries; the CLI and /healthz."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from babel.dates import format_date
from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.jobs import deadlines
from bwportal.jobs import outbox as relay_jobs
from bwportal.jobs.queues import PRIORITY
from bwportal.models import OutboxMessage, OutboxStatus
from tests import factories as f
from tests.helpers import translated

RELEASE = date(2026, 3, 2)  # PR1 due 1 April 2026


def _rows(kind=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    return list(db.session.scalars(query))


@pytest.fixture
def cycle(world):
    cycle = f.make_cycle(world.angkor, 1, assessment_date=date(2026, 2, 1), report_release_date=RELEASE)
    world.factory_user.locale = "km"
    db.session.commit()
    return cycle


def _local_midnight_plus(day: date, minutes: int, tz="Asia/Phnom_Penh") -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(tz)) + timedelta(minutes=minutes)


def test_due_soon_reminder_on_the_right_local_day_once(app, world, cycle, mailbox, jobs):
    remind_on = date(2026, 3, 25)  # a week before 1 April
    with time_machine.travel(_local_midnight_plus(remind_on, -5), tick=False):  # 23:55 the day before
        assert deadlines.sweep()["pr1_due_soon"] == 0
    with time_machine.travel(_local_midnight_plus(remind_on, 5), tick=False):  # 00:05 in Phnom Penh
        assert deadlines.sweep()["pr1_due_soon"] == 1
        assert deadlines.sweep()["pr1_due_soon"] == 0  # run twice: nothing new
    jobs()
    db.session.expire_all()
    rows = _rows("mail.pr1_due_soon")
    assert [(r.recipient_id, r.status) for r in rows] == [(world.factory_user.id, OutboxStatus.SENT)]
    [message] = mailbox.messages(to=world.factory_user.email)
    assert message["Content-Language"] == "km"
    due = format_date(date(2026, 4, 1), "long", locale="km")
    assert message["Subject"] == translated("km", "%(factory)s: Progress Report 1 is due on %(due)s") % {
        "factory": "Angkor Garments", "due": due}


def test_two_sweeps_at_once_write_each_notice_once(app, world, cycle):
    now = _local_midnight_plus(date(2026, 3, 25), 60)
    errors = []

    def run():
        try:
            with app.app_context():
                deadlines.sweep(now)
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(_rows("mail.pr1_due_soon")) == 1


def test_factory_and_buyer_notices_follow_the_report(app, world, cycle):
    deadlines.sweep(_local_midnight_plus(date(2026, 6, 28), 60))  # 1 July minus 3 days
    assert {r.recipient_id for r in _rows("mail.pr1_factory_reminder")} == {world.factory_user.id}
    assert _rows("mail.pr1_buyer_notice") == []
    f.submit_report(f.make_report(cycle, author=world.factory_user, report_date=date(2026, 6, 30)),
                    world.factory_user)
    db.session.commit()
    deadlines.sweep(_local_midnight_plus(date(2026, 7, 15), 60))  # 1 July plus 14 days, not final
    assert {r.recipient_id for r in _rows("mail.pr1_buyer_notice")} == {world.buyer.id}
    assert {r.recipient_id for r in _rows("mail.pr1_factory_reminder")} == {world.factory_user.id}  # no more


def test_report_events_reach_each_recipient_in_their_language(login, world, cycle, mailbox, jobs):
    world.ea.locale, world.buyer.locale = "fr", "es"
    db.session.commit()
    report = f.make_report(cycle, author=world.factory_user, report_date=date(2026, 3, 20))
    db.session.commit()
    factory = login(world.factory_user)
    assert factory.post(f"/factories/{world.angkor.id}/reports/{report.id}/submit").status_code in (302, 303)
    jobs()
    [to_ea] = mailbox.messages(to=world.ea.email)
    assert to_ea["Content-Language"] == "fr"
    assert to_ea["Subject"] == translated("fr", "%(factory)s has submitted its %(report)s") % {
        "factory": "Angkor Garments", "report": translated("fr", "Progress Report 1")}
    assert mailbox.messages(to=world.ea2.email) == []
    ea = login(world.ea)
    assert ea.post(f"/factories/{world.angkor.id}/reports/{report.id}/approve").status_code in (302, 303)
    jobs()
    [to_factory] = mailbox.messages(to=world.factory_user.email)
    assert to_factory["Content-Language"] == "km"
    assert f"/factories/{world.angkor.id}/reports/{report.id}" in to_factory.get_body(("plain",)).get_content()
    [to_buyer] = mailbox.messages(to=world.buyer.email)
    assert to_buyer["Content-Language"] == "es"
    assert mailbox.messages(to=world.other_buyer.email) == []
    # The portal shows them too, in the reader's language.
    page = login(world.buyer).get("/notices").get_data(as_text=True)
    assert "Angkor Garments" in page and f"/reports/{report.id}" in page


def test_redis_down_the_change_commits_and_the_notice_waits(app, login, world, cycle, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    report = f.make_report(cycle, author=world.factory_user, report_date=date(2026, 3, 20))
    db.session.commit()
    response = login(world.factory_user).post(f"/factories/{world.angkor.id}/reports/{report.id}/submit")
    assert response.status_code in (302, 303)
    db.session.expire_all()
    assert db.session.get(type(report), report.id).status.value == "submitted"
    [row] = _rows("mail.report_submitted")
    assert row.status is OutboxStatus.PENDING and mailbox.messages() == []
    # Redis is back: the periodic relay hands the row to a worker, which sends it once.
    connection = _redis_for_test(app, monkeypatch)
    assert relay_jobs.relay_due() == 1
    _work(connection)
    assert len(mailbox.messages(to=world.ea.email)) == 1
    relay_jobs.relay_due()
    _work(connection)
    assert len(mailbox.messages(to=world.ea.email)) == 1


def _redis_for_test(app, monkeypatch):
    """The real Redis of CI when REDIS_URL is set, else fakeredis."""
    import os

    from bwportal.infra import redis_connection

    url = os.environ.get("REDIS_URL")
    if url:
        monkeypatch.setitem(app.config, "REDIS_URL", url)
        connection = redis_connection.get_redis()
        connection.delete(*(f"rq:queue:{name}" for name in PRIORITY))
        return connection
    import fakeredis

    connection = fakeredis.FakeStrictRedis()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    monkeypatch.setattr(relay_jobs, "get_redis", lambda: connection)
    return connection


def _work(connection):
    from rq import Queue, SimpleWorker

    SimpleWorker([Queue(name, connection=connection) for name in PRIORITY], connection=connection).work(burst=True)


def test_a_job_that_fails_twice_then_succeeds_sends_once(app, world, mailbox, monkeypatch):
    from bwportal.jobs import notices

    calls = []
    real = notices.send_notice

    def flaky(row):
        calls.append(row.id)
        if len(calls) <= 2:
            raise ConnectionError("mail server busy")
        real(row)

    monkeypatch.setattr(notices, "send_notice", flaky)
    f.make_notice(world.buyer, world.angkor, "test:1")
    db.session.commit()
    [row] = _rows()
    now = datetime.now(UTC)
    for _attempt in range(2):
        with pytest.raises(ConnectionError):
            relay_jobs.deliver(row.id, now)
        db.session.expire_all()
        row = db.session.get(OutboxMessage, row.id)
        assert row.status is OutboxStatus.PENDING and "busy" in row.last_error
        assert relay_jobs.deliver(row.id, now) == "skipped"  # not due before its backoff
        now = row.available_at.replace(tzinfo=UTC) + timedelta(seconds=1)
    assert relay_jobs.deliver(row.id, now) == "sent"
    assert relay_jobs.deliver(row.id, now + timedelta(hours=1)) == "skipped"
    assert len(calls) == 3
    assert len(mailbox.messages(to=world.buyer.email)) == 1


def test_a_row_held_by_a_dead_worker_is_taken_over(app, world, mailbox, jobs):
    f.make_notice(world.buyer, world.angkor, "test:2")
    db.session.commit()
    [row] = _rows()
    row.status, row.claimed_until = OutboxStatus.SENDING, datetime.now(UTC) + timedelta(minutes=5)
    db.session.commit()
    assert relay_jobs.relay_due() == 0  # still held
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6)):  # the worker died: its claim runs out
        assert relay_jobs.relay_due() == 1
        jobs()
    assert len(mailbox.messages(to=world.buyer.email)) == 1


def test_verification_overdue_reminds_the_advisors(app, world):
    cycle = f.make_cycle(world.angkor, 1, assessment_date=date(2026, 1, 5))
    f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", remediation_reported_at=datetime(2026, 2, 1, tzinfo=UTC))
    f.make_visit(cycle, date(2026, 2, 10))
    f.make_visit(cycle, date(2026, 3, 10))  # the second visit: verification due
    f.assign_ea(world.ea2, world.angkor, is_lead=False)
    db.session.commit()
    assert deadlines.sweep(_local_midnight_plus(date(2026, 3, 10), 60))["verification_overdue"] == 0
    assert deadlines.sweep(_local_midnight_plus(date(2026, 3, 11), 60))["verification_overdue"] == 2
    assert deadlines.sweep(_local_midnight_plus(date(2026, 3, 12), 60))["verification_overdue"] == 0
    assert {r.recipient_id for r in _rows("mail.verification_overdue")} == {world.ea.id, world.ea2.id}


def test_verification_result_tells_the_factory(world, mailbox):
    from bwportal.domain.ip import operations as ops

    cycle = f.make_cycle(world.angkor, 1)
    # The factory reported it remediated: only then can the EA return it (issue 17: checked under the lock).
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", remediation_reported_at=datetime.now(UTC))
    ops.return_to_factory(item, world.ea, "Please show the payslips")
    db.session.commit()
    assert [(r.kind, r.recipient_id) for r in _rows()] == [("mail.item_returned", world.factory_user.id)]


def test_cli_lists_and_retries_and_healthz_reports_the_outbox(app, client, world, jobs):
    f.make_notice(world.buyer, world.angkor, "test:3")
    db.session.commit()
    row = _rows()[0]
    row.status = OutboxStatus.FAILED
    row.created_at = datetime.now(UTC) - timedelta(minutes=10)
    row.status = OutboxStatus.PENDING
    db.session.commit()
    health = client.get("/healthz").get_json()["outbox"]
    assert health["pending"] == 1 and health["oldest_pending_seconds"] >= 590
    db.session.get(OutboxMessage, row.id).status = OutboxStatus.FAILED
    db.session.commit()
    runner = app.test_cli_runner()
    listed = runner.invoke(args=["outbox", "list", "--status", "failed"])
    assert listed.exit_code == 0 and "mail.report_released" in listed.output and world.buyer.email in listed.output
    shown = runner.invoke(args=["outbox", "show", str(row.id)])
    assert "test:3" in shown.output
    retried = runner.invoke(args=["outbox", "retry", "--failed"])
    assert "1 rows retried" in retried.output
    jobs()
    db.session.expire_all()
    assert db.session.get(OutboxMessage, row.id).status is OutboxStatus.SENT
    assert client.get("/healthz").get_json()["outbox"]["pending"] == 0
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 1
    assert runner.invoke(args=["outbox", "sweep"]).exit_code == 0
