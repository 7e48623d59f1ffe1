"""Offline, for real, on the Improvement Plan (issue 19 item 6), in Debian chromium: an IP item
edit made offline (inline on the list, or on the item's edit page that the service worker kept)
says plainly that it was not sent and is kept on this device; it is sent when the link returns,
also after the tab was closed and the portal opened again, and lands once (its idempotency key);
where someone else changed the item meanwhile the user sees the conflict, not an overwrite;
signing out empties the queue."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import EventKind, IPEvent, IPItem

from .steps import sign_in, sign_out
from .test_offline import OFFLINE
from .test_offline_cache import CACHED_URLS, KEPT_PAGE, QUEUED, controlled, eventually, keys_of

pytestmark = pytest.mark.e2e

CONFLICT = "Someone else saved this item while you were editing it."


def item_row(item_id: int) -> IPItem:
    db.session.expire_all()
    return db.session.get(IPItem, item_id)


def progress_events(item_id: int) -> list[str]:
    """The timeline's changes of the item's progress: one per save that landed."""
    db.session.expire_all()
    return list(db.session.scalars(select(IPEvent.new_value).where(
        IPEvent.item_id == item_id, IPEvent.kind == EventKind.FIELD, IPEvent.field == "progress")))


def open_plan(page) -> str:
    """Signed in as Angkor's factory user, the IP list under the service worker."""
    sign_in(page, "factory@demo.test")
    page.get_by_role("navigation").get_by_role("link", name="Improvement Plan").first.click()
    controlled(page)
    page.reload()
    return page.url


def open_inline_form(page):
    """The first item's inline edit form (HTMX); its id."""
    card = page.locator("li.ip-item").filter(has=page.locator("a[href*='/edit']")).first
    item_id = int(card.get_attribute("id").removeprefix("item-"))
    card.locator("summary").click()
    card.get_by_role("link", name="Edit").click()
    form = page.locator(f"li#item-{item_id}.editing")
    expect(form.get_by_role("button", name="Save")).to_be_visible()
    return form, item_id


def save_offline(page, form, item_id: int, text: str) -> int:
    """Offline mid-edit: the save is not sent, the user is told, the text kept and queued."""
    version = item_row(item_id).version
    form.get_by_label("Progress", exact=True).fill(text)
    page.context.set_offline(True)
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert").filter(has_text="Not saved: you are offline.")).to_have_text(OFFLINE)
    expect(form.get_by_label("Progress", exact=True)).to_have_value(text)
    eventually(page, QUEUED, None, lambda items: len(items) == 1, "the save waits on this device")
    assert item_row(item_id).version == version  # nothing reached the server
    return version


def landed_once(item_id: int, version: int, text: str):
    row = item_row(item_id)
    assert row.progress == text and row.version == version + 1
    assert progress_events(item_id).count(text) == 1


def test_an_inline_edit_made_offline_is_kept_and_lands_once_when_the_link_returns(page):
    open_plan(page)
    form, item_id = open_inline_form(page)
    version = save_offline(page, form, item_id, "Typed offline on the list.")

    page.context.set_offline(False)  # "online": the page sends what waits
    card = page.locator(f"li#item-{item_id}")
    expect(card.get_by_role("status")).to_have_text("Item saved.")
    expect(card).to_contain_text("Typed offline on the list.")
    expect(page.locator(".offline-notice")).to_have_count(0)
    landed_once(item_id, version, "Typed offline on the list.")
    assert [k.status for k in keys_of("factory@demo.test")] == [200]  # one key, one answer
    assert page.evaluate(QUEUED) == []
    page.context.set_offline(True)  # another "online", another page load: nothing is sent again
    page.context.set_offline(False)
    page.reload()
    page.wait_for_timeout(500)
    landed_once(item_id, version, "Typed offline on the list.")


def test_an_edit_on_the_kept_edit_page_lands_once_after_the_tab_was_closed_and_reopened(page):
    open_plan(page)
    _form, item_id = open_inline_form(page)
    edit = page.url.split("/ip")[0] + f"/ip/{item_id}/edit"
    page.goto(edit)  # the item's own edit page, kept by the worker
    eventually(page, KEPT_PAGE, edit, lambda text: text is not None, "the worker keeps the edit page")

    page.context.set_offline(True)
    page.reload()  # from what the worker kept
    form = page.locator(f"li#item-{item_id}.editing")
    page.context.set_offline(False)
    version = save_offline(page, form, item_id, "Typed offline on the edit page.")
    context = page.context
    page.close()  # the tab is closed with the save waiting

    again = context.new_page()  # still offline, the portal opened again: the save still waits
    again.goto(edit)
    form = again.locator(f"li#item-{item_id}.editing")
    expect(form.get_by_role("alert").filter(has_text="Not saved: you are offline.")).to_have_text(OFFLINE)
    expect(form.get_by_label("Progress", exact=True)).to_have_value("Typed offline on the edit page.")
    expect(again.get_by_role("button", name="Restore my changes")).to_have_count(0)  # it waits; no offer
    assert item_row(item_id).version == version
    again.close()

    context.set_offline(False)  # the link returns, no page open; then the portal is opened again
    reopened = context.new_page()
    reopened.goto(edit)
    eventually(reopened, QUEUED, None, lambda items: items == [], "the queue is sent")
    reopened.reload()
    expect(reopened.get_by_label("Progress", exact=True)).to_have_value("Typed offline on the edit page.")
    expect(reopened.get_by_role("button", name="Restore my changes")).to_have_count(0)
    landed_once(item_id, version, "Typed offline on the edit page.")
    assert [k.status for k in keys_of("factory@demo.test")] == [200]


