"""TEN-1 over the whole URL map. Every route is in exactly one class:

- factory-scoped: its rule takes ``<factory_id>``; test_tenancy_routes sweeps it;
- admin: its rule is under ``/admin``; test_admin_routes sweeps it;
- PERSONAL: lists whose content depends on who is signed in (home, inbox, notices...);
- OBJECTS: routes with an id that is not a factory id (``listed_id``, ``public_id``,
  ``public_file_id``, an invitation's ``token``);
- PUBLIC: sign-in, sign-out, language, health and the Transparency Portal's search;
- api: every route under ``/api``; test_api_routes sweeps them with every role's token.

A route in no class, or a method of it that its class does not describe, fails
test_every_route_is_classified: describe it in the tables below. This module calls every
personal, object and public route with every method it accepts, as every role and
anonymously, with other tenants' ids where it takes one: the answer is the one described
(404/403, a redirect to sign-in for anonymous, or 200 for a page that is public or the
caller's own), and no body shows another tenant's private data. Each tenant's data carries
a distinctive string (tenants.secret, the notice and subscription markers below), and
test_the_markers_show_to_their_owners checks that pages do render them, so a leak would show.
"""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bwportal.domain.ip import operations as ops
from bwportal.domain.people import management as people
from bwportal.domain.people import passwords
from bwportal.extensions import db
from bwportal.models import ReportStatus, Role, SubscriptionStatus
from tests import factories as f
from tests.conftest import sign_in

from .routes import all_routes
from .tenants import FACTORIES, ROLES, secret
from .test_admin_routes import admin_routes
from .test_api_routes import api_routes
from .test_tenancy_routes import factory_routes

ANON = "anonymous"
SIGNED_IN = sorted(ROLES)
CALLERS = [*SIGNED_IN, ANON]
BUYERS = {"buyer", "other_buyer"}
EAS = {"ea", "ea2"}
TO_SIGN_IN = (302, "/sign-in")
FORM = {"name": "Hijack", "text": "x", "locale": "xx"}

# A date only the subscription of the other brand (Blue Harbor, to Mekong) carries.
SUBSCRIPTION_DAY = datetime(2001, 2, 3, 9, 0, tzinfo=UTC)
SUBSCRIPTION_MARKER = "Feb 3, 2001"
INVITEE = "Someone Secret Invitee"


def notice_marker(user) -> str:
    return f"Secret notice for {user.email}"


def _only(roles, status=200, others=403) -> dict:
    """``status`` for ``roles``, ``others`` for the other signed-in roles, anonymous to sign-in."""
    return {**{who: status if who in roles else others for who in SIGNED_IN}, ANON: TO_SIGN_IN}


def _same(signed_in, anonymous) -> dict:
    return {**{who: signed_in for who in SIGNED_IN}, ANON: anonymous}


# endpoint -> method -> caller -> expected status, or (302, the path it redirects to).
PERSONAL = {
    "main.home": {"GET": {**_only(SIGNED_IN), "buyer": (302, "/dashboard"), "other_buyer": (302, "/dashboard")}},
    "buyers.dashboard": {"GET": _only(BUYERS)},
    "buyers.factories": {"GET": _only(BUYERS)},  # the factories that list the brand
    # DASH-1: the buyer's weekly digest setting (the sweep's form turns it off), the programme
    # manager's and the advisor's dashboards (a factory's is factory-scoped).
    "buyers.weekly_digest": {"POST": _only(BUYERS, (302, "/dashboard"))},
    "dashboards.programme": {"GET": _only({"admin", "admin_id"})},
    "dashboards.advisor": {"GET": _only(EAS)},
    "ip.queue": {"GET": _only(EAS)},
    "reports.inbox": {"GET": _only(EAS)},
    "notices.index": {"GET": _only(SIGNED_IN)},
    "auth.account": {"GET": _only(SIGNED_IN)},
    "auth.change_password": {"POST": _only(SIGNED_IN, 422)},  # without the current password
    "auth.sign_out_everywhere": {"POST": _only(SIGNED_IN, TO_SIGN_IN)},
    "auth.create_token": {"POST": _only(SIGNED_IN, 201)},  # a token of one's own, shown once
}
PUBLIC = {
    "main.index": {"GET": _same((302, "/home"), TO_SIGN_IN)},
    "auth.sign_in": {"GET": _same((302, "/home"), 200), "POST": _same((302, "/home"), 422)},
    "auth.sign_out": {"POST": _same(TO_SIGN_IN, TO_SIGN_IN)},
    "auth.forgot_password": {"GET": _same(200, 200), "POST": _same(422, 422)},  # POST without an e-mail
    # GET: an anonymous visitor's choice; a bad one is refused and sent back to "/".
    "auth.choose_language": {"GET": _same((302, "/home"), (302, "/")), "POST": _same((302, "/"), (302, "/"))},
    "health.healthz": {"GET": _same(200, 200)},
    "service_worker": {"GET": _same(200, 200)},  # the same script for all; it names no one (issue 19)
    # Prometheus figures (counts by route template, the outbox): no one's data; the proxy keeps
    # it inside, METRICS_TOKEN may lock it (tests/web/test_observability.py).
    "observability.metrics": {"GET": _same(200, 200)},
    "health.livez": {"GET": _same(200, 200)},
    "health.readyz": {"GET": _same(200, 200)},
    "transparency.index": {"GET": _same(200, 200)},
}


