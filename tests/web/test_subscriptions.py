"""Subscriptions through the web: the buyer asks, the factory accepts or declines, the admin
revokes and adds brands; what the buyer may read follows."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from bwportal.extensions import db
from bwportal.models import (
    AuditEvent,
    BuyerOrganisation,
    ReportKind,
    ReportStatus,
    Subscription,
    SubscriptionStatus,
)
from tests import factories as f

HX = {"HX-Request": "true"}


def subscription(org, factory) -> Subscription | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Subscription).filter_by(buyer_organisation_id=org.id, factory_id=factory.id))


@pytest.fixture
def mekong_reports(world):
    """Mekong's two cycles, the first ended long ago, each with a final report."""
    old = f.make_cycle(world.mekong, 1, date.today() - timedelta(days=500))
    current = f.make_cycle(world.mekong, 2, date.today() - timedelta(days=100))
    reports = SimpleNamespace(
        old=f.make_report(old, report_date=old.assessment_date, status=ReportStatus.APPROVED),
        current=f.make_report(current, ReportKind.PR2, report_date=current.assessment_date,
                              status=ReportStatus.APPROVED))
    db.session.commit()
    return reports


def ask(client, factory, **kw):
    return client.post(f"/buyers/factories/{factory.id}/subscription", **kw)


# --- the buyer -------------------------------------------------------------------------------

def test_the_buyer_sees_the_factories_that_list_the_brand_with_their_state(login, world):
    client = login(world.buyer)
    html = client.get("/buyers/factories").get_data(as_text=True)
    assert "Angkor Garments" in html and "Mekong Apparel" in html and "Bandung Textiles" not in html
    angkor_row = html[html.index("Angkor Garments"):html.index("</tr>", html.index("Angkor Garments"))]
    mekong_row = html[html.index("Mekong Apparel"):html.index("</tr>", html.index("Mekong Apparel"))]
    assert "Active" in angkor_row and "Request a subscription" not in angkor_row
    assert "Not subscribed" in mekong_row and "Request a subscription" in mekong_row
    assert f'action="/buyers/factories/{world.mekong.id}/subscription"' in mekong_row
    searched = client.get("/buyers/factories?q=mek").get_data(as_text=True)
    assert "Mekong Apparel" in searched and "Angkor Garments" not in searched


def test_the_page_is_linked_from_the_menu_and_the_dashboard_and_is_for_buyers_only(login, world):
    html = login(world.buyer).get("/dashboard").get_data(as_text=True)
    assert html.count('href="/buyers/factories"') >= 2  # the global menu and the dashboard
    for who in ("factory_user", "ea", "admin", "assessor"):
        client = login(getattr(world, who))
        assert client.get("/buyers/factories").status_code == 403
        assert ask(client, world.mekong).status_code == 403
    assert subscription(world.brand, world.mekong) is None


def test_the_list_is_paginated(login, world):
    for n in range(30):
        f.make_factory(world.kh, name=f"Zeta Factory {n:02d}", customers=[world.brand])
    db.session.commit()
    client = login(world.buyer)
    first = client.get("/buyers/factories?q=Zeta").get_data(as_text=True)
    assert "Zeta Factory 00" in first and "Zeta Factory 29" not in first and "Page 1 of 2" in first
    second = client.get("/buyers/factories?q=Zeta&page=2").get_data(as_text=True)
    assert "Zeta Factory 29" in second and "Zeta Factory 00" not in second


def test_the_buyer_asks_and_cannot_ask_twice(login, world):
    client = login(world.buyer)
    response = ask(client, world.mekong)
    assert response.status_code == 302 and response.location.endswith("/buyers/factories")
    row = subscription(world.brand, world.mekong)
    assert row.status is SubscriptionStatus.REQUESTED and row.requested_by_id == world.buyer.id
    html = client.get("/buyers/factories?q=Mekong").get_data(as_text=True)
    assert "Requested on" in html and "Request a subscription" not in html
    again = ask(client, world.mekong, headers=HX)
    assert again.status_code == 409 and "already asked" in again.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Subscription.id)).filter_by(factory_id=world.mekong.id)) == 1


