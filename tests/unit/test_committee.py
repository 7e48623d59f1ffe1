"""COM-1/COM-2 rules: gender balance, proposals applied once, meeting attendees and chair, annexes."""

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from bwportal.domain.annexes import committee as ops
from bwportal.extensions import db
from bwportal.models import CommitteeMember, Gender, HowChosen, MemberRole, ProposalStatus
from tests import factories as f

TODAY = date(2026, 5, 20)


def member(gender, until=None):
    return SimpleNamespace(gender=gender, until=until)


def test_gender_balance_counts_and_shares():
    members = [member(Gender.FEMALE), member(Gender.FEMALE), member(Gender.FEMALE), member(Gender.MALE),
               member(Gender.OTHER)]
    balance = ops.gender_balance(members, SimpleNamespace(female_employees=600, male_employees=200))
    assert (balance.women, balance.men, balance.other, balance.total) == (3, 1, 1, 5)
    assert balance.women_share == pytest.approx(0.6) and balance.men_share == pytest.approx(0.2)
    assert balance.workforce_women_share == pytest.approx(0.75)
    assert (balance.workforce_women, balance.workforce_total) == (600, 800)


def test_gender_balance_without_members_or_workforce_numbers():
    balance = ops.gender_balance([], SimpleNamespace(female_employees=0, male_employees=0))
    assert balance.total == 0 and balance.women_share is None and balance.men_share is None
    assert balance.workforce_women_share is None


def test_a_member_is_current_through_the_last_day():
    assert ops.is_current(member(Gender.MALE), TODAY)
    assert ops.is_current(member(Gender.MALE, until=TODAY), TODAY)
    assert not ops.is_current(member(Gender.MALE, until=TODAY - timedelta(days=1)), TODAY)


# --- proposals --------------------------------------------------------------------------

@pytest.fixture
def ctx(app, world):
    with app.test_request_context():
        yield world


def test_an_accepted_addition_creates_the_member(ctx):
    w = ctx
    proposal = ops.propose(w.angkor, w.factory_user, "add", None,
                           {"name": "Dara Sok", "role": MemberRole.WORKER_REP, "gender": Gender.FEMALE,
                            "how_chosen": HowChosen.ELECTED, "since": date(2026, 1, 5)}, "Elected in January", TODAY)
    assert proposal.data == {"name": "Dara Sok", "role": "worker_rep", "gender": "female", "how_chosen": "elected",
                             "since": "2026-01-05"}
    assert db.session.scalar(db.select(db.func.count(CommitteeMember.id))) == 0  # nothing until the EA accepts
    new = ops.decide(w.angkor, proposal, "accept", w.ea, TODAY)
    assert (new.factory_id, new.name, new.role, new.gender, new.since) == (
        w.angkor.id, "Dara Sok", MemberRole.WORKER_REP, Gender.FEMALE, date(2026, 1, 5))
    assert proposal.status is ProposalStatus.ACCEPTED and proposal.decided_by_id == w.ea.id
    assert proposal.decided_at is not None


def test_an_accepted_update_changes_only_the_given_fields(ctx):
    w = ctx
    m = f.make_committee_member(w.angkor, "Vanna Kim", MemberRole.WORKER_REP, Gender.MALE, HowChosen.SELECTED)
    proposal = ops.propose(w.angkor, w.factory_user, "update", m,
                           {"name": "", "role": MemberRole.CHAIR, "how_chosen": HowChosen.ELECTED}, "", TODAY)
    assert proposal.data == {"role": "chair", "how_chosen": "elected"}
    ops.decide(w.angkor, proposal, "accept", w.ea, TODAY)
    assert (m.name, m.role, m.gender, m.how_chosen) == ("Vanna Kim", MemberRole.CHAIR, Gender.MALE, HowChosen.ELECTED)


