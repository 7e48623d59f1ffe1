"""Which factories a user may see (TEN-1). Every route loads what it touches through here.

Factory user: its own factory. EA: factories currently assigned. Buyer: factories that list
the brand as a customer *and* that it subscribes to, in the programme that made the account
(issue 17 item 5: a buyer account invited by one programme's admin never reads another
programme's factories; an account of no programme, made by the operator, reads every factory
of its brand, and every programme it reads sees and may deactivate it: ``people.programme_users``).
Assessor and admin: their programme.
"""

from sqlalchemy import Select, and_, exists, false, select, true

from ..models import EAAssignment, Factory, FactoryCustomer, Role, Subscription, SubscriptionStatus


def visible_factory_ids(user) -> Select:
    """A SELECT of the ids of the factories ``user`` may see; use it in ``IN (...)``."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return select(Factory.id).where(false())
    q = select(Factory.id)
    if user.role is Role.FACTORY:
        return q.where(Factory.id == user.factory_id, Factory.active)
    if user.role is Role.EA:
        return q.join(EAAssignment, EAAssignment.factory_id == Factory.id).where(
            EAAssignment.ea_id == user.id, EAAssignment.ended_at.is_(None), Factory.active
        )
    if user.role is Role.BUYER:
        org = user.buyer_organisation_id
        if user.programme_id is not None:
            q = q.where(Factory.programme_id == user.programme_id)
        return q.join(Subscription, Subscription.factory_id == Factory.id).where(
            Subscription.buyer_organisation_id == org,
            Subscription.status == SubscriptionStatus.ACTIVE,
            Factory.active,
            exists().where(
                and_(FactoryCustomer.factory_id == Factory.id, FactoryCustomer.buyer_organisation_id == org)
            ),
        )
    if user.role is Role.ASSESSOR:
        return q.where(Factory.programme_id == user.programme_id, Factory.active)
    if user.role is Role.ADMIN:
        return q.where(Factory.programme_id == user.programme_id)
    return q.where(false())


def buyer_programme_condition(user, programme_column):
    """SQL condition: the programme (``programme_column``) is one whose factories the buyer
    ``user`` may read (its own, or any for an account of no programme)."""
    if user.programme_id is None:
        return true()
    return programme_column == user.programme_id


def visible_factories(user) -> Select:
    """A SELECT of the factories ``user`` may see, by name."""
    return select(Factory).where(Factory.id.in_(visible_factory_ids(user))).order_by(Factory.name)


def scoped(model, user) -> Select:
    """A SELECT of ``model`` rows that belong to factories ``user`` may see.

    ``model`` is Factory itself or any model with a ``factory_id`` column.
    """
    column = model.id if model is Factory else model.factory_id
    return select(model).where(column.in_(visible_factory_ids(user)))
