"""The factory's bipartite committee (PICC, LKS Bipartit, PC…): members kept by the EA, with
the changes the factory proposes (COM-1), and meetings the factory logs (COM-2).

A member is current until the day in ``until`` (inclusive), or for good without one; "today"
is the programme's (its time zone). Operations add to the session and flush; the caller commits.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import CommitteeMeeting, CommitteeMember, Gender, HowChosen, MemberProposal, MemberRole, ProposalStatus
from .. import audit
from ..errors import Conflict, DomainError
from ..locking import locked

MEMBER_FIELDS = ("name", "role", "gender", "how_chosen", "since")
PROPOSAL_ACTIONS = ("add", "update", "remove")
MEETING_TEXTS = ("key_issues", "engagement", "to_improve")
MEETING_FLAGS = ("union_present", "ea_present", "externals_present")


class CommitteeError(DomainError):
    """A refused change; ``args[0]`` is a message for the user (the view answers 409)."""


class MeetingInvalid(DomainError):
    """``args[0]``: {field: message} for a meeting that breaks a rule."""


# --- members -----------------------------------------------------------------------

def is_current(member: CommitteeMember, today: date) -> bool:
    return member.until is None or member.until >= today


def members_of(factory_id: int) -> list[CommitteeMember]:
    return list(db.session.scalars(select(CommitteeMember).where(CommitteeMember.factory_id == factory_id)
                                   .order_by(CommitteeMember.name, CommitteeMember.id)))


def current_members(factory_id: int, today: date) -> list[CommitteeMember]:
    return [m for m in members_of(factory_id) if is_current(m, today)]


def former_members(factory_id: int, today: date) -> list[CommitteeMember]:
    """Members who left, the latest to leave first."""
    former = [m for m in members_of(factory_id) if not is_current(m, today)]
    return sorted(former, key=lambda m: m.until, reverse=True)


def member_date_problem(since: date | None, until: date | None) -> str | None:
    if since and until and until < since:
        return gettext("The end date cannot be before the date the member joined.")
    return None


def add_member(factory, values: dict) -> CommitteeMember:
    """``values``: name, role, gender, how_chosen (enums), since, until (dates or None)."""
    problem = member_date_problem(values.get("since"), values.get("until"))
    if problem:
        raise CommitteeError(problem)
    member = CommitteeMember(factory_id=factory.id, **{k: values.get(k) for k in (*MEMBER_FIELDS, "until")})
    db.session.add(member)
    db.session.flush()
    return member


def update_member(member: CommitteeMember, values: dict) -> CommitteeMember:
    """Set the given fields; ending a membership is setting ``until``."""
    since = values.get("since", member.since)
    until = values.get("until", member.until)
    problem = member_date_problem(since, until)
    if problem:
        raise CommitteeError(problem)
    for key, value in values.items():
        if key in (*MEMBER_FIELDS, "until"):
            setattr(member, key, value)
    db.session.flush()
    return member


@dataclass
class GenderBalance:
    women: int
    men: int
    other: int
    total: int
    workforce_women: int | None = None
    workforce_total: int | None = None

    @staticmethod
    def _share(part, whole):
        return part / whole if whole else None

    @property
    def women_share(self) -> float | None:
        return self._share(self.women, self.total)

    @property
    def men_share(self) -> float | None:
        return self._share(self.men, self.total)

    @property
    def workforce_women_share(self) -> float | None:
        """Women's share of the factory's workforce, when the factory has given its numbers."""
        return self._share(self.workforce_women, self.workforce_total) if self.workforce_total else None


def gender_balance(members: list[CommitteeMember], factory) -> GenderBalance:
    """Counts of the (current) ``members`` given, beside the workforce's when it is known."""
    women = sum(1 for m in members if m.gender is Gender.FEMALE)
    men = sum(1 for m in members if m.gender is Gender.MALE)
    workforce = (factory.female_employees or 0) + (factory.male_employees or 0)
    return GenderBalance(women=women, men=men, other=len(members) - women - men, total=len(members),
                         workforce_women=(factory.female_employees or 0) if workforce else None,
                         workforce_total=workforce or None)


# --- proposals ---------------------------------------------------------------------

def _encode(values: dict) -> dict:
    """Typed member values as JSON: enum values and ISO dates."""
    out = {}
    for key, value in values.items():
        if value is None or value == "":
            continue
        out[key] = value.value if hasattr(value, "value") else value.isoformat() if isinstance(value, date) else value
    return out