def test_with_no_page_open_the_service_worker_sends_the_queue_when_the_link_returns(page):
    open_plan(page)
    form, item_id = open_inline_form(page)
    version = save_offline(page, form, item_id, "Sent by the service worker.")
    context = page.context
    page.close()

    context.set_offline(False)  # Background Sync: the worker sends it, no page needed
    for _ in range(100):
        if item_row(item_id).version == version + 1:
            break
        time.sleep(0.1)
    landed_once(item_id, version, "Sent by the service worker.")
    again = context.new_page()
    again.goto(context.service_workers[0].url.split("/sw.js")[0] + "/")
    eventually(again, QUEUED, None, lambda items: items == [], "nothing is left to send")
    landed_once(item_id, version, "Sent by the service worker.")


def test_a_queued_edit_over_someone_elses_change_shows_the_conflict(page):
    open_plan(page)
    form, item_id = open_inline_form(page)
    version = save_offline(page, form, item_id, "My offline progress.")
    row = item_row(item_id)  # meanwhile, someone else saves the same item
    row.progress = "Their progress, saved meanwhile."
    db.session.commit()

    page.context.set_offline(False)
    conflict = page.get_by_role("alert").filter(has_text=CONFLICT)
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Their progress, saved meanwhile.")
    form = page.locator(f"li#item-{item_id}.editing")
    expect(form.get_by_label("Progress", exact=True)).to_have_value("My offline progress.")  # ours, in the form
    row = item_row(item_id)
    assert row.progress == "Their progress, saved meanwhile." and row.version == version + 1  # not overwritten
    assert "My offline progress." not in progress_events(item_id)
    kept = page.evaluate(f"() => localStorage.getItem('bwportal-draft:ip-item-{item_id}')")
    assert kept and "My offline progress." in kept  # and kept on the device
    assert [k.status for k in keys_of("factory@demo.test")] == [409]
    assert page.evaluate(QUEUED) == []


def test_a_conflict_met_with_the_tab_closed_is_shown_on_the_list_when_it_is_opened_again(page):
    plan = open_plan(page)
    form, item_id = open_inline_form(page)
    version = save_offline(page, form, item_id, "My offline progress.")
    context = page.context
    page.close()
    row = item_row(item_id)
    row.progress = "Their progress, saved meanwhile."
    db.session.commit()

    context.set_offline(False)
    again = context.new_page()
    again.goto(plan)  # the list, where the item's card is: the conflict is shown there
    conflict = again.locator(f"li#item-{item_id}").get_by_role("alert").filter(has_text=CONFLICT)
    expect(conflict).to_contain_text("Their progress, saved meanwhile.")
    expect(again.locator(f"li#item-{item_id}").get_by_label("Progress", exact=True)).to_have_value(
        "My offline progress.")
    assert item_row(item_id).progress == "Their progress, saved meanwhile."
    assert item_row(item_id).version == version + 1
    assert [k.status for k in keys_of("factory@demo.test")] == [409]
    eventually(again, QUEUED, None, lambda items: items == [], "the answer was shown: nothing waits")


def test_signing_out_empties_the_queue_and_what_the_worker_kept(page):
    open_plan(page)
    form, item_id = open_inline_form(page)
    version = save_offline(page, form, item_id, "Never sent.")
    # The link returns but the save cannot get through (the server is unreachable); the user signs out.
    page.context.route("**/edit", lambda route: route.abort() if route.request.method == "POST"
                       else route.continue_())
    page.context.set_offline(False)
    page.wait_for_timeout(500)
    assert len(page.evaluate(QUEUED)) == 1
    sign_out(page)
    assert page.evaluate(QUEUED) == [] and page.evaluate(CACHED_URLS) == []
    page.context.unroute("**/edit")
    sign_in(page, "factory@demo.test")
    page.wait_for_timeout(500)
    assert item_row(item_id).version == version and "Never sent." not in progress_events(item_id)
