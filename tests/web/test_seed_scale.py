"""``flask seed-scale`` (issue 10): a valid programme of N factories that every role's pages
work on, with reports in every state whose snapshots are what a real submission takes."""

import json
import re
from collections import Counter
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bwportal.domain.reports import snapshot as report_snapshot
from bwportal.extensions import db
from bwportal.models import (
    CommitteeMeeting,
    CommitteeMember,
    Cycle,
    EAAssignment,
    Factory,
    IPEvent,
    IPItem,
    Programme,
    ProgressReport,
    PublicResponse,
    ReportStatus,
    ReportTransition,
    Role,
    Subscription,
    SubscriptionStatus,
    User,
)
from devdata.seed_scale import SCALE_PASSWORD

from ..conftest import sign_in

N = 20


@pytest.fixture
def seeded(app, app_ctx):
    result = app.test_cli_runner().invoke(args=["seed-scale", "--factories", str(N), "--batch", "7"])
    assert result.exit_code == 0, result.output
    print(result.output)
    emails = dict((role, email) for email, role in re.findall(r"^  (\S+@\S+)\s+(.+)$", result.output, re.M))
    factory_name = re.search(r"the factory is (.+?)\):", result.output)[1]
    return SimpleNamespace(output=result.output, emails=emails, factory_name=factory_name)


def _programme():
    return db.session.scalar(select(Programme).filter_by(name="Scale"))


def _pr1s(status=None):
    stmt = select(ProgressReport).join(Factory, Factory.id == ProgressReport.factory_id).where(
        Factory.programme_id == _programme().id)
    if status is not None:
        stmt = stmt.where(ProgressReport.status == status)
    return list(db.session.scalars(stmt.order_by(ProgressReport.id)))


def _latest_cycle(factory_id):
    return db.session.scalar(select(Cycle).where(Cycle.factory_id == factory_id).order_by(Cycle.number.desc()))


def test_counts_and_shape(seeded):
    programme = _programme()
    factory_ids = list(db.session.scalars(select(Factory.id).where(Factory.programme_id == programme.id)))
    assert len(factory_ids) == N
    items = Counter(db.session.scalars(select(IPItem.factory_id).where(IPItem.factory_id.in_(factory_ids))))
    assert set(items) == set(factory_ids)
    print(f"IP items per factory: min {min(items.values())}, max {max(items.values())}, "
          f"mean {sum(items.values()) / N:.1f}")
    assert 30 <= min(items.values()) and max(items.values()) <= 50
    assert 37 <= sum(items.values()) / N <= 43
    statuses = Counter(db.session.scalars(select(IPItem.status).where(IPItem.factory_id.in_(factory_ids))))
    assert {s.value for s in statuses} == {"pending", "in_progress", "delayed", "completed"}
    events = db.session.scalar(select(func.count(IPEvent.id)).where(IPEvent.factory_id.in_(factory_ids)))
    assert events >= 2 * sum(items.values())  # every item has a timeline, worked ones several entries

    # Exactly one current lead EA per factory; an EA leads 20 to 50 factories (here all 20).
    leads = Counter(db.session.scalars(select(EAAssignment.factory_id).where(
        EAAssignment.factory_id.in_(factory_ids), EAAssignment.is_lead, EAAssignment.ended_at.is_(None))))
    assert leads == Counter({fid: 1 for fid in factory_ids})
    users = Counter(db.session.scalars(select(User.factory_id).where(User.factory_id.in_(factory_ids))))
    assert all(2 <= users[fid] <= 3 for fid in factory_ids)
    assert db.session.scalar(select(func.count(Subscription.id)).where(
        Subscription.factory_id.in_(factory_ids), Subscription.status == SubscriptionStatus.ACTIVE)) > 0
    assert db.session.scalar(select(func.count(CommitteeMember.id)).where(
        CommitteeMember.factory_id.in_(factory_ids))) >= 6 * N
    assert db.session.scalar(select(func.count(CommitteeMeeting.id)).where(
        CommitteeMeeting.factory_id.in_(factory_ids))) >= 2 * N
    assert db.session.scalar(select(func.count(PublicResponse.id)).where(
        PublicResponse.factory_id.in_(factory_ids))) > 0

    # One PR1 on every factory's latest cycle, in every state; snapshots where the state has one.
    reports = _pr1s()
    latest = {fid: _latest_cycle(fid).id for fid in factory_ids}
    on_latest = [r for r in reports if r.cycle_id == latest[r.factory_id]]
    assert sorted(r.factory_id for r in on_latest) == sorted(factory_ids)
    sent_back = {r.id for r in reports if any(t.action == "send_back" for t in db.session.scalars(
        select(ReportTransition).where(ReportTransition.report_id == r.id)))}
    states = Counter("sent back" if r.id in sent_back and r.status is ReportStatus.DRAFT else r.status.value
                     for r in on_latest)
    print("PR1 states on the latest cycle:", dict(states))
    assert set(states) == {"draft", "sent back", "submitted", "approved"}
    for report in reports:
        assert (report.snapshot is not None) == (report.status is not ReportStatus.DRAFT), report.id
    assert any(s.key for r in on_latest if r.status is ReportStatus.DRAFT and r.id not in sent_back
               for s in r.sections), "some drafts have sections saved"