# Routes with an id that is not a factory id: endpoint -> method -> calls(world, data, who), a
# list of (route values, expected, label). The ids are other tenants' (or not public) ones.
def _listed_ids(world, data, who):
    """Factories that do not list the caller's brand: a buyer cannot ask to follow them."""
    if who in BUYERS:
        brand = getattr(world, who).buyer_organisation
        foreign = [n for n in FACTORIES if brand not in getattr(world, n).customers]
        expected = 404
    else:
        foreign = ROLES[who][1] if who in ROLES else list(FACTORIES)
        expected = 403
    expected = TO_SIGN_IN if who == ANON else expected
    return [({"listed_id": getattr(world, n).id}, expected, n) for n in foreign]


def _public_ids(world, data, who):
    """Unlisted factories (one released cycle; none released yet; no such id) are 404 to all."""
    return [({"public_id": world.angkor.id}, 404, "angkor, one released cycle"),
            ({"public_id": world.mekong.id}, 404, "mekong, not released yet"),
            ({"public_id": 987654}, 404, "no such factory")]


def _public_file_ids(world, data, who):
    return [({"public_file_id": file.id}, 404, label) for label, file in data["private_files"].items()]


def _tokens(world, data, who):
    """An invitation's token is its own credential: who holds a valid one may open it (the
    welcome page). Unknown, used and revoked tokens show nothing of the invitation."""
    return [({"token": "not-a-token"}, 404, "unknown"), ({"token": data["used_token"]}, 410, "used"),
            ({"token": data["revoked_token"]}, 410, "revoked")]


def _reset_tokens(world, data, who):
    """A password-reset link is its own credential too: unknown, used and revoked ones fail."""
    return [({"token": "not-a-token"}, 404, "unknown"), ({"token": data["used_reset"]}, 410, "used"),
            ({"token": data["revoked_reset"]}, 410, "revoked")]


def _token_ids(world, data, who):
    """Another account's API token cannot be revoked by anyone else: 404."""
    expected = TO_SIGN_IN if who == ANON else 404
    return [({"token_id": token.id}, expected, owner) for owner, token in data["tokens"].items() if owner != who]


OBJECTS = {
    "buyers.request_subscription": {"POST": _listed_ids},
    "auth.revoke_token": {"POST": _token_ids},
    "transparency.factory": {"GET": _public_ids},
    "transparency.evidence": {"GET": _public_file_ids},
    "auth.invitation": {"GET": _tokens, "POST": _tokens},
    "auth.reset_password": {"GET": _reset_tokens, "POST": _reset_tokens},
}
SIGNS_OUT = {"auth.sign_out", "auth.sign_out_everywhere"}


# Pages that legitimately name factories the caller cannot see in the portal.
def _named_factories(endpoint, world, who) -> set[str]:
    if endpoint == "buyers.factories" and who in BUYERS:
        brand = getattr(world, who).buyer_organisation
        return {n for n in FACTORIES if brand in getattr(world, n).customers}
    if endpoint.startswith("transparency."):
        return {"bandung"}  # listed on the Transparency Portal
    return set()


