"""Every form, driven by hypothesis with hostile input: long, empty, unicode, control
characters, markup and script, template and format strings, wrong types, huge numbers, bad
dates, junk choices, random files, missing fields.

Each POST route of the URL map is described in FORMS (who uses it, with which objects); its
form is read from the page that shows it (stdlib html.parser) and every field gets a
strategy of its kind. Every answer must be below 500, never show the hostile markup
unescaped (neither in the answer, nor on the page it redirects to, nor in a mail it sends),
and a form shown again with errors must carry the text that was typed. A new POST route
fails test_every_post_route_is_described until it is described here.

BWPORTAL_FUZZ_EXAMPLES (default 25) sets the examples per form; runs are derandomized and
keep no example database, so CI reruns the same inputs."""

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from bwportal.domain.ip import operations as ops
from bwportal.domain.people import management as people
from bwportal.domain.people import passwords
from bwportal.extensions import db
from bwportal.models import (
    Cluster,
    EnrolmentStatus,
    ProgressReport,
    RaisedBy,
    ReportKind,
    Role,
    RootCause,
    Subscription,
    SubscriptionStatus,
)
from tests import factories as f
from tests import summary
from tests.conftest import sign_in

from . import fuzz
from .routes import all_routes

EXAMPLES = int(os.environ.get("BWPORTAL_FUZZ_EXAMPLES", "25"))
settings.register_profile("fuzz-forms", derandomize=True, database=None, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                                 HealthCheck.data_too_large, HealthCheck.large_base_example,
                                                 HealthCheck.filter_too_much])
FUZZ_SETTINGS = settings.get_profile("fuzz-forms")


@dataclass
class Use:
    """One way a POST route is used: who posts, with which objects, from which page.

    ``args``: route argument -> for ids (and the tokens), a key of ``fuzz_objects``; for words
    (kind, change, action, section_key), the word itself. ``page``: where the form is, if
    neither the route's own URL nor one of its parents shows it (a format string over the
    objects). ``fields``: the field names and kinds posted when no page shows the form (a
    button, or a form shown only after a step)."""

    who: str | None
    args: dict = field(default_factory=dict)
    page: str | None = None
    fields: dict[str, str] | None = None
    examples: int | None = None  # fewer for forms that only press a button


BUTTON = {"examples": 4}  # nothing to type: a few presses with junk fields are enough
F = "/factories/{angkor}"
REPORT = F + "/reports/{%s}"