def test_asking_with_htmx_answers_the_list_only(login, world):
    response = ask(login(world.buyer), world.mekong, headers=HX, query_string={"q": "Mekong"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div id="buyer-factories">')
    assert "You asked to subscribe to Mekong Apparel" in html and "Angkor Garments" not in html


def test_a_factory_that_does_not_list_the_brand_answers_404_and_nothing_is_made(login, world):
    client = login(world.buyer)
    assert ask(client, world.bandung).status_code == 404
    assert ask(client, f.make_factory(world.kh, name="Stranger Mills")).status_code == 404
    assert ask(client, type("Nope", (), {"id": 987654})).status_code == 404
    assert db.session.scalar(db.select(Subscription).filter_by(buyer_organisation_id=world.brand.id,
                                                               factory_id=world.bandung.id)) is None


# --- the factory -----------------------------------------------------------------------------

def buyers_url(factory):
    return f"/factories/{factory.id}/buyers"


def test_the_factory_sees_requests_and_accepts(login, world, mekong_reports):
    ask(login(world.buyer), world.mekong)
    request_id = subscription(world.brand, world.mekong).id
    client = login(world.factory2_user)
    home = client.get("/home").get_data(as_text=True)
    assert "1 buyer asks to follow this factory" in home and f'href="{buyers_url(world.mekong)}"' in home
    html = client.get(buyers_url(world.mekong)).get_data(as_text=True)
    assert "Northwind Apparel" in html and f"/buyers/{request_id}/accept" in html and "/decline" in html
    response = client.post(f"{buyers_url(world.mekong)}/{request_id}/accept")
    assert response.status_code == 302
    row = subscription(world.brand, world.mekong)
    assert row.status is SubscriptionStatus.ACTIVE and row.accepted_at is not None
    html = client.get(buyers_url(world.mekong)).get_data(as_text=True)
    assert "No request is waiting." in html and "Northwind Apparel" in html
    assert "buyer asks to follow" not in client.get("/home").get_data(as_text=True)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="subscription.accept"))
    assert event.actor_id == world.factory2_user.id and event.changes == {"status": ["requested", "active"]}


def test_after_acceptance_the_buyer_reads_the_covered_cycles_only(login, world, mekong_reports):
    buyer = login(world.buyer)
    ask(buyer, world.mekong)
    reports = f"/factories/{world.mekong.id}/reports"
    assert buyer.get(f"{reports}/{mekong_reports.current.id}").status_code == 404  # requested only
    request_id = subscription(world.brand, world.mekong).id
    login(world.factory2_user).post(f"{buyers_url(world.mekong)}/{request_id}/accept")
    buyer = login(world.buyer)
    assert buyer.get(f"{reports}/{mekong_reports.current.id}").status_code == 200
    assert buyer.get(f"{reports}/{mekong_reports.old.id}").status_code == 404  # ended before the acceptance
    listing = buyer.get(reports).get_data(as_text=True)
    assert f"/reports/{mekong_reports.current.id}" in listing and f"/reports/{mekong_reports.old.id}" not in listing
    dashboard = buyer.get("/dashboard").get_data(as_text=True)
    assert "Mekong Apparel" in dashboard and f"/reports/{mekong_reports.current.id}" in dashboard
    # The EA still reads both.
    ea = login(world.ea2)
    assert ea.get(f"{reports}/{mekong_reports.old.id}").status_code == 200