def test_an_accepted_removal_ends_the_membership(ctx):
    w = ctx
    m = f.make_committee_member(w.angkor, "Vanna Kim", since=date(2025, 1, 1))
    leaving = f.make_committee_member(w.angkor, "Leaving on a date")
    ops.decide(w.angkor, ops.propose(w.angkor, w.factory_user, "remove", m, {}, "Resigned", TODAY), "accept", w.ea,
               TODAY)
    assert m.until == TODAY and not ops.is_current(m, TODAY + timedelta(days=1))
    ops.decide(w.angkor, ops.propose(w.angkor, w.factory_user, "remove", leaving, {"until": date(2026, 5, 1)}, "",
                                     TODAY), "accept", w.ea, TODAY)
    assert leaving.until == date(2026, 5, 1)


def test_a_declined_proposal_changes_nothing_and_nothing_is_decided_twice(ctx):
    w = ctx
    m = f.make_committee_member(w.angkor, "Vanna Kim")
    proposal = ops.propose(w.angkor, w.factory_user, "remove", m, {}, "", TODAY)
    assert ops.decide(w.angkor, proposal, "decline", w.ea, TODAY) is None
    assert proposal.status is ProposalStatus.DECLINED and m.until is None
    for decision in ("accept", "decline"):
        with pytest.raises(ops.CommitteeError, match="already been decided"):
            ops.decide(w.angkor, proposal, decision, w.ea, TODAY)
    assert m.until is None


def test_proposals_name_a_current_member_of_the_same_factory(ctx):
    w = ctx
    foreign = f.make_committee_member(w.mekong, "Mekong member")
    former = f.make_committee_member(w.angkor, "Gone", until=TODAY - timedelta(days=3))
    own = f.make_committee_member(w.angkor, "Here")
    for target in (foreign, former, None):
        with pytest.raises(ops.CommitteeError):
            ops.propose(w.angkor, w.factory_user, "remove", target, {}, "", TODAY)
    with pytest.raises(ops.CommitteeError):
        ops.propose(w.angkor, w.factory_user, "update", own, {"name": ""}, "", TODAY)  # no change given
    with pytest.raises(ops.CommitteeError):
        ops.propose(w.angkor, w.factory_user, "add", None, {"name": "No role"}, "", TODAY)
    with pytest.raises(ops.CommitteeError):
        ops.propose(w.angkor, w.factory_user, "promote", own, {}, "", TODAY)


def test_a_removal_of_someone_who_already_left_is_refused_on_acceptance(ctx):
    w = ctx
    m = f.make_committee_member(w.angkor, "Vanna Kim")
    proposal = ops.propose(w.angkor, w.factory_user, "remove", m, {}, "", TODAY)
    ops.update_member(m, {"until": TODAY - timedelta(days=1)})  # the EA ended it meanwhile
    with pytest.raises(ops.CommitteeError, match="already left"):
        ops.decide(w.angkor, proposal, "accept", w.ea, TODAY)
    assert proposal.status is ProposalStatus.PENDING


def test_a_member_cannot_leave_before_joining(ctx):
    m = f.make_committee_member(ctx.angkor, since=date(2026, 2, 1))
    with pytest.raises(ops.CommitteeError):
        ops.update_member(m, {"until": date(2026, 1, 31)})


# --- meetings ---------------------------------------------------------------------------

def values(**kw):
    base = {"meeting_date": TODAY - timedelta(days=2), "chair_id": None, "key_issues": "Overtime",
            "engagement": "", "to_improve": "", "union_present": True, "ea_present": False,
            "externals_present": False}
    base.update(kw)
    return base


def test_meeting_attendees_are_current_members_of_this_factory(ctx):
    w = ctx
    a = f.make_committee_member(w.angkor, "Anh")
    b = f.make_committee_member(w.angkor, "Bopha")
    gone = f.make_committee_member(w.angkor, "Gone", until=TODAY - timedelta(days=30))
    foreign = f.make_committee_member(w.mekong, "Mekong member")
    for ids in ([a.id, foreign.id], [a.id, gone.id], [], [a.id, 987654]):
        with pytest.raises(ops.MeetingInvalid) as invalid:
            ops.log_meeting(w.angkor, w.factory_user, values(), ids, TODAY)
        assert set(invalid.value.args[0]) == {"attendees"}
    meeting = ops.log_meeting(w.angkor, w.factory_user, values(chair_id=b.id), [a.id, b.id], TODAY)
    assert [m.name for m in meeting.attendees] == ["Anh", "Bopha"] and meeting.chair_id == b.id
    assert meeting.union_present and not meeting.ea_present and meeting.created_by_id == w.factory_user.id


