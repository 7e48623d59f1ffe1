"""Training (TRN-1): the programme's course catalogue, each factory's credits and enrolments.

The factory reads and asks to register for a session; the EA keeps the rest: credits,
recommendations, registrations, completion, cancellation. Every change of an enrolment is
one row of ``TRANSITIONS``. Operations add to the session and flush; the caller commits.

Credits left (stated once, here): the credit days the EA set for the factory's latest cycle,
minus the days (the course's length, whatever the number of participants) of every session
of that cycle's period (from its assessment date on) whose enrolment is Registered or
Completed. Requested, recommended and cancelled enrolments do not count.
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import (
    Cycle,
    Enrolment,
    EnrolmentStatus,
    Factory,
    FactoryTraining,
    Role,
    TrainingCourse,
    TrainingSession,
)
from .. import audit
from ..errors import DomainError, NotAllowed


def N_(msgid: str) -> str:
    """Mark a catalogue name for extraction; ``TrainingCourse.label`` translates it."""
    return msgid


# DOMAIN.md "Training catalogue (seed)": (name, days). One day unless stated.
COURSE_CATALOGUE: list[tuple[str, int]] = [
    (N_("Supervisory Skills Training"), 3),
    (N_("Workplace Cooperation and Communication"), 1),
    (N_("Effective Grievance Mechanisms"), 1),
    (N_("Industrial Relations"), 1),
    (N_("Occupational Safety and Health"), 1),
    (N_("Fire Safety and First Aid"), 1),
    (N_("Harassment Prevention"), 1),
    (N_("Trade Union Leadership"), 1),
    (N_("Gender Equality and Returns (GEAR)"), 1),
    (N_("Industry seminars"), 1),
]

MAX_PARTICIPANTS = 200
MAX_CREDIT_DAYS = 365

RECOMMENDED, REQUESTED, REGISTERED, COMPLETED, CANCELLED = (
    EnrolmentStatus.RECOMMENDED, EnrolmentStatus.REQUESTED, EnrolmentStatus.REGISTERED,
    EnrolmentStatus.COMPLETED, EnrolmentStatus.CANCELLED,
)

# from status (None: the factory has no enrolment for the session yet)
#   -> {action: (the role that may fire it, the status it leads to)}
TRANSITIONS: dict[EnrolmentStatus | None, dict[str, tuple[Role, EnrolmentStatus]]] = {
    None: {"request": (Role.FACTORY, REQUESTED), "recommend": (Role.EA, RECOMMENDED),
           "register": (Role.EA, REGISTERED)},
    RECOMMENDED: {"request": (Role.FACTORY, REQUESTED), "confirm": (Role.EA, REGISTERED),
                  "cancel": (Role.EA, CANCELLED)},
    REQUESTED: {"confirm": (Role.EA, REGISTERED), "decline": (Role.EA, CANCELLED)},
    REGISTERED: {"complete": (Role.EA, COMPLETED), "cancel": (Role.EA, CANCELLED)},
    COMPLETED: {},
    CANCELLED: {"recommend": (Role.EA, RECOMMENDED), "register": (Role.EA, REGISTERED)},
}
# Actions on an existing enrolment (the others act on a session: request, recommend, register).
ENROLMENT_ACTIONS = ("confirm", "decline", "complete", "cancel")
SESSION_ACTIONS = ("request", "recommend", "register")
# Only sessions that have not started yet can be asked for or recommended.
UPCOMING_ONLY = {"request", "recommend"}
# Completed only once the session has begun.
STARTED_ONLY = {"complete"}

COUNTED = (REGISTERED, COMPLETED)


class TrainingError(DomainError):
    """A refused change; ``args[0]`` is a message for the user (the view answers 409)."""


class WrongRole(NotAllowed):
    """The user's role never fires this action (the view answers 403)."""


def actions_for(status: EnrolmentStatus | None, role: Role) -> list[str]:
    """The actions ``role`` may fire on an enrolment in ``status`` (None: no enrolment)."""
    return [action for action, (who, _to) in TRANSITIONS.get(status, {}).items() if who is role]


def _roles_of(action: str) -> set[Role]:
    return {who for moves in TRANSITIONS.values() for a, (who, _to) in moves.items() if a == action}


def next_status(status: EnrolmentStatus | None, action: str, role: Role) -> EnrolmentStatus:
    """Where ``action`` leads from ``status``; WrongRole or TrainingError if it may not."""
    if role not in _roles_of(action):
        raise WrongRole(action)
    move = TRANSITIONS.get(status, {}).get(action)
    if move is None or move[0] is not role:
        if status is None:
            raise TrainingError(_l("The factory has no enrolment for this session."))
        raise TrainingError(gettext("This cannot be done while the status is “%(status)s”.",
                                    status=status.label))
    return move[1]