def decode(data: dict) -> dict:
    """A proposal's JSON back to typed values (what ``add_member``/``update_member`` take)."""
    kinds = {"role": MemberRole, "gender": Gender, "how_chosen": HowChosen}
    out = {}
    for key, value in (data or {}).items():
        if key in kinds:
            out[key] = kinds[key](value)
        elif key in ("since", "until"):
            out[key] = date.fromisoformat(value)
        elif key == "name":
            out[key] = value
    return out


class ProposalDecided(CommitteeError, Conflict):
    """Accepted or declined already: nothing is done a second time."""


def propose(factory, user, action: str, member: CommitteeMember | None, values: dict, note: str,
            today: date) -> MemberProposal:
    """The factory proposes to add a member, change one, or end one's membership."""
    if action not in PROPOSAL_ACTIONS:
        raise CommitteeError(_l("Please choose what to change."))
    if action == "add":
        member = None
        missing = [k for k in ("name", "role", "gender", "how_chosen") if not values.get(k)]
        if missing:
            raise CommitteeError(_l("A new member needs a name, role, gender and how they were chosen."))
        values = {k: values.get(k) for k in MEMBER_FIELDS}
    else:
        if member is None or member.factory_id != factory.id or not is_current(member, today):
            raise CommitteeError(_l("Please choose a current member."))
        if action == "update":
            values = {k: values.get(k) for k in MEMBER_FIELDS if values.get(k) not in (None, "")}
            if not values:
                raise CommitteeError(_l("Please give at least one new value for the member."))
        else:
            values = {"until": values.get("until")}
    proposal = MemberProposal(factory_id=factory.id, member_id=member.id if member else None, action=action,
                              data=_encode(values), note=note or "", status=ProposalStatus.PENDING,
                              proposed_by_id=user.id)
    db.session.add(proposal)
    db.session.flush()
    return proposal


def decide(factory, proposal: MemberProposal, decision: str, user, today: date) -> CommitteeMember | None:
    """The EA accepts (the change is made) or declines a pending proposal; once only."""
    if proposal.factory_id != factory.id:
        raise ValueError("the proposal is another factory's")
    locked(proposal)  # a double click or two EAs at once: the second finds it decided (issue 17)
    if proposal.status is not ProposalStatus.PENDING:
        raise ProposalDecided(_l("This proposal has already been decided."))
    if decision not in ("accept", "decline"):
        raise ValueError(decision)
    member = None
    if decision == "accept":
        values = decode(proposal.data)
        if proposal.action == "add":
            member = add_member(factory, values)
        else:
            member = proposal.member
            if member is None or member.factory_id != proposal.factory_id:
                raise CommitteeError(_l("The member of this proposal no longer exists."))
            if proposal.action == "remove":
                if not is_current(member, today):
                    raise CommitteeError(_l("This member has already left the committee."))
                member = update_member(member, {"until": values.get("until") or today})
            else:
                member = update_member(member, values)
    before = proposal.status
    proposal.status = ProposalStatus.ACCEPTED if decision == "accept" else ProposalStatus.DECLINED
    proposal.decided_by_id = user.id
    proposal.decided_at = datetime.now(UTC)
    name = (proposal.data or {}).get("name") or (proposal.member.name if proposal.member else "")
    audit.for_factory(user, f"committee.{decision}", proposal, factory, label=f"{factory.name}: {name}",
                      changes={"proposal": proposal.action, "status": [before, proposal.status]})
    db.session.flush()
    return member


def pending_proposals(factory_id: int) -> list[MemberProposal]:
    return list(db.session.scalars(
        select(MemberProposal).where(MemberProposal.factory_id == factory_id,
                                     MemberProposal.status == ProposalStatus.PENDING)
        .order_by(MemberProposal.id)))


def decided_proposals(factory_id: int, limit: int = 20) -> list[MemberProposal]:
    return list(db.session.scalars(
        select(MemberProposal).where(MemberProposal.factory_id == factory_id,
                                     MemberProposal.status != ProposalStatus.PENDING)
        .order_by(MemberProposal.id.desc()).limit(limit)))


def proposal_changes(proposal: MemberProposal) -> list[tuple[str, object, object]]:
    """(field, the member's value now or None, the proposed value), typed, for display."""
    values = decode(proposal.data)
    member = proposal.member
    return [(key, getattr(member, key) if member is not None else None, value) for key, value in values.items()]


# --- meetings ----------------------------------------------------------------------

