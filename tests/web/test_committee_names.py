"""The programme's committee name is translatable per programme (issue 19 item 9, TEN-2, I18N-1):
the admin gives it per language; a reader in that language sees it in the menu, the committee
pages and the home page; a language without one falls back to the programme's default name."""

from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import AuditEvent, Programme

SETTINGS = {"committee_short": "PICC", "committee_long": "Performance Improvement Consultative Committee",
            "default_locale": "en", "timezone": "Asia/Phnom_Penh"}


def test_the_committee_name_follows_the_readers_language_with_a_fallback(login, world):
    admin = login(world.admin)
    assert 'name="committee_short_km"' in admin.get("/admin").get_data(as_text=True)
    saved = admin.post("/admin", data={**SETTINGS, "committee_short_km": "គ.ព.ក",
                                       "committee_long_km": "គណៈកម្មាធិការពិគ្រោះយោបល់",
                                       "committee_short_ar": "لجنة", "committee_long_ar": ""})
    assert saved.status_code == 302
    db.session.expire_all()
    programme = db.session.get(Programme, world.kh.id)
    assert programme.committee_names == {"km": {"short": "គ.ព.ក", "long": "គណៈកម្មាធិការពិគ្រោះយោបល់"},
                                         "ar": {"short": "لجنة"}}
    event = db.session.scalar(select(AuditEvent).filter_by(action="programme.edit"))
    assert "committee_names" in event.changes
    assert 'value="គ.ព.ក"' in admin.get("/admin").get_data(as_text=True)  # shown again to edit

    factory_id = world.factory_user.factory_id
    for locale, short, long in (("km", "គ.ព.ក", "គណៈកម្មាធិការពិគ្រោះយោបល់"),
                                ("ar", "لجنة", "Performance Improvement Consultative Committee"),
                                ("vi", "PICC", "Performance Improvement Consultative Committee")):
        world.factory_user.locale = locale
        db.session.commit()
        client = login(world.factory_user)
        home = client.get("/home", follow_redirects=True).get_data(as_text=True)
        assert short in home, locale
        members = client.get(f"/factories/{factory_id}/committee/members").get_data(as_text=True)
        assert long in members, locale


def test_a_too_long_translated_name_is_refused_and_kept(login, world):
    admin = login(world.admin)
    response = admin.post("/admin", data={**SETTINGS, "committee_short_km": "ក" * 41})
    assert response.status_code == 422 and "ក" * 41 in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Programme, world.kh.id).committee_names in ({}, None)