FORMS: dict[str, list[Use]] = {
    # --- signing in, language, invitations
    "/sign-in": [Use(None)],
    "/sign-out": [Use("factory_user", fields={}, **BUTTON)],
    "/language": [Use("factory_user", page="/"),
                  Use(None, fields={"locale": "text", "next": "text"})],  # the anonymous picker is a GET form
    "/invitation/<token>": [Use(None, {"token": "token"})],
    "/password/forgot": [Use(None)],
    "/password/reset/<token>": [Use(None, {"token": "reset_token"})],
    "/account/password": [Use("factory_user", page="/account")],
    "/account/sign-out-everywhere": [Use("factory_user", page="/account", **BUTTON)],
    "/account/tokens": [Use("factory_user", page="/account")],
    "/account/tokens/<int:token_id>/revoke": [Use("factory_user", page="/account", **BUTTON)],
    # --- the read API: every other path under /api/ answers JSON 404/405 to any method (no form)
    "/api/": [Use(None, fields={"name": "text"}, **BUTTON)],
    "/api/<path:rest>": [Use(None, {"rest": "v1/factories"}, fields={"name": "text"}, **BUTTON)],
    # --- administration
    "/admin": [Use("admin")],
    "/admin/buyer-organisations": [Use("admin")],
    "/admin/catalogue/<kind>/new": [Use("admin", {"kind": k}) for k in
                                    ("clusters", "points", "root-causes", "raised-by", "courses")],
    "/admin/catalogue/<kind>/<int:entry_id>": [Use("admin", {"kind": k, "entry_id": k}) for k in
                                               ("clusters", "points", "root-causes", "raised-by", "courses")],
    "/admin/catalogue/questions/<kind>/<section_key>": [
        Use("admin", {"kind": "pr1", "section_key": "social_dialogue"}),
        Use("admin", {"kind": "pr1", "section_key": "feedback"}),
        Use("admin", {"kind": "pr2", "section_key": "summary"})],
    "/admin/factories/new": [Use("admin")],
    "/admin/factories/<int:factory_id>": [Use("admin")],
    "/admin/factories/<int:factory_id>/<any(deactivate, reactivate):change>": [
        Use("admin", {"change": c}, fields={}, **BUTTON) for c in ("deactivate", "reactivate")],  # one at a time
    "/admin/factories/<int:factory_id>/advisors/<any(lead, support):kind>": [
        Use("admin", {"kind": k}) for k in ("lead", "support")],
    "/admin/factories/<int:factory_id>/advisors/<int:assignment_id>/end": [Use("admin", **BUTTON)],
    "/admin/invitations/new": [Use("admin")],
    "/admin/invitations/<int:invitation_id>/<any(resend, revoke):change>": [
        Use("admin", {"change": c}, page="/admin/invitations", **BUTTON) for c in ("resend", "revoke")],
    "/admin/people/<int:user_id>": [Use("admin", {"user_id": "other_user"})],
    "/admin/people/<int:user_id>/<any(deactivate, reactivate):change>": [
        Use("admin", {"user_id": "other_user", "change": c}, fields={}, **BUTTON)
        for c in ("deactivate", "reactivate")],
    "/admin/subscriptions/<int:subscription_id>/revoke": [Use("admin", **BUTTON)],
    # --- buyers and subscriptions
    "/buyers/factories/<int:listed_id>/subscription": [Use("buyer", {"listed_id": "mekong"}, **BUTTON)],
    "/dashboard/digest": [Use("buyer", page="/dashboard")],  # DASH-1: the weekly digest setting
    "/factories/<int:factory_id>/buyers/<int:subscription_id>/accept": [
        Use("factory_user", {"subscription_id": "requested_subscription"}, **BUTTON)],
    "/factories/<int:factory_id>/buyers/<int:subscription_id>/decline": [
        Use("factory_user", {"subscription_id": "requested_subscription"}, **BUTTON)],
    # --- committee
    "/factories/<int:factory_id>/committee/meetings/new": [Use("factory_user")],
    "/factories/<int:factory_id>/committee/meetings/<int:meeting_id>/edit": [Use("factory_user")],
    "/factories/<int:factory_id>/committee/members/new": [Use("ea")],
    "/factories/<int:factory_id>/committee/members/<int:member_id>/edit": [Use("ea")],
    "/factories/<int:factory_id>/committee/proposals": [Use("factory_user", page=F + "/committee/members")],
    "/factories/<int:factory_id>/committee/proposals/<int:proposal_id>/accept": [
        Use("ea", page=F + "/committee/members", **BUTTON)],
    "/factories/<int:factory_id>/committee/proposals/<int:proposal_id>/decline": [
        Use("ea", page=F + "/committee/members", **BUTTON)],
    # --- assessments, visits
    "/factories/<int:factory_id>/cycles": [Use("assessor")],
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/findings": [Use("assessor")],
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/import": [Use("assessor")],
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/import/confirm": [
        Use("assessor", fields={"payload": "hidden"})],
    # a large file a worker read, saved from its status page
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/import/<int:import_id>/confirm": [Use("assessor", **BUTTON)],
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/release-date": [Use("assessor")],
    "/factories/<int:factory_id>/cycles/<int:cycle_id>/assessment": [Use("assessor")],
    "/factories/<int:factory_id>/visits": [Use("ea")],
    "/factories/<int:factory_id>/visits/<int:visit_id>/edit": [Use("ea")],
    # --- the improvement plan
    # 002 §3.4.1: an assessor comments only as lead of an assessment awaiting release (none here: 409)
    "/factories/<int:factory_id>/ip/<int:item_id>/comments": [
        Use("factory_user"), Use("assessor", fields={"body": "text"})],
    "/factories/<int:factory_id>/ip/<int:item_id>/edit": [Use("factory_user"), Use("ea")],
    "/factories/<int:factory_id>/ip/<int:item_id>/remediated": [Use("factory_user")],
    "/factories/<int:factory_id>/ip/<int:item_id>/return": [
        Use("ea", {"item_id": "reported_item"}, page=F + "/ip/{reported_item}/verify")],
    "/factories/<int:factory_id>/ip/<int:item_id>/verify": [Use("ea", {"item_id": "reported_item"})],
    "/factories/<int:factory_id>/ip/<int:item_id>/worker-interviews": [Use("ea")],
    "/factories/<int:factory_id>/ip/<int:item_id>/evidence": [Use("factory_user")],  # issue 19
    "/factories/<int:factory_id>/ip/import": [Use("ea")],
    "/factories/<int:factory_id>/ip/new": [Use("factory_user")],
    "/factories/<int:factory_id>/ip/pdf": [Use("factory_user", **BUTTON)],
    # --- enterprise, people, public issues
    "/factories/<int:factory_id>/organization/edit": [Use("factory_user")],
    "/factories/<int:factory_id>/people/invite": [Use("factory_user")],
    "/factories/<int:factory_id>/people/<int:user_id>/<any(deactivate, reactivate):change>": [
        Use("factory_user", {"user_id": "other_user", "change": c}, fields={}, **BUTTON)
        for c in ("deactivate", "reactivate")],
    "/factories/<int:factory_id>/public-issues/<int:finding_id>/respond": [Use("factory_user")],
    # issue 19: the upload script's first request (JSON, or a form as here); no page has its form
    "/factories/<int:factory_id>/uploads": [Use("factory_user", fields={"name": "text", "size": "text"})],
    "/factories/<int:factory_id>/public-issues/<int:finding_id>/verify": [Use("ea", **BUTTON)],
    "/factories/<int:factory_id>/public-issues/<int:finding_id>/unverify": [
        Use("ea", fields={}, **BUTTON)],  # offered once verified
    "/factories/<int:factory_id>/public-issues/files/<int:file_id>/delete": [
        Use("factory_user", page=F + "/public-issues/{finding_id}/respond", **BUTTON)],
    # --- progress reports
    # Every cycle of the factory's has a PR1 in progress, so no page offers the factory the form.
    "/factories/<int:factory_id>/reports/new": [
        Use("factory_user", fields={"cycle_id": "select", "report_date": "date"}), Use("ea")],
    # Issue 19: the real buttons are on the confirmation step, which the report's buttons post to.
    "/factories/<int:factory_id>/reports/<int:report_id>/<any(submit, approve, send_back, release):action>": [
        Use("factory_user", {"action": "submit", "report_id": "pr1"}, page=REPORT % "pr1" + "/submit/confirm",
            **BUTTON),
        Use("ea", {"action": "approve", "report_id": "pr1_submitted"},
            page=REPORT % "pr1_submitted" + "/approve/confirm", **BUTTON),
        Use("ea", {"action": "send_back", "report_id": "pr1_submitted"},
            page=REPORT % "pr1_submitted" + "/send_back/confirm"),
        Use("ea", {"action": "release", "report_id": "pr2"}, **BUTTON)],
    "/factories/<int:factory_id>/reports/<int:report_id>/<any(submit, approve, send_back):action>/confirm": [
        Use("factory_user", {"action": "submit", "report_id": "pr1"}, page=REPORT % "pr1" + "/overview", **BUTTON),
        Use("ea", {"action": "approve", "report_id": "pr1_submitted"}, page=REPORT % "pr1_submitted", **BUTTON),
        Use("ea", {"action": "send_back", "report_id": "pr1_submitted"}, page=REPORT % "pr1_submitted")],
    "/factories/<int:factory_id>/reports/<int:report_id>/comments": [
        Use("ea", {"report_id": "pr1_submitted"}, page=REPORT % "pr1_submitted" + "/overview")],
    "/factories/<int:factory_id>/reports/<int:report_id>/pdf": [
        Use("factory_user", {"report_id": "pr1"}, page=REPORT % "pr1" + "?preview=1", **BUTTON)],
    **{REPORT.replace("{angkor}", "<int:factory_id>").replace("{%s}", "<int:report_id>") + f"/{slug}":
       [Use("factory_user", {"report_id": "pr1"})] for slug in
       ("overview", "social-dialogue", "systems", "learning", "feedback")},
    "/factories/<int:factory_id>/reports/<int:report_id>/ip-validation": [Use("ea", {"report_id": "pr2"})],
    "/factories/<int:factory_id>/reports/<int:report_id>/summary": [Use("ea", {"report_id": "pr2"})],
    # --- training
    "/factories/<int:factory_id>/training/credits": [Use("ea")],
    "/factories/<int:factory_id>/training/sessions/new": [Use("ea")],
    "/factories/<int:factory_id>/training/sessions/<int:session_id>/request": [Use("factory_user")],
    "/factories/<int:factory_id>/training/sessions/<int:session_id>/register": [Use("ea")],
    "/factories/<int:factory_id>/training/sessions/<int:session_id>/recommend": [Use("ea", **BUTTON)],
    **{f"/factories/<int:factory_id>/training/enrolments/<int:enrolment_id>/{action}":
       [Use("ea", {"enrolment_id": state}, page=F + f"/training?tab={tab}", **BUTTON)]
       for action, state, tab in (("confirm", "requested_enrolment", "available"),
                                  ("decline", "requested_enrolment", "available"),
                                  ("complete", "registered_enrolment", "registered"),
                                  ("cancel", "registered_enrolment", "registered"))},
}

