"""The IP journey in Debian chromium: a factory adds an advisory item, edits it inline and
reports it remediated; the EA verifies it from the queue; the factory sees it Completed.
The same journey runs with JavaScript disabled (plain pages and redirects)."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from .steps import sign_in, sign_out

pytestmark = pytest.mark.e2e


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def journey_page(request):
    javascript = request.param
    return request.getfixturevalue("page" if javascript else "page_without_js"), javascript


def test_add_edit_report_verify_and_see_completed(journey_page):
    page, javascript = journey_page
    sign_in(page, "factory@demo.test")
    page.get_by_role("navigation").get_by_role("link", name="Improvement Plan").click()
    page.get_by_role("link", name="Add an item").click()

    page.get_by_label("Advisory visit").select_option(index=1)
    page.get_by_label("Raised by").select_option(label="Management")
    page.get_by_label("Area of improvement").fill("Broken lock on the first-aid room")
    page.get_by_label("Cluster").select_option(label="Occupational Safety and Health")
    page.get_by_label("Compliance point").select_option(label="Health Services and First Aid")
    page.get_by_label("Root cause", exact=True).select_option(label="Lack of resources or investment")
    page.get_by_label("Description of actions needed").fill("Replace the lock")
    page.get_by_label("Lead person").fill("Kim Lay")
    page.get_by_label("Target date").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_label("Status").select_option(label="In Progress")
    page.get_by_label("Progress", exact=True).fill("Lock ordered")
    page.get_by_role("button", name="Add to the Improvement Plan").click()
    expect(page.locator(".flashes")).to_contain_text("Item added to the Improvement Plan.")

    card = page.locator("li.ip-item", has_text="Broken lock on the first-aid room")
    card.locator("summary").click()
    with page.expect_response(lambda r: r.url.endswith("/edit") and r.request.method == "GET") as opened:
        card.get_by_role("link", name="Edit").click()
    if javascript:
        assert opened.value.request.headers.get("hx-request") == "true"  # inline, not a new page
        form = page.locator("li.ip-item.editing")
    else:
        assert opened.value.request.headers.get("hx-request") is None  # a page of its own
        form = page.locator("main form").filter(has=page.get_by_role("button", name="Save"))
    form.get_by_label("Description of actions needed").fill("Replace the lock and give a key to the nurse")
    form.get_by_role("button", name="Save").click()
    card = page.locator("li.ip-item", has_text="Broken lock on the first-aid room")
    if javascript:
        expect(card.get_by_role("status")).to_have_text("Item saved.")
    else:
        expect(page.locator(".flashes")).to_contain_text("Item saved.")
        card.locator("summary").click()
    expect(card).to_contain_text("give a key to the nurse")

    card.get_by_role("link", name="Details and history").click()
    page.get_by_label("What was done").fill("New lock fitted; the nurse has a key. PICC checked it.")
    page.get_by_role("button", name="Report as remediated").click()
    expect(page.locator(".flashes")).to_contain_text("Reported as remediated")
    item_url = page.url
    sign_out(page)

    sign_in(page, "ea@demo.test")
    page.goto("/verification")
    entry = page.locator("li.queue-entry", has_text="Broken lock on the first-aid room")
    for box in entry.get_by_role("checkbox").all():
        box.check()
    entry.get_by_role("button", name="Mark Completed").click()
    done = page.locator("li.queue-entry.done") if javascript else page.locator(".flashes")
    expect(done).to_contain_text("Verified: the item is Completed.")
    sign_out(page)

    sign_in(page, "factory@demo.test")
    page.goto(item_url)
    expect(page.locator("main .badge").first).to_have_text("Completed")
    expect(page.locator("dl.facts")).to_contain_text(date.today().strftime("%Y"))
    history = page.locator("#history")
    expect(history).to_contain_text("Reported remediated")
    expect(history).to_contain_text("In Progress → Completed")
    expect(history).to_contain_text("Vannak Lim")
