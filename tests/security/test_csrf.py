"""Every state-changing route refuses a request without a CSRF token (read from the URL map)."""

import pytest

from tests.conftest import sign_in

from .routes import STATE_CHANGING, all_routes

# Routes that take any method and change nothing: every other path under /api/ answers a JSON
# 404 or 405 (the API reads with bearer tokens only, never with the session's cookie).
NOTHING_TO_FORGE = {"api_fallback.elsewhere"}

# Route arguments that are words, not ids.
SAMPLE = {"action": "submit", "fmt": "csv", "kind": "points", "section_key": "social_dialogue", "token": "x"}


def _value(route, arg, default):
    """A word route argument's sample; an any(...) converter's first choice; else an id."""
    items = getattr(route.rule._converters.get(arg), "items", None)
    return sorted(items)[0] if items else SAMPLE.get(arg, default)


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def test_every_post_route_requires_the_token(app, client, world, csrf_on):
    app.config["WTF_CSRF_ENABLED"] = False
    sign_in(client, world.factory_user)  # signed in, so a refusal is the token's doing
    app.config["WTF_CSRF_ENABLED"] = True
    checked = []
    for route in all_routes(app):
        if route.rule.endpoint in NOTHING_TO_FORGE:
            response = client.post(route.url(**{arg: "v1/factories" for arg in route.arguments}))
            assert response.status_code in (404, 405) and response.mimetype == "application/problem+json"
            continue
        for method in route.methods & STATE_CHANGING:
            values = {arg: _value(route, arg, world.angkor.id) for arg in route.arguments}
            response = client.open(route.url(**values), method=method, data={"name": "x"})
            assert response.status_code == 400, (method, route.rule.rule, response.status_code)
            assert b"The form has expired" in response.data
            checked.append(route.rule.rule)
    print(f"CSRF checked on {len(checked)} state-changing routes: {sorted(set(checked))}")
    assert "/sign-in" in checked and "/factories/<int:factory_id>/organization/edit" in checked


def test_form_with_the_token_is_accepted(app, client, world, csrf_on):
    html = client.get("/sign-in").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/sign-in", data={"email": world.factory_user.email,
                                             "password": "correct horse battery", "csrf_token": token})
    assert response.status_code == 302