# Route argument -> the objects fixture's key used unless a Use says otherwise.
DEFAULT_ARGS = {"factory_id": "angkor", "item_id": "item", "cycle_id": "cycle", "visit_id": "visit",
                "report_id": "pr1", "session_id": "session", "member_id": "member", "proposal_id": "proposal",
                "meeting_id": "meeting", "finding_id": "finding_id", "file_id": "file",
                "subscription_id": "subscription", "assignment_id": "assignment", "user_id": "other_user",
                "invitation_id": "invitation", "listed_id": "mekong", "entry_id": "clusters", "token": "token",
                "token_id": "api_token", "import_id": "findings_import"}

ROUTE_KEYS = sorted(FORMS)
COVERAGE = {"routes": set(), "forms": 0, "fields": 0, "examples": 0, "answers": {}}


@pytest.fixture
def fuzz_objects(app, world):
    """What the forms act on, all of Angkor Garments (Cambodia): two cycles with findings,
    IP items (one waiting for verification), a PR1 draft, a submitted PR1 and a PR2 draft,
    a public response with a file, training, committee, a subscription request, another
    factory user and an invitation."""
    today = date.today()
    angkor, kh = world.angkor, world.kh
    world.factory_user.is_account_manager = True
    old = f.make_cycle(angkor, 1, today - timedelta(days=420), today - timedelta(days=400))
    cycle = f.make_released_cycle(angkor, 2)
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime not paid at 150%", complete=True)
    reported = f.make_ip_item(cycle, "Overtime Wages", "Second finding", complete=True)
    ops.report_remediated(reported, world.factory_user, "Paid what was owed")
    public = f.make_finding(cycle, "Overtime Wages", "A publicly reported finding", publicly_reported=True)
    response = f.make_public_response(public)
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"])
    visit = f.make_visit(cycle, today - timedelta(days=5), ea=world.ea)
    pr1 = f.make_report(cycle, author=world.factory_user)
    submitted = f.submit_report(f.make_report(old, author=world.factory_user, report_date=today - timedelta(days=300)),
                                world.factory_user)
    pr2 = f.make_report(cycle, ReportKind.PR2, author=world.ea, sections={})
    course = f.make_training_course(kh)
    session = f.make_training_session(course)
    later = f.make_training_session(course, starts_on=today + timedelta(days=60))
    requested = f.make_enrolment(angkor, later, EnrolmentStatus.REQUESTED)
    registered = f.make_enrolment(angkor, f.make_training_session(course, starts_on=today - timedelta(days=1)),
                                  EnrolmentStatus.REGISTERED)  # begun: it may be completed
    member = f.make_committee_member(angkor, since=today - timedelta(days=100))
    proposal = f.make_member_proposal(angkor, "remove", member)
    meeting = f.make_committee_meeting(angkor, attendees=[member], chair=member)
    brand = f.make_buyer_org(name="Fuzz Brand")
    angkor.customers.append(brand)
    wanting = f.subscribe(brand, angkor, SubscriptionStatus.REQUESTED)
    other = f.make_user(Role.FACTORY, factory=angkor, email="other@example.com", name="Other User")
    supporting = f.assign_ea(world.ea2, angkor, is_lead=False)
    invitation, token = people.invite(world.admin, email="someone@example.com", name="Someone", role=Role.EA,
                                      locale="en", programme=kh)
    _reset, reset_token = passwords.request_reset(other.email, hours=1)
    api_token, _secret = f.make_api_token(world.factory_user)
    findings_import = f.make_findings_import(cycle, world.assessor, "A finding from a large file")
    db.session.commit()

    def entry(model):
        return db.session.scalar(db.select(model.id).filter_by(programme_id=kh.id).order_by(model.id))

    return {
        "angkor": angkor.id, "mekong": world.mekong.id, "cycle": cycle.id, "item": item.id,
        "reported_item": reported.id, "finding_id": public.id, "file": evidence.id, "visit": visit.id,
        "pr1": pr1.id, "pr1_submitted": submitted.id, "pr2": pr2.id, "session": session.id,
        "requested_enrolment": requested.id, "registered_enrolment": registered.id, "member": member.id,
        "proposal": proposal.id, "meeting": meeting.id, "requested_subscription": wanting.id,
        "subscription": db.session.scalar(db.select(Subscription.id).filter_by(
            factory_id=angkor.id, status=SubscriptionStatus.ACTIVE)),
        "assignment": supporting.id,
        "other_user": other.id, "invitation": invitation.id, "token": token, "reset_token": reset_token,
        "clusters": entry(Cluster), "points": f.catalogue_point("Overtime Wages", kh).id,
        "root-causes": entry(RootCause),
        "raised-by": entry(RaisedBy), "courses": course.id, "api_token": api_token.id,
        "findings_import": findings_import.id,
    }


