"""TEN-1 over /api/ (API-1): every route under /api/ is in this sweep (test_route_sweep
classifies them as "api"). The token-protected ones are called with every role's token and
with other tenants' ids (404, never their data), with the role's own ids (its own data, no
one else's), and with no token, an unknown one, an expired one, a revoked one and a
deactivated account's (401). The public ones (open data, the OpenAPI document, its reference,
every other path under /api/) show nothing private, to anyone."""

from datetime import UTC, datetime, timedelta

import pytest

from bwportal.domain.people import management as people
from bwportal.extensions import db
from bwportal.models import Role
from tests import factories as f

from .routes import all_routes
from .tenants import FACTORIES, ROLES, secret

# Route argument -> the id of that kind of object of a given factory (tenants.make_objects).
ARGUMENTS = {
    "item_id": lambda objects: objects["item"].id,
    "finding_id": lambda objects: objects["finding"].id,
    "report_id": lambda objects: objects["report"].id,
}
# Public routes under /api/: endpoint -> the path to call (arguments filled in).
PUBLIC = {
    "api_docs.openapi": "/api/v1/openapi.json",
    "api_docs.reference": "/api/v1/docs",
    "api_open_data.getOpenDataJson": "/api/v1/open-data/transparency.json",
    "api_open_data.getOpenDataCsv": "/api/v1/open-data/transparency.csv",
    "api_fallback.elsewhere": "/api/v1/factories/1/secrets",
}


def api_routes(app):
    return [r for r in all_routes(app) if r.rule.rule.startswith("/api")]


def token_routes(app):
    routes = [r for r in api_routes(app) if r.rule.endpoint.startswith("api_v1.")]
    unknown = sorted({a for r in routes for a in r.arguments - {"factory_id"} if a not in ARGUMENTS})
    assert not unknown, f"describe these route arguments for the API sweep in ARGUMENTS: {unknown}"
    return routes


def public_routes(app):
    routes = [r for r in api_routes(app) if not r.rule.endpoint.startswith("api_v1.")]
    undescribed = sorted({r.rule.endpoint for r in routes} - set(PUBLIC))
    assert not undescribed, f"describe these public API routes in PUBLIC of {__name__}: {undescribed}"
    return routes


def _url(route, factory, objects) -> str:
    values = {arg: ARGUMENTS[arg](objects) for arg in route.arguments - {"factory_id"}}
    if "factory_id" in route.arguments:
        values["factory_id"] = factory.id
    return route.url(**values)


@pytest.fixture
def tokens(world):
    made = {who: f.make_api_token(getattr(world, who))[1] for who in ROLES}
    db.session.commit()
    return made


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _foreign_markers(world, who) -> list[bytes]:
    foreign = [getattr(world, name) for name in ROLES[who][1]]
    return [m.encode() for factory in foreign for m in (secret(factory), factory.name, factory.email)]


@pytest.mark.parametrize("who", sorted(ROLES))
def test_every_api_route_answers_404_for_foreign_ids(app, client, world, objects, tokens, coverage, who):
    own_name, foreign_names = ROLES[who]
    own, headers, markers = getattr(world, own_name), _bearer(tokens[who]), _foreign_markers(world, who)
    calls = 0
    for route in token_routes(app):
        if "factory_id" not in route.arguments:  # the caller's own lists: none of another tenant's data
            response = client.get(route.rule.build({}, append_unknown=False)[1], headers=headers)
            assert response.status_code == 200, (who, route.rule.rule, response.status_code)
            assert not [m for m in markers if m in response.data], (who, route.rule.rule)
            calls += 1
            coverage.add("api", route.rule.rule, "GET", who)
            continue
        for foreign in foreign_names:
            factory = getattr(world, foreign)
            response = client.get(_url(route, factory, objects[foreign]), headers=headers)
            assert response.status_code == 404, (who, route.rule.rule, foreign, response.status_code)
            assert response.mimetype == "application/problem+json"
            assert not [m for m in markers if m in response.data], (who, route.rule.rule, foreign)
            calls += 1
            if route.arguments - {"factory_id"}:  # the caller's factory, another factory's object
                response = client.get(_url(route, own, objects[foreign]), headers=headers)
                assert response.status_code == 404, (who, route.rule.rule, "mixed", foreign)
                assert not [m for m in markers if m in response.data], (who, route.rule.rule, "mixed")
                calls += 1
        response = client.get(_url(route, own, objects[own_name]), headers=headers)
        assert response.status_code in (200, 202, 404), (who, route.rule.rule, "own", response.status_code)
        assert not [m for m in markers if m in response.data], (who, route.rule.rule, "own")
        calls += 1
        coverage.add("api", route.rule.rule, "GET", who)
    item = client.get(f"/api/v1/factories/{own.id}/ip-items/{objects[own_name]['item'].id}", headers=headers)
    assert item.status_code == 200 and secret(own).encode() in item.data, who  # a leak would show
    print(f"{who}: {calls} API calls with foreign ids (404) and its own, no other tenant's data")


def test_no_token_a_wrong_one_and_dead_ones_are_401_everywhere(app, client, world, objects, coverage):
    """API-1: expired, revoked, and a deactivated account's tokens read nothing."""
    user = world.buyer
    _row, expired = f.make_api_token(user, name="expired", expires_at=datetime.now(UTC) - timedelta(minutes=1))
    _row, revoked = f.make_api_token(user, name="revoked", revoked_at=datetime.now(UTC))
    departed = f.make_user(Role.BUYER, buyer_organisation=world.brand, email="departed@example.com")
    _row, orphaned = f.make_api_token(departed, name="departed")
    people.set_active(world.admin, departed, False)
    db.session.commit()
    cases = {"none": {}, "not bearer": {"Authorization": f"Basic {orphaned}"}, "unknown": _bearer("bwp_" + "x" * 43),
             "expired": _bearer(expired), "revoked": _bearer(revoked), "deactivated": _bearer(orphaned)}
    for route in token_routes(app):
        url = _url(route, world.angkor, objects["angkor"])
        for label, headers in cases.items():
            response = client.get(url, headers=headers)
            assert response.status_code == 401, (label, route.rule.rule, response.status_code)
            assert response.get_json()["code"] == "unauthorized"
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
            assert b"Secret" not in response.data and b"Angkor" not in response.data
        coverage.add("api", route.rule.rule, "GET", "anonymous")


@pytest.mark.parametrize("who", [*sorted(ROLES), "anonymous"])
def test_public_api_routes_show_nothing_private(app, client, world, objects, tokens, coverage, who):
    public_routes(app)
    headers = _bearer(tokens[who]) if who in tokens else {}
    for endpoint, path in PUBLIC.items():
        response = client.get(path, headers=headers)
        expected = 404 if endpoint == "api_fallback.elsewhere" else 200
        assert response.status_code == expected, (who, path, response.status_code)
        assert b"Secret" not in response.data, (who, path)
        for name in FACTORIES:
            assert getattr(world, name).email.encode() not in response.data, (who, path)
        coverage.add("api", path, "GET", who)


def test_every_api_route_is_swept(app):
    swept = {r.rule.rule for r in token_routes(app)} | {r.rule.rule for r in public_routes(app)}
    assert swept == {r.rule.rule for r in api_routes(app)}
    assert len(token_routes(app)) >= 11
