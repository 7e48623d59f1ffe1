"""Buyers' subscriptions to factories (ROLE-4): who may ask, decide and revoke, and what a
subscription covers. The rules live here once; views, the dashboard, report visibility and
the notices (issue 7) ask them.

A buyer asks to subscribe to an active factory that lists the brand among its customers
(ENT-1); the factory accepts or declines; the programme admin may revoke. Every change is
one move of ``MOVES``. Operations add to the session and flush; the caller commits.

Coverage (DOMAIN.md "A buyer's subscription covers a cycle"; PR-9, PUB-1): an active
subscription covers the cycles that had not ended before the day it was accepted, i.e. the
cycle in progress on that day and every later one. A cycle runs from its start (its advisory
period, CYC-1) until the factory's next cycle starts; the day is the factory's local day (its
programme's time zone). What is covered is decided once, when the factory accepts, and kept
(``Subscription.first_cycle_number``): buyers keep what they were given, whatever cycles are
recorded later with whatever dates. An active subscription without it (made before it was
kept) covers every cycle.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, false, func, select

from ..extensions import db
from ..models import BuyerOrganisation, Cycle, Factory, FactoryCustomer, Role, Subscription, SubscriptionStatus, User
from . import audit, errors
from .errors import DomainError
from .policy import can
from .tenancy import buyer_programme_condition

REQUESTED, ACTIVE, DECLINED, REVOKED = (SubscriptionStatus.REQUESTED, SubscriptionStatus.ACTIVE,
                                        SubscriptionStatus.DECLINED, SubscriptionStatus.REVOKED)


@dataclass(frozen=True)
class Move:
    sources: frozenset  # the statuses it may start from (None: no subscription yet)
    target: SubscriptionStatus
    action: str  # the policy action the user needs


MOVES: dict[str, Move] = {
    "request": Move(frozenset({None, DECLINED, REVOKED}), REQUESTED, "subscription.request"),
    "accept": Move(frozenset({REQUESTED}), ACTIVE, "subscription.decide"),
    "decline": Move(frozenset({REQUESTED}), DECLINED, "subscription.decide"),
    "revoke": Move(frozenset({REQUESTED, ACTIVE}), REVOKED, "subscription.revoke"),
}

# Why a move is refused, by the status it was tried from.
REFUSALS = {
    ("request", REQUESTED): _l("Your brand has already asked to subscribe to this factory. "
                               "The factory has not answered yet."),
    ("request", ACTIVE): _l("Your brand already subscribes to this factory."),
}
NOT_NOW = _l("This subscription cannot do that in its current state.")
DUPLICATE_BRAND = _l("A buyer organisation with this name exists already.")


class SubscriptionError(DomainError):
    """A refused change; ``args[0]`` is a message for the user (the view answers 409)."""


class NotAllowed(errors.NotAllowed):
    """This user may not do this to this subscription or factory (the view answers 403 or 404)."""


class NotACustomer(NotAllowed):
    """The factory is inactive or does not list the brand among its customers (404)."""


class DuplicateBrand(DomainError):
    """A buyer organisation of that name exists already; ``args[0]`` is a message."""


def actions_for(subscription: Subscription | None, user) -> list[str]:
    """The moves ``user`` may make on ``subscription`` as it stands (None: not asked yet)."""
    status = subscription.status if subscription is not None else None
    return [name for name, move in MOVES.items()
            if status in move.sources and can(user, move.action)
            and (subscription is None or _may_touch(user, name, subscription))]


def _may_touch(user, name: str, subscription: Subscription) -> bool:
    """Beyond the role: whose subscription it is."""
    if name == "request":
        return user.buyer_organisation_id == subscription.buyer_organisation_id
    if name in ("accept", "decline"):
        return user.factory_id == subscription.factory_id
    if name == "revoke":
        return user.programme_id is not None and user.programme_id == subscription.factory.programme_id
    return False


def _check(subscription: Subscription, name: str, user) -> Move:
    """The move, if ``user`` may make it on ``subscription`` now: NotAllowed (who) or
    SubscriptionError (the status) otherwise."""
    move = MOVES[name]
    if not can(user, move.action) or not _may_touch(user, name, subscription):
        raise NotAllowed(name)
    if subscription.status not in move.sources:
        raise SubscriptionError(REFUSALS.get((name, subscription.status), NOT_NOW))
    return move


def _locked(subscription: Subscription) -> Subscription:
    """The row as committed, locked until the transaction ends (PostgreSQL), so two people
    deciding at once do not both pass the status check."""
    if subscription.id is None:
        return subscription
    return db.session.scalars(select(Subscription).where(Subscription.id == subscription.id)
                              .with_for_update(of=Subscription).execution_options(populate_existing=True)).one()


def _record(user, verb: str, subscription: Subscription, before, after) -> None:
    factory = subscription.factory or db.session.get(Factory, subscription.factory_id)
    brand = subscription.buyer_organisation or db.session.get(BuyerOrganisation, subscription.buyer_organisation_id)
    audit.record(user, f"subscription.{verb}", subscription, programme_id=factory.programme_id,
                 label=f"{brand.name} → {factory.name}",
                 changes={"status": [before, after]})


# --- the brand's factories -------------------------------------------------------------------

def lists_brand(factory_id: int, buyer_organisation_id: int):
    """SQL condition: the factory lists the brand among its customers (ENT-1)."""
    return exists().where(and_(FactoryCustomer.factory_id == factory_id,
                               FactoryCustomer.buyer_organisation_id == buyer_organisation_id))


def listing_factories(user, query: str = "") -> Select:
    """The active factories that list the buyer's brand, by name, in the buyer account's
    programme (any programme for an account of none: see tenancy); ``query`` narrows by name.
    A user without a brand gets none."""
    org = getattr(user, "buyer_organisation_id", None)
    if org is None or not can(user, "subscription.request"):
        return select(Factory).where(false())
    stmt = select(Factory).where(Factory.active, lists_brand(Factory.id, org),
                                 buyer_programme_condition(user, Factory.programme_id))
    if query:
        stmt = stmt.where(Factory.name.icontains(query, autoescape=True))
    return stmt.order_by(Factory.name, Factory.id)


def listing_factory(user, factory_id: int) -> Factory | None:
    """One factory of ``listing_factories``, or None."""
    return db.session.scalar(listing_factories(user).where(Factory.id == factory_id))


def subscription_of(buyer_organisation_id: int, factory_id: int) -> Subscription | None:
    return db.session.scalar(select(Subscription).where(
        Subscription.buyer_organisation_id == buyer_organisation_id, Subscription.factory_id == factory_id))


def subscriptions_by_factory(buyer_organisation_id: int, factory_ids) -> dict[int, Subscription]:
    """The brand's subscriptions to these factories, whatever their status, by factory id."""
    ids = list(factory_ids)
    if not ids:
        return {}
    return {s.factory_id: s for s in db.session.scalars(select(Subscription).where(
        Subscription.buyer_organisation_id == buyer_organisation_id, Subscription.factory_id.in_(ids)))}


