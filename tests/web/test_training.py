"""TRN-1: the factory reads its training and asks to register; the EA keeps the rest."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bwportal.domain.time import today_in
from bwportal.extensions import db
from bwportal.models import Enrolment, EnrolmentStatus, FactoryTraining, TrainingSession
from tests import factories as f

S = EnrolmentStatus
HX = {"HX-Request": "true"}


def base(factory):
    return f"/factories/{factory.id}/training"


def status_of(enrolment_id):
    db.session.expire_all()
    return db.session.get(Enrolment, enrolment_id).status


def enrolments(factory):
    db.session.expire_all()
    return {e.session_id: (e.status, e.participants, e.note) for e in db.session.scalars(
        select(Enrolment).where(Enrolment.factory_id == factory.id))}


@pytest.fixture
def today(world):
    return today_in(world.kh.timezone)


@pytest.fixture
def t(world, today):
    """Angkor's latest cycle with 10 credit days; courses and sessions of Cambodia and Indonesia."""
    cycle = f.make_cycle(world.angkor, 1, today - timedelta(days=100))
    f.make_training_credits(cycle, days=10)
    sst = f.make_training_course(world.kh, "Supervisory Skills Training", days=3)
    fire = f.make_training_course(world.kh, "Fire Safety and First Aid", days=1)
    osh = f.make_training_course(world.kh, "Occupational Safety and Health", days=1)
    gear = f.make_training_course(world.idn, "Gender Equality and Returns (GEAR)", days=1)
    ns = dict(
        cycle=cycle, sst=sst, fire=fire,
        open=f.make_training_session(sst, today + timedelta(days=14), location="Phnom Penh"),
        open2=f.make_training_session(osh, today + timedelta(days=21), location="Kampong Speu", seats=25),
        past=f.make_training_session(fire, today - timedelta(days=3)),
        foreign=f.make_training_session(gear, today + timedelta(days=10), location="Bandung"),
    )
    ns["requested"] = f.make_enrolment(world.angkor, f.make_training_session(fire, today + timedelta(days=7)),
                                       S.REQUESTED, participants=4, note="Line leaders")
    ns["registered_past"] = f.make_enrolment(world.angkor, ns["past"], S.REGISTERED, participants=6)
    db.session.commit()

    class T:
        pass

    obj = T()
    obj.__dict__.update(ns)
    return obj


# --- who may write what ---------------------------------------------------------------

def post_routes(world, t):
    a = base(world.angkor)
    return {
        "request": (f"{a}/sessions/{t.open.id}/request", {"participants": "3", "note": "Supervisors"}),
        "register": (f"{a}/sessions/{t.open.id}/register", {"participants": "2"}),
        "recommend": (f"{a}/sessions/{t.open.id}/recommend", {}),
        "confirm": (f"{a}/enrolments/{t.requested.id}/confirm", {}),
        "decline": (f"{a}/enrolments/{t.requested.id}/decline", {}),
        "complete": (f"{a}/enrolments/{t.registered_past.id}/complete", {}),
        "cancel": (f"{a}/enrolments/{t.registered_past.id}/cancel", {}),
        "credits": (f"{a}/credits", {"credit_days": "12"}),
        "new_session": (f"{a}/sessions/new", {"course_id": str(t.fire.id),
                                              "starts_on": "2030-01-15", "location": "Siem Reap"}),
    }


WRITER = {"request": "factory_user"}  # every other write is the EA's


def state(world):
    db.session.expire_all()
    credits = [r.credit_days for r in db.session.scalars(select(FactoryTraining))]
    return enrolments(world.angkor), credits, db.session.scalar(select(db.func.count(TrainingSession.id)))


@pytest.mark.parametrize("route", ["request", "register", "recommend", "confirm", "decline", "complete", "cancel",
                                   "credits", "new_session"])
