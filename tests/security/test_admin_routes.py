"""Administration pages: only the admins of the programme reach them. Every /admin route
is called as every other role (403 or 404) and as the other programme's admin with this
programme's ids (404, no data). A new /admin argument fails the test until described."""

import pytest

from bwportal.domain.people import management as people
from bwportal.extensions import db
from bwportal.models import Cluster, EAAssignment, Subscription
from tests.conftest import sign_in

from .routes import all_routes

OTHER_ROLES = ["factory_user", "factory2_user", "ea", "ea2", "buyer", "other_buyer", "assessor"]


@pytest.fixture
def kh_objects(world):
    invitation, _token = people.invite(world.admin, email="someone@example.com", name="Someone Secret",
                                       role=world.ea.role, locale="en", programme=world.kh)
    assignment = db.session.scalar(db.select(EAAssignment).filter_by(factory_id=world.angkor.id))
    subscription = db.session.scalar(db.select(Subscription).filter_by(factory_id=world.angkor.id))
    db.session.commit()
    return {"factory_id": world.angkor.id, "user_id": world.ea.id, "invitation_id": invitation.id,
            "assignment_id": assignment.id, "subscription_id": subscription.id,
            "entry_id": db.session.scalar(db.select(Cluster.id).filter_by(programme_id=world.kh.id)),
            "change": None, "kind": None, "section_key": "social_dialogue"}


def admin_routes(app):
    return [r for r in all_routes(app) if r.rule.rule.startswith("/admin")]


def _url(route, objects):
    values = {}
    for arg in route.arguments:
        assert arg in objects, f"describe the argument {arg!r} of {route.rule.rule} in kh_objects"
        value = objects[arg]
        if value is None:  # an any(...) converter: its first allowed value; else a catalogue kind
            converter = route.rule._converters[arg]
            value = getattr(converter, "items", None) and sorted(converter.items)[0]
            value = value or ("pr1" if "section_key" in route.arguments else "clusters")
        values[arg] = value
    return route.url(**values)


@pytest.mark.parametrize("who", OTHER_ROLES)
def test_other_roles_never_reach_admin_pages(app, client, world, kh_objects, coverage, who):
    sign_in(client, getattr(world, who))
    calls = 0
    for route in admin_routes(app):
        for method in sorted(route.methods):
            response = client.open(_url(route, kh_objects), method=method, data={"name": "Hijack"})
            assert response.status_code in (403, 404), (who, method, route.rule.rule, response.status_code)
            assert b"Someone Secret" not in response.data
            calls += 1
            coverage.add("admin", route.rule.rule, method, who)
    print(f"{who}: {calls} admin calls, all refused")


def test_other_programmes_admin_gets_404_for_this_programmes_objects(app, client, world, kh_objects, coverage):
    sign_in(client, world.admin_id)
    calls = 0
    for route in admin_routes(app):
        if not route.arguments - {"change", "kind", "section_key"}:
            continue  # pages of the admin's own programme
        for method in sorted(route.methods):
            response = client.open(_url(route, kh_objects), method=method, data={"name": "Hijack"})
            assert response.status_code == 404, (method, route.rule.rule, response.status_code)
            assert b"Angkor" not in response.data and b"Someone Secret" not in response.data
            calls += 1
            coverage.add("admin", route.rule.rule, method, "admin_id")
    assert calls > 5
    print(f"admin of another programme: {calls} calls with this programme's ids, all 404")


def test_anonymous_is_sent_to_sign_in(app, client, world, kh_objects, coverage):
    for route in admin_routes(app):
        for method in route.methods:
            response = client.open(_url(route, kh_objects), method=method)
            assert response.status_code == 302 and "/sign-in" in response.location, route.rule.rule
            coverage.add("admin", route.rule.rule, method, "anonymous")
