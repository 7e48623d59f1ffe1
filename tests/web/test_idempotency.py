"""Saves replayed from a device's offline queue are applied once (issue 19 item 6): the same
Idempotency-Key twice is one save and the same answer; another user's key is not theirs; a
replay whose section someone else changed meanwhile is a conflict, not an overwrite."""

from bwportal.extensions import db
from bwportal.models import IdempotencyKey, ReportSection, Role
from tests import factories as f

from .test_reports import HX, base, create


def section_of(report, key="feedback") -> ReportSection:
    db.session.expire_all()
    return db.session.scalar(db.select(ReportSection).filter_by(report_id=report.id, key=key))


def keys() -> list[IdempotencyKey]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(IdempotencyKey)))


def test_the_same_key_twice_saves_once_and_answers_the_same(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    url = f"{base(world)}/{report.id}/feedback"
    client.post(url, data={"feedback": "First text"})
    version = section_of(report).version
    sent = {"feedback": "Typed offline", "version": str(version)}
    once = {**HX, "Idempotency-Key": "0f3c2a5e-1b7d-4c1e-9a54-3d2b1c0e9f87"}

    first = client.post(url, headers=once, data=sent)
    again = client.post(url, headers=once, data=sent)  # the queue replayed it: the answer was lost

    assert first.status_code == again.status_code == 200
    assert "Section saved to draft." in again.get_data(as_text=True)
    assert section_of(report).version == version + 1  # one effect, no conflict with itself
    assert section_of(report).answers["feedback"]["value"] == "Typed offline"
    assert [(k.user_id, k.status) for k in keys()] == [(world.factory_user.id, 200)]


def test_another_users_key_is_not_reused(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    url = f"{base(world)}/{report.id}/feedback"
    once = {**HX, "Idempotency-Key": "shared-key-0001"}
    client.post(url, headers=once, data={"feedback": "Mine"})
    version = section_of(report).version
    colleague = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@example.com")
    db.session.commit()

    theirs = login(colleague).post(url, headers=once, data={"feedback": "Theirs", "version": str(version)})

    assert theirs.status_code == 200
    assert section_of(report).answers["feedback"]["value"] == "Theirs"  # saved, not answered from my key
    assert section_of(report).version == version + 1
    assert sorted(k.user_id for k in keys()) == sorted([world.factory_user.id, colleague.id])


def test_a_replay_over_someone_elses_change_is_a_conflict_each_time(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    url = f"{base(world)}/{report.id}/feedback"
    client.post(url, data={"feedback": "First text"})
    version = section_of(report).version
    client.post(url, data={"feedback": "Changed meanwhile", "version": str(version)})
    once = {**HX, "Idempotency-Key": "replay-after-change"}
    sent = {"feedback": "Typed offline", "version": str(version)}

    for response in (client.post(url, headers=once, data=sent), client.post(url, headers=once, data=sent)):
        html = response.get_data(as_text=True)
        assert response.status_code == 409
        assert "Changed meanwhile" in html and "Typed offline" in html  # both texts shown
    assert section_of(report).answers["feedback"]["value"] == "Changed meanwhile"
    assert section_of(report).version == version + 1
    assert [k.status for k in keys()] == [409]  # the first answer, kept for the replay


def test_a_key_is_one_save_of_one_section(login, world, cycle):
    client = login(world.factory_user)
    report, _loc = create(client, world, cycle)
    once = {**HX, "Idempotency-Key": "one-key-one-section"}
    client.post(f"{base(world)}/{report.id}/feedback", headers=once, data={"feedback": "Here"})
    response = client.post(f"{base(world)}/{report.id}/social-dialogue", headers=once, data={"q1": "yes"})
    assert response.status_code == 422
    assert section_of(report, "social_dialogue") is None


def test_keys_older_than_a_week_expire(login, world, cycle):
    """The daily job (rq cron) removes week-old keys and keeps recent ones."""
    from datetime import UTC, datetime, timedelta

    from bwportal.jobs.idempotency import expire_idempotency_keys

    now = datetime.now(UTC)
    db.session.add_all([
        IdempotencyKey(user_id=world.factory_user.id, key="old-key-0001", target="/x", status=200,
                       created_at=now - timedelta(days=8)),
        IdempotencyKey(user_id=world.factory_user.id, key="new-key-0001", target="/x", status=200,
                       created_at=now - timedelta(days=6)),
    ])
    db.session.commit()
    assert expire_idempotency_keys(now) == 1
    assert [k.key for k in keys()] == ["new-key-0001"]