@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor"])
def test_who_may_write_what(login, world, t, route, who):
    url, data = post_routes(world, t)[route]
    before = state(world)
    response = login(getattr(world, who)).post(url, data=data)
    if who == WRITER.get(route, "ea"):
        assert response.status_code == 302, response.get_data(as_text=True)[:400]
        assert state(world) != before
    else:
        assert response.status_code == 403
        assert state(world) == before


def test_the_factory_sees_no_forms_but_its_request(login, world, t):
    html = login(world.factory_user).get(base(world.angkor)).get_data(as_text=True)
    assert "Request registration" in html
    for action in ("/confirm", "/decline", "/recommend", "/register", "/credits", "/sessions/new"):
        assert action not in html, action
    assert "Registration requested" in html  # its own request, waiting for the EA


def test_the_ea_sees_the_forms(login, world, t):
    html = login(world.ea).get(base(world.angkor)).get_data(as_text=True)
    for action in (f"/enrolments/{t.requested.id}/confirm", f"/enrolments/{t.requested.id}/decline",
                   f"/sessions/{t.open.id}/recommend", f"/sessions/{t.open.id}/register", "/credits", "/sessions/new"):
        assert action in html, action
    assert "/request" not in html


@pytest.mark.parametrize("who", ["admin", "assessor"])
def test_others_of_the_programme_read_only(login, world, t, who):
    response = login(getattr(world, who)).get(base(world.angkor))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Supervisory Skills Training" in html
    assert "<form" not in html.split('id="training-board"')[1]


def test_a_buyer_has_no_training_page(login, world, t):
    assert login(world.buyer).get(base(world.angkor)).status_code == 403


# --- request and the EA's answer ------------------------------------------------------

def test_the_factory_requests_and_the_ea_confirms(login, world, t):
    client = login(world.factory_user)
    response = client.post(f"{base(world.angkor)}/sessions/{t.open.id}/request",
                           data={"participants": "12", "note": "Line supervisors", "tab": "available"})
    assert response.status_code == 302 and response.location.endswith("/training?tab=available#training-board")
    assert enrolments(world.angkor)[t.open.id] == (S.REQUESTED, 12, "Line supervisors")
    page = client.get(response.location).get_data(as_text=True)
    assert "Registration requested. Your Enterprise Advisor will confirm it." in page
    row = re.search(rf'<tr id="session-{t.open.id}">.*?</tr>', page, re.S).group(0)
    assert "Registration requested" in row and "<form" not in row  # it waits; nothing more to do

    ea = login(world.ea)
    enrolment_id = db.session.scalar(select(Enrolment.id).where(Enrolment.session_id == t.open.id))
    row = re.search(rf'<tr id="session-{t.open.id}">.*?</tr>',
                    ea.get(base(world.angkor)).get_data(as_text=True), re.S).group(0)
    assert "Confirm registration" in row and "Decline" in row
    response = ea.post(f"{base(world.angkor)}/enrolments/{enrolment_id}/confirm")
    assert response.status_code == 302
    assert status_of(enrolment_id) is S.REGISTERED
    registered = ea.get(base(world.angkor) + "?tab=registered").get_data(as_text=True)
    assert "Registration confirmed." in registered
    assert f'id="session-{t.open.id}"' in registered


def test_the_ea_declines_a_request(login, world, t):
    client = login(world.ea)
    assert client.post(f"{base(world.angkor)}/enrolments/{t.requested.id}/decline").status_code == 302
    assert status_of(t.requested.id) is S.CANCELLED
    html = client.get(base(world.angkor) + "?tab=cancelled").get_data(as_text=True)
    assert f'id="session-{t.requested.session_id}"' in html and "Cancelled" in html
    available = client.get(base(world.angkor)).get_data(as_text=True)
    assert f'id="session-{t.requested.session_id}"' not in available