@pytest.fixture
def no_throttle(app):
    """Refused sign-ins by the hundred must not lock out the tests that come after."""
    app.config["RATELIMIT_ENABLED"] = False
    yield
    app.config["RATELIMIT_ENABLED"] = True


# --- the sweep ---------------------------------------------------------------------------

def test_every_post_route_is_described(app):
    posted = {r.rule.rule for r in all_routes(app) if "POST" in r.methods}
    missing = sorted(posted - set(FORMS))
    assert not missing, f"describe these POST routes for the form fuzzer in FORMS: {missing}"
    gone = sorted(set(FORMS) - posted)
    assert not gone, f"FORMS describes routes that no longer exist: {gone}"


@dataclass
class Target:
    """One form to fuzz: where it posts, from which page, with which fields."""

    use: Use
    url: str
    page: str | None
    form: fuzz.Form


def _route(app, rule: str):
    return next(r for r in all_routes(app) if r.rule.rule == rule)


def _url(route, use: Use, objects) -> str:
    values = {}
    for arg in route.arguments - set(route.rule.defaults or {}):
        key = use.args.get(arg, DEFAULT_ARGS.get(arg))
        assert key is not None, f"say which object {route.rule.rule}'s argument {arg!r} takes (Use.args)"
        # ids and the invitation's token come from the objects; words (kinds, actions) are as written
        by_object = isinstance(route.rule._converters[arg], IntegerConverter) or arg == "token"
        values[arg] = objects[key] if by_object else key
    return route.url(**values)