# --- the catalogue -----------------------------------------------------------------

def seed_course_catalogue(programme) -> list[TrainingCourse]:
    """Add DOMAIN.md's courses the programme does not have yet (by name); returns the added."""
    have = set(db.session.scalars(select(TrainingCourse.name).where(TrainingCourse.programme_id == programme.id)))
    added = [TrainingCourse(programme_id=programme.id, name=name, name_translations={}, days=days, active=True)
             for name, days in COURSE_CATALOGUE if name not in have]
    db.session.add_all(added)
    db.session.flush()
    return added


def courses_of(programme_id: int) -> list[TrainingCourse]:
    """The programme's active courses, in the catalogue's order, then by name."""
    order = {name: i for i, (name, _days) in enumerate(COURSE_CATALOGUE)}
    courses = db.session.scalars(select(TrainingCourse).where(TrainingCourse.programme_id == programme_id,
                                                              TrainingCourse.active))
    return sorted(courses, key=lambda c: (order.get(c.name, len(order)), c.name))


def add_session(programme, course: TrainingCourse, starts_on: date, location: str, seats: int | None):
    if course.programme_id != programme.id:
        raise ValueError("the course is another programme's")
    session = TrainingSession(programme_id=programme.id, course_id=course.id, starts_on=starts_on,
                              location=location, seats=seats)
    db.session.add(session)
    db.session.flush()
    return session


# --- credits -----------------------------------------------------------------------

def latest_cycle(factory_id: int) -> Cycle | None:
    return db.session.scalar(select(Cycle).where(Cycle.factory_id == factory_id)
                             .order_by(Cycle.number.desc()).limit(1))


@dataclass
class Credits:
    cycle: Cycle
    credit_days: int  # 0 until the EA sets them
    used_days: int

    @property
    def left(self) -> int:
        return self.credit_days - self.used_days


def credits_of(factory) -> Credits | None:
    """The latest cycle's credits, used and left (see the module's docstring); None without a cycle."""
    cycle = latest_cycle(factory.id)
    if cycle is None:
        return None
    row = db.session.scalar(select(FactoryTraining).where(FactoryTraining.factory_id == factory.id,
                                                          FactoryTraining.cycle_id == cycle.id))
    used = db.session.scalars(
        select(TrainingCourse.days)
        .join(TrainingSession, TrainingSession.course_id == TrainingCourse.id)
        .join(Enrolment, Enrolment.session_id == TrainingSession.id)
        .where(Enrolment.factory_id == factory.id, Enrolment.status.in_(COUNTED),
               TrainingSession.starts_on >= cycle.start_date)  # credits are per cycle, from its start
    )
    return Credits(cycle=cycle, credit_days=row.credit_days if row else 0, used_days=sum(used))


def set_credits(factory, days: int) -> FactoryTraining:
    """The EA sets the credit days of the factory's latest cycle."""
    if not 0 <= days <= MAX_CREDIT_DAYS:
        raise TrainingError(_l("Please enter a whole number of days from 0 to 365."))
    cycle = latest_cycle(factory.id)
    if cycle is None:
        raise TrainingError(_l("Credits are set per cycle, and this factory has no cycle yet."))
    row = db.session.scalar(select(FactoryTraining).where(FactoryTraining.factory_id == factory.id,
                                                          FactoryTraining.cycle_id == cycle.id))
    if row is None:
        row = FactoryTraining(factory_id=factory.id, cycle_id=cycle.id)
        db.session.add(row)
    row.credit_days = days
    db.session.flush()
    return row


# --- enrolments --------------------------------------------------------------------

def enrolment_of(factory_id: int, session_id: int) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(Enrolment.factory_id == factory_id,
                                                     Enrolment.session_id == session_id))


def _check_dates(action: str, session: TrainingSession, today: date) -> None:
    if action in UPCOMING_ONLY and session.starts_on < today:
        raise TrainingError(_l("This session has already taken place."))
    if action in STARTED_ONLY and session.starts_on > today:
        raise TrainingError(_l("This session has not taken place yet."))


# The EA's decisions on a factory's enrolment go to the audit trail.
AUDITED = frozenset({"register", "confirm", "decline", "complete", "cancel"})