@pytest.mark.parametrize("action, status, message", [
    ("confirm", S.REGISTERED, "This cannot be done while the status is “Registered”."),
    ("decline", S.REGISTERED, "This cannot be done while the status is “Registered”."),
    ("cancel", S.COMPLETED, "This cannot be done while the status is “Completed”."),
    ("complete", S.REQUESTED, "This cannot be done while the status is “Registration requested”."),
])
def test_refused_transitions_answer_409_with_the_reason(login, world, t, action, status, message):
    enrolment = f.make_enrolment(world.angkor, f.make_training_session(t.fire, t.past.starts_on), status)
    db.session.commit()
    response = login(world.ea).post(f"{base(world.angkor)}/enrolments/{enrolment.id}/{action}")
    assert response.status_code == 409
    assert message in response.get_data(as_text=True)
    assert status_of(enrolment.id) is status


def test_asking_twice_or_for_a_past_session_is_refused(login, world, t):
    client = login(world.factory_user)
    twice = client.post(f"{base(world.angkor)}/sessions/{t.requested.session_id}/request", data={"participants": "2"})
    assert twice.status_code == 409 and "“Registration requested”" in twice.get_data(as_text=True)
    past = f.make_training_session(t.fire, t.past.starts_on)
    db.session.commit()
    late = client.post(f"{base(world.angkor)}/sessions/{past.id}/request", data={"participants": "2"})
    assert late.status_code == 409 and "This session has already taken place." in late.get_data(as_text=True)
    assert past.id not in enrolments(world.angkor)


def test_completing_a_session_that_has_not_happened_is_refused(login, world, t, today):
    registered = f.make_enrolment(world.angkor, t.open2, S.REGISTERED)
    db.session.commit()
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/enrolments/{registered.id}/complete")
    assert response.status_code == 409 and "This session has not taken place yet." in response.get_data(as_text=True)
    assert client.post(f"{base(world.angkor)}/enrolments/{t.registered_past.id}/complete").status_code == 302
    assert status_of(t.registered_past.id) is S.COMPLETED


