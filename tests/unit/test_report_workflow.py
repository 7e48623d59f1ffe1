"""PR-2, PR-3, PR-8: every transition allowed and refused by role; the model refuses writes
to a report that is not a draft; the snapshot stays as submitted; the due date."""

from datetime import date, timedelta

import pytest

from bwportal.domain.reports import counts, deadlines, editing
from bwportal.domain.reports import workflow as wf
from bwportal.extensions import db
from bwportal.models import ProgressReport, ReportKind, ReportSection, ReportStatus, ReportTransition, Role
from tests import factories as f


def make_report(world, cycle, kind=ReportKind.PR1, status=ReportStatus.DRAFT):
    """A report answered enough to be submitted, put in ``status`` without the workflow."""
    author = world.factory_user if kind is ReportKind.PR1 else world.ea
    report = f.make_report(cycle, kind, author=author, status=status)  # the builder's submittable answers
    db.session.commit()
    return report


ROLES = ["factory_user", "ea", "buyer", "assessor", "admin"]
ROLE_OF = {"factory_user": Role.FACTORY, "ea": Role.EA, "buyer": Role.BUYER, "assessor": Role.ASSESSOR,
           "admin": Role.ADMIN}
EXPECTED = {  # (kind, state) -> {action: role allowed}
    (ReportKind.PR1, ReportStatus.DRAFT): {"submit": Role.FACTORY},
    (ReportKind.PR1, ReportStatus.SUBMITTED): {"approve": Role.EA, "send_back": Role.EA},
    (ReportKind.PR1, ReportStatus.APPROVED): {},
    (ReportKind.PR2, ReportStatus.DRAFT): {"release": Role.EA},
    (ReportKind.PR2, ReportStatus.SUBMITTED): {},
    (ReportKind.PR2, ReportStatus.APPROVED): {},
}
ACTIONS = ["submit", "approve", "send_back", "release"]
CASES = [(kind, state, who, action) for (kind, state) in EXPECTED for who in ROLES for action in ACTIONS]


@pytest.mark.parametrize("kind, state, who, action", CASES,
                         ids=[f"{k.value}-{s.value}-{w}-{a}" for k, s, w, a in CASES])
def test_every_transition_by_role_and_state(world, cycle, kind, state, who, action):
    report = make_report(world, cycle, kind, state)
    user = getattr(world, who)
    allowed = EXPECTED[(kind, state)].get(action) is ROLE_OF[who]
    assert (action in wf.allowed_actions(report, user)) is allowed
    if allowed:
        wf.fire(report, action, user, comment="Please add dates")
        db.session.commit()
        log = db.session.scalars(db.select(ReportTransition).filter_by(report_id=report.id)).all()
        assert [(t.action, t.from_status, t.actor_id) for t in log] == [(action, state, user.id)]
    else:
        with pytest.raises(wf.WorkflowError):
            wf.fire(report, action, user, comment="x")


def test_send_back_needs_a_comment(world, cycle):
    report = make_report(world, cycle, status=ReportStatus.SUBMITTED)
    with pytest.raises(wf.WorkflowError):
        wf.fire(report, "send_back", world.ea, comment="  ")


def test_submit_needs_the_required_answers(world, cycle):
    report = f.make_report(cycle, author=world.factory_user, sections={})
    db.session.commit()
    with pytest.raises(wf.WorkflowError):
        wf.fire(report, "submit", world.factory_user)


@pytest.mark.parametrize("state", [ReportStatus.SUBMITTED, ReportStatus.APPROVED])
def test_the_model_refuses_writes_to_a_report_that_is_not_a_draft(world, cycle, state):
    report = make_report(world, cycle, status=state)
    section = db.session.scalar(db.select(ReportSection).filter_by(report_id=report.id))
    section.answers = {"q1": {"value": "no"}}
    with pytest.raises(wf.ReportLocked):
        db.session.commit()
    db.session.rollback()
    db.session.add(ReportSection(report_id=report.id, factory_id=report.factory_id, key="feedback", answers={}))
    with pytest.raises(wf.ReportLocked):
        db.session.commit()
    db.session.rollback()
    report = db.session.get(ProgressReport, report.id)
    report.report_date = date(2020, 1, 1)
    with pytest.raises(wf.ReportLocked):
        db.session.commit()
    db.session.rollback()


def test_a_draft_may_be_written(world, cycle):
    report = make_report(world, cycle)
    editing.save_section(report, "feedback", {"feedback": {"value": "Thanks"}}, world.factory_user, None)
    db.session.commit()


def test_only_the_author_role_writes(world, cycle):
    report = make_report(world, cycle)
    with pytest.raises(wf.ReportLocked):
        editing.save_section(report, "feedback", {"feedback": {"value": "EA words"}}, world.ea, None)


def test_one_open_report_per_cycle_and_a_new_one_after_final(world, cycle):
    report = make_report(world, cycle)
    with pytest.raises(wf.WorkflowError):
        editing.create_report(world.angkor, cycle, ReportKind.PR1, date.today(), world.factory_user)
    wf.fire(report, "submit", world.factory_user)
    wf.fire(report, "approve", world.ea)
    db.session.commit()
    editing.create_report(world.angkor, cycle, ReportKind.PR1, date.today(), world.factory_user)
    db.session.commit()


