"""Programme settings, factories, EA assignments and the audit trail (issue 6)."""


from sqlalchemy import func, select

from bwportal.extensions import db
from bwportal.models import AuditEvent, EAAssignment, Factory, Programme, Role
from tests import factories as f
from tests.conftest import sign_in


def _fresh(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def test_programme_settings(login, world):
    admin = login(world.admin)
    page = admin.get("/admin")
    assert page.status_code == 200 and 'value="PICC"' in page.get_data(as_text=True)
    saved = admin.post("/admin", data={"committee_short": "BWC", "committee_long": "Bipartite Workplace Committee",
                                       "default_locale": "vi", "timezone": "Asia/Phnom_Penh"})
    assert saved.status_code == 302
    programme = _fresh(Programme, world.kh.id)
    assert (programme.committee_short, programme.default_locale) == ("BWC", "vi")
    event = db.session.scalar(select(AuditEvent).filter_by(action="programme.edit"))
    assert event.actor_id == world.admin.id and event.changes["committee_short"] == ["PICC", "BWC"]
    assert event.remote_addr == "127.0.0.1"
    # The factory's menu takes the new committee name.
    world.factory_user.locale = "en"
    db.session.commit()
    assert "BWC Members" in login(world.factory_user).get("/home", follow_redirects=True).get_data(as_text=True)


def test_bad_settings_are_refused_and_kept(login, world):
    admin = login(world.admin)
    response = admin.post("/admin", data={"committee_short": "BWC", "committee_long": "Committee",
                                          "default_locale": "xx", "timezone": "Mars/Olympus"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'value="Mars/Olympus"' in html and "Asia/Phnom_Penh" in html
    assert _fresh(Programme, world.kh.id).committee_short == "PICC"


def test_create_a_factory_with_its_lead_advisor(login, world):
    admin = login(world.admin)
    missing = admin.post("/admin/factories/new", data={"name": "Tonle Knits", "lead_ea_id": ""})
    assert missing.status_code == 422 and 'value="Tonle Knits"' in missing.get_data(as_text=True)
    foreign_ea = f.make_user(Role.EA, programme=world.idn, email="ea-id@example.com")
    db.session.commit()
    wrong = admin.post("/admin/factories/new", data={"name": "Tonle Knits", "lead_ea_id": str(foreign_ea.id)})
    assert wrong.status_code == 422
    response = admin.post("/admin/factories/new", data={"name": "Tonle Knits", "address": "Phnom Penh",
                                                        "lead_ea_id": str(world.ea2.id)})
    assert response.status_code == 302
    factory = db.session.scalar(select(Factory).filter_by(name="Tonle Knits"))
    assert factory.programme_id == world.kh.id
    assert login(world.ea2).get(f"/factories/{factory.id}/organization").status_code == 200
    assert db.session.scalar(select(AuditEvent).filter_by(action="factory.create")).object_id == factory.id


def test_factory_list_searches_filters_and_pages(login, world):
    for n in range(30):
        f.make_factory(world.kh, name=f"Sample Factory {n:02d}")
    db.session.commit()
    admin = login(world.admin)
    first = admin.get("/admin/factories?q=sample").get_data(as_text=True)
    assert "Sample Factory 00" in first and "Sample Factory 29" not in first and "Angkor" not in first
    assert "30 factories" in first and 'rel="next"' in first
    second = admin.get("/admin/factories?q=sample&page=2").get_data(as_text=True)
    assert "Sample Factory 29" in second and "Sample Factory 00" not in second
    by_ea = admin.get(f"/admin/factories?ea={world.ea.id}").get_data(as_text=True)
    assert "Angkor Garments" in by_ea and "Mekong Apparel" not in by_ea
    assert "Bandung" not in admin.get("/admin/factories?status=all").get_data(as_text=True)
    assert admin.get("/admin/factories?page=999&ea=x&status=weird").status_code == 200


def test_deactivated_factory_disappears_but_keeps_its_history(app, login, world):
    factory_session = app.test_client()
    sign_in(factory_session, world.factory_user)
    admin = login(world.admin)
    assert admin.post(f"/admin/factories/{world.angkor.id}/deactivate").status_code == 302
    assert _fresh(Factory, world.angkor.id).active is False
    for user in (world.ea, world.buyer):
        assert login(user).get(f"/factories/{world.angkor.id}/organization").status_code == 404
    # Its own people are shut out altogether (issue 17 item 8): sent to the sign-in page.
    shut_out = factory_session.get(f"/factories/{world.angkor.id}/organization")
    assert shut_out.status_code == 302 and "/sign-in" in shut_out.headers["Location"]
    admin = login(world.admin)
    listing = admin.get("/admin/factories").get_data(as_text=True)
    assert "Angkor Garments" not in listing
    assert "Angkor Garments" in admin.get("/admin/factories?status=inactive").get_data(as_text=True)
    assert admin.post(f"/admin/factories/{world.angkor.id}/reactivate").status_code == 302
    assert login(world.factory_user).get(f"/factories/{world.angkor.id}/organization").status_code == 200


def test_reassignment_moves_the_inbox_and_keeps_one_lead(login, world):
    f.submit_report(f.make_report(f.make_cycle(world.angkor), author=world.factory_user), world.factory_user)
    db.session.commit()
    assert "Angkor Garments" in login(world.ea).get("/inbox").get_data(as_text=True)

    admin = login(world.admin)
    response = admin.post(f"/admin/factories/{world.angkor.id}/advisors/lead", data={"ea_id": str(world.ea2.id)})
    assert response.status_code == 302
    assert "Angkor Garments" not in login(world.ea).get("/inbox").get_data(as_text=True)
    assert login(world.ea).get(f"/factories/{world.angkor.id}/organization").status_code == 404
    assert "Angkor Garments" in login(world.ea2).get("/inbox").get_data(as_text=True)

    rows = db.session.scalars(select(EAAssignment).filter_by(factory_id=world.angkor.id)
                              .order_by(EAAssignment.id)).all()
    assert [(r.ea_id, r.ended_at is None) for r in rows] == [(world.ea.id, False), (world.ea2.id, True)]
    current_leads = db.session.scalar(select(func.count()).select_from(EAAssignment).where(
        EAAssignment.factory_id == world.angkor.id, EAAssignment.ended_at.is_(None), EAAssignment.is_lead))
    assert current_leads == 1
    page = login(world.admin).get(f"/admin/factories/{world.angkor.id}").get_data(as_text=True)
    assert world.ea.name in page and world.ea2.name in page  # history


def test_supporting_advisor_and_refusals(login, world):
    admin = login(world.admin)
    assert admin.post(f"/admin/factories/{world.angkor.id}/advisors/support",
                      data={"ea_id": str(world.ea2.id)}).status_code == 302
    assert login(world.ea2).get(f"/factories/{world.angkor.id}/organization").status_code == 200
    admin = login(world.admin)
    again = admin.post(f"/admin/factories/{world.angkor.id}/advisors/lead", data={"ea_id": str(world.ea.id)})
    assert again.status_code == 422 and "already leads" in again.get_data(as_text=True)
    support = db.session.scalar(select(EAAssignment).filter_by(factory_id=world.angkor.id, ea_id=world.ea2.id))
    lead = db.session.scalar(select(EAAssignment).filter_by(factory_id=world.angkor.id, ea_id=world.ea.id))
    admin.post(f"/admin/factories/{world.angkor.id}/advisors/{lead.id}/end")
    assert _fresh(EAAssignment, lead.id).ended_at is None, "a lead is replaced, never just ended"
    admin.post(f"/admin/factories/{world.angkor.id}/advisors/{support.id}/end")
    assert _fresh(EAAssignment, support.id).ended_at is not None
    assert login(world.ea2).get(f"/factories/{world.angkor.id}/organization").status_code == 404
    other = db.session.scalar(select(EAAssignment).filter_by(factory_id=world.mekong.id))
    assert login(world.admin).post(f"/admin/factories/{world.angkor.id}/advisors/{other.id}/end").status_code == 404


def test_audit_trail_shows_the_programmes_events_only(login, world):
    admin = login(world.admin)
    admin.post(f"/admin/factories/{world.angkor.id}", data={"name": "Angkor Garments Ltd"})
    trail = admin.get("/admin/audit").get_data(as_text=True)
    assert "factory.edit" in trail and "Angkor Garments Ltd" in trail and "admin@example.com" in trail
    other = login(world.admin_id).get("/admin/audit").get_data(as_text=True)
    assert ">factory.edit</code>" not in other  # the filter offers the action; no row shows it
    assert ">factory.edit</code>" not in login(world.admin).get("/admin/audit?action=user.").get_data(as_text=True)
