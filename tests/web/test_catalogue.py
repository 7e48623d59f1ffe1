"""Catalogues per programme: a programme admin edits their own programme's names, translations,
flags and training courses; another programme's entries are 404, others are refused (403)."""

import pytest

from bwportal.extensions import db
from bwportal.models import AuditEvent, Cluster, CompliancePoint, RootCause, TrainingCourse
from tests import factories as f


def point_of(programme, name):
    db.session.expire_all()
    return f.catalogue_point(name, programme)


def audit_events(action):
    db.session.expire_all()
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def test_every_programme_has_its_own_copy_of_the_standard_catalogue(world):
    kh, idn = f.catalogue_point("Overtime Wages", world.kh), f.catalogue_point("Overtime Wages", world.idn)
    assert kh is not None and idn is not None and kh.id != idn.id
    assert kh.cluster.programme_id == world.kh.id and idn.cluster.programme_id == world.idn.id
    assert kh.publicly_reported and not f.catalogue_point("Premium Pay", world.kh).publicly_reported
    for model in (Cluster, RootCause):
        assert f.catalogue_row(model, model is Cluster and "Compensation" or "Buyer Practices", world.kh) is not None


def test_admin_sees_their_programmes_catalogue_with_flags_and_courses(login, world):
    f.make_training_course(world.kh, "Supervisory Skills Training", days=3)
    f.make_training_course(world.idn, "Gender Equality and Returns (GEAR)")
    renamed = f.catalogue_row(Cluster, "Working Time", world.idn)
    renamed.name = "Jam Kerja (Indonesia only)"
    db.session.commit()
    html = login(world.admin).get("/admin/catalogue").get_data(as_text=True)
    assert "Occupational Safety and Health" in html and "Emergency Preparedness" in html
    assert "Buyer Practices" in html and "Self-diagnosis" in html
    assert "Supervisory Skills Training" in html and "GEAR" not in html
    assert "Jam Kerja" not in html and "Working Time" in html
    assert 'aria-label="Administration"' in html  # the admin sub-navigation
    point = f.catalogue_point("Overtime Wages", world.kh)
    assert f"/admin/catalogue/points/{point.id}" in html
    assert f"/admin/catalogue/points/{f.catalogue_point('Overtime Wages', world.idn).id}" not in html


@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor"])
def test_only_admins_reach_it(login, world, who):
    client = login(getattr(world, who))
    point = f.catalogue_point("Overtime Wages", world.kh)
    assert client.get("/admin/catalogue").status_code == 403
    assert client.post("/admin/catalogue/root-causes/new", data={"name": "x"}).status_code == 403
    assert client.post(f"/admin/catalogue/points/{point.id}", data={"name": "x"}).status_code == 403
    assert client.get("/admin/catalogue/questions").status_code == 403
    assert client.post("/admin/catalogue/questions/pr1/social_dialogue", data={}).status_code == 403
    assert point_of(world.kh, "Overtime Wages") is not None


def test_admin_changes_flags_and_a_translation_that_wins_over_the_catalogue(login, world):
    point = f.catalogue_point("Working Environment", world.kh)
    twin = f.catalogue_point("Working Environment", world.idn)
    client = login(world.admin)
    response = client.post(f"/admin/catalogue/points/{point.id}", data={
        "name": "Working Environment", "cluster_id": str(point.cluster_id), "active": "y",
        "publicly_reported": "y", "needs_worker_interviews": "", "name_km": "បរិយាកាសការងារ (PICC)"})
    assert response.status_code == 302
    point, twin = point_of(world.kh, "Working Environment"), point_of(world.idn, "Working Environment")
    assert point.publicly_reported and point.name_translations == {"km": "បរិយាកាសការងារ (PICC)"}
    assert not twin.publicly_reported and twin.name_translations == {}  # Indonesia's own copy is untouched
    [event] = audit_events("catalogue.edit")
    assert (event.actor_id, event.programme_id, event.object_type, event.object_id) == (
        world.admin.id, world.kh.id, "compliance_point", point.id)
    assert event.changes == {"publicly_reported": [False, True],
                             "name_translations": [{}, {"km": "បរិយាកាសការងារ (PICC)"}]}
    world.admin.locale = "km"
    db.session.commit()
    html = login(world.admin).get("/admin/catalogue").get_data(as_text=True)
    assert "បរិយាកាសការងារ (PICC)" in html


