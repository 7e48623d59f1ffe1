"""The buyer dashboard: scope, report status and due dates, open public issues, overdue items."""

from datetime import date, timedelta

import pytest

from bwportal.domain.ip import operations as ops
from bwportal.domain.reports import editing
from bwportal.domain.reports import workflow as wf
from bwportal.extensions import db
from bwportal.models import IPStatus, ReportKind, ReportStatus
from tests import factories as f


@pytest.fixture
def plans(world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=60), date.today() - timedelta(days=20))
    ops.item_from_finding(f.make_finding(cycle, "Overtime Wages", "Overtime unpaid"), world.ea)  # public
    late = ops.item_from_finding(f.make_finding(cycle, "Regular Hours", "Hours"), world.ea)
    late.target_date, late.status = date.today() - timedelta(days=10), IPStatus.IN_PROGRESS
    done = ops.item_from_finding(f.make_finding(cycle, "Emergency Preparedness", "Exit"), world.ea)
    done.status, done.completion_date, done.completed_by_id = IPStatus.COMPLETED, date.today(), world.ea.id
    other = f.make_cycle(world.mekong, 1)
    ops.item_from_finding(f.make_finding(other, "Overtime Wages", "Mekong secret"), world.ea)
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
    report = editing.create_report(world.angkor, plans, ReportKind.PR1, date.today(), world.factory_user)
    db.session.flush()
    editing.save_section(report, "social_dialogue", {"q1": {"value": "yes"}}, world.factory_user, None)
    wf.fire(report, "submit", world.factory_user)
    wf.fire(report, "approve", world.ea)
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
