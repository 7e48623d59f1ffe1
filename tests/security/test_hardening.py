"""Web hardening (issue 9): cookies, security headers and the CSP, templates without inline
script or style, sign-in and password-reset throttling, argon2 rehash on sign-in, password
reset by a single-use expiring link, and signing out everywhere."""

import hashlib
import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from argon2 import PasswordHasher
from limits import parse_many
from sqlalchemy import select

from bwportal import config as config_module
from bwportal.domain.people import accounts
from bwportal.extensions import db
from bwportal.models import AuditEvent, PasswordReset, User
from bwportal.web.throttle import limiter
from tests import factories as f
from tests.conftest import sign_in

from .routes import all_routes

TEMPLATES = Path(__file__).resolve().parents[2] / "bwportal" / "templates"
NEW_PASSWORD = "a brand new passphrase"


def _fresh(user_id) -> User:
    db.session.expire_all()
    return db.session.get(User, user_id)


def _without_tokens(html: str) -> str:
    return re.sub(r'name="csrf_token"[^>]*value="[^"]*"', "", html)


def _amount(setting: str) -> int:
    """The smallest allowance in a limit setting such as "5/minute;20/hour"."""
    return min(item.amount for item in parse_many(setting))


# --- cookies -----------------------------------------------------------------------------

def _session_cookie(response) -> str:
    [cookie] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    return cookie


@pytest.mark.parametrize("env", ["production", "development"])
def test_session_cookie_flags(app, client, world, monkeypatch, env):
    monkeypatch.setenv("BWPORTAL_ENV", env)
    settings = config_module.from_environment()
    for key in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
                "REMEMBER_COOKIE_SECURE"):
        monkeypatch.setitem(app.config, key, settings[key])
    cookie = _session_cookie(sign_in(client, world.factory_user))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Secure outside a developer's plain-http machine only.
    assert ("Secure" in cookie) is (env == "production")
    assert settings["REMEMBER_COOKIE_SECURE"] is (env == "production")


# --- headers and the CSP -----------------------------------------------------------------

