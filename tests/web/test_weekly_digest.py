"""DASH-1: the buyers' weekly digest e-mail: off by default, turned on by the buyer, exactly
once per ISO week however often (and on however many machines) the daily job runs, in the
buyer's language, with the dashboard's figures as they stand when it is sent."""

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import select

from bwportal.domain.dashboards import digest
from bwportal.extensions import db
from bwportal.jobs.digest import weekly_digests
from bwportal.models import OutboxMessage, OutboxStatus, Role, User
from tests import factories as f

MONDAY = datetime(2026, 3, 2, 6, 45, tzinfo=UTC)


def _rows():
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == digest.KIND)
                                   .order_by(OutboxMessage.id)))


@pytest.fixture
def followed(world):
    """Angkor (followed by the world's buyer) with a released assessment and an overdue item."""
    today = date.today()
    cycle = f.make_cycle(world.angkor, 1, today - timedelta(days=80), today - timedelta(days=50))
    f.make_ip_item_in_state(cycle, "Overtime Wages", target_date=today - timedelta(days=3), area="Overtime unpaid")
    db.session.commit()
    return world


def test_off_by_default_and_no_digest_is_written(followed):
    assert followed.buyer.weekly_digest is False
    assert weekly_digests(MONDAY) == 0 and _rows() == []


def test_the_buyer_turns_it_on_and_off_on_the_dashboard(followed, login):
    client = login(followed.buyer)
    response = client.post("/dashboard/digest", data={"weekly_digest": "on"})
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    db.session.expire_all()
    assert db.session.get(User, followed.buyer.id).weekly_digest is True
    assert 'name="weekly_digest" value="on" checked' in client.get("/dashboard").get_data(as_text=True)
    client.post("/dashboard/digest", data={})
    db.session.expire_all()
    assert db.session.get(User, followed.buyer.id).weekly_digest is False


@pytest.mark.parametrize("who", ["factory_user", "ea", "admin", "assessor"])
def test_only_buyers_have_a_digest(followed, login, who):
    assert login(getattr(followed, who)).post("/dashboard/digest", data={"weekly_digest": "on"}).status_code == 403


def test_once_per_week_however_often_the_job_runs(followed, mailbox, jobs):
    followed.buyer.weekly_digest = True
    other = f.make_user(Role.BUYER, buyer_organisation=followed.other_brand, weekly_digest=True, locale="fr")
    f.make_user(Role.BUYER, buyer_organisation=followed.other_brand, weekly_digest=True, active=False)
    f.make_user(Role.BUYER, buyer_organisation=followed.brand)  # left off
    db.session.commit()
    assert weekly_digests(MONDAY) == 2
    assert weekly_digests(MONDAY + timedelta(hours=1)) == 0  # run twice
    assert weekly_digests(MONDAY + timedelta(days=6, hours=17)) == 0  # Sunday night: the same week
    jobs()
    assert [(r.recipient_id, r.status) for r in _rows()] == [(followed.buyer.id, OutboxStatus.SENT),
                                                              (other.id, OutboxStatus.SENT)]
    assert len(mailbox.messages(to=followed.buyer.email)) == 1
    assert weekly_digests(MONDAY + timedelta(days=7)) == 2  # the next week
    assert len(_rows()) == 4


def test_two_machines_at_once_write_one_digest(app, followed):
    followed.buyer.weekly_digest = True
    db.session.commit()
    errors = []

    def run():
        try:
            with app.app_context():
                digest.queue_weekly(MONDAY)
                db.session.commit()
        except Exception as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(_rows()) == 1


def test_the_digest_is_in_the_buyers_language_with_the_figures(followed, mailbox, jobs):
    buyer = followed.buyer
    buyer.weekly_digest, buyer.locale = True, "fr"
    db.session.commit()
    weekly_digests(MONDAY)
    jobs()
    [message] = mailbox.messages(to=buyer.email)
    assert message["Content-Language"] == "fr"
    text = message.get_body(("plain",)).get_content()
    assert format_date(date(2026, 3, 2), "long", locale="fr") in text  # "2 mars 2026"
    assert "Angkor Garments" in text and "Mekong" not in text and "Bandung" not in text
    assert "Compensation: 1 / 0" in text or "1 / 0" in text  # one finding in the latest assessment
    assert "/dashboard" in text


def test_a_digest_turned_off_before_it_goes_is_not_sent(followed, mailbox, jobs, monkeypatch):
    from bwportal.jobs import outbox as relay_jobs

    followed.buyer.weekly_digest = True
    db.session.commit()
    monkeypatch.setattr(relay_jobs, "relay", lambda ids: 0)  # written, not handed on yet
    monkeypatch.setattr("bwportal.jobs.digest.relay", lambda ids: 0)
    weekly_digests(MONDAY)
    followed.buyer.weekly_digest = False
    db.session.commit()
    [row] = _rows()
    relay_jobs.deliver(row.id)
    assert mailbox.messages(to=followed.buyer.email) == []
    assert _rows()[0].status is OutboxStatus.SENT  # done: nothing to send