# --- the moves -------------------------------------------------------------------------------

def request(user, factory: Factory) -> Subscription:
    """The buyer asks to subscribe its brand to ``factory``; again after a decline or revocation."""
    if not can(user, MOVES["request"].action) or user.buyer_organisation_id is None:
        raise NotAllowed("request")
    org = user.buyer_organisation_id
    if not factory.active or not db.session.scalar(select(lists_brand(factory.id, org))):
        raise NotACustomer(factory.id)
    subscription = subscription_of(org, factory.id)
    if subscription is None:
        before = None
        subscription = Subscription(buyer_organisation_id=org, factory_id=factory.id, status=MOVES["request"].target)
        db.session.add(subscription)
    else:
        subscription = _locked(subscription)
        before = subscription.status
        subscription.status = _check(subscription, "request", user).target
    subscription.requested_at = datetime.now(UTC)
    subscription.requested_by_id = user.id
    subscription.accepted_at = None
    subscription.first_cycle_number = None
    subscription.decided_at = None
    subscription.decided_by_id = None
    db.session.flush()
    _record(user, "request", subscription, before, subscription.status)
    return subscription


def _decide(user, subscription: Subscription, name: str) -> Subscription:
    subscription = _locked(subscription)
    move = _check(subscription, name, user)
    if name == "accept" and not db.session.scalar(select(
            lists_brand(subscription.factory_id, subscription.buyer_organisation_id))):
        raise SubscriptionError(_l("This brand is no longer among the factory's customers. Add it to the "
                                   "customers first, or decline the request."))
    before, subscription.status = subscription.status, move.target
    now = datetime.now(UTC)
    subscription.decided_at = now
    subscription.decided_by_id = user.id
    if move.target is ACTIVE:
        subscription.accepted_at = now
        # Coverage is fixed here, once (PR-9): never recomputed from dates afterwards.
        subscription.first_cycle_number = first_covered_number(
            [(number, starts) for _id, number, starts in _cycles_of([subscription.factory_id]).get(
                subscription.factory_id, [])], accepted_on(subscription))
    db.session.flush()
    _record(user, name, subscription, before, move.target)
    return subscription


def accept(user, subscription: Subscription) -> Subscription:
    """The factory accepts a request: the brand sees it from the cycle in progress today on."""
    return _decide(user, subscription, "accept")


