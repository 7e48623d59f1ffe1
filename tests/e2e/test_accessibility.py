"""axe-core (vendored in tests/e2e/vendor, injected by Playwright) finds no WCAG 2.2 A/AA (2.1 and 2.2 rules)
violation on any page, as any role: every GET route of the URL map is filled with the demo
data's ids and checked wherever the role gets a 200 HTML page. Forms showing errors, and
pages in Arabic (right to left) and Khmer, are checked too."""

import itertools
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import User
from devdata.demo import DEMO_PASSWORD
from tests.security.routes import all_routes

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}

ROLES = [None, "factory@demo.test", "factory2@demo.test", "factory-id@demo.test", "ea@demo.test",
         "ea2@demo.test", "buyer@demo.test", "admin@demo.test", "assessor@demo.test"]
ATTEMPTS = 8  # argument combinations tried per route before it counts as out of the role's reach


@pytest.fixture
def axe_context(browser, live_server, demo):
    # bypass_csp: the app's CSP (script-src 'self') would block the injected axe script.
    context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
    yield context
    context.close()


def sign_in(page, email):
    """Signs in whatever language the page or the account reads (factory-id reads Indonesian)."""
    page.goto("/sign-in")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.locator("form.sign-out").wait_for()


def run_axe(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE)
    return page.evaluate("async (options) => (await axe.run(document, options)).violations", AXE_OPTIONS)


def collect(violations: list[dict], url: str, found: list[dict]) -> None:
    for v in violations:
        found.append({"url": url, "id": v["id"], "impact": v["impact"], "help": v["help"],
                      "targets": [" ".join(map(str, n["target"])) for n in v["nodes"][:3]],
                      "count": len(v["nodes"])})


def summary(found: list[dict]) -> str:
    lines = [f"{len(found)} axe violation(s):"]
    for v in found:
        lines.append(f"- {v['url']}: {v['id']} ({v['impact']}, {v['count']} node(s)) {v['help']}; "
                     f"e.g. {json.dumps(v['targets'])}")
    return "\n".join(lines)


def candidates(email: str | None) -> dict[str, list]:
    """Route argument -> ids to try, the role's own factory first."""
    from bwportal.blueprints.catalogue.routes import KINDS
    from bwportal.domain.people import management as people
    from bwportal.domain.reports import spec as report_spec
    from bwportal.models import (
        AdvisoryVisit,
        Cluster,
        CommitteeMeeting,
        CommitteeMember,
        Cycle,
        Document,
        EAAssignment,
        Factory,
        Finding,
        IPItem,
        Programme,
        ProgressReport,
        ReportKind,
        User,
    )

    user = db.session.scalar(select(User).filter_by(email=email)) if email else None
    factories = list(db.session.scalars(select(Factory).order_by(Factory.id)))
    own = set()
    if user is not None and user.factory_id:
        own.add(user.factory_id)
    if user is not None:
        own |= set(db.session.scalars(select(EAAssignment.factory_id).filter_by(ea_id=user.id)))
    ordered = sorted((f.id for f in factories), key=lambda i: (i not in own, i))

    def ids(model, **by):
        return list(db.session.scalars(select(model.id).filter_by(**by).order_by(model.id).limit(3)))

    per_factory = {"cycle_id": Cycle, "item_id": IPItem, "report_id": ProgressReport, "visit_id": AdvisoryVisit,
                   "meeting_id": CommitteeMeeting, "member_id": CommitteeMember, "document_id": Document,
                   "finding_id": Finding}
    cambodia = db.session.scalar(select(Programme).filter_by(name="Cambodia"))
    invitation, token = people.invite_admin_from_console(
        email=f"a11y-{email or 'anonymous'}@demo.test", name="Accessibility check", locale="en",
        programme=cambodia)
    db.session.commit()
    report_kind = next(iter(ReportKind))
    return {
        "factories": [{"factory_id": fid, **{arg: ids(model, factory_id=fid) for arg, model in per_factory.items()}}
                      for fid in ordered],
        "user_id": list(db.session.scalars(select(User.id).order_by(User.id))),
        "entry_id": ids(Cluster, programme_id=cambodia.id),
        "kind": ["clusters", report_kind.value, *[k for k in KINDS if k != "clusters"]],
        "section_key": [report_spec.SECTIONS[report_kind][0].key],
        "public_id": [f.id for f in factories],
        "token": [token],
    }


def argument_sets(route, values: dict):
    """Argument dicts to try for a route, at most ATTEMPTS of them."""
    args = sorted(route.arguments)
    if not args:
        yield {}
        return
    tried = 0
    scopes = values["factories"] if "factory_id" in args else [{}]
    for scope in scopes:
        options = []
        for arg in args:
            found = scope.get(arg) if arg in scope else values.get(arg)
            if not isinstance(found, list):
                found = [found] if found is not None else []
            if not found:
                break
            options.append(found)
        else:
            for combo in itertools.product(*options):
                yield dict(zip(args, combo, strict=True))
                tried += 1
                if tried >= ATTEMPTS:
                    return


def reachable_pages(context, app, values) -> list[str]:
    """One URL per GET route that answers this role with a 200 HTML page."""
    urls = []
    for route in sorted(all_routes(app), key=lambda r: r.rule.rule):
        if "GET" not in route.methods or route.rule.endpoint == "health.healthz":
            continue
        for arguments in argument_sets(route, values):
            try:
                url = route.url(**arguments)
            except Exception:  # noqa: BLE001 - a value the converter refuses; try the next
                continue
            response = context.request.get(url, max_redirects=0)
            if response.status != 200:
                continue
            if "text/html" in response.headers.get("content-type", "") and "<html" in response.text()[:500]:
                urls.append(url)
            break  # 200 but not a page (CSV, XLSX, PDF, a fragment): nothing for axe
    return urls


