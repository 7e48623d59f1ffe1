"""A programme's factories and their advisors, as the programme admin keeps them.

Factories are never deleted (their history stays); a deactivated factory disappears from
every role's pages but the admin's. Each active factory has exactly one lead EA at a time;
reassigning ends the current assignment, so the history shows who advised when, and the
new EA's inbox and queues follow at once (tenancy reads the current assignments).
"""

from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from ...extensions import db
from ...models import EAAssignment, Factory, Role, User
from .. import audit
from ..people.management import PeopleError

FACTORY_FIELDS = ("name", "address", "contact_name", "phone", "email")


class AdminError(PeopleError):
    """A refused administrative change, with a message for the user."""


def _now() -> datetime:
    return datetime.now(UTC)


def advisors(programme_id: int) -> list[User]:
    """The programme's active EAs, to choose from."""
    return list(db.session.scalars(
        select(User).where(User.role == Role.EA, User.programme_id == programme_id, User.active).order_by(User.name)
    ))


def _check_ea(programme_id: int, ea: User | None) -> User:
    if ea is None or ea.role is not Role.EA or ea.programme_id != programme_id or not ea.active:
        raise AdminError(_l("Choose an active Enterprise Advisor of this programme."), "ea_id")
    return ea


def search_factories(programme_id: int, q: str = "", status: str = "active", ea_id: int | None = None) -> Select:
    """The programme's factories by name, filtered; page it, then ask ``lead_advisors``."""
    query = select(Factory).where(Factory.programme_id == programme_id)
    if q.strip():
        query = query.where(func.lower(Factory.name).like(f"%{q.strip().lower()}%"))
    if status == "active":
        query = query.where(Factory.active)
    elif status == "inactive":
        query = query.where(Factory.active.is_(False))
    if ea_id:
        # Any current assignment, lead or supporting.
        current = select(EAAssignment.factory_id).where(EAAssignment.ea_id == ea_id, EAAssignment.ended_at.is_(None))
        query = query.where(Factory.id.in_(current))
    return query.order_by(func.lower(Factory.name), Factory.id)


def lead_advisors(factory_ids) -> dict[int, User]:
    """factory id -> its current lead EA, for a page of factories in one query."""
    rows = db.session.execute(
        select(EAAssignment.factory_id, User)
        .join(User, User.id == EAAssignment.ea_id)
        .where(EAAssignment.factory_id.in_(list(factory_ids)), EAAssignment.ended_at.is_(None), EAAssignment.is_lead)
    )
    return {factory_id: ea for factory_id, ea in rows}


def create_factory(actor: User, programme, data: dict, lead_ea: User) -> Factory:
    _check_ea(programme.id, lead_ea)
    factory = Factory(programme=programme, **{k: (data.get(k) or "").strip() for k in FACTORY_FIELDS})
    db.session.add(factory)
    db.session.flush()
    db.session.add(EAAssignment(ea=lead_ea, factory=factory, is_lead=True, assigned_by_id=actor.id))
    audit.record(actor, "factory.create", factory, programme_id=programme.id,
                 changes={**audit.values(factory, FACTORY_FIELDS), "lead_ea": lead_ea.email})
    return factory


def update_factory(actor: User, factory: Factory, data: dict) -> None:
    before = audit.values(factory, FACTORY_FIELDS)
    for key in FACTORY_FIELDS:
        setattr(factory, key, (data.get(key) or "").strip())
    changed = audit.changes(before, audit.values(factory, FACTORY_FIELDS))
    if changed:
        factory.updated_at, factory.updated_by_id = _now(), actor.id
        audit.record(actor, "factory.edit", factory, programme_id=factory.programme_id, changes=changed)


def set_factory_active(actor: User, factory: Factory, active: bool) -> None:
    if factory.active == active:
        return
    if active and current_lead(factory) is None:
        raise AdminError(_l("Assign a lead Enterprise Advisor before reactivating the factory."), "ea_id")
    factory.active = active
    audit.record(actor, "factory.reactivate" if active else "factory.deactivate", factory,
                 programme_id=factory.programme_id, changes={"active": [not active, active]})


def current_assignments(factory: Factory) -> list[EAAssignment]:
    return list(db.session.scalars(
        select(EAAssignment).where(EAAssignment.factory_id == factory.id, EAAssignment.ended_at.is_(None))
        .order_by(EAAssignment.is_lead.desc(), EAAssignment.started_at)
    ))


def current_lead(factory: Factory) -> EAAssignment | None:
    return next((a for a in current_assignments(factory) if a.is_lead), None)


def assignment_history(factory: Factory) -> list[EAAssignment]:
    return list(db.session.scalars(
        select(EAAssignment).where(EAAssignment.factory_id == factory.id)
        .order_by(EAAssignment.started_at.desc(), EAAssignment.id.desc())
    ))


def assign_lead(actor: User, factory: Factory, ea: User | None) -> EAAssignment:
    """Make ``ea`` the factory's lead EA; the current lead's assignment ends now. An EA who
    was supporting the factory becomes its lead (the supporting assignment ends)."""
    ea = _check_ea(factory.programme_id, ea)
    now = _now()
    current = current_assignments(factory)
    lead = next((a for a in current if a.is_lead), None)
    if lead is not None and lead.ea_id == ea.id:
        raise AdminError(_l("This advisor already leads this factory."), "ea_id")
    for assignment in current:
        if assignment.is_lead or assignment.ea_id == ea.id:
            assignment.ended_at = now
    db.session.flush()  # the partial unique index allows one current lead
    new = EAAssignment(ea=ea, factory=factory, is_lead=True, assigned_by_id=actor.id, started_at=now)
    db.session.add(new)
    audit.record(actor, "assignment.lead", factory, programme_id=factory.programme_id,
                 changes={"lead_ea": [lead.ea.email if lead else None, ea.email]})
    return new


def add_supporting(actor: User, factory: Factory, ea: User | None) -> EAAssignment:
    ea = _check_ea(factory.programme_id, ea)
    if any(a.ea_id == ea.id for a in current_assignments(factory)):
        raise AdminError(_l("This advisor is already assigned to this factory."), "ea_id")
    new = EAAssignment(ea=ea, factory=factory, is_lead=False, assigned_by_id=actor.id, started_at=_now())
    db.session.add(new)
    audit.record(actor, "assignment.support", factory, programme_id=factory.programme_id,
                 changes={"supporting_ea": [None, ea.email]})
    return new


def end_assignment(actor: User, assignment: EAAssignment) -> None:
    """End a supporting assignment (a lead is replaced, never just ended)."""
    if assignment.ended_at is not None:
        return
    if assignment.is_lead:
        raise AdminError(_l("Choose a new lead advisor instead; a factory always has one."))
    assignment.ended_at = _now()
    audit.record(actor, "assignment.end", assignment.factory, programme_id=assignment.factory.programme_id,
                 changes={"supporting_ea": [assignment.ea.email, None]})
