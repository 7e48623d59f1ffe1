"""Sign-in, sign-out and the language picker."""

import re

from bwportal.extensions import db
from tests.conftest import sign_in
from tests.factories import PASSWORD


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"|value="[^"]*"', "", html)


def test_sign_in_page_has_language_picker_and_form(client):
    html = client.get("/sign-in").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html
    assert 'name="locale"' in html and 'lang="km"' in html


def test_sign_in_and_out(client, world):
    response = sign_in(client, world.factory_user)
    assert response.location.endswith("/home")
    assert b"Angkor Garments" in client.get("/home").data
    response = client.post("/sign-out", follow_redirects=True)
    assert b"You have signed out." in response.data
    assert client.get("/home").status_code == 302


def test_wrong_password_says_so_and_keeps_the_email(client, world):
    response = client.post("/sign-in", data={"email": "factory@example.com", "password": "nope"})
    html = response.get_data(as_text=True)
    assert response.status_code == 401
    assert "The e-mail address or password is not right." in html
    assert 'value="factory@example.com"' in html


def test_no_account_enumeration(client, world):
    known = client.post("/sign-in", data={"email": "factory@example.com", "password": "nope"})
    unknown = client.post("/sign-in", data={"email": "ghost@example.com", "password": "nope"})
    assert known.status_code == unknown.status_code == 401
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client, world):
    sign_in(client, world.ea)
    world.ea.active = False
    db.session.commit()
    assert client.get("/home").status_code == 302  # the live session no longer counts
    response = client.post("/sign-in", data={"email": "ea@example.com", "password": PASSWORD})
    assert response.status_code == 401


def test_next_only_goes_to_our_own_pages(client, world):
    ok = client.post("/sign-in", data={"email": "factory@example.com", "password": PASSWORD,
                                       "next": f"/factories/{world.angkor.id}/organization"})
    assert ok.location.endswith(f"/factories/{world.angkor.id}/organization")
    client.post("/sign-out")
    for evil in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = client.post("/sign-in", data={"email": "factory@example.com", "password": PASSWORD,
                                                 "next": evil})
        assert response.location.endswith("/home"), evil
        client.post("/sign-out")


def test_login_required_redirects_to_sign_in(client, world):
    response = client.get(f"/factories/{world.angkor.id}/organization")
    assert response.status_code == 302
    assert "/sign-in" in response.location


def test_language_choice_is_remembered_for_the_user(client, world):
    sign_in(client, world.factory_user)
    response = client.post("/language", data={"locale": "km", "next": "/home"})
    assert response.status_code == 302 and response.location.endswith("/home")
    db.session.refresh(world.factory_user)
    assert world.factory_user.locale == "km"
    client.post("/sign-out")
    sign_in(client, world.factory_user)
    assert 'lang="km"' in client.get("/home").get_data(as_text=True)


def test_language_chosen_before_sign_in_is_kept(client, world):
    client.post("/language", data={"locale": "ar", "next": "/sign-in"})
    assert 'dir="rtl"' in client.get("/sign-in").get_data(as_text=True)
    sign_in(client, world.factory_user)
    db.session.refresh(world.factory_user)
    assert world.factory_user.locale == "ar"


def test_anonymous_visitors_choose_a_language_by_get_without_a_token(client, app):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = client.get("/language?locale=bn&next=/sign-in")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    assert '<html lang="bn"' in client.get("/sign-in").get_data(as_text=True)


def test_unknown_language_is_refused_with_a_message(client):
    response = client.post("/language", data={"locale": "xx", "next": "/sign-in"}, follow_redirects=True)
    assert b"That language is not available." in response.data
    assert 'lang="en"' in response.get_data(as_text=True)