def meetings_of(factory_id: int) -> list[CommitteeMeeting]:
    """Newest first."""
    return list(db.session.scalars(
        select(CommitteeMeeting).where(CommitteeMeeting.factory_id == factory_id)
        .order_by(CommitteeMeeting.meeting_date.desc(), CommitteeMeeting.id.desc())))


def attendable(factory_id: int, today: date, meeting: CommitteeMeeting | None = None) -> list[CommitteeMember]:
    """Who may be ticked as attending: the current members, and (editing) those already
    recorded at the meeting, who were members then even if they have left since."""
    already = {m.id for m in meeting.attendees} if meeting is not None else set()
    return [m for m in members_of(factory_id) if is_current(m, today) or m.id in already]


def meeting_date_problem(meeting_date: date | None, today: date) -> str | None:
    if meeting_date is not None and meeting_date > today:
        return gettext("A meeting cannot be logged before it happens: the date is after today.")
    return None


def attendees_problem(attendee_ids, allowed_ids) -> str | None:
    if not attendee_ids:
        return gettext("Please tick who attended.")
    if set(attendee_ids) - set(allowed_ids):
        return gettext("Only current members of the committee can be ticked as attending.")
    return None


def chair_problem(chair_id, attendee_ids) -> str | None:
    if chair_id is not None and chair_id not in set(attendee_ids or ()):
        return gettext("The chair must be one of the members who attended.")
    return None


def _checked(factory_id, values, attendee_ids, today, meeting=None):
    allowed = {m.id: m for m in attendable(factory_id, today, meeting)}
    errors = {}
    for key, problem in (("meeting_date", meeting_date_problem(values.get("meeting_date"), today)),
                         ("attendees", attendees_problem(attendee_ids, allowed)),
                         ("chair_id", chair_problem(values.get("chair_id"), attendee_ids))):
        if problem:
            errors[key] = problem
    if values.get("meeting_date") is None:
        errors["meeting_date"] = gettext("Please enter the date of the meeting.")
    if errors:
        raise MeetingInvalid(errors)
    return [allowed[i] for i in dict.fromkeys(attendee_ids)]


def _fill(meeting, values, attendees):
    meeting.meeting_date = values["meeting_date"]
    for key in MEETING_TEXTS:
        setattr(meeting, key, values.get(key) or "")
    for key in MEETING_FLAGS:
        setattr(meeting, key, bool(values.get(key)))
    meeting.chair_id = values.get("chair_id")
    meeting.attendees = attendees


def log_meeting(factory, user, values: dict, attendee_ids: list[int], today: date) -> CommitteeMeeting:
    """``values``: meeting_date, chair_id, the texts and the flags. MeetingInvalid if a rule is broken."""
    attendees = _checked(factory.id, values, attendee_ids, today)
    meeting = CommitteeMeeting(factory_id=factory.id, created_by_id=user.id)
    _fill(meeting, values, attendees)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def update_meeting(meeting: CommitteeMeeting, values: dict, attendee_ids: list[int], today: date):
    attendees = _checked(meeting.factory_id, values, attendee_ids, today, meeting)
    _fill(meeting, values, attendees)
    db.session.flush()
    return meeting


# --- annexes (PR-8) ----------------------------------------------------------------

def _iso(value):
    return value.isoformat() if value is not None else None


def members_annex(factory_id: int, today: date) -> list[dict]:
    """Every member as plain data for the PR1 snapshot (PR-8): current members first, then
    former ones marked as such (as of ``today``, the programme's), each with gender and
    whether elected or selected."""
    members = members_of(factory_id)
    former = sorted((m for m in members if not is_current(m, today)), key=lambda m: m.until, reverse=True)
    ordered = [m for m in members if is_current(m, today)] + former
    return [{"name": m.name, "role": m.role.value, "gender": m.gender.value, "how_chosen": m.how_chosen.value,
             "since": _iso(m.since), "until": _iso(m.until), "former": not is_current(m, today)}
            for m in ordered]


def meetings_annex(factory_id: int) -> list[dict]:
    """Every meeting, newest first, as plain data for the PR1 snapshot."""
    return [{"date": _iso(m.meeting_date), "chair": m.chair.name if m.chair else None,
             "attendees": [a.name for a in m.attendees], "key_issues": m.key_issues, "engagement": m.engagement,
             "to_improve": m.to_improve, "union_present": m.union_present, "ea_present": m.ea_present,
             "externals_present": m.externals_present} for m in meetings_of(factory_id)]
