"""The admin invites a new factory user, who follows the e-mailed link, sets a password in
Khmer and signs in (issue 6)."""

import pytest
from playwright.sync_api import expect

from tests.helpers import translated

from .steps import sign_in, sign_out


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def journey_page(request):
    return request.getfixturevalue("page" if request.param else "page_without_js")


def test_admin_invites_a_factory_user_who_signs_in_in_khmer(journey_page, mailbox):
    page = journey_page
    sign_in(page, "admin@demo.test")
    page.get_by_role("link", name="Administration").click()
    page.get_by_role("link", name="Factories").first.click()
    page.get_by_role("searchbox", name="Name").fill("Angkor")
    page.get_by_role("button", name="Show").click()
    page.get_by_role("link", name="Angkor Garments").click()
    page.get_by_role("link", name="Invite a factory user").click()
    page.get_by_label("E-mail address").fill("sreymom@angkor.example")
    page.get_by_label("Name").fill("Sreymom Keo")
    page.get_by_label("Language of the invitation").select_option("km")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to sreymom@angkor.example.")).to_be_visible()
    sign_out(page)

    [message] = mailbox.messages(to="sreymom@angkor.example")
    assert message["Subject"] == translated("km", "You are invited to the Better Work portal")
    page.goto(mailbox.link(message))
    expect(page.locator("html")).to_have_attribute("lang", "km")
    expect(page.get_by_role("heading", name=translated("km", "Welcome to the Better Work portal"))).to_be_visible()
    page.get_by_label(translated("km", "Choose a password")).fill("ពាក្យសម្ងាត់ដ៏វែង 2026")
    page.get_by_label(translated("km", "Type the password again")).fill("ពាក្យសម្ងាត់ដ៏វែង 2026")
    page.get_by_role("button", name=translated("km", "Save my password")).click()

    # The sign-in page, still in Khmer, with the address filled in.
    expect(page.get_by_text(translated("km", "Your account is ready. Sign in with your new password."))).to_be_visible()
    expect(page.get_by_label(translated("km", "E-mail address"))).to_have_value("sreymom@angkor.example")
    page.get_by_label(translated("km", "Password")).fill("ពាក្យសម្ងាត់ដ៏វែង 2026")
    page.get_by_role("button", name=translated("km", "Sign in")).click()
    expect(page.get_by_role("button", name=translated("km", "Sign out"))).to_be_visible()
    expect(page.get_by_text("Angkor Garments").first).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "km")
