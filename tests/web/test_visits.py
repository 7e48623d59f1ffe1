"""CYC-3: the Advisory Visit Log — the EA logs visits, the factory and others read them."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bwportal.domain.annexes.visits import programme_today
from bwportal.extensions import db
from bwportal.models import AdvisoryVisit, Cycle
from tests import factories as f

HX = {"HX-Request": "true"}


def log_url(factory):
    return f"/factories/{factory.id}/visits"


def visits(factory) -> list[AdvisoryVisit]:
    db.session.expire_all()
    return list(db.session.scalars(
        select(AdvisoryVisit).where(AdvisoryVisit.factory_id == factory.id).order_by(AdvisoryVisit.id)))


@pytest.fixture
def today(world):
    return programme_today(world.kh)


@pytest.fixture
def cycles(world, today):
    """Angkor's two cycles: the first a year and a half ago, the latest 100 days ago."""
    first = f.make_cycle(world.angkor, 1, today - timedelta(days=550))
    latest = f.make_cycle(world.angkor, 2, today - timedelta(days=100))
    db.session.commit()
    return first, latest


def visit_data(cycle, visit_date, description="Met the PICC; reviewed the OSH risk assessment"):
    return {"cycle_id": str(cycle.id), "visit_date": visit_date.isoformat() if visit_date else "",
            "description": description}


def test_the_ea_logs_a_visit_without_javascript(login, world, cycles, today):
    client = login(world.ea)
    form = client.get(log_url(world.angkor)).get_data(as_text=True)
    assert "Log a visit" in form
    # The latest cycle and today are chosen to begin with.
    assert f'selected value="{cycles[1].id}">Cycle 2, from ' in form and f'value="{today.isoformat()}"' in form
    response = client.post(log_url(world.angkor), data=visit_data(cycles[1], today - timedelta(days=3)))
    assert response.status_code == 302 and response.location.endswith(log_url(world.angkor))
    [visit] = visits(world.angkor)
    assert (visit.cycle_id, visit.visit_date, visit.ea_id) == (cycles[1].id, today - timedelta(days=3), world.ea.id)
    assert visit.description == "Met the PICC; reviewed the OSH risk assessment"
    page = client.get(response.location).get_data(as_text=True)
    assert "Visit logged." in page and "Met the PICC" in page and world.ea.name in page