def _move(enrolment: Enrolment, to: EnrolmentStatus, user, action: str) -> Enrolment:
    before = enrolment.status
    enrolment.status = to
    enrolment.updated_by_id = user.id
    enrolment.updated_at = datetime.now(UTC)
    db.session.flush()
    if action in AUDITED:
        factory = db.session.get(Factory, enrolment.factory_id)
        session = enrolment.session
        audit.for_factory(user, f"training.{action}", enrolment, factory,
                          label=f"{factory.name}: {session.course.name} {session.starts_on.isoformat()}",
                          changes={"status": [before, to], "participants": enrolment.participants})
    return enrolment


def act_on_session(factory, session: TrainingSession, action: str, user, today: date,
                   participants: int | None = None, note: str | None = None) -> Enrolment:
    """request (factory), recommend or register (EA) a session of the factory's programme."""
    if session.programme_id != factory.programme_id:
        raise ValueError("the session is another programme's")
    if action not in SESSION_ACTIONS:
        raise WrongRole(action)
    enrolment = enrolment_of(factory.id, session.id)
    to = next_status(enrolment.status if enrolment else None, action, user.role)
    _check_dates(action, session, today)
    if participants is not None and not 1 <= participants <= MAX_PARTICIPANTS:
        raise TrainingError(_l("Please enter a number of participants from 1 to 200."))
    if enrolment is None:
        enrolment = Enrolment(factory_id=factory.id, session_id=session.id, participants=1, note="")
        db.session.add(enrolment)
    if participants is not None:
        enrolment.participants = participants
    if note is not None:
        enrolment.note = note
    return _move(enrolment, to, user, action)


def act_on_enrolment(enrolment: Enrolment, action: str, user, today: date) -> Enrolment:
    """confirm, decline, complete or cancel an enrolment (the EA's)."""
    if action not in ENROLMENT_ACTIONS:
        raise WrongRole(action)
    to = next_status(enrolment.status, action, user.role)
    _check_dates(action, enrolment.session, today)
    return _move(enrolment, to, user, action)


# --- what the page shows -----------------------------------------------------------

@dataclass
class Board:
    credits: Credits | None
    recommended: list[Enrolment] = field(default_factory=list)
    # (session, the factory's requested enrolment or None), by date
    available: list[tuple[TrainingSession, Enrolment | None]] = field(default_factory=list)
    registered: list[Enrolment] = field(default_factory=list)
    completed: list[Enrolment] = field(default_factory=list)
    cancelled: list[Enrolment] = field(default_factory=list)


def board(factory, today: date) -> Board:
    """Credits, recommended sessions and the four tabs of the factory's training page.

    Available: the programme's sessions from ``today`` on that the factory has no enrolment
    for, plus those it asked to register for (waiting for the EA)."""
    enrolments = list(db.session.scalars(
        select(Enrolment).join(TrainingSession, Enrolment.session_id == TrainingSession.id)
        .where(Enrolment.factory_id == factory.id)
        .order_by(TrainingSession.starts_on, Enrolment.id)))
    by_session = {e.session_id: e for e in enrolments}
    upcoming = db.session.scalars(
        select(TrainingSession).where(TrainingSession.programme_id == factory.programme_id,
                                      TrainingSession.starts_on >= today)
        .order_by(TrainingSession.starts_on, TrainingSession.id))
    result = Board(credits=credits_of(factory))
    result.available = [(s, by_session.get(s.id)) for s in upcoming
                        if s.id not in by_session or by_session[s.id].status is REQUESTED]
    listed = {s.id for s, _e in result.available}
    for e in enrolments:
        if e.status is RECOMMENDED:
            result.recommended.append(e)
        elif e.status is REQUESTED and e.session_id not in listed:
            result.available.append((e.session, e))  # asked for, and the day has come: still the EA's to answer
        elif e.status is REGISTERED:
            result.registered.append(e)
    # Done and cancelled: the latest first.
    result.completed = [e for e in reversed(enrolments) if e.status is COMPLETED]
    result.cancelled = [e for e in reversed(enrolments) if e.status is CANCELLED]
    return result


def training_annex(factory_id: int) -> list[dict]:
    """The factory's enrolments as plain data for the PR1 snapshot (PR-8), by date."""
    enrolments = db.session.scalars(
        select(Enrolment).join(TrainingSession, Enrolment.session_id == TrainingSession.id)
        .where(Enrolment.factory_id == factory_id).order_by(TrainingSession.starts_on, Enrolment.id))
    return [{"course": e.session.course.name, "date": e.session.starts_on.isoformat(),
             "days": e.session.course.days, "location": e.session.location, "status": e.status.value,
             "participants": e.participants,
             "translations": {"course": dict(e.session.course.name_translations)}
             if e.session.course.name_translations else {}} for e in enrolments]
