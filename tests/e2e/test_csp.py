"""htmx works under the portal's Content-Security-Policy (script-src 'self'; style-src 'self';
no 'unsafe-inline'): an inline edit of an IP item and a PR1 section saved to draft swap in
by htmx, in chromium with the CSP enforced, and not one CSP violation is reported."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .steps import sign_in

pytestmark = pytest.mark.e2e

# Runs in every document before the page's own scripts (Playwright injects it past the CSP)
# and reports each violation to the test, across navigations.
LISTEN = """
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations = (window.cspViolations || 0) + 1;
  window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`);
});
"""


@pytest.fixture
def watched_page(page):
    violations = []
    page.expose_function("reportCspViolation", lambda text: violations.append(text))
    page.add_init_script(LISTEN)
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return page, violations


def test_only_the_axe_sweep_bypasses_the_csp():
    """The journeys run under the real CSP; only the axe sweeps, which must inject axe's script,
    bypass it (the accessibility sweep, and the phone crawl that runs axe at 360 px; no template
    has an inline script or style, tests/security/test_hardening.py)."""
    folder = Path(__file__).parent
    bypassing = sorted(p.name for p in folder.glob("*.py") if re.search(r"bypass_csp\s*=\s*True", p.read_text()))
    assert bypassing == ["test_accessibility.py", "test_phone.py"]


def test_the_listener_sees_a_violation(watched_page):
    """The check can fail: an inline script is refused and reported."""
    page, violations = watched_page
    page.goto("/sign-in")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.ranInline = true'; document.body.append(s); }""")
    page.wait_for_function("() => window.cspViolations > 0")
    assert page.evaluate("window.ranInline === undefined")
    assert any("script-src" in v for v in violations), violations


def test_htmx_swaps_without_csp_violations(watched_page):
    page, violations = watched_page
    sign_in(page, "factory@demo.test")

    # An IP item: inline edit form swapped in, then saved and swapped back, by htmx.
    page.get_by_role("navigation").get_by_role("link", name="Improvement Plan").click()
    card = page.locator("li.ip-item").first
    card = page.locator(f"li#{card.get_attribute('id')}")
    card.locator("summary").click()
    with page.expect_response(lambda r: r.url.endswith("/edit") and r.request.method == "GET") as opened:
        card.get_by_role("link", name="Edit").click()
    assert opened.value.request.headers.get("hx-request") == "true"
    form = card.and_(page.locator(".editing"))
    form.get_by_label("Lead person").fill("Kim Lay")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        form.get_by_role("button", name="Save").click()
    assert saved.value.request.headers.get("hx-request") == "true"
    expect(card.get_by_role("status")).to_have_text("Item saved.")

    # A PR1 section saved to draft by htmx.
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Progress Report").click()
    page.locator("table").get_by_role("link", name="Progress Report 1").first.click()
    page.get_by_label("Comments").first.fill("Saved under the CSP.")
    with page.expect_response(lambda r: r.request.method == "POST") as saved:
        page.get_by_role("button", name="Save to Draft").click()
    assert saved.value.request.headers.get("hx-request") == "true"
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()

    csp = saved.value.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert violations == []