def test_admin_adds_a_root_cause_a_duplicate_is_refused_and_other_programmes_may_have_it(login, world):
    client = login(world.admin)
    assert client.post("/admin/catalogue/root-causes/new", data={"name": "Subcontracting pressure",
                                                                  "active": "y"}).status_code == 302
    again = client.post("/admin/catalogue/root-causes/new", data={"name": "Subcontracting pressure"})
    assert again.status_code == 422 and "already in the catalogue" in again.get_data(as_text=True)
    assert 'value="Subcontracting pressure"' in again.get_data(as_text=True)  # what was typed stays
    assert login(world.admin_id).post("/admin/catalogue/root-causes/new", data={
        "name": "Subcontracting pressure", "active": "y"}).status_code == 302
    owners = sorted(db.session.scalars(db.select(RootCause.programme_id).filter_by(name="Subcontracting pressure")))
    assert owners == sorted([world.kh.id, world.idn.id])
    [first, second] = audit_events("catalogue.edit")
    assert first.programme_id == world.kh.id and first.changes["name"] == [None, "Subcontracting pressure"]
    assert second.programme_id == world.idn.id
    assert client.get("/admin/catalogue/nonsense/1").status_code == 404
    assert client.get("/admin/catalogue/points/99999").status_code == 404


@pytest.mark.parametrize("kind, model, name", [
    ("points", CompliancePoint, "Overtime Wages"), ("clusters", Cluster, "Compensation"),
    ("root-causes", RootCause, "Buyer Practices"), ("courses", TrainingCourse, "Industrial Relations"),
])
def test_another_programmes_entry_is_404_and_unchanged(login, world, kind, model, name):
    if model is TrainingCourse:
        entry = f.make_training_course(world.idn, name)
    elif model is CompliancePoint:
        entry = f.catalogue_point(name, world.idn)
    else:
        entry = f.catalogue_row(model, name, world.idn)
    db.session.commit()
    client = login(world.admin)
    assert client.get(f"/admin/catalogue/{kind}/{entry.id}").status_code == 404
    response = client.post(f"/admin/catalogue/{kind}/{entry.id}", data={
        "name": "Hijacked", "active": "y", "cluster_id": str(getattr(entry, "cluster_id", "")), "days": "2"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(model, entry.id).name == name and audit_events("catalogue.edit") == []


def test_a_point_cannot_be_put_in_another_programmes_cluster(login, world):
    foreign_cluster = f.catalogue_row(Cluster, "Compensation", world.idn)
    client = login(world.admin)
    response = client.post("/admin/catalogue/points/new", data={"name": "Smuggled point", "active": "y",
                                                               "cluster_id": str(foreign_cluster.id)})
    assert response.status_code == 422 and "Smuggled point" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(CompliancePoint).filter_by(name="Smuggled point")) is None
    own = f.catalogue_row(Cluster, "Compensation", world.kh)
    assert client.post("/admin/catalogue/points/new", data={"name": "Night premium", "active": "y",
                                                           "cluster_id": str(own.id)}).status_code == 302
    point = point_of(world.kh, "Night premium")
    assert point.cluster_id == own.id and point.position == len(
        [p for p in db.session.scalars(db.select(CompliancePoint).filter_by(cluster_id=own.id))])


def test_admin_adds_and_edits_a_training_course(login, world):
    client = login(world.admin)
    assert "Length in days" in client.get("/admin/catalogue/courses/new").get_data(as_text=True)
    bad = client.post("/admin/catalogue/courses/new", data={"name": "Pay Systems", "days": "0", "active": "y"})
    assert bad.status_code == 422 and "from 1 to 60" in bad.get_data(as_text=True)
    words = client.post("/admin/catalogue/courses/new", data={"name": "Pay Systems", "days": "two"})
    assert words.status_code == 422 and "Please enter a whole number" in words.get_data(as_text=True)
    assert client.post("/admin/catalogue/courses/new", data={
        "name": "Pay Systems", "days": "2", "active": "y", "name_km": "ប្រព័ន្ធប្រាក់ឈ្នួល"}).status_code == 302
    course = db.session.scalar(db.select(TrainingCourse).filter_by(name="Pay Systems"))
    assert (course.programme_id, course.days, course.active, course.name_translations) == (
        world.kh.id, 2, True, {"km": "ប្រព័ន្ធប្រាក់ឈ្នួល"})
    assert client.post(f"/admin/catalogue/courses/{course.id}", data={
        "name": "Pay Systems", "days": "3", "name_km": "ប្រព័ន្ធប្រាក់ឈ្នួល"}).status_code == 302  # retired
    db.session.expire_all()
    course = db.session.get(TrainingCourse, course.id)
    assert (course.days, course.active) == (3, False)
    events = audit_events("catalogue.edit")
    assert [e.object_type for e in events] == ["training_course", "training_course"]
    assert events[1].changes == {"days": [2, 3], "active": [True, False]}
    # A retired course is no longer offered for new sessions.
    from bwportal.domain.annexes.training import courses_of

    assert course not in courses_of(world.kh.id)
