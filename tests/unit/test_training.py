"""TRN-1 rules: the enrolment transitions, credits left, what the tabs list, the catalogue seed."""

import json
from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from bwportal.domain.annexes import training as ops
from bwportal.extensions import db
from bwportal.models import EnrolmentStatus, FactoryTraining, Role, TrainingCourse
from tests import factories as f

S = EnrolmentStatus
FACTORY, EA = Role.FACTORY, Role.EA


# --- the transitions table (no database) --------------------------------------------

@pytest.mark.parametrize("status, role, expected", [
    (None, FACTORY, ["request"]),
    (None, EA, ["recommend", "register"]),
    (S.RECOMMENDED, FACTORY, ["request"]),
    (S.RECOMMENDED, EA, ["confirm", "cancel"]),
    (S.REQUESTED, FACTORY, []),  # waits for the EA
    (S.REQUESTED, EA, ["confirm", "decline"]),
    (S.REGISTERED, FACTORY, []),
    (S.REGISTERED, EA, ["complete", "cancel"]),
    (S.COMPLETED, FACTORY, []),
    (S.COMPLETED, EA, []),  # final
    (S.CANCELLED, FACTORY, []),
    (S.CANCELLED, EA, ["recommend", "register"]),
    (S.REQUESTED, Role.BUYER, []),
    (S.REQUESTED, Role.ASSESSOR, []),
    (None, Role.ADMIN, []),
])
def test_actions_by_status_and_role(status, role, expected):
    assert ops.actions_for(status, role) == expected


@pytest.mark.parametrize("status, action, to", [
    (S.REQUESTED, "confirm", S.REGISTERED),
    (S.REQUESTED, "decline", S.CANCELLED),
    (S.RECOMMENDED, "confirm", S.REGISTERED),  # the EA registers a recommended session directly
    (S.REGISTERED, "complete", S.COMPLETED),
    (S.REGISTERED, "cancel", S.CANCELLED),
    (None, "recommend", S.RECOMMENDED),
    (None, "register", S.REGISTERED),
])
def test_the_ea_moves(status, action, to):
    assert ops.next_status(status, action, EA) is to


def test_the_factory_only_asks():
    assert ops.next_status(None, "request", FACTORY) is S.REQUESTED
    assert ops.next_status(S.RECOMMENDED, "request", FACTORY) is S.REQUESTED
    for action in ("confirm", "decline", "complete", "cancel", "recommend", "register"):
        with pytest.raises(ops.WrongRole):
            ops.next_status(S.REQUESTED, action, FACTORY)


def test_the_ea_never_asks_for_the_factory():
    with pytest.raises(ops.WrongRole):
        ops.next_status(None, "request", EA)


@pytest.mark.parametrize("status, action", [
    (S.REGISTERED, "confirm"), (S.COMPLETED, "cancel"), (S.COMPLETED, "complete"), (S.CANCELLED, "confirm"),
    (S.REQUESTED, "complete"), (S.REQUESTED, "cancel"), (S.RECOMMENDED, "decline"),
])
def test_refused_moves_say_why(app, status, action):
    with app.test_request_context():
        with pytest.raises(ops.TrainingError) as refused:
            ops.next_status(status, action, EA)
        assert str(status.label) in str(refused.value.args[0])


def test_asking_twice_is_refused(app):
    with app.test_request_context(), pytest.raises(ops.TrainingError):
        ops.next_status(S.REQUESTED, "request", FACTORY)


# --- with the database ----------------------------------------------------------------

def test_seed_course_catalogue_adds_domain_courses_once(world):
    f.make_training_course(world.kh, "Industrial Relations", days=2)  # already there, with the admin's length
    added = ops.seed_course_catalogue(world.kh)
    assert len(added) == 9
    courses = {c.name: c.days for c in db.session.scalars(
        db.select(TrainingCourse).where(TrainingCourse.programme_id == world.kh.id))}
    assert len(courses) == 10
    assert courses["Supervisory Skills Training"] == 3
    assert courses["Industrial Relations"] == 2  # kept as it was
    assert courses["Gender Equality and Returns (GEAR)"] == 1 and courses["Industry seminars"] == 1
    assert ops.seed_course_catalogue(world.kh) == []  # idempotent
    assert len(ops.seed_course_catalogue(world.idn)) == 10  # per programme
    assert [c.name for c in ops.courses_of(world.kh.id)][:2] == ["Supervisory Skills Training",
                                                                 "Workplace Cooperation and Communication"]


def _credits_world(world, today):
    cycle = f.make_cycle(world.angkor, 2, today - timedelta(days=100))
    f.make_cycle(world.angkor, 1, today - timedelta(days=500))
    f.make_training_credits(cycle, days=10)
    three = f.make_training_course(world.kh, "Supervisory Skills Training", days=3)
    one = f.make_training_course(world.kh, "Fire Safety and First Aid", days=1)
    two = f.make_training_course(world.kh, "Industrial Relations", days=2)
    counted = [
        f.make_enrolment(world.angkor, f.make_training_session(three, today - timedelta(days=20)), S.COMPLETED),
        f.make_enrolment(world.angkor, f.make_training_session(one, today + timedelta(days=20)), S.REGISTERED,
                         participants=30),  # days, not days x participants
    ]
    not_counted = [
        f.make_enrolment(world.angkor, f.make_training_session(two, today + timedelta(days=5)), S.REQUESTED),
        f.make_enrolment(world.angkor, f.make_training_session(two, today + timedelta(days=6)), S.RECOMMENDED),
        f.make_enrolment(world.angkor, f.make_training_session(two, today + timedelta(days=7)), S.CANCELLED),
        # Completed in the previous cycle's period.
        f.make_enrolment(world.angkor, f.make_training_session(three, today - timedelta(days=101)), S.COMPLETED),
        # Another factory's.
        f.make_enrolment(world.mekong, f.make_training_session(three, today + timedelta(days=8)), S.REGISTERED),
    ]
    return cycle, counted, not_counted


