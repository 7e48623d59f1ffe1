"""Subscriptions (ROLE-4): request, accept, decline, revoke, what they cover, and who hears
about a factory's cycle."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from bwportal.domain import subscriptions as subs
from bwportal.domain.reports import queries as rq
from bwportal.domain.tenancy import visible_factory_ids
from bwportal.extensions import db
from bwportal.models import (
    AuditEvent,
    ReportKind,
    ReportStatus,
    Role,
    Subscription,
    SubscriptionStatus,
)
from tests import factories as f

REQUESTED, ACTIVE, DECLINED, REVOKED = (SubscriptionStatus.REQUESTED, SubscriptionStatus.ACTIVE,
                                        SubscriptionStatus.DECLINED, SubscriptionStatus.REVOKED)


def events(action):
    return list(db.session.scalars(db.select(AuditEvent).filter_by(action=action).order_by(AuditEvent.id)))


def rows(org, factory):
    return list(db.session.scalars(db.select(Subscription).filter_by(buyer_organisation_id=org.id,
                                                                     factory_id=factory.id)))


def at_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC)  # noon in Phnom Penh


# --- the moves -------------------------------------------------------------------------------

def test_a_buyer_requests_a_subscription_to_a_factory_that_lists_the_brand(world):
    subscription = subs.request(world.buyer, world.mekong)
    db.session.commit()
    assert (subscription.status, subscription.requested_by_id) == (REQUESTED, world.buyer.id)
    assert subscription.accepted_at is None and subscription.decided_at is None
    [event] = events("subscription.request")
    assert event.actor_id == world.buyer.id and event.programme_id == world.kh.id
    assert event.object_label == "Northwind Apparel → Mekong Apparel"
    assert event.changes == {"status": [None, "requested"]}
    # Requested is not followed yet: the buyer still sees only Angkor.
    assert world.mekong.id not in set(db.session.scalars(visible_factory_ids(world.buyer)))


def test_a_factory_that_does_not_list_the_brand_is_refused_and_nothing_is_made(world):
    with pytest.raises(subs.NotACustomer):
        subs.request(world.buyer, world.bandung)  # Bandung lists only Blue Harbor
    assert rows(world.brand, world.bandung) == [] and events("subscription.request") == []


def test_an_inactive_factory_is_refused(world):
    world.mekong.active = False
    db.session.flush()
    with pytest.raises(subs.NotACustomer):
        subs.request(world.buyer, world.mekong)
    assert rows(world.brand, world.mekong) == []


@pytest.mark.parametrize("who", ["factory_user", "ea", "admin", "assessor"])
def test_only_buyers_request(world, who):
    with pytest.raises(subs.NotAllowed):
        subs.request(getattr(world, who), world.mekong)
    assert db.session.scalar(db.select(Subscription).filter_by(factory_id=world.mekong.id)) is None


def test_requesting_again_while_requested_or_active_is_refused_with_a_reason(app, world):
    subs.request(world.buyer, world.mekong)
    with app.test_request_context():
        with pytest.raises(subs.SubscriptionError, match="already asked"):
            subs.request(world.buyer, world.mekong)
        with pytest.raises(subs.SubscriptionError, match="already subscribes"):
            subs.request(world.buyer, world.angkor)  # the world's active subscription
    assert len(rows(world.brand, world.mekong)) == 1


def test_the_factory_accepts(world):
    subscription = subs.request(world.buyer, world.mekong)
    subs.accept(world.factory2_user, subscription)
    db.session.commit()
    assert subscription.status is ACTIVE
    assert subscription.accepted_at is not None and subscription.decided_by_id == world.factory2_user.id
    [event] = events("subscription.accept")
    assert event.changes == {"status": ["requested", "active"]} and event.programme_id == world.kh.id
    assert world.mekong.id in set(db.session.scalars(visible_factory_ids(world.buyer)))
    with pytest.raises(subs.SubscriptionError):
        subs.accept(world.factory2_user, subscription)  # only a requested one


@pytest.mark.parametrize("who", ["factory_user", "buyer", "ea2", "admin"])
def test_only_a_user_of_that_factory_decides(world, who):
    subscription = subs.request(world.buyer, world.mekong)
    for verb in (subs.accept, subs.decline):
        with pytest.raises(subs.NotAllowed):
            verb(getattr(world, who), subscription)
    assert subscription.status is REQUESTED and events("subscription.accept") == []


def test_decline_then_request_again(world):
    subscription = subs.request(world.buyer, world.mekong)
    subs.decline(world.factory2_user, subscription)
    assert (subscription.status, subscription.accepted_at) == (DECLINED, None)
    assert subscription.decided_at is not None
    with pytest.raises(subs.SubscriptionError):
        subs.accept(world.factory2_user, subscription)  # declined is final until asked again
    again = subs.request(world.buyer, world.mekong)
    assert again.id == subscription.id and again.status is REQUESTED
    assert again.decided_at is None and again.decided_by_id is None
    assert [e.changes for e in events("subscription.request")] == [
        {"status": [None, "requested"]}, {"status": ["declined", "requested"]}]


def test_accepting_a_brand_that_is_no_longer_a_customer_is_refused(app, world):
    subscription = subs.request(world.buyer, world.mekong)
    world.mekong.customers = [world.other_brand]
    db.session.flush()
    with app.test_request_context(), pytest.raises(subs.SubscriptionError, match="no longer among"):
        subs.accept(world.factory2_user, subscription)
    subs.decline(world.factory2_user, subscription)  # declining still works
    assert subscription.status is DECLINED


def test_the_programme_admin_revokes_active_and_requested_ones(world):
    active = rows(world.brand, world.angkor)[0]
    subs.revoke(world.admin, active)
    assert active.status is REVOKED and active.decided_by_id == world.admin.id
    pending = subs.request(world.other_buyer, world.mekong)
    subs.revoke(world.admin, pending)
    assert pending.status is REVOKED
    assert [e.changes for e in events("subscription.revoke")] == [
        {"status": ["active", "revoked"]}, {"status": ["requested", "revoked"]}]
    with pytest.raises(subs.SubscriptionError):
        subs.revoke(world.admin, active)  # revoked already
    assert subs.request(world.buyer, world.angkor).status is REQUESTED  # the brand may ask again


@pytest.mark.parametrize("who", ["admin_id", "factory_user", "ea", "buyer", "assessor"])
def test_only_the_admin_of_the_factory_programme_revokes(world, who):
    active = rows(world.brand, world.angkor)[0]
    with pytest.raises(subs.NotAllowed):
        subs.revoke(getattr(world, who), active)
    assert active.status is ACTIVE


def test_a_declined_one_cannot_be_revoked(world):
    subscription = subs.request(world.buyer, world.mekong)
    subs.decline(world.factory2_user, subscription)
    with pytest.raises(subs.SubscriptionError):
        subs.revoke(world.admin, subscription)


def test_the_moves_are_data_and_the_buttons_follow_them(world):
    assert subs.actions_for(None, world.buyer) == ["request"]
    assert subs.actions_for(None, world.factory_user) == []
    subscription = subs.request(world.buyer, world.mekong)
    assert subs.actions_for(subscription, world.factory2_user) == ["accept", "decline"]
    assert subs.actions_for(subscription, world.factory_user) == []  # another factory's
    assert subs.actions_for(subscription, world.admin) == ["revoke"]
    assert subs.actions_for(subscription, world.admin_id) == []
    assert subs.actions_for(subscription, world.buyer) == []
    subs.decline(world.factory2_user, subscription)
    assert subs.actions_for(subscription, world.buyer) == ["request"]
    assert subs.actions_for(subscription, world.other_buyer) == []  # another brand's


def test_adding_a_buyer_organisation_refuses_a_duplicate_name_whatever_the_case(world):
    org = subs.add_buyer_organisation(world.admin, "  Sunrise   Outfitters ", programme_id=world.kh.id)
    assert org.name == "Sunrise Outfitters"
    [event] = events("buyer_organisation.create")
    assert event.changes == {"name": [None, "Sunrise Outfitters"]} and event.programme_id == world.kh.id
    with pytest.raises(subs.DuplicateBrand):
        subs.add_buyer_organisation(world.admin, "northwind apparel", programme_id=world.kh.id)


# --- coverage --------------------------------------------------------------------------------

@pytest.mark.parametrize(("accepted", "first"), [
    (None, 0),  # accepted before dates were kept: everything
    (date(2023, 12, 31), 0),  # before the first cycle started: every cycle
    (date(2024, 1, 10), 1),  # the first cycle starts that day
    (date(2025, 1, 14), 1),  # the last day of cycle 1
    (date(2025, 1, 15), 2),  # cycle 2 starts: cycle 1 ended
    (date(2026, 6, 1), 3),
])
def test_first_covered_number(accepted, first):
    cycles = [(1, date(2024, 1, 10)), (2, date(2025, 1, 15)), (3, date(2026, 1, 20))]
    assert subs.first_covered_number(cycles, accepted) == first


@pytest.fixture
def cycles(world):
    made = [f.make_cycle(world.mekong, n, d) for n, d in
            ((1, date(2024, 1, 10)), (2, date(2025, 1, 15)), (3, date(2026, 1, 20)))]
    db.session.commit()
    return made


def accepted_on(world, day_or_datetime, buyer=None):
    """``buyer``'s (the world's buyer by default) subscription to Mekong, asked and accepted
    at that moment (noon in Phnom Penh on a day)."""
    moment = day_or_datetime if isinstance(day_or_datetime, datetime) else at_noon(day_or_datetime)
    with time_machine.travel(moment, tick=False):
        subscription = subs.request(buyer or world.buyer, world.mekong)
        subs.accept(world.factory2_user, subscription)
    db.session.commit()
    return subscription


def test_a_subscription_covers_the_cycle_in_progress_on_acceptance_and_later_ones(world, cycles):
    subscription = accepted_on(world, date(2025, 6, 1))
    assert [subs.covers(subscription, c) for c in cycles] == [False, True, True]
    assert subs.covered_cycle_ids([subscription]) == {cycles[1].id, cycles[2].id}
    subscription.status = REVOKED
    assert [subs.covers(subscription, c) for c in cycles] == [False, False, False]
    assert subs.covered_cycle_ids([subscription]) == set()


def test_the_accepted_day_is_the_factory_s_local_day(world, cycles):
    # 20:00 UTC on 14 January is 03:00 on 15 January in Phnom Penh: cycle 2 has started.
    subscription = accepted_on(world, datetime(2025, 1, 14, 20, 0, tzinfo=UTC))
    assert [subs.covers(subscription, c) for c in cycles] == [False, True, True]
    earlier = accepted_on(world, datetime(2025, 1, 14, 16, 0, tzinfo=UTC), world.other_buyer)  # 23:00 local
    assert [subs.covers(earlier, c) for c in cycles] == [True, True, True]  # still cycle 1


def test_coverage_is_kept_when_a_back_dated_cycle_is_recorded(world, cycles):
    """PR-9, PUB-1: what a subscription covers is decided when it is accepted, never recomputed
    from dates: a cycle recorded afterwards, dated before the acceptance, takes nothing away."""
    subscription = accepted_on(world, date(2026, 6, 1))  # cycle 3 in progress
    old = f.make_report(cycles[2], report_date=cycles[2].assessment_date, status=ReportStatus.APPROVED)
    db.session.commit()
    assert rq.visible_to(world.buyer, old) and subs.buyer_recipients(world.mekong, cycles[2]) == [world.buyer]
    fourth = f.make_cycle(world.mekong, 4, date(2026, 5, 20))  # back-dated: started before the acceptance
    db.session.commit()
    db.session.expire_all()
    assert rq.visible_to(world.buyer, old)  # still readable: the buyer was told about it
    assert subs.covers(subscription, cycles[2]) and subs.covers(subscription, fourth)
    assert subs.buyer_covered_cycle_ids(world.buyer, [world.mekong.id]) == {cycles[2].id, fourth.id}
    assert subs.buyer_recipients(world.mekong, cycles[2]) == [world.buyer]


def test_another_factory_s_cycle_is_never_covered(world, cycles):
    subscription = rows(world.brand, world.angkor)[0]
    assert not subs.covers(subscription, cycles[2])


def test_buyers_read_final_reports_of_covered_cycles_only(world, cycles):
    old = f.make_report(cycles[0], report_date=cycles[0].assessment_date, status=ReportStatus.APPROVED)
    new = f.make_report(cycles[1], ReportKind.PR2, report_date=cycles[1].assessment_date,
                        status=ReportStatus.APPROVED)
    draft = f.make_report(cycles[2], report_date=date(2026, 2, 1))
    db.session.commit()
    assert not rq.visible_to(world.buyer, new) and rq.reports_of(world.mekong.id, world.buyer) == []
    accepted_on(world, date(2025, 6, 1))
    assert [rq.visible_to(world.buyer, r) for r in (old, new, draft)] == [False, True, False]
    assert rq.reports_of(world.mekong.id, world.buyer) == [new]
    assert rq.visible_to(world.ea2, old) and rq.visible_to(world.admin, old)  # others are not affected
    world.mekong.customers = [world.other_brand]  # no longer a customer
    db.session.commit()
    assert not rq.visible_to(world.buyer, new) and rq.reports_of(world.mekong.id, world.buyer) == []


# --- who hears about a cycle -----------------------------------------------------------------

def test_buyer_recipients_follow_the_subscription(world, cycles):
    colleague = f.make_user(Role.BUYER, buyer_organisation=world.brand, email="colleague@example.com")
    gone = f.make_user(Role.BUYER, buyer_organisation=world.brand, email="gone@example.com", active=False)
    db.session.commit()
    subscription = subs.request(world.buyer, world.mekong)
    other = subs.request(world.other_buyer, world.mekong)
    assert subs.buyer_recipients(world.mekong, cycles[2]) == []  # requested: nothing yet
    subs.decline(world.factory2_user, other)
    with time_machine.travel(at_noon(date(2025, 6, 1)), tick=False):
        subs.accept(world.factory2_user, subscription)
    db.session.commit()
    assert subs.buyer_recipients(world.mekong, cycles[2]) == [world.buyer, colleague]  # not the declined brand
    assert subs.buyer_recipients(world.mekong, cycles[1]) == [world.buyer, colleague]
    assert subs.buyer_recipients(world.mekong, cycles[0]) == []  # ended before the acceptance
    assert gone not in subs.buyer_recipients(world.mekong, cycles[2])
    world.mekong.customers = [world.other_brand]
    db.session.commit()
    assert subs.buyer_recipients(world.mekong, cycles[2]) == []  # not a customer any more
    world.mekong.customers = [world.brand, world.other_brand]
    db.session.commit()
    assert subs.buyer_recipients(world.mekong, cycles[2]) == [world.buyer, colleague]
    subs.revoke(world.admin, subscription)
    db.session.commit()
    assert subs.buyer_recipients(world.mekong, cycles[2]) == []


def test_buyer_recipients_of_an_inactive_factory_and_a_foreign_cycle(world, cycles):
    angkor_cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 1))
    db.session.commit()
    assert subs.buyer_recipients(world.angkor, angkor_cycle) == [world.buyer]  # the world's subscription
    with pytest.raises(ValueError):
        subs.buyer_recipients(world.angkor, cycles[0])
    world.angkor.active = False
    db.session.commit()
    assert subs.buyer_recipients(world.angkor, angkor_cycle) == []
