"""The buyer dashboard: scope, report status and due dates, open public issues, overdue items."""

from datetime import date, timedelta

import pytest

from bwportal.extensions import db
from bwportal.models import IPStatus, ReportStatus
from tests import factories as f


@pytest.fixture
def plans(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=60), date.today() - timedelta(days=20))
    # Open items with the factory's fields filled, so its PR1 can be submitted (IP-4)
    f.make_ip_item(cycle, "Overtime Wages", "Overtime unpaid", by=world.ea, complete=True)  # public
    f.make_ip_item(cycle, "Regular Hours", "Hours", by=world.ea, target_date=date.today() - timedelta(days=10),
                   status=IPStatus.IN_PROGRESS, complete=True)  # late
    f.make_ip_item(cycle, "Emergency Preparedness", "Exit", by=world.ea, status=IPStatus.COMPLETED,
                   completion_date=date.today(), completed_by_id=world.ea.id)
    f.make_ip_item(f.make_cycle(world.mekong, 1), "Overtime Wages", "Mekong secret", by=world.ea)
    db.session.commit()
    return cycle


def test_buyer_lands_on_the_dashboard_with_only_subscribed_factories(login, world, plans):
    client = login(world.buyer)
    response = client.get("/home")
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    html = client.get("/dashboard").get_data(as_text=True)
    assert "Angkor Garments" in html and "Mekong Apparel" not in html and "Bandung Textiles" not in html
    row = html[html.index("Angkor Garments"):]
    assert "Not released yet" in row and "days left" in row  # PR1 due 30 days after the release
    assert 'public=yes">1<' in row  # Overtime Wages; Emergency Preparedness is public but completed
    assert 'overdue=1">1<' in row


def test_final_pr1_is_linked(login, world, plans):
    report = f.finalise_report(f.make_report(plans, author=world.factory_user), world.ea, author=world.factory_user)
    db.session.commit()
    html = login(world.buyer).get("/dashboard").get_data(as_text=True)
    assert f"/reports/{report.id}" in html and "Final" in html
    assert report.status is ReportStatus.APPROVED


@pytest.mark.parametrize("who", ["factory_user", "ea", "admin", "assessor"])
def test_only_buyers_have_it(login, world, who):
    assert login(getattr(world, who)).get("/dashboard").status_code == 403


def test_a_buyer_without_subscriptions_sees_an_empty_dashboard(login, world):
    lonely = f.make_user(world.buyer.role, buyer_organisation=f.make_buyer_org(name="Lonely Brand"))
    db.session.commit()
    assert "You do not follow any factory yet." in login(lonely).get("/dashboard").get_data(as_text=True)