def test_the_dashboard_leaves_out_a_final_pr2_of_a_cycle_not_covered(login, world):
    old = f.make_cycle(world.mekong, 1, date.today() - timedelta(days=500))
    f.make_cycle(world.mekong, 2, date.today() - timedelta(days=100))
    # the latest final PR2, of cycle 1
    old_pr2 = f.make_report(old, ReportKind.PR2, report_date=old.assessment_date, status=ReportStatus.APPROVED)
    row = f.subscribe(world.brand, world.mekong)
    row.accepted_at, row.first_cycle_number = datetime.now(UTC), 2  # accepted today: cycle 2 and later
    db.session.commit()
    html = login(world.buyer).get("/dashboard").get_data(as_text=True)
    mekong = html[html.index("Mekong Apparel"):].split("</tr>")[0]
    assert "Cycle 2" in mekong and f"/reports/{old_pr2.id}" not in mekong and "Not released yet" in mekong
    row.accepted_at, row.first_cycle_number = None, None  # accepted before coverage was kept: every cycle
    db.session.commit()
    html = login(world.buyer).get("/dashboard").get_data(as_text=True)
    assert f"/reports/{old_pr2.id}" in html


def test_the_factory_declines_and_the_buyer_may_ask_again(login, world):
    ask(login(world.buyer), world.mekong)
    request_id = subscription(world.brand, world.mekong).id
    response = login(world.factory2_user).post(f"{buyers_url(world.mekong)}/{request_id}/decline", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "was declined" in html
    assert html.lstrip().startswith('<div id="factory-buyers">')
    assert subscription(world.brand, world.mekong).status is SubscriptionStatus.DECLINED
    buyer = login(world.buyer)
    assert buyer.get(f"/factories/{world.mekong.id}/organization").status_code == 404
    page = buyer.get("/buyers/factories?q=Mekong").get_data(as_text=True)
    assert "Declined" in page and "Request a subscription" in page
    assert ask(buyer, world.mekong).status_code == 302
    assert subscription(world.brand, world.mekong).status is SubscriptionStatus.REQUESTED


def test_deciding_twice_is_refused(login, world):
    ask(login(world.buyer), world.mekong)
    request_id = subscription(world.brand, world.mekong).id
    client = login(world.factory2_user)
    client.post(f"{buyers_url(world.mekong)}/{request_id}/decline")
    response = client.post(f"{buyers_url(world.mekong)}/{request_id}/accept")
    assert response.status_code == 409 and "cannot do that" in response.get_data(as_text=True)
    assert subscription(world.brand, world.mekong).status is SubscriptionStatus.DECLINED


def test_only_the_factory_decides_and_only_its_own_requests(login, world):
    ask(login(world.buyer), world.mekong)
    request_id = subscription(world.brand, world.mekong).id
    # Another factory's user: Mekong is not theirs (404); under their own URL the row is not theirs (404).
    other = login(world.factory_user)
    assert other.post(f"{buyers_url(world.mekong)}/{request_id}/accept").status_code == 404
    assert other.post(f"{buyers_url(world.angkor)}/{request_id}/accept").status_code == 404
    # Roles that see Mekong but may not decide: 403.
    assert login(world.ea2).post(f"{buyers_url(world.mekong)}/{request_id}/accept").status_code == 403
    assert login(world.admin).get(buyers_url(world.mekong)).status_code == 403
    assert subscription(world.brand, world.mekong).status is SubscriptionStatus.REQUESTED


def test_the_factory_menu_has_buyers(login, world):
    html = login(world.factory_user).get(f"/factories/{world.angkor.id}/organization").get_data(as_text=True)
    assert f'href="{buyers_url(world.angkor)}"' in html and ">Buyers<" in html
    html = login(world.ea).get(f"/factories/{world.angkor.id}/organization").get_data(as_text=True)
    assert f'href="{buyers_url(world.angkor)}"' not in html


# --- the admin -------------------------------------------------------------------------------

def test_the_admin_lists_the_programme_s_subscriptions_with_filters(login, world):
    f.subscribe(world.other_brand, world.mekong, status=SubscriptionStatus.REQUESTED)
    db.session.commit()
    client = login(world.admin)
    html = client.get("/admin/subscriptions").get_data(as_text=True)
    assert "Angkor Garments" in html and "Mekong Apparel" in html and "Bandung Textiles" not in html
    assert html.count(">Revoke<") == 2
    requested = client.get("/admin/subscriptions?status=requested").get_data(as_text=True)
    assert "Mekong Apparel" in requested and "Angkor Garments" not in requested
    brand = client.get("/admin/subscriptions?q=northwind").get_data(as_text=True)
    assert "Angkor Garments" in brand and "Mekong Apparel" not in brand
    assert client.get("/admin/subscriptions?status=bogus&q=%25&page=-3").status_code == 200
    other = login(world.admin_id).get("/admin/subscriptions").get_data(as_text=True)
    assert "Bandung Textiles" in other and "Angkor Garments" not in other


def test_the_admin_revokes_and_the_buyer_loses_the_factory(login, world, mekong_reports):
    row = f.subscribe(world.brand, world.mekong)
    db.session.commit()
    reports = f"/factories/{world.mekong.id}/reports/{mekong_reports.current.id}"
    assert login(world.buyer).get(reports).status_code == 200
    response = login(world.admin).post(f"/admin/subscriptions/{row.id}/revoke?status=active&q=Mekong")
    assert response.status_code == 302 and "status=active" in response.location and "q=Mekong" in response.location
    assert subscription(world.brand, world.mekong).status is SubscriptionStatus.REVOKED
    buyer = login(world.buyer)
    assert buyer.get(reports).status_code == 404
    assert "Mekong Apparel" not in buyer.get("/dashboard").get_data(as_text=True)
    event = db.session.scalar(db.select(AuditEvent).filter_by(action="subscription.revoke"))
    assert event.programme_id == world.kh.id and event.object_label == "Northwind Apparel → Mekong Apparel"
    again = login(world.admin).post(f"/admin/subscriptions/{row.id}/revoke")
    assert again.status_code == 409


def test_another_programme_s_admin_gets_404(login, world):
    row = subscription(world.brand, world.angkor)
    assert login(world.admin_id).post(f"/admin/subscriptions/{row.id}/revoke").status_code == 404
    assert subscription(world.brand, world.angkor).status is SubscriptionStatus.ACTIVE
    assert login(world.admin).post("/admin/subscriptions/987654/revoke").status_code == 404


@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor"])
def test_only_admins_reach_the_admin_pages(login, world, who):
    client = login(getattr(world, who))
    row = subscription(world.brand, world.angkor)
    assert client.get("/admin/subscriptions").status_code == 403
    assert client.post(f"/admin/subscriptions/{row.id}/revoke").status_code == 403
    assert client.post("/admin/buyer-organisations", data={"name": "Sneaky"}).status_code == 403
    assert subscription(world.brand, world.angkor).status is SubscriptionStatus.ACTIVE


def test_the_admin_adds_a_buyer_organisation_once(login, world):
    client = login(world.admin)
    response = client.post("/admin/buyer-organisations", data={"name": " Sunrise Outfitters "})
    assert response.status_code == 302
    assert db.session.scalar(db.select(BuyerOrganisation).filter_by(name="Sunrise Outfitters")) is not None
    duplicate = client.post("/admin/buyer-organisations", data={"name": "sunrise outfitters"})
    html = duplicate.get_data(as_text=True)
    assert duplicate.status_code == 422 and "exists already" in html and 'value="sunrise outfitters"' in html
    empty = client.post("/admin/buyer-organisations", data={"name": "   "})
    assert empty.status_code == 422 and "Please enter the brand" in empty.get_data(as_text=True)
    too_long = client.post("/admin/buyer-organisations", data={"name": "x" * 201})
    assert too_long.status_code == 422
    assert db.session.scalar(db.select(db.func.count(BuyerOrganisation.id))) == 3
    # Brands are global: the other programme's admin sees it, and the factories can list it.
    listing = login(world.admin_id).get("/admin/buyer-organisations?q=sunrise").get_data(as_text=True)
    assert "Sunrise Outfitters" in listing and "Northwind Apparel" not in listing