def decline(user, subscription: Subscription) -> Subscription:
    return _decide(user, subscription, "decline")


def revoke(user, subscription: Subscription) -> Subscription:
    """The programme admin ends a subscription (or a pending request)."""
    return _decide(user, subscription, "revoke")


def add_buyer_organisation(user, name: str, programme_id: int | None = None) -> BuyerOrganisation:
    """A new brand (brands are global, not per programme); names are unique, whatever the case."""
    name = " ".join((name or "").split())
    if not name:
        raise ValueError("a brand needs a name")
    if db.session.scalar(select(BuyerOrganisation.id).where(func.lower(BuyerOrganisation.name) == name.lower())):
        raise DuplicateBrand(DUPLICATE_BRAND)
    org = BuyerOrganisation(name=name)
    db.session.add(org)
    db.session.flush()
    audit.record(user, "buyer_organisation.create", org, programme_id=programme_id, label=name,
                 changes={"name": [None, name]})
    return org


# --- what a subscription covers --------------------------------------------------------------

def accepted_on(subscription: Subscription) -> date | None:
    """The factory's local day of the acceptance (None: accepted before dates were kept)."""
    at = subscription.accepted_at
    if at is None:
        return None
    if at.tzinfo is None:  # SQLite hands back naive UTC
        at = at.replace(tzinfo=UTC)
    factory = subscription.factory or db.session.get(Factory, subscription.factory_id)
    return at.astimezone(ZoneInfo(factory.programme.timezone)).date()


def first_covered_number(cycles, accepted: date | None) -> int:
    """The number of the first cycle a subscription accepted on ``accepted`` covers, given the
    factory's cycles as (number, start date): the cycle in progress on that day (the latest
    one started by then). 0 when every cycle is covered (no date, or no cycle had started yet).
    Asked once, when the subscription is accepted."""
    started = [number for number, starts in cycles if accepted is not None and starts <= accepted]
    return max(started, default=0)


def _cycles_of(factory_ids) -> dict[int, list[tuple[int, int, date]]]:
    """The cycles of these factories as (id, number, start date), by factory id."""
    by_factory: dict[int, list[tuple[int, int, date]]] = {}
    ids = list(factory_ids)
    if ids:
        for cycle_id, factory_id, number, starts in db.session.execute(
                select(Cycle.id, Cycle.factory_id, Cycle.number, Cycle.start_date)
                .where(Cycle.factory_id.in_(ids))):
            by_factory.setdefault(factory_id, []).append((cycle_id, number, starts))
    return by_factory


def _first_of(subscription: Subscription) -> int:
    """The first covered cycle's number, as kept when the subscription was accepted."""
    return subscription.first_cycle_number or 0


def covers(subscription: Subscription | None, cycle: Cycle) -> bool:
    """Whether ``subscription`` is active and covers ``cycle`` (see the module's docstring)."""
    if subscription is None or subscription.status is not ACTIVE or cycle.factory_id != subscription.factory_id:
        return False
    return cycle.number >= _first_of(subscription)


def covered_cycle_ids(subscriptions) -> set[int]:
    """The ids of the cycles these subscriptions cover, in one query whatever their number."""
    active = [s for s in subscriptions if s is not None and s.status is ACTIVE]
    cycles = _cycles_of({s.factory_id for s in active})
    covered: set[int] = set()
    for subscription in active:
        first = _first_of(subscription)
        covered.update(cycle_id for cycle_id, number, _starts in cycles.get(subscription.factory_id, [])
                       if number >= first)
    return covered


def active_subscriptions(buyer_organisation_id: int, factory_ids) -> list[Subscription]:
    """The brand's active subscriptions to those of these factories that still list it."""
    ids = list(factory_ids)
    if not ids:
        return []
    return list(db.session.scalars(select(Subscription).where(
        Subscription.buyer_organisation_id == buyer_organisation_id, Subscription.factory_id.in_(ids),
        Subscription.status == ACTIVE, lists_brand(Subscription.factory_id, buyer_organisation_id))))


def buyer_covered_cycle_ids(user, factory_ids) -> set[int]:
    """The cycles of these factories whose reports ``user`` (a buyer) may read."""
    if user.role is not Role.BUYER or user.buyer_organisation_id is None:
        return set()
    ids = list(factory_ids)
    if user.programme_id is not None and ids:
        ids = list(db.session.scalars(select(Factory.id).where(
            Factory.id.in_(ids), buyer_programme_condition(user, Factory.programme_id))))
    return covered_cycle_ids(active_subscriptions(user.buyer_organisation_id, ids))