def test_the_chair_must_attend_and_the_date_not_be_in_the_future(ctx):
    w = ctx
    a = f.make_committee_member(w.angkor, "Anh")
    b = f.make_committee_member(w.angkor, "Bopha")
    with pytest.raises(ops.MeetingInvalid) as invalid:
        ops.log_meeting(w.angkor, w.factory_user, values(chair_id=b.id), [a.id], TODAY)
    assert set(invalid.value.args[0]) == {"chair_id"}
    with pytest.raises(ops.MeetingInvalid) as invalid:
        ops.log_meeting(w.angkor, w.factory_user, values(meeting_date=TODAY + timedelta(days=1)), [a.id], TODAY)
    assert set(invalid.value.args[0]) == {"meeting_date"}
    assert ops.log_meeting(w.angkor, w.factory_user, values(meeting_date=TODAY), [a.id], TODAY).meeting_date == TODAY


def test_editing_keeps_attendees_who_left_since_but_adds_only_current_members(ctx):
    w = ctx
    a = f.make_committee_member(w.angkor, "Anh")
    b = f.make_committee_member(w.angkor, "Bopha")
    gone = f.make_committee_member(w.angkor, "Gone")
    meeting = ops.log_meeting(w.angkor, w.factory_user, values(meeting_date=TODAY - timedelta(days=60)),
                              [a.id, gone.id], TODAY - timedelta(days=60))
    gone.until = TODAY - timedelta(days=10)
    other_gone = f.make_committee_member(w.angkor, "Other gone", until=TODAY - timedelta(days=5))
    ops.update_meeting(meeting, values(meeting_date=TODAY - timedelta(days=60)), [gone.id, b.id], TODAY)
    assert {m.name for m in meeting.attendees} == {"Gone", "Bopha"}
    with pytest.raises(ops.MeetingInvalid):
        ops.update_meeting(meeting, values(), [b.id, other_gone.id], TODAY)


def test_meetings_are_newest_first(ctx):
    w = ctx
    old = f.make_committee_meeting(w.angkor, TODAY - timedelta(days=90))
    new = f.make_committee_meeting(w.angkor, TODAY - timedelta(days=1))
    middle = f.make_committee_meeting(w.angkor, TODAY - timedelta(days=30))
    f.make_committee_meeting(w.mekong, TODAY)
    assert ops.meetings_of(w.angkor.id) == [new, middle, old]


def test_annexes_are_plain_data(ctx):
    w = ctx
    a = f.make_committee_member(w.angkor, "Anh", MemberRole.CHAIR, Gender.FEMALE, HowChosen.ELECTED,
                                since=date(2025, 3, 1))
    b = f.make_committee_member(w.angkor, "Bora", MemberRole.MANAGEMENT_REP, Gender.MALE, HowChosen.SELECTED,
                                until=date(2026, 1, 31))
    f.make_committee_member(w.mekong, "Not ours")
    f.make_committee_meeting(w.angkor, date(2026, 1, 10), attendees=[a, b], chair=a, key_issues="Canteen")
    members = ops.members_annex(w.angkor.id, TODAY)
    assert members == [  # PR-8: current members, then former ones marked as such
        {"name": "Anh", "role": "chair", "gender": "female", "how_chosen": "elected", "since": "2025-03-01",
         "until": None, "former": False},
        {"name": "Bora", "role": "management_rep", "gender": "male", "how_chosen": "selected", "since": None,
         "until": "2026-01-31", "former": True},
    ]
    meetings = ops.meetings_annex(w.angkor.id)
    assert meetings == [{"date": "2026-01-10", "chair": "Anh", "attendees": ["Anh", "Bora"], "key_issues": "Canteen",
                         "engagement": "", "to_improve": "", "union_present": False, "ea_present": False,
                         "externals_present": False}]
    json.dumps([members, meetings])
