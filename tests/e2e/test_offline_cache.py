"""Offline, for real (issue 19 item 6), in Debian chromium: a factory user who opened the editor
once opens it again offline (the service worker kept it), saves, and the save is sent when the
link returns, applied once (its idempotency key); a save over a text someone else changed
meanwhile shows the conflict; and what the worker kept is never another user's: signing out
empties it, and another user's sign-in does not see the first user's pages."""

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import IdempotencyKey, User

from .steps import sign_in, sign_out
from .test_offline import OFFLINE, go_to, section_row
from .test_report_journey import open_draft

pytestmark = pytest.mark.e2e

KEPT_PAGE = """async (url) => {
  for (const name of await caches.keys()) {
    const hit = await (await caches.open(name)).match(url, {ignoreVary: true});
    if (hit) return await hit.text();
  }
  return null;
}"""
QUEUED = """async () => {
  const items = [];
  for (const name of (await caches.keys()).filter(n => n.startsWith('bwportal-queue-'))) {
    const cache = await caches.open(name);
    for (const slot of await cache.keys()) items.push(await (await cache.match(slot)).json());
  }
  return items;
}"""
CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""


def controlled(page):
    """The page is under the service worker (registered by app.js for a factory user). Every page
    load registers it again, so a registration that an earlier page's unregistering (a signed-out
    page, just before) undid is made again by the next load, as a user's next click would."""
    for _attempt in range(3):
        try:
            page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null",
                                   timeout=15_000)
            return
        except PlaywrightError:
            page.reload()
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")


def keys_of(email: str) -> list[IdempotencyKey]:
    db.session.expire_all()
    user = db.session.scalar(select(User).filter_by(email=email))
    return list(db.session.scalars(select(IdempotencyKey).filter_by(user_id=user.id)))


def eventually(page, script: str, arg, check, what: str):
    """Poll an async script (page.evaluate awaits it; wait_for_function would not)."""
    for _ in range(100):
        if check(page.evaluate(script, arg)):
            return
        page.wait_for_timeout(100)
    pytest.fail(what)


def editor_kept_at_version(page, version: int):
    """Wait until the worker keeps the editor as it now stands (it fetches it again after a save)."""
    eventually(page, KEPT_PAGE, page.url, lambda text: text and f'name="version" value="{version}"' in text,
               "the worker keeps the editor as saved")


def open_section_offline(page, text: str):
    """Online: the Social Dialogue section saved once and kept; then offline, opened again."""
    sign_in(page, "factory@demo.test")
    open_draft(page)
    go_to(page, "Social Dialogue")
    page.reload()  # a full page: app.js registers the worker, which then controls the page
    controlled(page)
    page.locator("#q2__comment").fill("Saved online first.")
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()
    version = section_row(page, "social_dialogue").version
    editor_kept_at_version(page, version)

    page.context.set_offline(True)
    page.reload()  # from what the worker kept
    expect(page.get_by_role("heading", name="Social Dialogue", level=2)).to_be_visible()
    expect(page.locator("#q2__comment")).to_have_value("Saved online first.")
    page.locator("#q2__comment").fill(text)
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.get_by_role("alert").filter(has_text="Not saved: you are offline.")).to_have_text(OFFLINE)
    assert len(page.evaluate(QUEUED)) == 1, "the save waits on this device"
    assert section_row(page, "social_dialogue").version == version  # nothing reached the server
    return version


def test_the_editor_opens_offline_and_its_save_lands_once_when_the_link_returns(page):
    version = open_section_offline(page, "Typed offline, on the editor kept by the worker.")
    page.locator("#q2__comment").fill("Typed after the save.")  # not lost to the save's answer

    page.context.set_offline(False)  # "online": the queue is sent
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()
    expect(page.locator("#q2__comment")).to_have_value("Typed after the save.")
    row = section_row(page, "social_dialogue")
    assert row.answers["q2"]["comment"] == "Typed offline, on the editor kept by the worker."
    assert row.version == version + 1
    assert [k.status for k in keys_of("factory@demo.test")] == [200]  # one key, one answer
    assert page.evaluate(QUEUED) == []  # nothing left to send
    page.reload()  # a page load sends what is queued: nothing is left to send again
    expect(page.locator("#q2__comment")).to_have_value("Typed offline, on the editor kept by the worker.")
    page.get_by_role("button", name="Restore my changes").click()  # the later text, kept on the device
    expect(page.locator("#q2__comment")).to_have_value("Typed after the save.")
    assert section_row(page, "social_dialogue").version == version + 1