def _pages(url: str, use: Use, objects) -> list[str]:
    """Where the form may be: the Use's page, the URL itself, then each parent path."""
    pages = [use.page.format(**objects)] if use.page else []
    parts = urlsplit(url).path.rstrip("/").split("/")
    pages += ["/".join(parts[:n]) or "/" for n in range(len(parts), 0, -1)]
    return pages


def _find_form(client, url: str, pages: list[str]) -> tuple[str | None, fuzz.Form | None]:
    path = urlsplit(url).path
    for page in pages:
        response = client.get(page, follow_redirects=True)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        body = response.get_data(as_text=True)
        found = fuzz.posting_to(fuzz.forms_of(body), path, page)
        if found:
            return page, max(found, key=lambda form: len(form.fields))
    return None, None


def _targets(app, clients, rule: str, objects) -> list[Target]:
    route = _route(app, rule)
    targets = []
    for use in FORMS[rule]:
        url = _url(route, use, objects)
        page, form = _find_form(clients[use.who], url, _pages(url, use, objects))
        if form is None:
            assert use.fields is not None, (
                f"no page shows the form of {rule} to {use.who} (tried {_pages(url, use, objects)}): "
                f"give its page or its fields in FORMS")
            form = fuzz.Form(action=url, method="post", enctype="")
            for name, kind in use.fields.items():
                form.add(fuzz.Field(name, kind))
        targets.append(Target(use, url, page, form))
    return targets


JUNK_FIELDS = ["id", "factory_id", "programme_id", "role", "status", "is_admin", "version", "next", "from", "tab"]


def _draw_post(data, form: fuzz.Form, now: fuzz.Form) -> tuple[MultiDict, dict[str, str]]:
    """The posted fields, and the typed text of each text field (to find again on errors).
    Drawn from the form as first read (``form``); KEEP takes the value the page shows ``now``."""
    sent, typed = MultiDict(), {}
    valid = data.draw(st.integers(0, 2), label="all valid?") == 0  # a third: hostile text the form takes
    for f_ in form.fields.values():
        if f_.name == "csrf_token":
            continue
        value = data.draw(fuzz.value_for(f_, valid), label=f_.name)
        if value is fuzz.KEEP:
            value = (now.fields.get(f_.name) or f_).value
            if f_.kind in ("checkbox", "radio") and not value:
                continue  # unticked: a browser sends nothing
        if value is fuzz.MISSING:
            continue
        for one in (value if isinstance(value, list) else [value]):
            sent.add(f_.name, one)
        if f_.kind in fuzz.TEXT_TYPES and isinstance(value, str):
            typed[f_.name] = value
    if form.buttons and data.draw(st.booleans(), label="button"):
        name, value = data.draw(st.sampled_from(form.buttons), label="which button")
        sent.add(name, value)
    if data.draw(st.integers(0, 5), label="junk?") == 0:
        sent.add(data.draw(st.sampled_from(JUNK_FIELDS), label="junk name"),
                 data.draw(st.one_of(fuzz.number_text(), fuzz.hostile_text()), label="junk value"))
    return sent, typed


def _shown(sent: MultiDict) -> str:
    """The posted fields for a failure message, long values cut (the draws above are whole)."""
    def one(value):
        if not isinstance(value, str):
            return f"<file {value[1]!r}>" if isinstance(value, tuple) else repr(value)
        return repr(value) if len(value) <= 80 else f"{value[:60]!r}…({len(value)} characters)"

    return "{" + ", ".join(f"{name}: {one(value)}" for name, value in sent.items(multi=True)) + "}"


class Checker:
    """The checks on every answer, with the mails the app wrote since the last look."""

    def __init__(self, outbox: Path):
        self.outbox = outbox
        self.seen = set(outbox.glob("*.eml"))

    def body(self, response, what: str) -> str:
        assert response.status_code < 500, f"{what}: answered {response.status_code}"
        if response.mimetype not in ("text/html", "text/plain", "application/json"):
            return ""
        body = response.get_data(as_text=True)
        raw = fuzz.raw_markup(body)
        assert not raw, f"{what}: unescaped {raw} in the answer ({response.status_code})"
        return body

    def mails(self) -> int:
        new = set(self.outbox.glob("*.eml")) - self.seen
        self.seen |= new
        for path in new:
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            html = message.get_body(("html",))
            if html is not None:
                raw = fuzz.raw_markup(html.get_content())
                assert not raw, f"mail to {message['To']} ({message['Subject']}): unescaped {raw} in its HTML"
        return len(new)


