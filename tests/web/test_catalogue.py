"""Catalogues as data: a programme admin edits names, translations and flags; others cannot."""

import pytest

from bwportal.extensions import db
from bwportal.models import CompliancePoint, RootCause
from tests import factories as f


@pytest.fixture
def restore_catalogue(app_ctx):
    """Catalogue rows are shared by every test: put the edited ones back."""
    saved = [(p.id, p.name, dict(p.name_translations or {}), p.publicly_reported, p.needs_worker_interviews, p.active)
             for p in db.session.scalars(db.select(CompliancePoint))]
    yield
    db.session.rollback()
    for pid, name, translations, public, interviews, active in saved:
        point = db.session.get(CompliancePoint, pid)
        point.name, point.name_translations = name, translations
        point.publicly_reported, point.needs_worker_interviews, point.active = public, interviews, active
    db.session.execute(db.delete(RootCause).where(RootCause.name == "Subcontracting pressure"))
    db.session.commit()


def test_admin_sees_the_catalogue_with_flags(login, world):
    html = login(world.admin).get("/admin/catalogue").get_data(as_text=True)
    assert "Occupational Safety and Health" in html and "Emergency Preparedness" in html
    assert "Buyer Practices" in html and "Self-diagnosis" in html


@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor"])
def test_only_admins_reach_it(login, world, who):
    client = login(getattr(world, who))
    assert client.get("/admin/catalogue").status_code == 403
    assert client.post("/admin/catalogue/root-causes/new", data={"name": "x"}).status_code == 403


def test_admin_changes_flags_and_a_translation_that_wins_over_the_catalogue(login, world, restore_catalogue):
    point = f.catalogue_point("Working Environment")
    client = login(world.admin)
    response = client.post(f"/admin/catalogue/points/{point.id}", data={
        "name": "Working Environment", "cluster_id": str(point.cluster_id), "active": "y",
        "publicly_reported": "y", "needs_worker_interviews": "", "name_km": "បរិយាកាសការងារ (PICC)"})
    assert response.status_code == 302
    db.session.expire_all()
    point = db.session.get(CompliancePoint, point.id)
    assert point.publicly_reported and point.name_translations == {"km": "បរិយាកាសការងារ (PICC)"}
    world.admin.locale = "km"
    db.session.commit()
    html = login(world.admin).get("/admin/catalogue").get_data(as_text=True)
    assert "បរិយាកាសការងារ (PICC)" in html


def test_admin_adds_a_root_cause_and_a_duplicate_is_refused(login, world, restore_catalogue):
    client = login(world.admin)
    assert client.post("/admin/catalogue/root-causes/new", data={"name": "Subcontracting pressure",
                                                                  "active": "y"}).status_code == 302
    again = client.post("/admin/catalogue/root-causes/new", data={"name": "Subcontracting pressure"})
    assert again.status_code == 422 and "already in the catalogue" in again.get_data(as_text=True)
    assert client.get("/admin/catalogue/nonsense/1").status_code == 404
    assert client.get("/admin/catalogue/points/99999").status_code == 404