def buyer_reads_cycle(user, cycle: Cycle) -> bool:
    """A buyer's brand has an active subscription to the cycle's factory covering it."""
    if user.role is not Role.BUYER or user.buyer_organisation_id is None:
        return False
    factory = cycle.factory or db.session.get(Factory, cycle.factory_id)
    if user.programme_id is not None and factory.programme_id != user.programme_id:
        return False
    subscriptions = active_subscriptions(user.buyer_organisation_id, [cycle.factory_id])
    return bool(subscriptions) and covers(subscriptions[0], cycle)


def buyer_recipients(factory: Factory, cycle: Cycle) -> list[User]:
    """Who hears about ``cycle`` of ``factory`` (its reports, its notices): the active buyer
    users whose brand has an active subscription covering the cycle and is still among the
    factory's customers. An inactive factory has none. The one place the notices ask."""
    if cycle.factory_id != factory.id:
        raise ValueError("the cycle is another factory's")
    if not factory.active:
        return []
    return buyer_recipients_of([cycle]).get(cycle.id, [])


def buyer_recipients_of(cycles, chunk: int = 5000) -> dict[int, list[User]]:
    """``buyer_recipients`` for many cycles (the deadline sweep; anything with id, factory_id
    and number): cycle id -> its buyer users by e-mail; none for an inactive factory. One
    query per ``chunk`` factories and one for the users, whatever the number of cycles."""
    cycles = list(cycles)
    factory_ids = sorted({cycle.factory_id for cycle in cycles})
    subscriptions: list[Subscription] = []
    for start in range(0, len(factory_ids), chunk):
        subscriptions += db.session.scalars(
            select(Subscription).join(Factory, Factory.id == Subscription.factory_id)
            .where(Subscription.factory_id.in_(factory_ids[start:start + chunk]), Subscription.status == ACTIVE,
                   Factory.active, lists_brand(Subscription.factory_id, Subscription.buyer_organisation_id)))
    if not subscriptions:
        return {}
    programme_of = {s.factory_id: s.factory.programme_id for s in subscriptions}
    firsts: dict[int, list[tuple[int, int]]] = {}  # factory id -> (brand, first covered cycle number)
    for subscription in subscriptions:
        firsts.setdefault(subscription.factory_id, []).append(
            (subscription.buyer_organisation_id, _first_of(subscription)))
    users_of: dict[int, list[User]] = {}
    for user in db.session.scalars(select(User).where(
            User.role == Role.BUYER, User.active,
            User.buyer_organisation_id.in_({brand for pairs in firsts.values() for brand, _first in pairs}))):
        users_of.setdefault(user.buyer_organisation_id, []).append(user)
    recipients = {}
    for cycle in cycles:
        brands = {brand for brand, first in firsts.get(cycle.factory_id, []) if cycle.number >= first}
        # A buyer account of a programme hears only of that programme's factories (tenancy).
        programme = programme_of.get(cycle.factory_id)
        users = sorted((user for brand in brands for user in users_of.get(brand, [])
                        if user.programme_id is None or user.programme_id == programme), key=lambda u: u.email)
        if users:
            recipients[cycle.id] = users
    return recipients


# --- lists for the factory and the admin -----------------------------------------------------

def of_factory(factory_id: int, status: SubscriptionStatus) -> list[Subscription]:
    """The factory's subscriptions in ``status``, by brand."""
    return list(db.session.scalars(
        select(Subscription).join(BuyerOrganisation, BuyerOrganisation.id == Subscription.buyer_organisation_id)
        .where(Subscription.factory_id == factory_id, Subscription.status == status)
        .order_by(BuyerOrganisation.name)))


def pending_count(factory_id: int) -> int:
    return db.session.scalar(select(func.count(Subscription.id)).where(
        Subscription.factory_id == factory_id, Subscription.status == REQUESTED)) or 0


def of_programme(programme_id: int, status: SubscriptionStatus | None = None, query: str = "") -> Select:
    """The subscriptions of the programme's factories, newest request first; ``query``
    matches the factory's or the brand's name."""
    stmt = (select(Subscription)
            .join(Factory, Factory.id == Subscription.factory_id)
            .join(BuyerOrganisation, BuyerOrganisation.id == Subscription.buyer_organisation_id)
            .where(Factory.programme_id == programme_id))
    if status is not None:
        stmt = stmt.where(Subscription.status == status)
    if query:
        stmt = stmt.where(Factory.name.icontains(query, autoescape=True)
                          | BuyerOrganisation.name.icontains(query, autoescape=True))
    return stmt.order_by(Subscription.requested_at.desc(), Subscription.id.desc())


def buyer_organisations(query: str = "") -> Select:
    stmt = select(BuyerOrganisation)
    if query:
        stmt = stmt.where(BuyerOrganisation.name.icontains(query, autoescape=True))
    return stmt.order_by(BuyerOrganisation.name)