@pytest.mark.parametrize("participants, message", [
    ("0", "Please enter a number of participants from 1 to 200."),
    ("201", "Please enter a number of participants from 1 to 200."),
    ("twelve", "Please enter a whole number, such as 120."),
    ("", "Please enter the number of participants."),
])
def test_participants_are_checked_and_kept(login, world, t, participants, message):
    response = login(world.factory_user).post(f"{base(world.angkor)}/sessions/{t.open.id}/request",
                                              data={"participants": participants, "note": "Keep me"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    field_id = f"participants-request-{t.open.id}"
    assert re.search(rf'<input[^>]*aria-describedby="{field_id}-error"[^>]*aria-invalid="true"', html)
    assert f'<p class="error" id="{field_id}-error">{message}</p>' in html
    assert f'value="{participants}"' in html and "Keep me</textarea>" in html
    assert t.open.id not in enrolments(world.angkor)


# --- recommended, tabs, credits -------------------------------------------------------

def test_the_ea_recommends_and_the_factory_asks_from_view_recommended(login, world, t):
    assert login(world.ea).post(f"{base(world.angkor)}/sessions/{t.open2.id}/recommend").status_code == 302
    assert enrolments(world.angkor)[t.open2.id][0] is S.RECOMMENDED
    client = login(world.factory_user)
    html = client.get(base(world.angkor)).get_data(as_text=True)
    recommended = html.split('id="recommended"')[1].split("</details>")[0]
    assert "View Recommended" in html and "Occupational Safety and Health" in recommended
    assert f"/sessions/{t.open2.id}/request" in recommended
    tabs = html.split('class="tabs"')[1]
    assert f'id="session-{t.open2.id}"' not in tabs  # listed once, under View Recommended
    assert client.post(f"{base(world.angkor)}/sessions/{t.open2.id}/request",
                       data={"participants": "5"}).status_code == 302
    assert enrolments(world.angkor)[t.open2.id][:2] == (S.REQUESTED, 5)


def test_the_ea_registers_directly(login, world, t):
    response = login(world.ea).post(f"{base(world.angkor)}/sessions/{t.open.id}/register",
                                    data={"participants": "8", "tab": "registered"})
    assert response.status_code == 302 and "tab=registered" in response.location
    assert enrolments(world.angkor)[t.open.id][:2] == (S.REGISTERED, 8)


def test_available_lists_upcoming_sessions_of_the_programme_only(login, world, t):
    html = login(world.factory_user).get(base(world.angkor)).get_data(as_text=True)
    tab = html.split('id="training-tabs"')[1]
    assert f'id="session-{t.open.id}"' in tab and f'id="session-{t.open2.id}"' in tab
    assert f'id="session-{t.requested.session_id}"' in tab  # requested: still in Available
    assert f'id="session-{t.past.id}"' not in tab and "Bandung" not in tab
    assert tab.index(f'id="session-{t.requested.session_id}"') < tab.index(f'id="session-{t.open.id}"')  # by date
    assert 'aria-current="page">Available (3)' in html


@pytest.mark.parametrize("tab, present, absent", [
    ("registered", "registered_past", "requested"),
    ("completed", "completed", "registered_past"),
    ("nonsense", "requested", "registered_past"),  # unknown: Available
])
def test_tabs_are_plain_links(login, world, t, tab, present, absent):
    t.completed = f.make_enrolment(world.angkor, f.make_training_session(t.sst, t.past.starts_on), S.COMPLETED)
    db.session.commit()
    html = login(world.factory_user).get(f"{base(world.angkor)}?tab={tab}").get_data(as_text=True)
    panel = html.split('id="training-tabs"')[1]
    assert f'id="session-{getattr(t, present).session_id}"' in panel
    assert f'id="session-{getattr(t, absent).session_id}"' not in panel
    assert f'href="/factories/{world.angkor.id}/training?tab=completed#training-tabs"' in html


def test_credits_left(login, world, t, today):
    f.make_enrolment(world.angkor, f.make_training_session(t.sst, today - timedelta(days=30)), S.COMPLETED)  # 3
    f.make_enrolment(world.angkor, t.open2, S.REGISTERED, participants=40)  # 1, whatever the participants
    f.make_enrolment(world.angkor, t.open, S.RECOMMENDED)  # not counted
    f.make_enrolment(world.angkor, f.make_training_session(t.sst, today - timedelta(days=200)), S.COMPLETED)  # before
    db.session.commit()
    html = login(world.factory_user).get(base(world.angkor)).get_data(as_text=True)
    # 10 credit days - (3 + 1 + 1 for the registered past fire session) = 5
    assert re.search(r'<dd id="credits-left"><strong>5 days</strong></dd>', html)
    assert "Cycle 1, from" in html


def test_the_ea_sets_credits_for_the_latest_cycle(login, world, t, today):
    latest = f.make_cycle(world.angkor, 2, today - timedelta(days=5))
    db.session.commit()
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/credits", data={"credit_days": "7"})
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.scalar(select(FactoryTraining).where(FactoryTraining.cycle_id == latest.id))
    assert row.credit_days == 7
    # 7 minus the fire session registered three days ago, in the new cycle's period.
    assert re.search(r'<dd id="credits-left"><strong>6 days</strong></dd>',
                     client.get(base(world.angkor)).get_data(as_text=True))
    bad = client.post(f"{base(world.angkor)}/credits", data={"credit_days": "-1"})
    assert bad.status_code == 422 and "Please enter a whole number of days from 0 to 365." in bad.get_data(as_text=True)


def test_credits_need_a_cycle(login, world):
    world_ea = login(world.ea)
    assert "no cycle has been recorded" in world_ea.get(base(world.angkor)).get_data(as_text=True)
    response = world_ea.post(f"{base(world.angkor)}/credits", data={"credit_days": "7"})
    assert response.status_code == 409
    assert "Credits are set per cycle, and this factory has no cycle yet." in response.get_data(as_text=True)


# --- tenancy within the programme -----------------------------------------------------

@pytest.mark.parametrize("who, action", [("factory_user", "request"), ("ea", "recommend"), ("ea", "register")])
def test_a_session_of_another_programme_is_404(login, world, t, who, action):
    response = login(getattr(world, who)).post(f"{base(world.angkor)}/sessions/{t.foreign.id}/{action}",
                                               data={"participants": "1"})
    assert response.status_code == 404
    assert t.foreign.id not in enrolments(world.angkor)


def test_another_factorys_enrolment_is_404_even_to_an_ea_who_sees_both(login, world, t):
    f.assign_ea(world.ea, world.mekong, is_lead=False)
    theirs = f.make_enrolment(world.mekong, t.open, S.REQUESTED)
    db.session.commit()
    response = login(world.ea).post(f"{base(world.angkor)}/enrolments/{theirs.id}/confirm")
    assert response.status_code == 404 and status_of(theirs.id) is S.REQUESTED


# --- HTMX -------------------------------------------------------------------------------

def test_htmx_actions_swap_the_board(login, world, t):
    client = login(world.ea)
    response = client.post(f"{base(world.angkor)}/enrolments/{t.requested.id}/confirm", data={"tab": "registered"},
                           headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="training-board">') and "Registration confirmed." in html
    assert 'aria-current="page">Registered' in html
    again = client.post(f"{base(world.angkor)}/enrolments/{t.requested.id}/confirm", headers=HX)
    assert again.status_code == 409 and "<html" not in again.get_data(as_text=True)
    assert "“Registered”" in again.get_data(as_text=True)


def test_htmx_request_errors_stay_in_the_board(login, world, t):
    response = login(world.factory_user).post(f"{base(world.angkor)}/sessions/{t.open.id}/request",
                                              data={"participants": "500"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and html.lstrip().startswith('<div id="training-board">')
    assert "from 1 to 200" in html


# --- sessions ---------------------------------------------------------------------------

def test_the_ea_adds_a_session_of_the_programme(login, world, t, today):
    client = login(world.ea)
    form = client.get(f"{base(world.angkor)}/sessions/new").get_data(as_text=True)
    assert "Supervisory Skills Training" in form and "Gender Equality and Returns" not in form  # kh courses only
    day = today + timedelta(days=40)
    response = client.post(f"{base(world.angkor)}/sessions/new",
                           data={"course_id": str(t.sst.id), "starts_on": day.isoformat(), "location": "Takeo",
                                 "seats": "30"})
    assert response.status_code == 302
    session = db.session.scalar(select(TrainingSession).where(TrainingSession.location == "Takeo"))
    assert (session.programme_id, session.course_id, session.starts_on, session.seats) == (
        world.kh.id, t.sst.id, day, 30)
    # Offered to every factory of the programme.
    assert f'id="session-{session.id}"' in login(world.factory2_user).get(base(world.mekong)).get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"course_id": "", "starts_on": "2030-01-01"}, "Please choose a course."),
    ({"course_id": "GEAR", "starts_on": "2030-01-01"}, "Please choose one of the options in the list."),
    ({"course_id": "{foreign}", "starts_on": "2030-01-01"}, "Please choose one of the options in the list."),
    ({"course_id": "{sst}", "starts_on": "soon"}, "Please enter a date, such as 2026-03-31."),
    ({"course_id": "{sst}", "starts_on": "2030-01-01", "seats": "0"}, "Please enter a whole number from 1 to 10,000."),
])
def test_session_form_errors(login, world, t, data, message):
    values = {k: v.format(foreign=t.foreign.course_id, sst=t.sst.id) for k, v in data.items()}
    before = db.session.scalar(select(db.func.count(TrainingSession.id)))
    response = login(world.ea).post(f"{base(world.angkor)}/sessions/new", data=values)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db.session.scalar(select(db.func.count(TrainingSession.id))) == before
