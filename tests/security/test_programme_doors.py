"""No role of one programme grants access to another programme's data (issue 17 item 5; TEN-1,
ROLE-4, ROLE-5). The world: Blue Harbor Clothing is a customer of Mekong (Cambodia) and of
Bandung (Indonesia), and subscribes to Bandung."""

from sqlalchemy import select

from bwportal.domain import subscriptions, tenancy
from bwportal.domain.people import management as people
from bwportal.extensions import db
from bwportal.models import Role, User
from tests import factories as f
from tests.conftest import sign_in

from .test_tenancy_routes import _call, factory_routes


def _cambodian_buyer_of_blue_harbor(world, mailbox, login, client):
    """The attack of the issue: a Cambodia admin invites a buyer of a brand that follows an
    Indonesian factory; the invitee accepts and signs in."""
    admin = login(world.admin)
    response = admin.post("/admin/invitations/new", data={
        "email": "door@example.com", "name": "Door", "role": "buyer", "locale": "en",
        "buyer_organisation_id": str(world.other_brand.id)})
    assert response.status_code == 302
    link = mailbox.link(mailbox.messages(to="door@example.com")[0])
    admin.post("/sign-out")
    client.post(link, data={"name": "Door", "locale": "en", "password": "a long enough phrase",
                            "confirm": "a long enough phrase"})
    user = db.session.scalar(select(User).filter_by(email="door@example.com"))
    assert user.programme_id == world.kh.id
    sign_in(client, user, password="a long enough phrase")
    return user


def test_a_buyer_invited_by_one_programme_reads_none_of_another(app, client, world, objects, mailbox, login):
    """TEN-1: every factory-scoped page of the Indonesian factory answers 404 to the account a
    Cambodia admin made, whatever the brand subscribes to; the brand's own Indonesian data and
    notices stay with the accounts Indonesia allows."""
    user = _cambodian_buyer_of_blue_harbor(world, mailbox, login, client)
    assert world.bandung.id not in set(db.session.scalars(tenancy.visible_factory_ids(user)))
    calls = 0
    for route in factory_routes(app):
        for method in sorted(route.methods):
            response = _call(client, route, method, world.bandung, objects["bandung"])
            assert response.status_code == 404, (method, route.rule.rule)
            assert b"Secret finding" not in response.data
            calls += 1
    assert calls > 0
    # Nor does it hear of Bandung's cycles, nor may it ask Bandung for a subscription.
    recipients = subscriptions.buyer_recipients(world.bandung, objects["bandung"]["cycle"])
    assert world.other_buyer in recipients and user not in recipients
    assert subscriptions.listing_factory(user, world.bandung.id) is None
    assert subscriptions.listing_factory(world.other_buyer, world.bandung.id) is not None
    home = client.get("/home", follow_redirects=True)
    assert home.status_code == 200 and world.bandung.name.encode() not in home.data


def test_an_admin_invites_buyers_only_of_brands_the_programme_serves(login, world, mailbox):
    """ROLE-5: a brand no factory of the programme lists is not the admin's to staff."""
    indonesian_only = f.make_buyer_org(name="Jakarta Outfitters")
    world.bandung.customers.append(indonesian_only)
    db.session.commit()
    admin = login(world.admin)
    response = admin.post("/admin/invitations/new", data={
        "email": "far@example.com", "name": "Far", "role": "buyer", "locale": "en",
        "buyer_organisation_id": str(indonesian_only.id)})
    assert response.status_code == 422
    assert mailbox.messages(to="far@example.com") == []
    # The domain refuses it whatever the form offers.
    try:
        people.invite(world.admin, email="far@example.com", name="Far", role=Role.BUYER, locale="en",
                      programme=world.kh, buyer_organisation=indonesian_only)
    except people.PeopleError as error:
        assert error.field == "buyer_organisation_id"
    else:
        raise AssertionError("a Cambodia admin staffed an Indonesian-only brand")
    db.session.rollback()


def test_a_programme_sees_and_deactivates_every_account_that_reads_its_factories(login, world):
    """ROLE-5: a buyer account of no programme (the brand's head office) reads Bandung through
    its brand's subscription, so Indonesia's admins see it and may switch it off; Cambodia's,
    whose factories it does not read, do not."""
    buyer = world.other_buyer  # programme_id None, brand subscribed to Bandung
    assert buyer.programme_id is None
    admin_id = login(world.admin_id)
    listing = admin_id.get("/admin/people?q=buyer2&status=active")
    assert buyer.email.encode() in listing.data
    assert admin_id.get(f"/admin/people/{buyer.id}").status_code == 200
    assert admin_id.post(f"/admin/people/{buyer.id}/deactivate").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, buyer.id).active is False
    admin = login(world.admin)
    assert admin.get(f"/admin/people/{buyer.id}").status_code == 404