def classify(app) -> dict[str, list]:
    """Every route of the URL map by class; ``unclassified`` and ``twice`` must stay empty."""
    admin = {r.rule.rule for r in admin_routes(app)}
    factory = {r.rule.rule for r in factory_routes(app)} - admin  # admin routes with a factory id: both sweep them
    api = {r.rule.rule for r in api_routes(app)}
    tables = {"personal": PERSONAL, "objects": OBJECTS, "public": PUBLIC}
    classes = {name: [] for name in ("factory-scoped", "admin", "api", *tables, "unclassified", "twice", "methods")}
    for route in all_routes(app):
        found = [name for name, table in tables.items() if route.rule.endpoint in table]
        found += ["admin"] * (route.rule.rule in admin) + ["factory-scoped"] * (route.rule.rule in factory)
        found += ["api"] * (route.rule.rule in api)
        if not found:
            classes["unclassified"].append(route)
        elif len(found) > 1:
            classes["twice"].append((route, found))
        else:
            classes[found[0]].append(route)
            table = tables.get(found[0])
            if table is not None and set(table[route.rule.endpoint]) != set(route.methods):
                classes["methods"].append((route, sorted(route.methods), sorted(table[route.rule.endpoint])))
    return classes


def test_every_route_is_classified(app):
    classes = classify(app)
    unclassified = [f"{r.rule.endpoint} {r.rule.rule} {sorted(r.methods)}" for r in classes["unclassified"]]
    assert not unclassified, (
        "these routes are in no class of the tenancy sweep: give them a factory_id (test_tenancy_routes), "
        f"put them under /admin or /api, or describe them in PERSONAL, OBJECTS or PUBLIC of {__name__}: "
        f"{unclassified}")
    twice = [f"{r.rule.endpoint} in {found}" for r, found in classes["twice"]]
    assert not twice, f"these routes are described in more than one class of {__name__}: {twice}"
    methods = [f"{r.rule.endpoint} accepts {got}, described {described}" for r, got, described in classes["methods"]]
    assert not methods, f"describe exactly the methods of these routes in {__name__}: {methods}"
    endpoints = {r.rule.endpoint for r in all_routes(app)}
    stale = sorted(e for table in (PERSONAL, OBJECTS, PUBLIC) for e in table if e not in endpoints)
    assert not stale, f"these described endpoints are not in the URL map any more: {stale}"
    total = len(all_routes(app))
    counts = {name: len(classes[name]) for name in ("factory-scoped", "admin", "api", "personal", "objects", "public")}
    assert sum(counts.values()) == total
    print(f"URL map: {total} routes (static files aside): " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    both = len({r.rule.rule for r in admin_routes(app)} & {r.rule.rule for r in factory_routes(app)})
    print(f"  ({both} admin routes take a factory id: both sweeps call them)")


# --- the data each tenant keeps to itself -----------------------------------------------------

@pytest.fixture
def sweep(app, world, objects):
    """On top of ``objects``: notices for every user, an inbox for every advisor, another
    brand's subscription, invitations, and a Transparency Portal with one listed factory."""
    now = datetime.now(UTC)
    users = [getattr(world, who) for who in SIGNED_IN] + [world.factory_id_user]
    for user in users:
        f.make_notice(user, None, f"sweep:{user.id}", kind="mail.item_completed",
                      params={"factory": "Sweep", "actor": "Sweep", "item": notice_marker(user)})
    for name in FACTORIES:  # every advisor's inbox: a submitted PR1 and an item to verify
        factory, made = getattr(world, name), objects[name]
        made["report"].status, made["report"].submitted_at = ReportStatus.SUBMITTED, now
        ops.report_remediated(made["item"], None, f"{secret(factory)}: remediated")
    mekong_request = objects["mekong"]["subscription"]  # from either brand Mekong lists: make it the other's
    assert mekong_request.status is SubscriptionStatus.REQUESTED
    mekong_request.buyer_organisation, mekong_request.requested_at = world.other_brand, SUBSCRIPTION_DAY

    # Used links are marked so directly: accepting one would hash a password (argon2, slow on purpose).
    used, used_token = people.invite(world.admin, email="used@example.com", name=INVITEE, role=Role.EA,
                                     locale="en", programme=world.kh)
    used.accepted_at = now
    revoked, revoked_token = people.invite(world.admin_id, email="revoked@example.com", name=INVITEE,
                                           role=Role.EA, locale="en", programme=world.idn)
    people.revoke_invitation(world.admin_id, revoked)
    used_reset, used_reset_token = passwords.request_reset(world.factory2_user.email, hours=2)
    used_reset.used_at = now
    _revoked, revoked_reset_token = passwords.request_reset(world.ea2.email, hours=2)
    passwords.request_reset(world.ea2.email, hours=2)  # a new link revokes the earlier one

    upload = app.config["STORAGE_DIR"]
    private_files = {f"{name}'s evidence": objects[name]["file"] for name in FACTORIES}
    _write_bytes(upload, private_files.values())  # real bytes: only the rules may refuse them
    private_files.update(_transparency(world, upload))
    db.session.commit()
    tokens = {who: f.make_api_token(getattr(world, who))[0] for who in SIGNED_IN}  # revoked by none but their own
    db.session.commit()
    return {"tokens": tokens, "used_token": used_token, "revoked_token": revoked_token, "used_reset": used_reset_token,
            "revoked_reset": revoked_reset_token, "private_files": private_files,
            "public_file": private_files.pop("public")}


def _write_bytes(upload, files):
    folder = Path(upload) / "evidence"
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        (folder / file.stored_name).write_bytes(f.public_png_bytes())


def _public_finding(cycle, text, publicly_reported=True):
    finding = f.make_finding(cycle, "Overtime Wages", text, publicly_reported=publicly_reported)
    response = f.make_public_response(finding, text=f"{text}: response")
    return finding, response


def _transparency(world, upload) -> dict:
    """Bandung is listed (two released cycles); Angkor has one released cycle, Mekong a cycle
    released only next month. Every evidence file but Bandung's latest public one is private."""
    today = date.today()
    files = {}
    old = f.make_cycle(world.bandung, 2, today - timedelta(days=400), report_release_date=today - timedelta(days=380))
    latest = f.make_cycle(world.bandung, 3, today - timedelta(days=60), report_release_date=today - timedelta(days=40))
    _, public = _public_finding(latest, "Public finding of Bandung Textiles")
    public.verified_by_id, public.verified_at = world.ea.id, datetime.now(UTC)  # PUB-2: public once verified
    files["public"] = f.make_evidence_file(public, upload)
    _, unverified = _public_finding(latest, "Another public finding of Bandung Textiles")
    files["bandung's file of a response not verified yet"] = f.make_evidence_file(unverified, upload)
    _, private = _public_finding(latest, secret(world.bandung) + " (not public)", publicly_reported=False)
    files["bandung's file of a finding that is not public"] = f.make_evidence_file(private, upload)
    _, older = _public_finding(old, secret(world.bandung) + " (an older assessment)")
    files["bandung's file of an older assessment"] = f.make_evidence_file(older, upload)
    angkor = f.make_cycle(world.angkor, 2, today - timedelta(days=60), report_release_date=today - timedelta(days=40))
    _, response = _public_finding(angkor, secret(world.angkor) + " (one released cycle)")
    files["angkor's public file, factory not listed"] = f.make_evidence_file(response, upload)
    mekong = f.make_cycle(world.mekong, 2, today - timedelta(days=20), report_release_date=today + timedelta(days=30))
    _, response = _public_finding(mekong, secret(world.mekong) + " (not released yet)")
    files["mekong's public file, report not released"] = f.make_evidence_file(response, upload)
    return files


def _markers(world, endpoint, who) -> list[str]:
    """What ``who`` must never see on ``endpoint``: the other tenants' private strings."""
    foreign = list(FACTORIES) if who not in ROLES else ROLES[who][1]
    me = getattr(world, who) if who in ROLES else None
    users = [getattr(world, w) for w in SIGNED_IN] + [world.factory_id_user]
    markers = [secret(getattr(world, n)) for n in foreign]
    markers += [getattr(world, n).name for n in foreign if n not in _named_factories(endpoint, world, who)]
    markers += [getattr(world, n).email for n in foreign]
    markers += [notice_marker(u) for u in users if u is not me] + [u.email for u in users if u is not me]
    markers += [INVITEE]
    if who != "other_buyer":
        markers.append(SUBSCRIPTION_MARKER)
    if endpoint.startswith("transparency.") or endpoint in PUBLIC:
        markers.append("Secret")  # nothing private of anyone, own tenant included
    return markers


def _check(response, expected, where, markers):
    if isinstance(expected, tuple):
        status, path = expected
        assert response.status_code == status, (*where, response.status_code)
        assert urlsplit(response.location).path == path, (*where, response.location)
    else:
        assert response.status_code == expected, (*where, response.status_code)
    body = response.get_data()
    leaked = [m for m in markers if m.encode() in body]
    assert not leaked, (*where, "shows another tenant's data", leaked)
    if expected in (403, 404, 410):
        assert not body.startswith(b"\x89PNG"), (*where, "served a file")


def _calls(classes, world, data, who):
    """(class, route, method, url, expected, label) of every call the sweep makes as ``who``."""
    for kind, table in (("personal", PERSONAL), ("public", PUBLIC)):
        for route in classes[kind]:
            for method in sorted(route.methods):
                yield kind, route, method, route.url(), table[route.rule.endpoint][method][who], ""
    for route in classes["objects"]:
        for method in sorted(route.methods):
            for values, expected, label in OBJECTS[route.rule.endpoint][method](world, data, who):
                yield "objects", route, method, route.url(**values), expected, label


@pytest.mark.parametrize("who", CALLERS)
def test_other_routes_never_show_another_tenants_data(app, client, world, sweep, coverage, monkeypatch, who):
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)  # every caller posts the sign-in and reset forms
    classes = classify(app)
    if who != ANON:
        sign_in(client, getattr(world, who))
    planned = sorted(_calls(classes, world, sweep, who), key=lambda call: call[1].rule.endpoint in SIGNS_OUT)
    for calls, (kind, route, method, url, expected, label) in enumerate(planned, 1):
        response = client.open(url, method=method, data=FORM)
        where = (who, method, route.rule.rule, label) if label else (who, method, route.rule.rule)
        _check(response, expected, where, _markers(world, route.rule.endpoint, who))
        coverage.add(kind, route.rule.rule, method, who)
        if route.rule.endpoint in SIGNS_OUT and who != ANON and calls < len(planned):
            sign_in(client, getattr(world, who))  # signed out by the call itself
    assert calls >= sum(len(classes[k]) for k in ("personal", "objects", "public"))
    print(f"{who}: {calls} calls of personal, object and public routes, none with another tenant's data")


