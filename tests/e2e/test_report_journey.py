"""PR1 in Debian chromium: the factory fills two sections (typed text survives a reload),
submits; the EA sends it back; the factory resubmits; the EA approves from the inbox; the
buyer reads it. The same journey runs with JavaScript disabled."""

import pytest
from playwright.sync_api import expect

from .steps import sign_in, sign_out

pytestmark = pytest.mark.e2e


def open_draft(page):
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Progress Report").click()
    page.locator("table").get_by_role("link", name="Progress Report 1").first.click()
    expect(page.get_by_role("heading", name="Overview", level=2)).to_be_visible()


def journey(page, javascript: bool):
    sign_in(page, "factory@demo.test")
    open_draft(page)
    page.get_by_label("Comments").first.fill("The PICC met three times; overtime came first.")
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Social Dialogue").click()
    expect(page.get_by_role("heading", name="Social Dialogue", level=2)).to_be_visible()
    page.get_by_label("Yes").first.check()
    comment = page.locator("#q2__comment")
    comment.fill("Last meeting 12-11-2026; next one in December.")
    if javascript:
        page.reload()  # unsaved: kept in the browser and offered back
        page.get_by_role("button", name="Restore my changes").click()
        expect(comment).to_have_value("Last meeting 12-11-2026; next one in December.")
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()
    page.get_by_role("button", name="Submit the report").click()
    page.get_by_role("button", name="Yes, submit the report").click()  # asked first (issue 19)
    expect(page.locator(".flashes")).to_contain_text("Report submitted.")
    sign_out(page)

    sign_in(page, "ea@demo.test")
    page.get_by_role("link", name="Inbox").click()
    entry = page.locator("li.queue-entry", has_text="Angkor Garments: Progress Report 1")
    entry.get_by_label("What the factory should change").fill("Please add the date of the election.")
    entry.get_by_role("button", name="Send back").click()
    expect(page.get_by_label("What the factory should change")).to_have_value("Please add the date of the election.")
    page.get_by_role("button", name="Yes, send it back").click()
    if javascript:
        expect(page.locator("li.queue-entry.done")).to_contain_text("sent back")
    else:
        expect(page.locator(".flashes")).to_contain_text("sent back")
    sign_out(page)

    sign_in(page, "factory@demo.test")
    open_draft(page)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Social Dialogue").click()
    page.locator("#q3__comment").fill("Elected on 03-02-2026, as the law requires.")
    page.get_by_role("button", name="Save to Draft").click()
    expect(page.locator("main").get_by_text("Section saved to draft.")).to_be_visible()
    page.get_by_role("button", name="Submit the report").click()
    page.get_by_role("button", name="Yes, submit the report").click()  # asked first (issue 19)
    expect(page.locator(".flashes")).to_contain_text("Report submitted.")
    sign_out(page)

    sign_in(page, "ea@demo.test")
    page.get_by_role("link", name="Inbox").click()
    entry = page.locator("li.queue-entry", has_text="Angkor Garments: Progress Report 1")
    entry.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Yes, approve the report").click()  # asked first (issue 19)
    if javascript:
        expect(page.locator("li.queue-entry.done")).to_contain_text("Report approved: it is final.")
    else:
        expect(page.locator(".flashes")).to_contain_text("Report approved: it is final.")
    sign_out(page)

    sign_in(page, "buyer@demo.test")
    page.get_by_role("link", name="Angkor Garments").click()
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Progress Report").click()
    page.locator("table").get_by_role("link", name="Progress Report 1").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Final")
    expect(page.locator("main")).to_contain_text("Elected on 03-02-2026, as the law requires.")
    expect(page.locator("main")).to_contain_text("The PICC met three times")
    expect(page.get_by_role("button", name="Approve")).to_have_count(0)


def test_report_journey_with_javascript(page):
    journey(page, javascript=True)


def test_report_journey_without_javascript(page_without_js):
    journey(page_without_js, javascript=False)
