"""Pages on a 360x740 phone (issue 19, WCAG 2.2 AA): a crawl of every page of every role, from
the role's home along same-origin links, finds no page that scrolls sideways, and axe with the
WCAG 2.2 rules (target size 2.5.8 among them) finds no violation at phone width. The menu
collapses on a phone, without JavaScript too, and is open on a wide screen."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import expect

from .test_accessibility import ROLES, collect, run_axe, sign_in, summary

pytestmark = pytest.mark.e2e

PHONE = {"width": 360, "height": 740}
MAX_PAGES = 45  # per role; one page per URL shape (ids replaced), so this covers every kind of page
SKIP = re.compile(r"/(sign-out|language|export|download)|\.(csv|xlsx|pdf|json|zip)$|/files?/|/api/")


def shape(path: str) -> str:
    """/factories/3/ip/12 and /factories/3/ip/14 are the same page."""
    return re.sub(r"/\d+", "/{n}", path)


def overflow(page) -> int:
    """How many pixels the page scrolls sideways (0 when it fits). A phone's browser zooms out to
    show a too-wide page (innerWidth grows with it), so the layout viewport is the measure too."""
    return page.evaluate("""() => document.scrollingElement.scrollWidth
        - Math.min(window.innerWidth, document.documentElement.clientWidth)""")


def crawl(page, base: str, start: str):
    """Visits same-origin pages reachable by links from start, one per URL shape, and yields each."""
    seen, queue = set(), [start]
    origin = urlsplit(base).netloc
    while queue and len(seen) < MAX_PAGES:
        url = queue.pop(0)
        parts = urlsplit(url)
        if shape(parts.path) in seen:
            continue
        seen.add(shape(parts.path))
        response = page.goto(url)
        if response is None or response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        yield url
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            target = urlsplit(urljoin(page.url, href))
            if target.netloc != origin or target.scheme not in ("http", "https") or SKIP.search(target.path):
                continue
            if shape(target.path) not in seen:
                queue.append(target._replace(fragment="").geturl())


@pytest.fixture
def phone_context(browser, live_server, demo):
    # bypass_csp: the app's CSP (script-src 'self') would block the injected axe script.
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE, bypass_csp=True,
                                  is_mobile=True, has_touch=True)
    yield context
    context.close()


@pytest.mark.parametrize("email", ROLES, ids=lambda e: e or "anonymous")
def test_no_page_scrolls_sideways_and_targets_are_big_enough_on_a_phone(phone_context, live_server, email):
    page = phone_context.new_page()
    if email:
        sign_in(page, email)
    sideways, found, visited = [], [], []
    for url in crawl(page, live_server, "/home" if email else "/"):
        visited.append(url)
        if (extra := overflow(page)) > 0:
            sideways.append(f"{url}: {extra} px too wide")
        collect(run_axe(page), url, found)  # wcag22aa: target-size among the rules
    print(f"phone: {len(visited)} page(s) as {email or 'anonymous'}")
    assert len(visited) >= 3, visited
    assert not sideways, sideways
    assert not found, summary(found)


def test_the_crawl_notices_a_page_that_scrolls_sideways_and_a_small_target(phone_context):
    """The checks can fail: a wide table outside its scroll box, a 12 px link on its own."""
    page = phone_context.new_page()
    page.goto("/sign-in")
    page.evaluate("""() => document.querySelector('main').insertAdjacentHTML('beforeend',
        '<table style="width:600px"><tr><td>wide</td></tr></table>' +
        '<p><a href="/a" style="display:inline-block;width:12px;height:12px;overflow:hidden">a</a>' +
        '<a href="/b" style="display:inline-block;width:12px;height:12px;overflow:hidden">b</a></p>')""")
    assert overflow(page) > 0
    assert "target-size" in {v["id"] for v in run_axe(page)}


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_the_menu_collapses_on_a_phone_and_is_open_on_a_wide_screen(browser, live_server, demo, javascript):
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE,
                                  java_script_enabled=javascript)
    page = context.new_page()
    sign_in(page, "factory@demo.test")
    menu = page.get_by_role("navigation", name="Main menu")
    ip_link = menu.get_by_role("link", name="Improvement Plan")
    expect(ip_link).to_be_hidden()  # the first screen is the page, not the menu
    page.locator(".main-menu > summary").click()
    expect(ip_link).to_be_visible()
    box = ip_link.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24, box
    ip_link.click()
    expect(page).to_have_url(re.compile(r"/ip$"))

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.locator(".main-menu > summary")).to_be_hidden()
    expect(menu.get_by_role("link", name="Improvement Plan")).to_be_visible()
    context.close()


def test_choosing_a_cluster_narrows_the_compliance_points_with_javascript(browser, live_server, demo):
    """Issue 19 item 8: with JavaScript the form reloads by itself on choosing a cluster, typed text kept."""
    context = browser.new_context(base_url=live_server, locale="en-GB", viewport=PHONE)
    page = context.new_page()
    sign_in(page, "factory@demo.test")
    page.goto(page.locator(".main-nav a[href$='/ip']").first.get_attribute("href") + "/new")
    everything = page.locator("#compliance_point_id option").count()
    expect(page.get_by_role("button", name="Show this cluster's compliance points")).to_be_hidden()
    page.get_by_label("Area of improvement").fill("Blocked fire exit")
    page.get_by_label("Cluster").select_option(label="Occupational Safety and Health")
    expect(page.locator("#compliance_point_id option")).not_to_have_count(everything)
    expect(page.locator("#compliance_point_id optgroup")).to_have_count(0)
    page.get_by_label("Compliance point").select_option(label="Health Services and First Aid")
    expect(page.get_by_label("Area of improvement")).to_have_value("Blocked fire exit")
    expect(page.get_by_label("Cluster")).to_have_value(re.compile(r"\d+"))
    context.close()
