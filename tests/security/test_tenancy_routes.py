"""TEN-1 over the URL map: every route that takes a factory id answers 404 to every role
that may not see that factory, and never shows its data."""

import pytest

from tests.conftest import sign_in

from .routes import all_routes

# who -> factories that are foreign to them (by World attribute)
FOREIGN = {
    "factory_user": ["mekong", "bandung"],
    "factory2_user": ["angkor", "bandung"],
    "ea": ["mekong", "bandung"],
    "ea2": ["angkor", "bandung"],
    "buyer": ["mekong", "bandung"],
    "other_buyer": ["angkor", "mekong"],
    "admin": ["bandung"],
    "admin_id": ["angkor", "mekong"],
    "assessor": ["bandung"],
}


def factory_routes(app):
    routes = [r for r in all_routes(app) if "factory_id" in r.arguments]
    unknown = [r.rule.rule for r in routes if r.arguments - {"factory_id"}]
    # A route with other arguments needs a description here before the sweep can call it.
    assert not unknown, f"describe these routes' arguments for the sweep: {unknown}"
    return routes


@pytest.mark.parametrize("who", sorted(FOREIGN))
def test_foreign_factory_ids_answer_404_without_data(app, client, world, who):
    sign_in(client, getattr(world, who))
    calls = 0
    for route in factory_routes(app):
        for foreign in FOREIGN[who]:
            factory = getattr(world, foreign)
            for method in route.methods:
                response = client.open(route.url(factory_id=factory.id), method=method,
                                       data={"name": "Hijack", "male_employees": "1",
                                             "female_employees": "1", "version": "1"})
                assert response.status_code == 404, (who, method, route.rule.rule, foreign)
                assert factory.name.encode() not in response.data
                calls += 1
    assert calls > 0
    print(f"{who}: {calls} calls with foreign factory ids, all 404")


def test_unknown_factory_id_is_404_too(client, world):
    sign_in(client, world.admin)
    assert client.get("/factories/987654/organization").status_code == 404


def test_anonymous_is_sent_to_sign_in_on_every_factory_route(app, client, world):
    for route in factory_routes(app):
        for method in route.methods:
            response = client.open(route.url(factory_id=world.angkor.id), method=method)
            assert response.status_code == 302 and "/sign-in" in response.location, route.rule.rule
