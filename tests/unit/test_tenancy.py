"""TEN-1: which factories each role sees."""

from datetime import UTC, datetime

import pytest

from bwportal.domain.tenancy import visible_factories
from bwportal.extensions import db
from bwportal.models import EAAssignment, Role, SubscriptionStatus
from tests import factories as f


def names(user):
    return [factory.name for factory in db.session.scalars(visible_factories(user))]


@pytest.mark.parametrize(
    "who, expected",
    [
        ("factory_user", ["Angkor Garments"]),
        ("factory2_user", ["Mekong Apparel"]),
        ("factory_id_user", ["Bandung Textiles"]),
        ("ea", ["Angkor Garments"]),
        ("ea2", ["Mekong Apparel"]),
        ("buyer", ["Angkor Garments"]),
        ("other_buyer", ["Bandung Textiles"]),
        ("admin", ["Angkor Garments", "Mekong Apparel"]),
        ("admin_id", ["Bandung Textiles"]),
        ("assessor", ["Angkor Garments", "Mekong Apparel"]),
    ],
)
def test_each_role_sees_exactly_its_factories(world, who, expected):
    assert names(getattr(world, who)) == expected


def test_ended_assignment_hides_the_factory(world):
    row = db.session.scalar(db.select(EAAssignment).filter_by(ea_id=world.ea.id))
    row.ended_at = datetime.now(UTC)
    db.session.flush()
    assert names(world.ea) == []


def test_buyer_needs_an_active_subscription(world):
    subscription = f.subscribe(world.brand, world.mekong, status=SubscriptionStatus.REQUESTED)
    assert names(world.buyer) == ["Angkor Garments"]
    subscription.status = SubscriptionStatus.ACTIVE
    db.session.flush()
    assert names(world.buyer) == ["Angkor Garments", "Mekong Apparel"]
    subscription.status = SubscriptionStatus.REVOKED
    db.session.flush()
    assert names(world.buyer) == ["Angkor Garments"]


def test_buyer_sees_nothing_once_the_factory_no_longer_lists_the_brand(world):
    world.angkor.customers = []
    db.session.flush()
    assert names(world.buyer) == []


def test_deactivated_user_sees_nothing(world):
    world.ea.active = False
    assert names(world.ea) == []


def test_deactivated_factory_is_seen_by_its_admin_only(world):
    world.angkor.active = False
    db.session.flush()
    assert names(world.factory_user) == []
    assert names(world.ea) == []
    assert names(world.buyer) == []
    assert "Angkor Garments" in names(world.admin)


def test_new_factory_user_sees_only_its_own(world):
    other = f.make_factory(world.kh)
    user = f.make_user(Role.FACTORY, factory=other)
    assert names(user) == [other.name]
