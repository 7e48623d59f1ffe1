"""Annexes and publicity in Debian chromium: the factory logs a PICC meeting and answers a
publicly reported finding with a photo; the EA verifies it; a visitor who is not signed in
finds the factory on the Transparency Portal and reads the response. With and without
JavaScript."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import Factory
from tests import factories as f

from .steps import sign_in, sign_out

pytestmark = pytest.mark.e2e
FINDING = "Fire extinguishers on floor 3 were past their inspection date."


@pytest.fixture
def second_cycle(demo, app_ctx):
    """Angkor's second assessment, released: from now on it shows on the Transparency Portal."""
    angkor = db.session.scalar(select(Factory).filter_by(name="Angkor Garments"))
    cycle = f.make_cycle(angkor, 2, date.today() - timedelta(days=30), date.today() - timedelta(days=5))
    f.make_finding(cycle, "Emergency Preparedness", FINDING)
    db.session.commit()


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def journey_page(request):
    return request.getfixturevalue("page" if request.param else "page_without_js")


def test_meeting_public_response_verification_and_transparency(journey_page, second_cycle, tmp_path):
    page = journey_page
    sign_in(page, "factory@demo.test")
    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="PICC Meetings").click()
    page.get_by_role("link", name="Log a meeting").click()
    page.get_by_label("Date of the meeting").fill(date.today().isoformat())
    for name in ("Srey Mom", "Sokha Chan", "Sok Dara"):
        page.get_by_role("group", name="Members who attended").get_by_label(name).check()
    page.get_by_label("Chair of the meeting").select_option(label="Srey Mom")
    page.get_by_label("Key issues discussed and follow-up plan").fill("Fire extinguishers; a new inspection plan.")
    page.get_by_role("button", name="Save meeting").click()
    expect(page.locator("main")).to_contain_text("Fire extinguishers; a new inspection plan.")

    page.get_by_role("navigation", name="Main menu").get_by_role("link", name="Public Reporting Issues").click()
    finding = page.locator("article, li, section", has_text=FINDING).last
    finding.get_by_role("link", name="Respond").click()
    page.get_by_label("The factory's response").fill("All extinguishers inspected and tagged on 20 November.")
    photo = tmp_path / "extinguisher.png"
    photo.write_bytes(f.public_png_bytes())
    page.get_by_label("Evidence files").set_input_files(str(photo))
    page.get_by_role("button", name="Save the response").click()
    expect(page.locator("main")).to_contain_text("All extinguishers inspected and tagged on 20 November.")
    expect(page.locator("main")).to_contain_text("extinguisher.png")
    sign_out(page)

    sign_in(page, "ea@demo.test")
    page.goto("/factories/1/public-issues")
    finding = page.locator("article, li, section", has_text=FINDING).last
    finding.get_by_role("button", name="Verify the response").click()
    expect(page.locator("main")).to_contain_text("Verified")
    sign_out(page)

    page.goto("/transparency")
    page.get_by_label("Factory name").fill("Angkor")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Angkor Garments").click()
    main = page.locator("main")
    expect(main).to_contain_text(FINDING)
    expect(main).to_contain_text("All extinguishers inspected and tagged on 20 November.")
    expect(main).to_contain_text("Verified")
    expect(main).not_to_contain_text("National Road 4")  # the address stays private
