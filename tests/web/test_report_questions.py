"""The programme's wording of the report questions (admin editor), and reports that never
change after submission: catalogue names, question wording, hidden questions and the
committee name stay as they were submitted, in every language."""

import re
from datetime import date, timedelta

import pytest

from bwportal.extensions import db
from bwportal.models import AuditEvent, CompliancePoint, ProgressReport, ReportStatus
from tests import factories as f
from tests.helpers import translated

EDITOR = "/admin/catalogue/questions"
Q2 = "Q2. Since the assessment, the %(committee)s:"
Q3 = "Q3. Worker representatives were chosen by:"


def wording(**fields):
    """A post of the social-dialogue section: every field empty unless given."""
    data = {f"{key}__{code}": "" for key in ("q1", "q2", "q3", "q4", "q5")
            for code in ("en", "km", "vi", "bn", "id", "ar", "es", "fr")}
    data.update(fields)
    return data


def programme_overrides(programme):
    db.session.expire_all()
    return db.session.get(type(programme), programme.id).question_overrides


# --- the editor ---------------------------------------------------------------------------

def test_the_editor_lists_both_reports_sections(login, world):
    html = login(world.admin).get(EDITOR).get_data(as_text=True)
    assert "Progress Report 1" in html and "Progress Report 2" in html
    for kind, key in (("pr1", "overview"), ("pr1", "social_dialogue"), ("pr1", "feedback"), ("pr2", "summary")):
        assert f"{EDITOR}/{kind}/{key}" in html
    assert 'aria-current="page"' in html  # the admin sub-navigation marks this page


def test_a_section_page_shows_every_question_with_a_box_per_language(login, world):
    html = login(world.admin).get(f"{EDITOR}/pr1/social_dialogue").get_data(as_text=True)
    assert "Q1. Does the factory have a PICC?" in html and "Q3. Worker representatives were chosen by:" in html
    for code in ("en", "km", "vi", "bn", "id", "ar", "es", "fr"):
        assert f'name="q2__{code}"' in html
    assert 'name="q2__hidden"' in html
    assert 'name="q1__hidden"' not in html and "always shown" in html  # q1 is required
    # Empty boxes show the portal's own wording in that language, with the committee's name.
    km = translated("km", "Q1. Does the factory have a %(committee)s?").replace("%(committee)s", "PICC")
    assert f'placeholder="{km}"' in html


def test_admin_hides_a_question_and_rewords_another(login, world):
    client = login(world.admin)
    response = client.post(f"{EDITOR}/pr1/social_dialogue", data=wording(
        q3__hidden="y", q2__en="Q2. Since the assessment, our PICC:", q2__km="  សំណួរ ២ របស់យើង  "))
    assert response.status_code == 302 and response.location.endswith(f"{EDITOR}/pr1/social_dialogue")
    assert programme_overrides(world.kh) == {
        "pr1.social_dialogue.q3": {"hidden": True},
        "pr1.social_dialogue.q2": {"label": {"en": "Q2. Since the assessment, our PICC:", "km": "សំណួរ ២ របស់យើង"}},
    }
    assert programme_overrides(world.idn) == {}
    [event] = db.session.scalars(db.select(AuditEvent).filter_by(action="questions.edit")).all()
    assert (event.actor_id, event.programme_id) == (world.admin.id, world.kh.id)
    assert event.changes["pr1.social_dialogue.q3"] == [None, {"hidden": True}]
    page = client.get(f"{EDITOR}/pr1/social_dialogue").get_data(as_text=True)
    assert "Q2. Since the assessment, our PICC:</textarea>" in page
    assert re.search(r'<input checked id="q3__hidden"', page) and not re.search(r'<input checked id="q2__hidden"', page)
    # Clearing the wording and the tick puts the portal's own back.
    assert client.post(f"{EDITOR}/pr1/social_dialogue", data=wording()).status_code == 302
    assert programme_overrides(world.kh) == {}
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="questions.edit")) == 2


def test_a_factory_sees_the_programmes_wording_and_not_the_hidden_question(login, world):
    world.kh.question_overrides = {"pr1.social_dialogue.q3": {"hidden": True},
                                   "pr1.social_dialogue.q2": {"label": {"en": "Q2. Our own wording:"}}}
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=60), date.today() - timedelta(days=39))
    db.session.commit()
    client = login(world.factory_user)
    client.post(f"/factories/{world.angkor.id}/reports/new", data={"cycle_id": str(cycle.id),
                                                                   "report_date": date.today().isoformat()})
    report = db.session.scalar(db.select(ProgressReport))
    html = client.get(f"/factories/{world.angkor.id}/reports/{report.id}/social-dialogue").get_data(as_text=True)
    assert "Q2. Our own wording:" in html and Q3 not in html and 'name="q3"' not in html
    assert "Q1. Does the factory have a PICC?" in html


def test_a_required_question_cannot_be_hidden(login, world):
    client = login(world.admin)
    response = client.post(f"{EDITOR}/pr1/social_dialogue", data=wording(q1__hidden="y", q2__fr="Q2. Gardé"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "cannot be hidden" in html
    assert "Q2. Gardé</textarea>" in html  # what was typed stays
    assert programme_overrides(world.kh) == {}
    too_long = client.post(f"{EDITOR}/pr1/social_dialogue", data=wording(q2__en="x" * 1001))
    assert too_long.status_code == 422 and "1000 characters or fewer" in too_long.get_data(as_text=True)
    assert programme_overrides(world.kh) == {}
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).filter_by(action="questions.edit")) == 0


@pytest.mark.parametrize("path", ["pr3/overview", "pr1/nonsense", "pr2/social_dialogue"])
def test_unknown_reports_and_sections_are_404(login, world, path):
    assert login(world.admin).get(f"{EDITOR}/{path}").status_code == 404