def test_public_transparency_pages_show_only_public_data(app, client, world, sweep, coverage):
    """The listed factory's page and its public file open for everyone, without private data."""
    for who in CALLERS:
        if who != ANON:
            client.post("/sign-out")
            sign_in(client, getattr(world, who))
        page = client.get(f"/transparency/factories/{world.bandung.id}")
        _check(page, 200, (who, "GET", "/transparency/factories/<public_id>"),
               _markers(world, "transparency.factory", who) + [world.bandung.email, world.bandung.address])
        assert b"Public finding of Bandung Textiles: response" in page.data
        file = client.get(f"/transparency/files/{sweep['public_file'].id}")
        assert file.status_code == 200 and file.data.startswith(b"\x89PNG"), who
        coverage.add("objects", "/transparency/factories/<int:public_id>", "GET", who)
        coverage.add("objects", "/transparency/files/<int:public_file_id>", "GET", who)


def test_the_markers_show_to_their_owners(client, world, sweep):
    """The private strings the sweep looks for are ones these pages do render, so a page that
    showed another tenant's rows would fail the sweep."""
    sign_in(client, world.ea)
    for page in ("/inbox", "/verification"):
        body = client.get(page).get_data(as_text=True)
        assert f"{secret(world.angkor)}: remediated" in body and world.angkor.name in body, page
    assert world.angkor.name in client.get("/dashboards/advisor").get_data(as_text=True)
    assert notice_marker(world.ea) in client.get("/notices").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, world.other_buyer)
    assert SUBSCRIPTION_MARKER in client.get("/buyers/factories").get_data(as_text=True)
    assert world.bandung.name in client.get("/dashboard").get_data(as_text=True)
    client.post("/sign-out")
    sign_in(client, world.admin)
    body = client.get("/home").get_data(as_text=True)
    assert world.angkor.name in body and world.mekong.name in body
    client.post("/sign-out")
    assert world.bandung.name in client.get("/transparency").get_data(as_text=True)