def test_a_queued_save_over_someone_elses_change_shows_the_conflict(page):
    version = open_section_offline(page, "My offline text.")
    row = section_row(page, "social_dialogue")  # meanwhile, someone else saves the same section
    row.answers = {**row.answers, "q2": {**row.answers["q2"], "comment": "Their text, saved meanwhile."}}
    db.session.commit()

    page.context.set_offline(False)
    conflict = page.get_by_role("alert").filter(has_text="Someone else saved this section")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Their text, saved meanwhile.")
    expect(page.locator("#q2__comment")).to_have_value("My offline text.")  # ours, still in the form
    row = section_row(page, "social_dialogue")
    assert row.answers["q2"]["comment"] == "Their text, saved meanwhile."  # not overwritten
    assert row.version == version + 1
    kept = page.evaluate("() => Object.entries(localStorage).filter(([k]) => k.startsWith('bwportal-draft:'))"
                         ".map(([, v]) => v).join(' ')")
    assert "My offline text." in kept  # and kept on the device
    assert [k.status for k in keys_of("factory@demo.test")] == [409]


def test_signing_out_empties_what_the_worker_kept(page):
    sign_in(page, "factory@demo.test")
    open_draft(page)
    page.reload()
    controlled(page)
    page.reload()
    editor = page.url
    eventually(page, KEPT_PAGE, editor, lambda text: text is not None, "the worker keeps the editor")

    sign_out(page)
    assert page.evaluate(CACHED_URLS) == []
    assert page.evaluate("() => caches.keys()") == []
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError, match=r"net::ERR_(INTERNET_DISCONNECTED|FAILED)"):
        page.goto(editor)


def test_another_users_sign_in_does_not_see_the_first_users_pages(page):
    sign_in(page, "factory@demo.test")
    open_draft(page)
    page.reload()
    controlled(page)
    page.reload()
    editor = page.url
    eventually(page, KEPT_PAGE, editor, lambda text: text is not None, "the worker keeps the editor")
    first = page.evaluate("() => caches.keys()")

    page.context.clear_cookies()  # the session ends without "Sign out" (expired, another tab)
    sign_in(page, "factory2@demo.test")
    page.reload()
    controlled(page)
    eventually(page, "() => caches.keys()", None, lambda names: names and not set(names) & set(first),
               "the first user's cache is gone, the second user's is there")
    assert not any(re.search(r"/reports/", url) for url in page.evaluate(CACHED_URLS))
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError, match=r"net::ERR_(INTERNET_DISCONNECTED|FAILED)"):
        page.goto(editor)


def test_the_improvement_plan_and_an_item_open_offline(page):
    sign_in(page, "factory@demo.test")
    page.get_by_role("navigation").get_by_role("link", name="Improvement Plan").first.click()
    controlled(page)
    plan = page.url
    page.reload()  # kept now: the worker controls the page
    plan_heading = page.get_by_role("heading", level=1).inner_text()
    edit = page.locator("main a[href*='/edit']").first.get_attribute("href")
    page.goto(edit)
    item_heading = page.get_by_role("heading", level=1).inner_text()
    eventually(page, KEPT_PAGE, page.url, lambda text: text is not None, "the worker keeps the item")

    page.context.set_offline(True)
    page.goto(plan)
    expect(page.get_by_role("heading", level=1)).to_have_text(plan_heading)
    expect(page.locator(f"main a[href='{edit}']")).to_have_count(1)
    page.goto(edit)
    expect(page.get_by_role("heading", level=1)).to_have_text(item_heading)
