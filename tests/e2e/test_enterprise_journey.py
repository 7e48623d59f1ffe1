"""A factory user edits the enterprise data in Debian chromium, with and without JavaScript."""

import pytest
from playwright.sync_api import expect

from devdata.demo import DEMO_PASSWORD
from tests.helpers import translated

pytestmark = pytest.mark.e2e


def sign_in(page, email="factory@demo.test"):
    page.goto("/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Angkor Garments")


def test_factory_edits_enterprise_data_reloads_and_switches_to_khmer(page):
    sign_in(page)
    page.get_by_role("navigation").get_by_role("link", name="Edit Organization").click()
    page.get_by_label("Contact name").fill("Chea Mony")
    page.get_by_label("Male employees", exact=True).fill("500")
    expect(page.locator("#total-employees")).to_have_text("2,330")  # 500 + 1,830, live
    with page.expect_response(lambda r: "/organization/edit" in r.url and r.request.method == "POST") as saved:
        page.get_by_role("button", name="Save").click()
    assert saved.value.request.headers.get("hx-request") == "true"  # a partial swap, not a page load
    expect(page.locator("p[role=status]")).to_have_text("Organization saved.")

    page.reload()
    expect(page.get_by_label("Contact name")).to_have_value("Chea Mony")
    expect(page.get_by_label("Male employees", exact=True)).to_have_value("500")

    page.get_by_label("Language").select_option("km")
    expect(page.locator("html")).to_have_attribute("lang", "km")
    nav = page.get_by_role("navigation")
    expect(nav).to_contain_text(translated("km", "My Organization"))
    expect(nav).to_contain_text(translated("km", "Edit Organization"))
    expect(page.get_by_label("Contact name").or_(page.locator("#contact_name"))).to_have_value("Chea Mony")


def test_typed_text_survives_a_reload_and_is_offered_back(page):
    sign_in(page)
    page.get_by_role("navigation").get_by_role("link", name="Edit Organization").click()
    page.get_by_label("Ownership information").fill("Typed but never saved")
    page.reload()
    expect(page.get_by_label("Ownership information")).not_to_have_value("Typed but never saved")
    page.get_by_role("button", name="Restore my changes").click()
    expect(page.get_by_label("Ownership information")).to_have_value("Typed but never saved")


def test_bad_value_shows_a_message_and_keeps_the_input(page):
    sign_in(page)
    page.get_by_role("navigation").get_by_role("link", name="Edit Organization").click()
    page.get_by_label("E-mail", exact=True).fill("not an address")
    page.get_by_label("Address").fill("Kept while the e-mail is wrong")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#email-error")).to_have_text("Please enter an e-mail address such as name@example.com.")
    expect(page.get_by_label("Address")).to_have_value("Kept while the e-mail is wrong")


def test_the_same_edit_works_without_javascript(page_without_js):
    page = page_without_js
    sign_in(page)
    page.get_by_role("navigation").get_by_role("link", name="Edit Organization").click()
    page.get_by_label("Contact name").fill("No Script User")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enterprise Data")
    expect(page.locator(".flashes")).to_contain_text("Organization saved.")
    expect(page.locator("main")).to_contain_text("No Script User")
    page.get_by_label("Language").select_option("ar")
    page.get_by_role("button", name="Change").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
