"""BREACH: pages go out compressed and carry the CSRF token, so an attacker who can inject
text into a page and watch its compressed size could guess a secret that stays the same
across many responses. The token in a page is the session's secret signed with a
timestamp: its signature changes every second, so no two responses an attacker can compare
in bulk carry the same full token, and the unsigned part alone cannot be turned into a
valid token without the SECRET_KEY."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _token(client, url):
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


def test_the_token_in_a_page_changes_from_one_second_to_the_next(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        sign_in_url = "/sign-in"
        start = datetime.now(UTC)
        with time_machine.travel(start, tick=False):
            first = _token(client, sign_in_url)
        with time_machine.travel(start + timedelta(seconds=1), tick=False):
            second = _token(client, sign_in_url)
        assert first != second
        # Same session secret underneath (the first part), different signature: both valid.
        assert first.split(".")[0] == second.split(".")[0]
        assert first.split(".")[2] != second.split(".")[2]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_the_unsigned_part_alone_is_not_a_token(app, client, world):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        token = _token(client, "/sign-in")
        payload = token.split(".")[0]
        with app.test_request_context():
            from flask import session

            with client.session_transaction() as stored:
                session.update(stored)
            validate_csrf(token)  # the real token passes in this session
            for forged in (payload, f"{payload}.AAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA"):
                try:
                    validate_csrf(forged)
                except ValidationError:
                    continue
                raise AssertionError(f"a forged token was accepted: {forged}")
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