def test_credits_left_count_registered_and_completed_days_of_the_latest_cycle(world):
    today = date.today()
    cycle, _counted, _not = _credits_world(world, today)
    credits = ops.credits_of(world.angkor)
    assert credits.cycle.id == cycle.id
    assert (credits.credit_days, credits.used_days, credits.left) == (10, 4, 6)


def test_credits_without_a_cycle_or_row(world):
    assert ops.credits_of(world.angkor) is None
    f.make_cycle(world.angkor, 1)
    assert (ops.credits_of(world.angkor).credit_days, ops.credits_of(world.angkor).left) == (0, 0)


def test_set_credits_writes_the_latest_cycle_once(world, app):
    with app.test_request_context():
        with pytest.raises(ops.TrainingError):
            ops.set_credits(world.angkor, 5)  # no cycle yet
        f.make_cycle(world.angkor, 1, date.today() - timedelta(days=400))
        latest = f.make_cycle(world.angkor, 2, date.today() - timedelta(days=10))
        ops.set_credits(world.angkor, 5)
        ops.set_credits(world.angkor, 7)
        rows = list(db.session.scalars(db.select(FactoryTraining)))
        assert [(r.cycle_id, r.credit_days) for r in rows] == [(latest.id, 7)]
        with pytest.raises(ops.TrainingError):
            ops.set_credits(world.angkor, 366)


def test_the_board_lists_upcoming_sessions_of_the_programme_in_the_available_tab(world):
    today = date.today()
    course = f.make_training_course(world.kh, "Harassment Prevention")
    other_programme = f.make_training_course(world.idn, "Harassment Prevention")
    open_today = f.make_training_session(course, today)
    open_later = f.make_training_session(course, today + timedelta(days=9))
    past = f.make_training_session(course, today - timedelta(days=1))
    f.make_training_session(other_programme, today + timedelta(days=3))
    requested = f.make_training_session(course, today + timedelta(days=4))
    registered = f.make_training_session(course, today + timedelta(days=5))
    recommended = f.make_training_session(course, today + timedelta(days=6))
    requested_late = f.make_training_session(course, today - timedelta(days=2))
    e_requested = f.make_enrolment(world.angkor, requested, S.REQUESTED)
    e_registered = f.make_enrolment(world.angkor, registered, S.REGISTERED)
    e_recommended = f.make_enrolment(world.angkor, recommended, S.RECOMMENDED)
    e_late = f.make_enrolment(world.angkor, requested_late, S.REQUESTED)
    f.make_enrolment(world.mekong, open_later, S.REGISTERED)  # another factory's enrolment changes nothing here
    board = ops.board(world.angkor, today)
    assert [(s.id, e.id if e else None) for s, e in board.available] == [
        (open_today.id, None), (requested.id, e_requested.id), (open_later.id, None), (requested_late.id, e_late.id)]
    assert past.id not in {s.id for s, _e in board.available}
    assert board.registered == [e_registered] and board.recommended == [e_recommended]


def test_completed_and_cancelled_are_latest_first(world):
    today = date.today()
    course = f.make_training_course(world.kh)
    old = f.make_enrolment(world.angkor, f.make_training_session(course, today - timedelta(days=90)), S.COMPLETED)
    new = f.make_enrolment(world.angkor, f.make_training_session(course, today - timedelta(days=9)), S.COMPLETED)
    assert ops.board(world.angkor, today).completed == [new, old]


def test_dates_of_requests_recommendations_and_completion(world, app):
    today = date.today()
    ea = SimpleNamespace(id=world.ea.id, role=Role.EA)
    course = f.make_training_course(world.kh)
    past = f.make_training_session(course, today - timedelta(days=1))
    future = f.make_training_session(course, today + timedelta(days=1))
    with app.test_request_context():
        for action in ("request", "recommend"):
            who = world.factory_user if action == "request" else ea
            with pytest.raises(ops.TrainingError, match="already taken place"):
                ops.act_on_session(world.angkor, past, action, who, today, participants=1)
        enrolment = ops.act_on_session(world.angkor, future, "register", ea, today, participants=4)
        with pytest.raises(ops.TrainingError, match="not taken place yet"):
            ops.act_on_enrolment(enrolment, "complete", ea, today)
        assert ops.act_on_enrolment(enrolment, "complete", ea, future.starts_on).status is S.COMPLETED
        assert enrolment.updated_by_id == world.ea.id


def test_a_session_of_another_programme_is_never_used(world):
    course = f.make_training_course(world.idn)
    session = f.make_training_session(course)
    with pytest.raises(ValueError):
        ops.act_on_session(world.angkor, session, "request", world.factory_user, date.today(), participants=1)


def test_training_annex_is_plain_data(world):
    course = f.make_training_course(world.kh, "Fire Safety and First Aid", days=1)
    session = f.make_training_session(course, date(2026, 3, 2), location="Factory hall")
    f.make_enrolment(world.angkor, session, S.COMPLETED, participants=25)
    f.make_enrolment(world.mekong, session, S.REGISTERED)
    annex = ops.training_annex(world.angkor.id)
    assert annex == [{"course": "Fire Safety and First Aid", "date": "2026-03-02", "days": 1,
                      "location": "Factory hall", "status": "completed", "participants": 25, "translations": {}}]
    json.dumps(annex)