# --- submitted reports never change -------------------------------------------------------

@pytest.fixture
def submitted(login, world):
    """Angkor's PR1, submitted with the programme's Khmer name for "Overtime Wages" and its own
    wording of Q2; Mekong (same programme) has an IP item on the same point, for a new draft."""
    point = f.catalogue_point("Overtime Wages", world.kh)
    point.name_translations = {"km": "ប្រាក់ថែមម៉ោង (ចាស់)"}
    world.kh.question_overrides = {"pr1.social_dialogue.q2": {"label": {"en": "Q2. Old wording of ours:",
                                                                        "km": "សំណួរ ២ ចាស់"}}}
    cycle = f.make_released_cycle(world.angkor)
    f.make_ip_item(cycle, "Overtime Wages", "Sunday overtime at the normal rate", by=world.ea, complete=True)
    other = f.make_released_cycle(world.mekong)
    f.make_ip_item(other, "Overtime Wages", "Night overtime unpaid", by=world.ea)
    db.session.commit()
    client = login(world.factory_user)
    base = f"/factories/{world.angkor.id}/reports"
    client.post(base + "/new", data={"cycle_id": str(cycle.id), "report_date": date.today().isoformat()})
    report = db.session.scalar(db.select(ProgressReport))
    for slug, data in f.submittable_form(social_dialogue={"q3": ["election"],
                                                          "q3__comment": "Elected in March"}).items():
        client.post(f"{base}/{report.id}/{slug}", data=data)
    assert client.post(f"{base}/{report.id}/submit").status_code == 302
    db.session.expire_all()
    report = db.session.get(ProgressReport, report.id)
    assert report.status is ReportStatus.SUBMITTED
    return {"report": report, "url": f"{base}/{report.id}", "mekong_cycle": other}


def _edit_everything_after_submission(login, world):
    """The admin renames the point (and its Khmer name), rewords Q2, hides Q3, renames the committee."""
    admin = login(world.admin)
    point = f.catalogue_point("Overtime Wages", world.kh)
    assert admin.post(f"/admin/catalogue/points/{point.id}", data={
        "name": "Overtime Pay (renamed)", "cluster_id": str(point.cluster_id), "active": "y", "publicly_reported": "y",
        "name_km": "ប្រាក់ថែមម៉ោង (ថ្មី)"}).status_code == 302
    assert admin.post(f"{EDITOR}/pr1/social_dialogue", data=wording(
        q2__en="Q2. New wording of ours:", q2__km="សំណួរ ២ ថ្មី", q3__hidden="y")).status_code == 302
    world.kh.committee_short = "WCC"  # the programme settings page (another module) does this
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(CompliancePoint, point.id).name == "Overtime Pay (renamed)"


def _as(login, user, locale, url):
    user.locale = locale
    db.session.commit()
    response = login(user).get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_a_submitted_report_keeps_its_wording_in_english_and_khmer(login, world, submitted):
    _edit_everything_after_submission(login, world)
    url = submitted["url"]
    html = _as(login, world.factory_user, "en", url)
    assert "Overtime Wages" in html and "Overtime Pay (renamed)" not in html
    assert "Q2. Old wording of ours:" in html and "New wording" not in html
    assert Q3 in html and "Elected in March" in html  # hidden since, but it was asked
    assert "Annex: PICC Members" in html and "Annex: WCC Members" not in html
    km = _as(login, world.factory_user, "km", url)
    assert "ប្រាក់ថែមម៉ោង (ចាស់)" in km and "ប្រាក់ថែមម៉ោង (ថ្មី)" not in km
    assert "សំណួរ ២ ចាស់" in km and "សំណួរ ២ ថ្មី" not in km
    assert translated("km", Q3) in km
    # The EA reviewing the submitted section reads it as submitted too.
    section = _as(login, world.ea, "en", url + "/social-dialogue")
    assert "Q2. Old wording of ours:" in section and Q3 in section and "Elected in March" in section


def test_a_new_draft_shows_the_new_wording(login, world, submitted):
    _edit_everything_after_submission(login, world)
    client = login(world.factory2_user)
    base = f"/factories/{world.mekong.id}/reports"
    client.post(base + "/new", data={"cycle_id": str(submitted["mekong_cycle"].id),
                                     "report_date": date.today().isoformat()})
    draft = db.session.scalar(db.select(ProgressReport).filter_by(factory_id=world.mekong.id))
    html = _as(login, world.factory2_user, "en", f"{base}/{draft.id}?preview=1")
    assert "Overtime Pay (renamed)" in html and "Overtime Wages" not in html
    assert "Q2. New wording of ours:" in html and "Old wording" not in html
    assert Q3 not in html and "Annex: WCC Members" in html
    km = _as(login, world.factory2_user, "km", f"{base}/{draft.id}?preview=1")
    assert "ប្រាក់ថែមម៉ោង (ថ្មី)" in km and "សំណួរ ២ ថ្មី" in km
    assert "ប្រាក់ថែមម៉ោង (ចាស់)" not in km and "សំណួរ ២ ចាស់" not in km


def test_sent_back_and_resubmitted_it_takes_the_wording_of_the_new_submission(login, world, submitted):
    _edit_everything_after_submission(login, world)
    ea = login(world.ea)
    assert ea.post(submitted["url"] + "/send_back", data={"comment": "Please add the dates"}).status_code == 302
    assert login(world.factory_user).post(submitted["url"] + "/submit").status_code == 302
    html = _as(login, world.factory_user, "en", submitted["url"])
    assert "Q2. New wording of ours:" in html and Q3 not in html and "Overtime Pay (renamed)" in html