def _kept(body: str, status: int, target: Target, typed: dict[str, str]) -> list[str]:
    """The typed text fields the re-shown form lost or changed."""
    path = urlsplit(target.url).path
    shown = [form for form in fuzz.forms_of(body) if fuzz.action_path(form.action, target.url) == path]
    shown = shown or fuzz.posting_to(fuzz.forms_of(body), path, target.url)
    if not shown:  # a form with errors must come back; a refusal of the whole step (409) need not
        lost = status == 422 and any(v.strip() for v in typed.values())
        return [f"no form posting to {path} in the answer"] if lost else []
    fields = {}
    for form in shown:
        for name, f_ in form.fields.items():
            fields.setdefault(name, f_)
    lost = []
    for name, value in typed.items():
        again = fields.get(name)
        if again is None or again.kind not in fuzz.TEXT_TYPES:
            continue
        if fuzz.normalise(again.value) != fuzz.normalise(value):
            lost.append(f"{name}: typed {value[:80]!r}, shown {again.value[:80]!r}")
    return lost


@pytest.mark.parametrize("rule", ROUTE_KEYS)
def test_fuzz_form(app, world, fuzz_objects, rule, no_throttle):
    objects = fuzz_objects
    clients = {}
    for who in {use.who for use in FORMS[rule]}:
        clients[who] = app.test_client()
        if who is not None:
            sign_in(clients[who], getattr(world, who))
    targets = _targets(app, clients, rule, objects)
    checker = Checker(Path(app.config["MAIL_OUTBOX_DIR"]))
    examples = [0]
    answers = {}

    @settings(FUZZ_SETTINGS, max_examples=min(EXAMPLES, *(t.use.examples or EXAMPLES for t in targets)))
    @given(data=st.data())
    def post_one(data):
        target = data.draw(st.sampled_from(targets), label="form") if len(targets) > 1 else targets[0]
        client = clients[target.use.who]
        form = now = target.form
        if target.page and any(x.kind == "hidden" and x.name != "csrf_token" for x in form.fields.values()):
            # the form as it is now: its version for the optimistic lock
            page = client.get(target.page, follow_redirects=True)
            checker.body(page, f"GET {target.page}")
            current = fuzz.posting_to(fuzz.forms_of(page.get_data(as_text=True)), urlsplit(target.url).path,
                                      target.page)
            now = max(current, key=lambda x: len(x.fields)) if current else form
        sent, typed = _draw_post(data, form, now)
        headers = {"HX-Request": "true"} if data.draw(st.booleans(), label="htmx") else {}
        what = f"POST {target.url} as {target.use.who} with {_shown(sent)} (htmx: {bool(headers)})"
        examples[0] += 1
        multipart = form.enctype == "multipart/form-data" or any(x.kind == "file" for x in form.fields.values())
        try:
            response = client.post(target.url, data=sent, headers=headers,
                                   content_type="multipart/form-data" if multipart else None)
        except Exception as error:  # the test client hands on what a 500 page would hide
            raise AssertionError(f"{what}: raised {error!r}"[:3000]) from error
        answers[response.status_code] = answers.get(response.status_code, 0) + 1
        body = checker.body(response, what)
        if 300 <= response.status_code < 400:
            location = response.headers.get("Location", "")
            if location and not urlsplit(location).netloc:
                checker.body(client.get(location), f"{what}, then GET {location}")
            if target.page:  # the form's page shows what was saved
                checker.body(client.get(target.page, follow_redirects=True), f"{what}, then GET {target.page}")
        elif response.status_code in (409, 422) or (response.status_code in (200, 400) and fuzz.shows_errors(body)):
            lost = _kept(body, response.status_code, target, typed)
            assert not lost, f"{what}: answered {response.status_code} without the typed input: {lost}"
        checker.mails()

    post_one()
    COVERAGE["routes"].add(rule)
    COVERAGE["forms"] += len(targets)
    COVERAGE["fields"] += sum(len(t.form.fields) for t in targets)
    COVERAGE["examples"] += examples[0]
    for status, count in answers.items():
        COVERAGE["answers"][status] = COVERAGE["answers"].get(status, 0) + count
    print(f"fuzzed {rule}: {len(targets)} form(s), {sum(len(t.form.fields) for t in targets)} field(s), "
          f"{examples[0]} examples, answers {dict(sorted(answers.items()))}")


@pytest.fixture(scope="module", autouse=True)
def coverage_report():
    """Puts the coverage line in pytest's closing summary too, where a run without -s shows it."""
    yield
    if COVERAGE["routes"]:
        line = (f"form fuzzing: {len(COVERAGE['routes'])}/{len(FORMS)} POST routes, {COVERAGE['forms']} forms, "
                f"{COVERAGE['fields']} fields, {COVERAGE['examples']} examples tried "
                f"({EXAMPLES} per form at most, BWPORTAL_FUZZ_EXAMPLES); "
                f"answers {dict(sorted(COVERAGE['answers'].items()))}")
        print("\n" + line)
        summary.add("form fuzzing: coverage", line)


