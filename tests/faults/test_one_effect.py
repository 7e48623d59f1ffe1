"""One click, one effect (issue 17, items 1-3), on PostgreSQL: state changes sent at the same
moment, each request in its own thread and database connection, repeated a few rounds.

A rendezvous holds each request just before its first write (the flush that writes the
report, a section, a member or an IP item) until the other one is there too, or for a
short while if it does not come. Without a row lock both requests have then read the same
state and passed the check in Python, so both write: two transitions, two notices, a save
missing from the snapshot, a member or an IP item twice. With the lock, the second request
waits for the first to commit and finds the state it left; the rendezvous only lets the
first one go on after its short wait. Each round asserts one effect, one notice, an intact
snapshot.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.models import (
    CommitteeMember,
    IPItem,
    OutboxMessage,
    ProgressReport,
    ReportKind,
    ReportSection,
    ReportStatus,
    ReportTransition,
    Role,
)
from tests import factories as f
from tests.conftest import sign_in

from .conftest import HX, needs_postgres, say, section_url
from .rendezvous import Rendezvous
from .test_concurrent_saves import at_once

pytestmark = needs_postgres("row locks are what these tests check; SQLite lets one writer at a time")

ROUNDS = 4




def clients(app, *users):
    out = []
    for user in users:
        client = app.test_client()
        sign_in(client, user)
        out.append(client)
    return out


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def notices(kind: str) -> int:
    return count(OutboxMessage, OutboxMessage.kind == f"mail.{kind}")


@pytest.fixture
def colleague(world):
    user = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@example.com", name="Colleague")
    db.session.commit()
    return user


def fresh_report(world, cycle, *, submitted: bool):
    """A new draft PR1 of Angkor (the previous one made final first), submitted if asked."""
    for report in db.session.scalars(select(ProgressReport).where(ProgressReport.status != ReportStatus.APPROVED)):
        if report.status is ReportStatus.DRAFT:
            f.submit_report(report, world.factory_user)
        f.finalise_report(report, world.ea)
    report = f.make_report(cycle, author=world.factory_user, sections={  # complete, so it may go (IP-4)
        **f.SUBMITTABLE[ReportKind.PR1], "feedback": {"feedback": {"value": "Saved before"}}})
    if submitted:
        f.submit_report(report, world.factory_user)
    db.session.commit()
    return report.id


def test_approve_and_send_back_at_once_make_one_transition(app, world, cycle):
    """Issue 17 item 1, PR-2, PR-8, PR-9: approve and send back sent together: one wins, the
    other is answered 409 with the state it is in now; one transition, one notice to the
    factory, and a final report keeps its snapshot."""
    first, second = clients(app, world.ea, world.ea)
    outcomes = []
    for round_ in range(ROUNDS):
        report_id = fresh_report(world, cycle, submitted=True)
        base = f"/factories/{world.angkor.id}/reports/{report_id}"
        approved, sent_back = notices("report_approved"), notices("report_sent_back")
        with Rendezvous(ProgressReport):
            responses = at_once(app, [
                (first, "post", f"{base}/approve", {"data": {"from": "inbox", "seen": "submitted"}, "headers": HX}),
                (second, "post", f"{base}/send_back", {"data": {"from": "inbox", "seen": "submitted",
                                                                 "comment": f"Round {round_}"}, "headers": HX}),
            ])
        assert sorted(r.status_code for r in responses) == [200, 409], [r.status_code for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert "in the meantime" in loser.get_data(as_text=True)
        moves = count(ReportTransition, ReportTransition.report_id == report_id,
                      ReportTransition.action.in_(["approve", "send_back"]))
        assert moves == 1
        report = db.session.get(ProgressReport, report_id)
        if report.status is ReportStatus.APPROVED:
            assert report.snapshot is not None, "a final report lost its snapshot"
        else:
            assert report.status is ReportStatus.DRAFT and report.snapshot is None
        assert notices("report_approved") - approved + notices("report_sent_back") - sent_back == 1
        outcomes.append(report.status.value)
    say(f"approve + send back at once, {ROUNDS} rounds: one transition each ({', '.join(outcomes)})")


def test_double_submit_makes_one_submission_and_one_notice(app, world, cycle, colleague):
    """Issue 17 item 1, PR-2: a double-clicked Submit (two requests) submits once; the EA gets
    one "submitted" e-mail; the second answer says the report changed."""
    first, second = clients(app, world.factory_user, colleague)
    for _round in range(ROUNDS):
        report_id = fresh_report(world, cycle, submitted=False)
        url = f"/factories/{world.angkor.id}/reports/{report_id}/submit"
        before = notices("report_submitted")
        with Rendezvous(ProgressReport):
            responses = at_once(app, [(first, "post", url, {"data": {"seen": "draft"}}),
                                      (second, "post", url, {"data": {"seen": "draft"}})])
        assert sorted(r.status_code for r in responses) == [302, 409], [r.status_code for r in responses]
        loser = next(r for r in responses if r.status_code == 409)
        assert "in the meantime" in loser.get_data(as_text=True) and "Submitted" in loser.get_data(as_text=True)
        assert count(ReportTransition, ReportTransition.report_id == report_id,
                     ReportTransition.action == "submit") == 1
        assert notices("report_submitted") - before == 1  # one EA assigned to Angkor
    say(f"double submit, {ROUNDS} rounds: one submission and one notice each")


def test_stale_action_is_refused_with_the_current_state(app, world, cycle):
    """Issue 17 item 1: an approve sent from a page that showed the report before it was sent
    back and submitted again (the form carries the state it saw) does nothing and says so."""
    report_id = fresh_report(world, cycle, submitted=True)
    (ea,) = clients(app, world.ea)
    url = f"/factories/{world.angkor.id}/reports/{report_id}"
    assert ea.post(f"{url}/approve", data={"seen": "submitted"}).status_code == 302
    again = ea.post(f"{url}/approve", data={"seen": "submitted", "from": "inbox"}, headers=HX)
    assert again.status_code == 409
    assert "Final" in again.get_data(as_text=True)
    assert count(ReportTransition, ReportTransition.report_id == report_id, ReportTransition.action == "approve") == 1


def test_save_during_submission_is_in_the_snapshot_or_refused(app, world, cycle, colleague):
    """Issue 17 item 2, PR-8: a section saved while a colleague submits either lands before
    the snapshot (and is in it) or is refused as already submitted (409, the text shown back);
    never acknowledged and missing from the frozen report."""
    saver, submitter = clients(app, world.factory_user, colleague)
    outcomes = []
    for round_ in range(ROUNDS):
        report_id = fresh_report(world, cycle, submitted=False)
        report = db.session.get(ProgressReport, report_id)
        text = f"Saved in round {round_}"
        version = db.session.scalar(select(ReportSection.version).where(
            ReportSection.report_id == report_id, ReportSection.key == "feedback"))
        with Rendezvous(ProgressReport, ReportSection):
            save, submit = at_once(app, [
                (saver, "post", section_url(world, report),
                 {"data": {"feedback": text, "version": version}, "headers": HX}),
                (submitter, "post", f"/factories/{world.angkor.id}/reports/{report_id}/submit",
                 {"data": {"seen": "draft"}}),
            ])
        assert submit.status_code == 302
        db.session.expire_all()
        report = db.session.get(ProgressReport, report_id)
        assert report.status is ReportStatus.SUBMITTED
        frozen = report.snapshot["sections"]["feedback"]["feedback"]["value"]
        stored = report.answers_by_section()["feedback"]["feedback"]["value"]
        if save.status_code == 200:
            assert frozen == text, "an acknowledged save is missing from the snapshot"
            outcomes.append("saved first")
        else:
            assert save.status_code == 409, save.status_code
            assert "submitted in the meantime" in save.get_data(as_text=True)
            assert text in save.get_data(as_text=True)  # shown back, not lost
            assert frozen != text and stored != text
            outcomes.append("refused")
    say(f"save during submission, {ROUNDS} rounds: {', '.join(outcomes)}")


def test_accepting_an_add_proposal_twice_adds_once(app, world):
    """Issue 17 item 3: "accept" on a committee proposal to add a member, sent twice at once,
    adds the member once; the second answer is 409 (already decided)."""
    first, second = clients(app, world.ea, world.ea)
    base = f"/factories/{world.angkor.id}/committee/proposals"
    for round_ in range(ROUNDS):
        name = f"Member {round_}"
        proposal = f.make_member_proposal(world.angkor, "add", data={
            "name": name, "role": "worker_rep", "gender": "female", "how_chosen": "elected",
            "since": "2026-01-10"})
        db.session.commit()
        with Rendezvous(CommitteeMember):
            responses = at_once(app, [(first, "post", f"{base}/{proposal.id}/accept", {}),
                                      (second, "post", f"{base}/{proposal.id}/accept", {})])
        assert sorted(r.status_code for r in responses) == [302, 409], [r.status_code for r in responses]
        assert count(CommitteeMember, CommitteeMember.name == name) == 1
    say(f"accept an add proposal twice at once, {ROUNDS} rounds: one member each")


def test_import_into_the_ip_twice_imports_once(app, world):
    """Issue 17 item 3, IP-8: "Import into the IP" sent twice at once makes each finding one
    IP item; the second request is told it was imported already (no 500)."""
    first, second = clients(app, world.ea, world.ea)
    url = f"/factories/{world.angkor.id}/ip/import"
    for number in range(1, ROUNDS + 1):
        cycle = f.make_released_cycle(world.angkor, number, assessed_days_ago=400 - number * 60,
                                      released_days_ago=390 - number * 60)
        f.make_finding(cycle, "Overtime Wages", f"Finding A of cycle {number}")
        f.make_finding(cycle, "Welfare Facilities", f"Finding B of cycle {number}")
        db.session.commit()
        with Rendezvous(IPItem):
            responses = at_once(app, [(first, "post", url, {}), (second, "post", url, {})])
        assert [r.status_code for r in responses] == [302, 302]
        assert count(IPItem, IPItem.cycle_id == cycle.id) == 2
        told = [second.get(f"/factories/{world.angkor.id}/ip").get_data(as_text=True),
                first.get(f"/factories/{world.angkor.id}/ip").get_data(as_text=True)]
        assert any("in the meantime" in page for page in told)
    say(f"import into the IP twice at once, {ROUNDS} rounds: each finding one item")


def test_verify_and_return_at_once_answer_once(app, world):
    """Issue 17 item 1, IP-5: the EA's "verified" and "return to the factory" on the same
    item sent together (two tabs, a double click): one answer, one notice to the factory;
    the other is 409, never a 500 or a second e-mail."""
    first, second = clients(app, world.ea, world.ea)
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=200))
    db.session.commit()
    checks = {"check_committee_agrees": "y", "check_evidence_reviewed": "y", "check_root_causes_followed": "y",
              "completion_date": date.today().isoformat()}
    for round_ in range(ROUNDS):
        item = f.make_ip_item(cycle, "Overtime Wages", f"Item {round_}", by=world.ea,
                              remediation_reported_at=datetime.now(UTC))
        db.session.commit()
        base = f"/factories/{world.angkor.id}/ip/{item.id}"
        before = notices("item_completed") + notices("item_returned")
        with Rendezvous(IPItem):
            seen = {"seen_version": str(item.version)}  # what both forms were shown with
            responses = at_once(app, [(first, "post", f"{base}/verify", {"data": {**checks, **seen}}),
                                      (second, "post", f"{base}/return",
                                       {"data": {"comment": "Show the slips", **seen}})])
        assert sorted(r.status_code for r in responses) == [302, 409], [r.status_code for r in responses]
        assert notices("item_completed") + notices("item_returned") - before == 1
    say(f"verify + return at once, {ROUNDS} rounds: one answer and one notice each")


def test_a_findings_file_sent_twice_at_once_is_one_import_saved_once(app, world, jobs, monkeypatch):
    """Issue 17 item 9 with items 1-3: a findings file a worker reads, uploaded twice at once
    (a double click) is one import and one job; its preview saved twice at once is saved once,
    the second request shown what the first saved (no 500, no second set of findings)."""
    import io

    from bwportal.models import Finding, FindingsImport

    monkeypatch.setitem(app.config, "FINDINGS_IMPORT_INLINE_BYTES", 0)  # every file goes to a worker
    first, second = clients(app, world.assessor, world.assessor)
    for number in range(1, ROUNDS + 1):
        cycle = f.make_cycle(world.angkor, number, date(2025, 1, 10) + timedelta(days=200 * number))
        db.session.commit()
        url = f"/factories/{world.angkor.id}/cycles/{cycle.id}/import"
        content = ("cluster,compliance point,finding\n"
                   f"Compensation,Overtime Wages,Finding A of cycle {number}\n"
                   f"Working Time,Regular Hours,Finding B of cycle {number}\n").encode()

        def sent(client, url=url, content=content):
            return (client, "post", url, {"data": {"file": (io.BytesIO(content), "findings.csv")},
                                          "content_type": "multipart/form-data"})

        with Rendezvous(FindingsImport):
            uploads = at_once(app, [sent(first), sent(second)])
        assert [r.status_code for r in uploads] == [303, 303], [r.get_data(as_text=True)[:300] for r in uploads]
        assert uploads[0].location == uploads[1].location
        assert count(FindingsImport, FindingsImport.cycle_id == cycle.id) == 1
        assert count(OutboxMessage, OutboxMessage.kind == "job.import_findings",
                     OutboxMessage.factory_id == world.angkor.id) == number
        jobs()
        status = uploads[0].location
        with Rendezvous(Finding):
            saves = at_once(app, [(first, "post", status + "/confirm", {}), (second, "post", status + "/confirm", {})])
        assert sorted(r.status_code for r in saves) == [302, 303], [r.status_code for r in saves]
        assert count(Finding, Finding.cycle_id == cycle.id) == 2
        assert "2 findings imported." in first.get(status).get_data(as_text=True)
    say(f"a findings file uploaded twice and saved twice at once, {ROUNDS} rounds: one import, saved once")
