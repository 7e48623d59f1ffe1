"""The audit trail: every administrative change is recorded with who, when, what and from
where. Operations call ``record`` in the same transaction as the change, so an action and
its record commit or fail together."""

import enum
from contextvars import ContextVar
from datetime import date, datetime

from sqlalchemy import Select, select

from ..extensions import db
from ..models import AuditEvent, User

# The client address of the request being served; set by the web layer for each request.
REMOTE_ADDR: ContextVar[str] = ContextVar("remote_addr", default="")


def _plain(value):
    """A JSON-safe form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def values(obj, fields) -> dict:
    """The current values of ``fields`` on ``obj``, to compare after an edit."""
    return {field: _plain(getattr(obj, field)) for field in fields}


def changes(before: dict, after: dict) -> dict:
    """{field: [before, after]} for the fields whose value changed."""
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def record(actor: User | None, action: str, obj=None, *, programme_id: int | None = None,
           label: str = "", changes: dict | None = None) -> AuditEvent:
    if programme_id is None and actor is not None:
        programme_id = actor.home_programme.id if actor.home_programme is not None else None
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        programme_id=programme_id,
        action=action,
        object_type=obj.__tablename__ if obj is not None else "",
        object_id=getattr(obj, "id", None),
        object_label=(label or getattr(obj, "name", "") or getattr(obj, "email", "") or "")[:300],
        changes=_plain(changes or {}),
        remote_addr=REMOTE_ADDR.get()[:45],
    )
    db.session.add(event)
    return event


def events_for(programme_id: int, action: str | None = None, actor_email: str | None = None) -> Select:
    """The programme's events, newest first, optionally for one action or actor."""
    q = select(AuditEvent).where(AuditEvent.programme_id == programme_id)
    if action:
        q = q.where(AuditEvent.action.startswith(action))
    if actor_email:
        q = q.join(User, User.id == AuditEvent.actor_id).where(User.email.contains(actor_email.strip().lower()))
    return q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