def test_the_ea_logs_a_visit_with_htmx(login, world, cycles, today):
    response = login(world.ea).post(log_url(world.angkor), data=visit_data(cycles[1], today), headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="visit-log">')
    assert "Visit logged." in html and "Met the PICC" in html
    assert "Met the PICC</textarea>" not in html  # a fresh form for the next visit
    assert len(visits(world.angkor)) == 1


def test_the_log_is_newest_first_with_date_ea_and_cycle(login, world, cycles, today):
    f.make_visit(cycles[0], today - timedelta(days=400), "Old visit", ea=world.ea2)
    f.make_visit(cycles[1], today - timedelta(days=5), "Recent visit", ea=world.ea)
    f.make_visit(cycles[1], today - timedelta(days=50), "Middle visit", ea=world.ea)
    db.session.commit()
    html = login(world.factory_user).get(log_url(world.angkor)).get_data(as_text=True)
    assert html.index("Recent visit") < html.index("Middle visit") < html.index("Old visit")
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Old visit.*?</tr>", html, re.S).group(0)
    assert world.ea2.name in row and re.search(r"<td>\s*1\s*</td>", row)
    assert (today - timedelta(days=400)).strftime("%Y") in row


@pytest.mark.parametrize("who", ["factory_user", "assessor", "admin"])
def test_others_read_the_log_but_may_not_write_it(login, world, cycles, today, who):
    visit = f.make_visit(cycles[1], today, "Logged by the EA", ea=world.ea)
    db.session.commit()
    client = login(getattr(world, who))
    html = client.get(log_url(world.angkor)).get_data(as_text=True)
    assert "Logged by the EA" in html
    assert "Log a visit" not in html and f"/visits/{visit.id}/edit" not in html
    assert client.post(log_url(world.angkor), data=visit_data(cycles[1], today)).status_code == 403
    edit = f"{log_url(world.angkor)}/{visit.id}/edit"
    assert client.get(edit).status_code == 403
    assert client.post(edit, data=visit_data(cycles[1], today, "Changed")).status_code == 403
    assert [v.description for v in visits(world.angkor)] == ["Logged by the EA"]


def test_a_buyer_does_not_see_the_log(login, world, cycles):
    assert login(world.buyer).get(log_url(world.angkor)).status_code == 403


def test_the_log_is_in_the_menu(login, world, cycles):
    html = login(world.factory_user).get(f"/factories/{world.angkor.id}/organization").get_data(as_text=True)
    assert f'href="{log_url(world.angkor)}"' in html and "Advisory Visit Log" in html


@pytest.mark.parametrize("headers", [{}, HX], ids=["plain", "htmx"])
@pytest.mark.parametrize(
    "which, days, message",
    [
        (1, -1, "A visit cannot be logged before it happens: the date is after today."),
        (1, 101, "a visit of this cycle cannot be earlier."),  # before the latest cycle's assessment
        (0, 30, "please log the visit in that cycle."),  # after cycle 2 began, but logged in cycle 1
    ],
    ids=["future", "before-cycle", "in-a-later-cycle"],
)
def test_date_rules(login, world, cycles, today, headers, which, days, message):
    data = visit_data(cycles[which], today - timedelta(days=days), "Typed description that must survive")
    response = login(world.ea).post(log_url(world.angkor), data=data, headers=headers)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'id="visit_date-error"' in html
    assert "Typed description that must survive" in html
    assert visits(world.angkor) == []


def test_the_days_at_the_edges_are_allowed(login, world, cycles, today):
    client = login(world.ea)
    for cycle, day in [(cycles[1], today), (cycles[1], cycles[1].assessment_date),
                       (cycles[0], cycles[0].assessment_date), (cycles[0], cycles[1].assessment_date - timedelta(1))]:
        assert client.post(log_url(world.angkor), data=visit_data(cycle, day)).status_code == 302, (cycle, day)
    assert len(visits(world.angkor)) == 4


def test_visits_are_logged_from_the_cycle_s_start_before_its_assessment(login, world, today):
    """CYC-1, CYC-3: a cycle starts with about 100 days of advisory; its visits are logged from
    its start, while it has no assessment yet, and not before the start."""
    client = login(world.ea)
    started = client.post(f"/factories/{world.angkor.id}/cycles",
                          data={"number": "1", "start_date": (today - timedelta(days=40)).isoformat()})
    assert started.status_code == 302  # the EA starts the cycle; its assessment is months away
    cycle = db.session.scalar(select(Cycle).where(Cycle.factory_id == world.angkor.id))
    assert cycle.assessment_date is None
    form = client.get(log_url(world.angkor)).get_data(as_text=True)
    assert "Log a visit" in form
    assert client.post(log_url(world.angkor), data=visit_data(cycle, today - timedelta(days=40))).status_code == 302
    assert client.post(log_url(world.angkor), data=visit_data(cycle, today - timedelta(days=10))).status_code == 302
    early = client.post(log_url(world.angkor), data=visit_data(cycle, today - timedelta(days=41)))
    assert early.status_code == 422 and "a visit of this cycle cannot be earlier." in early.get_data(as_text=True)
    assert [v.visit_date for v in visits(world.angkor)] == [today - timedelta(days=40), today - timedelta(days=10)]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"description": "  "}, "description", "Please describe the visit."),
        ({"description": "x" * 5001}, "description", "Please keep this to 5000 characters or fewer."),
        ({"visit_date": ""}, "visit_date", "Please enter the date of the visit."),
        ({"visit_date": "yesterday"}, "visit_date", "Please enter a date, such as"),
        ({"cycle_id": ""}, "cycle_id", "Please choose the cycle."),
        ({"cycle_id": "999999"}, "cycle_id", "Please choose one of the options in the list."),
    ],
)
def test_bad_input_is_refused_and_kept(login, world, cycles, today, change, field, message):
    data = {**visit_data(cycles[1], today), **change}
    response = login(world.ea).post(log_url(world.angkor), data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and f'id="{field}-error"' in html
    if field == "visit_date" and change[field]:
        assert f'value="{change[field]}"' in html
    assert visits(world.angkor) == []


def test_a_cycle_of_another_factory_cannot_be_chosen(login, world, cycles, today):
    mekong_cycle = f.make_cycle(world.mekong, 1, today - timedelta(days=30))
    f.assign_ea(world.ea, world.mekong, is_lead=False)  # even one the EA may see
    db.session.commit()
    response = login(world.ea).post(log_url(world.angkor), data=visit_data(mekong_cycle, today))
    assert response.status_code == 422
    assert visits(world.angkor) == [] and visits(world.mekong) == []


def test_without_a_cycle_the_ea_is_told_why_there_is_no_form(login, world):
    html = login(world.ea).get(log_url(world.angkor)).get_data(as_text=True)
    assert "No cycle has been recorded for this factory yet" in html and "Log a visit" not in html
    assert login(world.ea).post(log_url(world.angkor), data={"cycle_id": "", "visit_date": "",
                                                             "description": "x"}).status_code == 422


def test_the_ea_edits_a_visit(login, world, cycles, today):
    visit = f.make_visit(cycles[1], today - timedelta(days=2), "First words", ea=world.ea)
    db.session.commit()
    client = login(world.ea)
    url = f"{log_url(world.angkor)}/{visit.id}/edit"
    form = client.get(url).get_data(as_text=True)
    assert "First words</textarea>" in form and f'value="{(today - timedelta(days=2)).isoformat()}"' in form
    refused = client.post(url, data={"visit_date": (today + timedelta(days=1)).isoformat(), "description": "Better"})
    assert refused.status_code == 422 and "after today" in refused.get_data(as_text=True)
    assert "Better</textarea>" in refused.get_data(as_text=True)
    response = client.post(url, data={"visit_date": (today - timedelta(days=1)).isoformat(),
                                      "description": "Better words"})
    assert response.status_code == 302
    [saved] = visits(world.angkor)
    assert (saved.description, saved.visit_date, saved.ea_id, saved.cycle_id) == (
        "Better words", today - timedelta(days=1), world.ea.id, cycles[1].id)
    assert "Visit saved." in client.get(response.location).get_data(as_text=True)


def test_a_visit_of_another_factory_is_404_under_this_factorys_url(login, world, cycles, today):
    mekong_visit = f.make_visit(f.make_cycle(world.mekong, 1, today - timedelta(days=30)), today, "Mekong visit")
    f.assign_ea(world.ea, world.mekong, is_lead=False)  # the EA may see Mekong, but not under Angkor's URL
    db.session.commit()
    client = login(world.ea)
    url = f"{log_url(world.angkor)}/{mekong_visit.id}/edit"
    assert client.get(url).status_code == 404
    assert client.post(url, data={"visit_date": today.isoformat(), "description": "Hijack"}).status_code == 404
    assert client.get(f"{log_url(world.mekong)}/{mekong_visit.id}/edit").status_code == 200
    assert [v.description for v in visits(world.mekong)] == ["Mekong visit"]


def test_another_eas_factory_is_404(login, world, today):
    mekong_visit = f.make_visit(f.make_cycle(world.mekong, 1, today - timedelta(days=30)), today)
    db.session.commit()
    client = login(world.ea)  # assigned to Angkor only
    assert client.get(log_url(world.mekong)).status_code == 404
    assert client.post(log_url(world.mekong), data={}).status_code == 404
    assert client.get(f"{log_url(world.mekong)}/{mekong_visit.id}/edit").status_code == 404
