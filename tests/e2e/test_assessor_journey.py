"""The assessor's journey in Debian chromium, with and without JavaScript: record a new
cycle for a factory, then a finding on it; the finding shows in the cycle."""

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import Factory

from .steps import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(params=[True, False], ids=["javascript", "no-javascript"])
def journey_page(request):
    return request.getfixturevalue("page" if request.param else "page_without_js"), request.param


def test_assessor_records_a_cycle_and_a_finding(journey_page):
    page, javascript = journey_page
    mekong = db.session.scalar(select(Factory).filter_by(name="Mekong Apparel"))
    sign_in(page, "assessor@demo.test")
    page.goto(f"/factories/{mekong.id}/cycles")
    form = page.locator("form", has=page.get_by_role("button", name="Record cycle"))
    form.get_by_label("Cycle number").fill("7")
    # CYC-1: the cycle began with its advisory period; its assessment is today.
    form.get_by_label("Start of the cycle").fill((date.today() - timedelta(days=30)).isoformat())
    form.get_by_label("Assessment date").fill(date.today().isoformat())
    form.get_by_role("button", name="Record cycle").click()
    expect(page.locator("main")).to_contain_text("Cycle 7 recorded.")
    if javascript:  # the list is swapped in place; the cycle's page is one click away
        page.get_by_role("link", name="Cycle 7").click()
    expect(page.get_by_role("button", name="Add finding")).to_be_visible()
    page.get_by_label("Cluster").select_option(label="Compensation")
    page.get_by_label("Compliance point").select_option(label="Overtime Wages (publicly reported)")
    page.get_by_label("Finding", exact=True).fill("Overtime paid at the normal rate in October.")
    page.get_by_role("button", name="Add finding").click()
    expect(page.locator("main")).to_contain_text("Finding added.")
    expect(page.locator("main")).to_contain_text("Overtime paid at the normal rate in October.")