def test_the_check_finds_violations(axe_context, live_server):
    """The checker itself can fail: a page with a nameless image and an unlabelled input."""
    page = axe_context.new_page()
    page.goto("/sign-in")
    page.evaluate("""() => { document.querySelector('main').insertAdjacentHTML('beforeend',
        '<img src="x.png"><input type="text" id="a11y-probe">'); }""")
    ids = {v["id"] for v in run_axe(page)}
    assert {"image-alt", "label"} <= ids, ids


@pytest.mark.parametrize("email", ROLES, ids=lambda e: e or "anonymous")
def test_every_page_has_no_wcag_violations(axe_context, app, email):
    page = axe_context.new_page()
    if email:
        sign_in(page, email)
    urls = reachable_pages(axe_context, app, candidates(email))
    assert len(urls) >= 3, urls  # the sweep reached pages at all
    found = []
    for url in urls:
        page.goto(url)
        assert urlsplit(page.url).path == urlsplit(url).path, (url, page.url)  # the page itself, not a redirect
        collect(run_axe(page), url, found)
    print(f"axe: {len(urls)} page(s) checked as {email or 'anonymous'}")
    assert not found, summary(found)


def test_forms_with_errors_have_no_wcag_violations(axe_context):
    page = axe_context.new_page()
    found = []
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill("factory@demo.test")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    page.locator(".error, .flash-error").first.wait_for()
    collect(run_axe(page), "/sign-in (failed)", found)

    sign_in(page, "factory@demo.test")
    factory_id = db.session.scalar(select(User.factory_id).filter_by(email="factory@demo.test"))
    forms = {f"/factories/{factory_id}/committee/meetings/new": "Save meeting",
             f"/factories/{factory_id}/organization/edit": "Save"}
    for path, button in forms.items():
        assert page.goto(path).status == 200, path
        main = page.locator("main")
        for field in main.locator("input[type=text], input[type=number], input[type=email], textarea").all():
            if field.is_editable():
                field.fill("")
        main.get_by_role("button", name=button, exact=True).click()
        page.locator(".has-error, .error").first.wait_for()
        collect(run_axe(page), f"{path} (errors)", found)
    assert not found, summary(found)


@pytest.mark.parametrize("locale", ["ar", "km"])
def test_pages_in_arabic_and_khmer_have_no_wcag_violations(axe_context, locale):
    page = axe_context.new_page()
    found = []
    for path in ("/sign-in", "/transparency"):
        page.goto(f"/language?locale={locale}&next={path}")
        assert page.locator("html").get_attribute("lang") == locale
        collect(run_axe(page), f"{path} ({locale})", found)
    sign_in(page, "factory@demo.test")
    with page.expect_navigation():
        page.select_option("#language-select", locale)  # saved on the account
    factory_id = db.session.scalar(select(User.factory_id).filter_by(email="factory@demo.test"))
    for path in ("/home", f"/factories/{factory_id}/ip", f"/factories/{factory_id}/reports"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == locale
        collect(run_axe(page), f"{path} ({locale}, signed in)", found)
    assert not found, summary(found)


@pytest.mark.parametrize("email", ROLES, ids=lambda e: e or "anonymous")
def test_every_page_in_arabic_is_right_to_left_without_violations(axe_context, app, email):
    """I18N-1: every page of every role in Arabic is laid out right to left, and still passes axe."""
    page = axe_context.new_page()
    if email:
        user = db.session.scalar(select(User).filter_by(email=email))
        user.locale = "ar"
        db.session.commit()
        sign_in(page, email)
    else:
        page.goto("/language?locale=ar&next=/sign-in")  # this browser's choice, no account
    urls = reachable_pages(axe_context, app, candidates(email))
    assert len(urls) >= 3, urls
    found, left_to_right = [], []
    for url in urls:
        page.goto(url)
        assert urlsplit(page.url).path == urlsplit(url).path, (url, page.url)
        if page.locator("html").get_attribute("dir") != "rtl":
            left_to_right.append(url)
        collect(run_axe(page), url, found)
    print(f"Arabic: {len(urls)} page(s) checked as {email or 'anonymous'}")
    assert not left_to_right, left_to_right
    assert not found, summary(found)


DASHBOARDS = [("admin@demo.test", "/dashboards/programme?cycle=1&period=24"), ("ea@demo.test", "/dashboards/advisor"),
              ("buyer@demo.test", "/dashboard"), ("factory@demo.test", "/factories/{factory}/dashboard?period=6")]


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_dashboards_have_no_wcag_violations_in_english_and_arabic(browser, live_server, demo, locale):
    """DASH-1: every role's dashboard, with filters chosen, in English and right to left in
    Arabic: its charts (hidden from assistive technology) beside their tables pass axe."""
    factory_id = db.session.scalar(select(User.factory_id).filter_by(email="factory@demo.test"))
    found = []
    for email, path in DASHBOARDS:
        context = browser.new_context(base_url=live_server, locale="en-GB", bypass_csp=True)
        page = context.new_page()
        sign_in(page, email)
        if page.locator("html").get_attribute("lang") != locale:
            with page.expect_navigation():
                page.select_option("#language-select", locale)  # saved on the account
        url = path.format(factory=factory_id)
        assert page.goto(url).status == 200, url
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ar" else "ltr")
        assert page.locator("svg.chart-svg").count() >= 1, url
        collect(run_axe(page), f"{url} ({locale})", found)
        context.close()
    assert not found, summary(found)