# --- stored hostile text in e-mails and PDFs ------------------------------------------------

HOSTILE_NAME = f'Angkor {fuzz.SCRIPT} "Garments" & <b>Co</b>'
HOSTILE_TEXT = f"{fuzz.SCRIPT} <img src=x onerror=alert(2)> {{{{ 91919*3 }}}} %s & \"quoted\""


def _parts(mailbox, to: str) -> tuple[str, str]:
    [message] = mailbox.messages(to=to)
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _squeezed(text: str) -> str:
    return "".join(text.split())  # PDF text comes back with its own line breaks and spaces


def test_stored_markup_is_escaped_in_mails_and_literal_in_pdfs(app, world, mailbox, jobs, no_throttle):
    """A factory and an advisor named with markup, and report and IP text with markup, typed
    through the forms: the mails' HTML parts escape it, their text parts and the PDFs show it
    as the very characters typed (not interpreted)."""
    from io import BytesIO

    from pypdf import PdfReader

    world.angkor.name = HOSTILE_NAME
    world.ea.name = HOSTILE_NAME
    cycle = f.make_released_cycle(world.angkor)
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid")
    db.session.commit()
    base = f"/factories/{world.angkor.id}"
    factory, ea = app.test_client(), app.test_client()
    sign_in(factory, world.factory_user)
    sign_in(ea, world.ea)

    # The factory writes the report and the IP item with markup, then submits and reports remediation.
    assert factory.post(f"{base}/reports/new", data={"cycle_id": cycle.id, "report_date": date.today().isoformat()}
                        ).status_code == 302
    report = db.session.scalar(db.select(ProgressReport).filter_by(factory_id=world.angkor.id))
    url = f"{base}/reports/{report.id}"
    for slug, data in f.submittable_form().items():  # every required answer (PR-4)
        assert factory.post(f"{url}/{slug}", data=data).status_code == 302
    assert factory.post(url + "/feedback", data={"feedback": HOSTILE_TEXT}).status_code == 302
    edit = fuzz.posting_to(fuzz.forms_of(factory.get(f"{base}/ip/{item.id}/edit").get_data(as_text=True)),
                           f"{base}/ip/{item.id}/edit", "/")[0]
    values = {name: field_.value or next((o for o in field_.options if o), "") for name, field_ in edit.fields.items()}
    values.update(actions_needed=HOSTILE_TEXT, lead_person=HOSTILE_NAME, root_cause_description=HOSTILE_TEXT,
                  progress=HOSTILE_TEXT, target_date=(date.today() + timedelta(days=30)).isoformat())
    answer = factory.post(f"{base}/ip/{item.id}/edit", data=values)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert factory.post(f"{base}/ip/{item.id}/remediated", data={"note": HOSTILE_TEXT}).status_code == 302
    assert factory.post(url + "/submit").status_code == 302
    jobs()

    # The advisor hears of the submission: the factory's name, escaped in HTML, as typed in text.
    text, html = _parts(mailbox, world.ea.email)
    assert HOSTILE_NAME in text
    assert not fuzz.raw_markup(html) and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;b&gt;Co&lt;/b&gt;" in html and "<b>" not in html
    mailbox.clear()

    # The advisor sends it back and returns the item: the factory hears from an advisor named with markup.
    assert ea.post(url + "/send_back", data={"comment": HOSTILE_TEXT}).status_code == 302
    assert ea.post(f"{base}/ip/{item.id}/return", data={"comment": HOSTILE_TEXT}).status_code == 302
    jobs()
    messages = mailbox.messages(to=world.factory_user.email)
    assert len(messages) == 2, [m["Subject"] for m in messages]
    for message in messages:
        html = message.get_body(("html",)).get_content()
        assert not fuzz.raw_markup(html) and "&lt;script&gt;" in html, message["Subject"]
        assert HOSTILE_NAME in message.get_body(("plain",)).get_content()

    # The PDFs show the text as typed: the report's feedback, the IP's actions and lead person.
    for pdf_url in (url + "/pdf", f"{base}/ip/pdf"):
        response = factory.post(pdf_url)
        assert response.status_code == 302, pdf_url
        jobs()
        download = factory.get(response.location + "/file")
        assert download.status_code == 200 and download.mimetype == "application/pdf", pdf_url
        text = _squeezed(" ".join(page.extract_text() for page in PdfReader(BytesIO(download.data)).pages))
        assert _squeezed(fuzz.SCRIPT) in text and _squeezed("<img src=x onerror=alert(2)>") in text, pdf_url
        assert _squeezed(HOSTILE_NAME) in text, pdf_url  # the factory's name in the heading, tags and all
        assert fuzz.TEMPLATE_PRODUCT not in text and _squeezed("{{ 91919*3 }}") in text, pdf_url
    print("hostile text: escaped in 3 mails' HTML, literal in their text and in 2 PDFs")