def _check_headers(response, url):
    csp = response.headers.get("Content-Security-Policy", "")
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";") if part.strip())
    assert directives.get("script-src") == "'self'", (url, csp)
    assert directives.get("style-src") == "'self'", (url, csp)
    assert directives.get("frame-ancestors") == "'none'", (url, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, (url, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", url
    assert response.headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    assert response.headers.get("X-Frame-Options") == "DENY", url


def _sample_pages(app, world) -> list[str]:
    """Every GET route that needs at most a factory id, filled with the user's own factory."""
    urls = []
    for route in all_routes(app):
        if "GET" in route.methods and route.arguments <= {"factory_id"}:
            urls.append(route.url(factory_id=world.angkor.id) if route.arguments else route.url())
    return sorted(set(urls))


@pytest.mark.parametrize("who", [None, "factory_user", "ea", "admin"])
def test_every_html_answer_has_the_security_headers(app, client, world, who):
    if who:
        sign_in(client, getattr(world, who))
    checked = []
    for url in [*_sample_pages(app, world), "/no-such-page", "/password/reset/not-a-token"]:
        response = client.get(url)
        if response.mimetype == "text/html":
            _check_headers(response, url)
            checked.append((url, response.status_code))
    # An htmx fragment and a refused form (the CSRF page) carry them too.
    fragment = client.get("/sign-in", headers={"HX-Request": "true"})
    _check_headers(fragment, "/sign-in (htmx)")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = client.post("/sign-in", data={"email": "x@example.com"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert refused.status_code == 400
    _check_headers(refused, "CSRF refusal")
    print(f"security headers checked on {len(checked)} HTML answers as {who or 'anonymous'}")
    assert len(checked) >= (3 if who is None else 10)


def test_no_template_has_inline_script_event_handler_or_style():
    offences = []
    templates = sorted(TEMPLATES.rglob("*.html"))
    for path in templates:
        text = path.read_text(encoding="utf-8")
        for tag in re.finditer(r"<[a-zA-Z][^>]*>", text):
            markup = tag.group(0)
            if re.match(r"<script\b", markup, re.I) and not re.search(r"\ssrc\s*=", markup, re.I):
                offences.append(f"{path.relative_to(TEMPLATES)}: inline script {markup[:60]}")
            if re.search(r"\son[a-z]+\s*=", markup, re.I):
                offences.append(f"{path.relative_to(TEMPLATES)}: event handler {markup[:60]}")
            if re.search(r"\sstyle\s*=", markup, re.I):
                offences.append(f"{path.relative_to(TEMPLATES)}: style attribute {markup[:60]}")
        if re.search(r"<style\b", text, re.I):
            offences.append(f"{path.relative_to(TEMPLATES)}: <style> element")
    print(f"{len(templates)} templates scanned")
    assert len(templates) > 50
    assert offences == []


def test_the_template_scan_can_fail(tmp_path):
    """The patterns above catch what they are meant to catch."""
    bad = ['<script>alert(1)</script>', '<button onclick="x()">', '<p style="color: red">']
    good = ['<script src="/static/app.js" defer></script>', '<p data-once="1" class="onboarding">']
    inline = re.compile(r"<script\b(?![^>]*\ssrc\s*=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=", re.I)
    assert all(inline.search(b) for b in bad)
    assert not any(inline.search(g) for g in good)


# --- throttling --------------------------------------------------------------------------

@pytest.fixture
def throttled(app):
    """Throttling on, with empty counts (Redis when REDIS_URL is set, as in CI)."""
    limiter.reset()
    app.config["RATELIMIT_ENABLED"] = True
    yield limiter
    app.config["RATELIMIT_ENABLED"] = False
    limiter.reset()


def _attempt(client, email, password="wrong password", address="192.0.2.1"):
    return client.post("/sign-in", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_limits_are_counted_in_redis_when_configured(app, throttled):
    from limits.storage import MemoryStorage, RedisStorage

    expected = RedisStorage if app.config["REDIS_URL"] else MemoryStorage
    print(f"throttling storage: {type(throttled.storage).__name__}")
    assert isinstance(throttled.storage, expected)


def test_sign_in_is_throttled_per_account_from_any_address(app, client, world, throttled):
    allowed = _amount(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"])
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        for n in range(allowed):
            assert _attempt(client, "factory@example.com", address=f"192.0.2.{n + 1}").status_code == 401
        # The next try is refused even from a fresh address and even with the right password;
        # the e-mail typed differently (case, spaces) is the same account.
        refused = _attempt(client, " Factory@Example.com", password=f.PASSWORD, address="198.51.100.7")
        html = refused.get_data(as_text=True)
        assert refused.status_code == 429
        assert "Too many sign-in attempts. Wait a few minutes" in html
        assert 'value="Factory@Example.com"' in html
        assert refused.headers.get("Retry-After")
        # An account that does not exist gets the very same answers: nothing tells them apart.
        for n in range(allowed):
            assert _attempt(client, "ghost@example.com", address=f"192.0.2.{n + 1}").status_code == 401
        ghost = _attempt(client, " Factory@Example.com".replace("Factory", "Ghost"), address="198.51.100.7")
        assert ghost.status_code == 429
        assert _without_tokens(ghost.get_data(as_text=True)).replace("Ghost", "Factory") == _without_tokens(html)
        # Another account from the same addresses is not affected.
        assert _attempt(client, "ea@example.com", password=f.PASSWORD, address="198.51.100.7").status_code == 302
        client.post("/sign-out")
        # After the window, the account may try again.
        traveller.shift(61)
        assert _attempt(client, "factory@example.com", password=f.PASSWORD, address="192.0.2.1").status_code == 302


def test_sign_in_is_throttled_per_address(app, client, world, throttled, monkeypatch):
    # Fewer than the default 30, only to spare 30 slow argon2 checks; the setting is read at each request.
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ADDRESS", "4/minute")
    allowed = _amount(app.config["SIGN_IN_LIMIT_PER_ADDRESS"])
    with time_machine.travel(datetime.now(UTC), tick=False) as traveller:
        for n in range(allowed):
            assert _attempt(client, f"person{n}@example.com", address="203.0.113.9").status_code == 401
        refused = _attempt(client, "factory@example.com", password=f.PASSWORD, address="203.0.113.9")
        assert refused.status_code == 429
        assert "Too many sign-in attempts" in refused.get_data(as_text=True)
        # Another address is not affected.
        assert _attempt(client, "factory@example.com", password=f.PASSWORD, address="203.0.113.10").status_code == 302
        client.post("/sign-out")
        traveller.shift(61)
        assert _attempt(client, "factory@example.com", password=f.PASSWORD, address="203.0.113.9").status_code == 302


def test_successful_sign_ins_do_not_count(app, client, world, throttled, monkeypatch):
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "2/minute")
    for _ in range(_amount(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]) + 2):
        assert _attempt(client, "factory@example.com", password=f.PASSWORD).status_code == 302
        client.post("/sign-out")


def test_throttling_is_off_unless_configured(app, client, world, monkeypatch):
    assert app.config["RATELIMIT_ENABLED"] is False  # the suite's default; see the fixture above
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "1/minute")
    for _ in range(_amount(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"]) + 1):
        assert _attempt(client, "factory@example.com").status_code == 401


def test_a_dead_redis_fails_open_and_says_so(app, client, world, throttled, monkeypatch, caplog):
    """Redis down: sign-in keeps working, counted in this process's memory, and a log line says so."""
    monkeypatch.setitem(app.config, "SIGN_IN_LIMIT_PER_ACCOUNT", "2/minute")
    from limits.storage import MemoryStorage, storage_from_string
    from limits.strategies import MovingWindowRateLimiter

    dead = storage_from_string("redis://127.0.0.1:9/0", socket_connect_timeout=0.2, socket_timeout=0.2)
    monkeypatch.setattr(limiter, "_storage", dead)
    monkeypatch.setattr(limiter, "_limiter", MovingWindowRateLimiter(dead))
    monkeypatch.setattr(limiter, "_fallback_limiter", MovingWindowRateLimiter(MemoryStorage()))
    monkeypatch.setattr(limiter, "_storage_dead", False)
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        assert _attempt(client, "factory@example.com", password=f.PASSWORD).status_code == 302
    assert "unreachable" in caplog.text
    client.post("/sign-out")
    # The limits still hold, in memory.
    for _ in range(_amount(app.config["SIGN_IN_LIMIT_PER_ACCOUNT"])):
        assert _attempt(client, "factory@example.com").status_code == 401
    assert _attempt(client, "factory@example.com", password=f.PASSWORD).status_code == 429


def test_password_reset_requests_are_throttled(app, client, world, throttled, mailbox):
    per_account = _amount(app.config["PASSWORD_RESET_LIMIT_PER_ACCOUNT"])
    for n in range(per_account):
        response = client.post("/password/forgot", data={"email": "factory@example.com"},
                               environ_base={"REMOTE_ADDR": f"192.0.2.{n + 1}"})
        assert response.status_code == 302
    refused = client.post("/password/forgot", data={"email": "FACTORY@example.com"},
                          environ_base={"REMOTE_ADDR": "192.0.2.200"})
    assert refused.status_code == 429
    html = refused.get_data(as_text=True)
    assert "Too many requests for a new password" in html and 'value="FACTORY@example.com"' in html
    assert len(mailbox.messages(to="factory@example.com")) == per_account

    per_address = _amount(app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"])
    for n in range(per_address):
        response = client.post("/password/forgot", data={"email": f"someone{n}@example.com"},
                               environ_base={"REMOTE_ADDR": "203.0.113.50"})
        assert response.status_code == 302
    refused = client.post("/password/forgot", data={"email": "ea@example.com"},
                          environ_base={"REMOTE_ADDR": "203.0.113.50"})
    assert refused.status_code == 429
    assert mailbox.messages(to="ea@example.com") == []


# --- argon2 ------------------------------------------------------------------------------

def test_sign_in_upgrades_an_outdated_hash(client, world):
    weak = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    world.factory_user.password_hash = old = weak.hash(f.PASSWORD)
    db.session.commit()
    sign_in(client, world.factory_user)
    user = _fresh(world.factory_user.id)
    assert user.password_hash != old and user.password_hash.startswith("$argon2id$")
    assert not accounts._hasher.check_needs_rehash(user.password_hash)
    client.post("/sign-out")
    sign_in(client, user)


# --- password reset ----------------------------------------------------------------------

def _ask_for_link(client, email):
    response = client.post("/password/forgot", data={"email": email})
    assert response.status_code == 302 and response.location.endswith("/sign-in")
    return client.get(response.location).get_data(as_text=True)


def test_password_reset_end_to_end(app, client, world, mailbox):
    world.factory_user.locale = "km"
    db.session.commit()
    client.get("/language?locale=en")  # this browser reads English; the mail goes in the account's language
    other_browser = app.test_client()
    sign_in(other_browser, world.factory_user)

    sign_in_page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/password/forgot"' in sign_in_page
    assert client.get("/password/forgot").status_code == 200
    answer = _ask_for_link(client, " Factory@Example.com ")
    assert "If an account exists for Factory@Example.com, we have sent it a link" in answer
    [message] = mailbox.messages(to="factory@example.com")
    assert message["Content-Language"] == "km"  # in the account's language
    link = mailbox.link(message)
    token = link.rsplit("/", 1)[1]
    assert message.get_body(("html",)).get_content().count(link) == 1
    # Only the token's SHA-256 is stored.
    [reset] = db.session.scalars(select(PasswordReset))
    assert reset.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr([getattr(reset, c.key) for c in PasswordReset.__table__.columns])
    expiry = reset.expires_at.replace(tzinfo=reset.expires_at.tzinfo or UTC) - datetime.now(UTC)
    assert timedelta(hours=app.config["PASSWORD_RESET_HOURS"]) - expiry < timedelta(minutes=1)

    # Opening the link changes nothing (mail scanners open links).
    old_hash = _fresh(world.factory_user.id).password_hash
    page = client.get(link)
    assert page.status_code == 200 and 'name="password"' in page.get_data(as_text=True)
    assert _fresh(world.factory_user.id).password_hash == old_hash
    assert db.session.get(PasswordReset, reset.id).used_at is None
    assert other_browser.get("/home").status_code == 200

    # The same rule as invitations: at least 10 characters.
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and "/sign-in" in done.location
    assert "signed out everywhere" in client.get(done.location).get_data(as_text=True)

    # Every other session has ended; the old password is gone, the new one works.
    assert other_browser.get("/home").status_code == 302
    assert client.post("/sign-in", data={"email": "factory@example.com", "password": f.PASSWORD}).status_code == 401
    sign_in(client, world.factory_user, password=NEW_PASSWORD)
    client.post("/sign-out")
    client.get("/language?locale=en")  # signing in took the account's language (Khmer)

    # The link works once.
    assert client.get(link).status_code == 410
    replay = client.post(link, data={"password": "yet another passphrase", "confirm": "yet another passphrase"})
    assert replay.status_code == 410 and "already been used" in replay.get_data(as_text=True)
    sign_in(client, world.factory_user, password=NEW_PASSWORD)
    assert "auth.password_reset" in set(db.session.scalars(select(AuditEvent.action)))


def test_expired_link_is_refused(app, client, world, mailbox):
    _ask_for_link(client, "factory@example.com")
    link = mailbox.link(mailbox.messages(to="factory@example.com")[0])
    hours = app.config["PASSWORD_RESET_HOURS"]
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=hours, minutes=1)):
        expired = client.get(link)
        assert expired.status_code == 410 and "has expired" in expired.get_data(as_text=True)
        post = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
        assert post.status_code == 410
    with time_machine.travel(datetime.now(UTC) + timedelta(hours=hours, minutes=-5)):
        assert client.get(link).status_code == 200  # still valid just before


def test_unknown_email_gets_the_same_answer_and_no_mail(client, world, mailbox):
    known = _ask_for_link(client, "factory@example.com")
    unknown = _ask_for_link(client, "nobody@example.com")
    assert _without_tokens(unknown).replace("nobody@", "factory@") == _without_tokens(known)
    assert mailbox.messages(to="nobody@example.com") == []
    assert len(mailbox.messages()) == 1


def test_deactivated_user_gets_no_mail_and_open_links_stop(client, world, mailbox):
    _ask_for_link(client, "ea@example.com")
    link = mailbox.link(mailbox.messages(to="ea@example.com")[0])
    world.ea.active = False
    db.session.commit()
    mailbox.clear()
    answer = _ask_for_link(client, "ea@example.com")
    assert "If an account exists for ea@example.com" in answer
    assert mailbox.messages() == []
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 410


def test_a_newer_link_replaces_the_older_one(client, world, mailbox):
    _ask_for_link(client, "factory@example.com")
    _ask_for_link(client, "factory@example.com")
    first, second = (mailbox.link(m) for m in mailbox.messages(to="factory@example.com"))
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_unknown_link_is_not_found(client, world):
    assert client.get("/password/reset/" + "x" * 43).status_code == 404
    assert client.get("/password/reset/" + "x" * 500).status_code == 404


# --- sign out everywhere -----------------------------------------------------------------

def test_sign_out_everywhere_ends_every_session(app, client, world):
    phone = app.test_client()
    sign_in(client, world.factory_user)
    sign_in(phone, world.factory_user)
    assert phone.get("/home").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert 'action="/account/sign-out-everywhere"' in page and "Sign out everywhere" in page
    response = client.post("/account/sign-out-everywhere")
    assert response.status_code == 302 and "/sign-in" in response.location
    # The other browser's next request goes to sign in; so does this one's.
    other = phone.get("/home")
    assert other.status_code == 302 and "/sign-in" in other.location
    assert client.get("/home").status_code == 302
    sign_in(phone, world.factory_user)
    assert phone.get("/home").status_code == 200


def test_changing_the_password_ends_the_other_sessions_only(app, client, world):
    phone = app.test_client()
    sign_in(client, world.factory_user)
    sign_in(phone, world.factory_user)
    wrong = client.post("/account/password", data={"current": "not it", "password": NEW_PASSWORD,
                                                    "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422 and "current password is not right" in wrong.get_data(as_text=True)
    assert phone.get("/home").status_code == 200
    changed = client.post("/account/password", data={"current": f.PASSWORD, "password": NEW_PASSWORD,
                                                      "confirm": NEW_PASSWORD})
    assert changed.status_code == 302
    assert client.get("/home").status_code == 200
    assert phone.get("/home").status_code == 302
    client.post("/sign-out")
    sign_in(client, world.factory_user, password=NEW_PASSWORD)


def test_reactivation_does_not_bring_old_sessions_back(app, login, world):
    ea_browser = app.test_client()
    sign_in(ea_browser, world.ea)
    admin = login(world.admin)
    admin.post(f"/admin/people/{world.ea.id}/deactivate")
    admin.post(f"/admin/people/{world.ea.id}/reactivate")
    assert _fresh(world.ea.id).active
    assert ea_browser.get("/home").status_code == 302


def test_a_session_from_before_versions_is_not_accepted(client, world):
    with client.session_transaction() as session:
        session["_user_id"] = str(world.factory_user.id)  # the old form, without a version
        session["_fresh"] = True
    assert client.get("/home").status_code == 302


def test_sign_out_ends_the_session_on_the_server_and_clears_the_browser(app, client, world):
    """Issue 17 item 6 (AUTH-1): a copy of the session cookie taken before signing out opens
    nothing afterwards, and the sign-out tells the browser to drop the drafts it kept
    (localStorage) and its cache: a shared factory PC keeps nothing of the last person."""
    sign_in(client, world.factory_user)
    assert client.get("/account").status_code == 200
    copied = client.get_cookie("session").value
    response = client.post("/sign-out")
    assert response.status_code == 302 and "/sign-in" in response.location
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'
    thief = app.test_client()
    thief.set_cookie("session", copied)
    stolen = thief.get("/account")
    assert stolen.status_code == 302 and "/sign-in" in stolen.location
    # Signing in again works, and so does signing out everywhere, with the same header.
    sign_in(client, world.factory_user)
    assert client.get("/account").status_code == 200
    assert client.post("/account/sign-out-everywhere").headers["Clear-Site-Data"] == '"cache", "storage"'
