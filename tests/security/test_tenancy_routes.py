"""TEN-1 over the URL map: every route that takes a factory id answers 404 to every role
that may not see that factory, and never shows its data. Objects of another factory under
a visible factory's URL are 404 too. A route with an argument the sweep does not know
fails the test until it is described in ARGUMENTS."""

import pytest

from tests.conftest import sign_in

from .routes import all_routes
from .tenants import ROLES  # the objects fixture is in this folder's conftest

# Route argument -> the id of that kind of object belonging to a given factory.
ARGUMENTS = {
    "item_id": lambda objects: objects["item"].id,
    "cycle_id": lambda objects: objects["cycle"].id,
    "visit_id": lambda objects: objects["visit"].id,
    "report_id": lambda objects: objects["report"].id,
    "session_id": lambda objects: objects["session"].id,
    "enrolment_id": lambda objects: objects["enrolment"].id,
    "member_id": lambda objects: objects["member"].id,
    "proposal_id": lambda objects: objects["proposal"].id,
    "meeting_id": lambda objects: objects["meeting"].id,
    "finding_id": lambda objects: objects["finding"].id,
    "file_id": lambda objects: objects["file"].id,
    "subscription_id": lambda objects: objects["subscription"].id,
    "assignment_id": lambda objects: objects["assignment"].id,
    "user_id": lambda objects: objects["user"].id,
    "document_id": lambda objects: objects["document"].id,
    "import_id": lambda objects: objects["findings_import"].id,
    "evidence_id": lambda objects: objects["evidence"].id,
    "token": lambda objects: objects["upload"].token,
    "change": lambda objects: "deactivate",
    "kind": lambda objects: "lead",
    "fmt": lambda objects: "csv",
    "action": lambda objects: "submit",
}
FORM = {"name": "Hijack", "male_employees": "1", "female_employees": "1", "version": "1", "note": "x",
        "body": "x", "comment": "x", "description": "x", "text": "x"}


def factory_routes(app):
    """The pages that take a factory id (the API's routes: test_api_routes, with tokens)."""
    routes = [r for r in all_routes(app) if "factory_id" in r.arguments and not r.rule.rule.startswith("/api")]
    unknown = sorted({a for r in routes for a in r.arguments - {"factory_id"} if a not in ARGUMENTS})
    assert not unknown, f"describe these route arguments for the sweep in ARGUMENTS: {unknown}"
    return routes


def _call(client, route, method, factory, objects):
    values = {arg: ARGUMENTS[arg](objects) for arg in route.arguments - {"factory_id"}}
    return client.open(route.url(factory_id=factory.id, **values), method=method, data=FORM)


@pytest.mark.parametrize("who", sorted(ROLES))
def test_foreign_ids_answer_404_without_data(app, client, world, objects, coverage, who):
    own_name, foreign_names = ROLES[who]
    sign_in(client, getattr(world, who))
    calls = 0
    for route in factory_routes(app):
        for method in sorted(route.methods):
            for foreign in foreign_names:
                factory = getattr(world, foreign)
                # The foreign factory, with its own objects.
                response = _call(client, route, method, factory, objects[foreign])
                assert response.status_code == 404, (who, method, route.rule.rule, foreign)
                assert factory.name.encode() not in response.data
                assert b"Secret finding" not in response.data
                calls += 1
                coverage.add("factory-scoped", route.rule.rule, method, who)
                # Training sessions belong to a programme, not a factory: another factory's
                # session of the same programme is a valid session here.
                own = getattr(world, own_name)
                shared = "session_id" in route.arguments and factory.programme_id == own.programme_id
                if route.arguments - {"factory_id", "fmt", "action", "change", "kind"} and not shared:
                    # A visible factory's URL with another factory's object in it: 404, or 403
                    # where the role may not use the route at all; never the object.
                    response = _call(client, route, method, getattr(world, own_name), objects[foreign])
                    assert response.status_code in (403, 404), (who, method, route.rule.rule, "mixed", foreign)
                    assert b"Secret finding" not in response.data
                    calls += 1
                    coverage.add("factory-scoped", route.rule.rule, method, who)
    assert calls > 0
    print(f"{who}: {calls} calls with foreign ids, all 404")


def test_unknown_factory_id_is_404_too(client, world):
    sign_in(client, world.admin)
    assert client.get("/factories/987654/organization").status_code == 404


def test_anonymous_is_sent_to_sign_in_on_every_factory_route(app, client, world, objects, coverage):
    for route in factory_routes(app):
        for method in route.methods:
            response = _call(client, route, method, world.angkor, objects["angkor"])
            assert response.status_code == 302 and "/sign-in" in response.location, route.rule.rule
            coverage.add("factory-scoped", route.rule.rule, method, "anonymous")