def test_snapshot_keeps_the_ip_and_enterprise_data_as_submitted(world, cycle):
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", by=world.ea, complete=True)
    db.session.commit()
    report = make_report(world, cycle)
    wf.fire(report, "submit", world.factory_user)
    db.session.commit()
    item.area_of_improvement = "Changed after submission"
    item.lead_person = "Someone new"
    world.angkor.name = "Renamed Garments"
    db.session.commit()
    db.session.expire_all()
    snap = db.session.get(ProgressReport, report.id).snapshot
    assert snap["annexes"]["ip"][0]["area_of_improvement"] == "Overtime unpaid"
    assert snap["enterprise"]["name"] == "Angkor Garments"
    assert snap["overview_counts"] == {"findings": 1, "advisory": 0, "completed": 0}
    assert snap["sections"]["social_dialogue"] == f.SUBMITTABLE[ReportKind.PR1]["social_dialogue"]


def test_overview_counts(world, cycle):
    from bwportal.models import IPStatus

    for text in ("a", "b", "c"):
        f.make_ip_item(cycle, "Overtime Wages", text, by=world.ea)
    f.make_advisory_item(cycle, by=world.factory_user, lead_person="x", status=IPStatus.COMPLETED,
                         completion_date=date.today(), completed_by_id=world.ea.id)
    f.make_ip_item(f.make_cycle(world.mekong, 1), "Overtime Wages", "elsewhere", by=world.ea)
    db.session.commit()
    assert counts.overview_counts(cycle) == {"findings": 3, "advisory": 1, "completed": 1}


def test_pr1_is_due_30_days_after_the_report_release(world, cycle):
    released = cycle.report_release_date
    due = deadlines.obligation_of(cycle, released + timedelta(days=25)).owed
    assert (due.due_date, due.days_left, due.overdue) == (released + timedelta(days=30), 5, False)
    late = deadlines.obligation_of(cycle, released + timedelta(days=33))
    assert (late.owed.days_left, late.overdue) == (-3, True)
    cycle.report_release_date = None
    assert deadlines.obligation_of(cycle, date.today()).owed is None


def test_a_cycle_s_pr1_obligation_is_met_once_any_of_its_pr1s_is_final(world, cycle):
    """PR-3, PR-11: the obligation is the cycle's: a corrective draft after a final PR1 owes
    nothing and is never overdue; a submitted one is no longer owed by the factory."""
    late = cycle.report_release_date + timedelta(days=70)
    assert deadlines.obligation_of(cycle, late).state is deadlines.PR1State.PENDING
    f.make_report(cycle, status=ReportStatus.APPROVED)
    corrective = f.make_report(cycle)  # a new draft after the final one (000 [7])
    db.session.commit()
    obligation = deadlines.obligation_of(cycle, late)
    assert (obligation.state, obligation.met, obligation.due, obligation.owed, obligation.overdue) == (
        deadlines.PR1State.MET, True, None, None, False)
    corrective.status = ReportStatus.SUBMITTED
    db.session.commit()
    assert deadlines.obligation_of(cycle, late).met
    assert deadlines.pr1_state([ReportStatus.SUBMITTED, ReportStatus.DRAFT]) is deadlines.PR1State.SUBMITTED
    assert deadlines.pr1_state([ReportStatus.DRAFT]) is deadlines.PR1State.PENDING
    assert deadlines.pr1_state([]) is deadlines.PR1State.PENDING


def test_snapshot_holds_every_annex(world, cycle):
    from bwportal.models import EnrolmentStatus, Gender, HowChosen, MemberRole

    finding = f.make_finding(cycle, "Overtime Wages", "Overtime unpaid")  # publicly reported
    f.make_ip_item(finding=finding, complete=True)  # in the IP, as a PR1 submission requires (IP-4)
    session = f.make_training_session(f.make_training_course(world.kh, "Supervisory Skills Training", days=3),
                                      date.today())
    member = f.make_committee_member(world.angkor, "Srey Mom", MemberRole.CHAIR, Gender.FEMALE, HowChosen.ELECTED)
    f.make_committee_meeting(world.angkor, date.today(), attendees=[member], chair=member, key_issues="Overtime")
    f.make_enrolment(world.angkor, session, EnrolmentStatus.REGISTERED)
    f.make_public_response(finding, "Paid back in March")
    f.make_visit(cycle, date.today(), "Visit on overtime")
    db.session.commit()
    report = make_report(world, cycle)
    wf.fire(report, "submit", world.factory_user)
    db.session.commit()
    annexes = db.session.get(ProgressReport, report.id).snapshot["annexes"]
    assert annexes["training"][0]["course"] == "Supervisory Skills Training"
    assert annexes["members"][0]["name"] == "Srey Mom"
    assert annexes["meetings"][0]["attendees"] == ["Srey Mom"]
    assert annexes["visits"][0]["description"] == "Visit on overtime"
    assert annexes["public"][0]["response"] == "Paid back in March"