# --- what the fuzzer found, kept as plain tests ------------------------------------------------

def test_nul_and_control_characters_are_dropped_from_forms_and_queries(app, world, fuzz_objects):
    """On PostgreSQL a NUL in a buyer organisation's name, an IP comment or a search was a 500
    ("PostgreSQL text fields cannot contain NUL"); the other controls break the XLSX export."""
    from bwportal.models import BuyerOrganisation, EventKind, IPEvent

    admin, factory = app.test_client(), app.test_client()
    sign_in(admin, world.admin)
    sign_in(factory, world.factory_user)
    assert admin.post("/admin/buyer-organisations", data={"name": "Nul\x00 Brand\x1b"}).status_code == 302
    assert db.session.scalar(db.select(BuyerOrganisation.id).filter_by(name="Nul Brand")) is not None
    item_url = f"/factories/{world.angkor.id}/ip/{fuzz_objects['item']}"
    assert factory.post(item_url + "/comments", data={"body": "A\x00B\x07\tC\r\nD"}).status_code == 302
    body = db.session.scalar(db.select(IPEvent.body).filter_by(kind=EventKind.COMMENT))
    assert body == "AB\tC\r\nD"  # tab and line ends stay
    for url in ("/admin/people?q=A%00B", "/admin/factories?q=A%00B"):
        assert admin.get(url).status_code == 200, url


def test_a_catalogue_name_with_format_markers_shows_as_typed(app, world):
    """A cluster named "%d" made its edit page a 500: the template passed the name through
    Jinja's _(), which %-formats it (and marks it safe)."""
    client = app.test_client()
    sign_in(client, world.admin)
    cluster = db.session.scalar(db.select(Cluster).filter_by(programme_id=world.kh.id))
    url = f"/admin/catalogue/clusters/{cluster.id}"
    for name in ("%d", "%(name)s", fuzz.SCRIPT):
        assert client.post(url, data={"name": name, "active": "y"}).status_code == 302, name
        page = client.get(url)
        assert page.status_code == 200, name
        html = page.get_data(as_text=True)
        assert not fuzz.raw_markup(html)
        assert f'name="name_km" placeholder="{escape(name)}"' in html, name  # the portal's wording: as typed


def test_registering_from_an_out_of_date_page_says_why(app, world, fuzz_objects):
    """Asking again for a session already asked for, with a note too long, answered 422
    ("Nothing you typed has been lost") without any form to show the note in: now it says
    why the step is refused (409)."""
    client = app.test_client()
    sign_in(client, world.factory_user)
    url = f"/factories/{world.angkor.id}/training/sessions/{fuzz_objects['session']}/request"
    assert client.post(url, data={"participants": "2", "note": "", "tab": "available"}).status_code == 302
    again = client.post(url, data={"participants": "2", "note": "x" * 2001, "tab": "available"})
    assert again.status_code == 409
    assert "Nothing you typed has been lost" not in again.get_data(as_text=True)


def test_numbers_past_any_id_answer_without_a_500(app, world):
    """factory_id=99999999999999999999 posted with a new invitation was a 500 (SQLite:
    "Python int too large to convert to SQLite INTEGER"; PostgreSQL: "integer out of range"),
    and so were such ids in URLs and ?page=, ?ea= in lists."""
    huge = "99999999999999999999"
    admin, buyer = app.test_client(), app.test_client()
    sign_in(admin, world.admin)
    sign_in(buyer, world.buyer)
    answer = admin.post("/admin/invitations/new", data={"email": "new@example.com", "name": "New", "role": "ea",
                                                        "locale": "en", "factory_id": huge})
    assert answer.status_code == 302
    for client, url in ((admin, f"/factories/{huge}/ip"), (admin, "/factories/2147483648/ip"),
                        (admin, f"/admin/people/{huge}"), (admin, f"/factories/{world.angkor.id}/ip/{huge}")):
        assert client.get(url).status_code == 404, url
    for client, url in ((admin, f"/admin/people?page={huge}"), (admin, f"/admin/factories?ea={huge}"),
                        (admin, "/admin/factories?ea=2147483648"), (admin, f"/notices?page={huge}"),
                        (buyer, f"/buyers/factories?page={huge}")):
        assert client.get(url).status_code == 200, url


def test_a_blank_date_is_an_empty_date(app, world, fuzz_objects):
    """A visit logged with the date " " passed InputRequired (the raw text was not empty) and
    the database refused the missing date: a 500. Blanks are now empty: the form says so."""
    client = app.test_client()
    sign_in(client, world.ea)
    answer = client.post(f"/factories/{world.angkor.id}/visits",
                         data={"cycle_id": fuzz_objects["cycle"], "visit_date": " ", "description": fuzz.SCRIPT})
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "Please enter the date of the visit." in html and not fuzz.raw_markup(html)