def test_snapshots_are_what_a_submission_takes(seeded):
    """Field for field what report_snapshot.take gives for the same report (the time apart)."""
    checked = Counter()
    for report in _pr1s():
        if report.snapshot is None or report.cycle_id != _latest_cycle(report.factory_id).id:
            continue  # a first cycle's report was taken before the second cycle's items existed
        taken = json.loads(json.dumps(report_snapshot.take(report)))
        stored = dict(report.snapshot)
        taken.pop("taken_at"), stored.pop("taken_at")
        for key in taken:
            assert stored[key] == taken[key], (report.id, key)
        assert stored == taken
        checked[report.status.value] += 1
    print("snapshots compared with take():", dict(checked))
    assert checked["submitted"] and checked["approved"]


def test_pages_of_every_role_work(seeded, client):
    factory = db.session.scalar(select(Factory).filter_by(name=seeded.factory_name))
    fid = factory.id
    draft = db.session.scalar(select(ProgressReport).where(
        ProgressReport.factory_id == fid, ProgressReport.status == ReportStatus.DRAFT))
    assert draft is not None
    item = db.session.scalar(select(IPItem).where(IPItem.factory_id == fid, IPItem.status == "in_progress",
                                                  IPItem.origin == "assessment").order_by(IPItem.id))
    final = db.session.scalar(select(ProgressReport).where(
        ProgressReport.factory_id == fid, ProgressReport.status == ReportStatus.APPROVED))

    def as_(role):
        client.post("/sign-out")
        sign_in(client, SimpleNamespace(email=seeded.emails[role]), SCALE_PASSWORD)

    def ok(path):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        return response.get_data(as_text=True)

    as_("factory user")
    ok("/home")
    assert item.area_of_improvement in ok(f"/factories/{fid}/ip")
    ok(f"/factories/{fid}/ip/{item.id}")
    ok(f"/factories/{fid}/ip/{item.id}/edit")
    ok(f"/factories/{fid}/reports")
    for slug in ("overview", "social-dialogue", "systems", "learning", "feedback"):
        assert 'class="section-form"' in ok(f"/factories/{fid}/reports/{draft.id}/{slug}")
    for path in ("organization", "committee/members", "committee/meetings", "training", "public-issues",
                 "visits", "buyers"):
        ok(f"/factories/{fid}/{path}")
    # Real saves, as the benchmark makes them: the IP item inline, and a report section.
    form = {"root_cause_id": item.root_cause_id, "root_cause_description": item.root_cause_description,
            "actions_needed": item.actions_needed, "lead_person": item.lead_person,
            "additional_persons": item.additional_persons, "target_date": item.target_date.isoformat(),
            "progress": item.progress + " More done.", "status": "in_progress", "version": item.version}
    response = client.post(f"/factories/{fid}/ip/{item.id}/edit", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = next((s for s in draft.sections if s.key == "feedback"), None)
    data = {"feedback": "Thank you."} | ({"version": stored.version} if stored else {})
    assert client.post(f"/factories/{fid}/reports/{draft.id}/feedback", data=data).status_code == 302

    as_("Enterprise Advisor")
    ok("/home")
    ok("/inbox")
    ok(f"/factories/{fid}/ip")
    ok(f"/factories/{fid}/reports/{draft.id}/overview")
    ea = db.session.scalar(select(User).filter_by(email=seeded.emails["Enterprise Advisor"]))
    submitted = db.session.scalar(select(ProgressReport).join(
        EAAssignment, EAAssignment.factory_id == ProgressReport.factory_id).where(
        EAAssignment.ea_id == ea.id, EAAssignment.ended_at.is_(None),
        ProgressReport.status == ReportStatus.SUBMITTED).limit(1))
    assert submitted.factory.name in ok("/inbox")
    ok(f"/factories/{submitted.factory_id}/reports/{submitted.id}")
    ok(f"/factories/{submitted.factory_id}/reports/{submitted.id}/overview")

    as_("buyer")
    assert factory.name in ok("/dashboard")
    ok(f"/factories/{fid}/ip")
    if final is not None:
        ok(f"/factories/{fid}/reports/{final.id}")

    as_("programme admin")
    ok("/admin/factories")
    ok("/admin/people")

    client.post("/sign-out")
    assert factory.name in ok("/transparency")
    ok(f"/transparency/factories/{fid}")


def test_refuses_an_existing_programme_unless_replaced(seeded, app):
    runner = app.test_cli_runner()
    again = runner.invoke(args=["seed-scale", "--factories", "3"])
    assert again.exit_code != 0
    assert "already a programme called Scale" in again.output
    replaced = runner.invoke(args=["seed-scale", "--factories", "3", "--replace"])
    assert replaced.exit_code == 0, replaced.output
    programme = _programme()
    assert db.session.scalar(select(func.count(Factory.id)).where(Factory.programme_id == programme.id)) == 3
    assert db.session.scalar(select(func.count(Programme.id))) == 1
    assert db.session.scalar(select(func.count(User.id)).where(User.role == Role.FACTORY)) <= 9
