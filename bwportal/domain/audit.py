"""The audit trail: every administrative change, sign-in, workflow decision, verification,
export and download is recorded with who, when, what and from where. Operations call
``record`` in the same transaction as the change, so an action and its record commit or
fail together; a download commits its record before the file is sent."""

import enum
from contextvars import ContextVar
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
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


def for_factory(actor: User | None, action: str, obj, factory, *, label: str = "",
                changes: dict | None = None) -> AuditEvent:
    """An event about a factory's data: its programme's admins read it, whoever the actor is."""
    return record(actor, action, obj, programme_id=factory.programme_id, label=label, changes=changes)


def masked_email(typed: str) -> str:
    """What the trail keeps of an e-mail address that matches no account: its first letter
    and its domain. Enough to spot an attack on one organisation; not someone's address, and
    never a password typed into the wrong box (text without an "@" is not kept at all)."""
    typed = (typed or "").strip().lower()
    local, at, domain = typed.rpartition("@")
    if not at or not local or not domain or " " in typed:
        return ""
    return f"{local[0]}…@{domain}"[:80]


# Readable names of the actions, by area, for the trail and its filter. An action missing
# here is shown by its code.
AREAS: dict[str, tuple] = {
    "auth": (_l("Sign-in"), {
        "auth.sign_in": _l("Signed in"),
        "auth.sign_in_failed": _l("Sign-in refused"),
        "auth.sign_out": _l("Signed out"),
        "auth.sign_out_everywhere": _l("Signed out on every device"),
        "auth.password_change": _l("Changed their password"),
        "auth.password_reset": _l("Chose a new password from a reset link"),
    }),
    "user": (_l("People"), {
        "user.invite": _l("Invited a person"),
        "user.invitation_revoke": _l("Revoked an invitation"),
        "user.join": _l("Accepted an invitation"),
        "user.edit": _l("Changed a person's account"),
        "user.deactivate": _l("Deactivated an account"),
        "user.reactivate": _l("Reactivated an account"),
    }),
    "report": (_l("Progress reports"), {
        "report.submit": _l("Submitted a report"),
        "report.approve": _l("Approved a report"),
        "report.send_back": _l("Sent a report back"),
        "report.release": _l("Released a report"),
    }),
    "ip": (_l("Improvement Plan"), {
        "ip.verify": _l("Verified an item as Completed"),
        "ip.return": _l("Returned an item to the factory"),
        "ip.export": _l("Exported the Improvement Plan"),
    }),
    "public_response": (_l("Publicly reported issues"), {
        "public_response.verify": _l("Verified a response"),
        "public_response.unverify": _l("Marked a response Unverified"),
    }),
    "committee": (_l("Committee"), {
        "committee.accept": _l("Accepted a proposed change of members"),
        "committee.decline": _l("Declined a proposed change of members"),
    }),
    "training": (_l("Training"), {
        "training.register": _l("Registered a factory for a session"),
        "training.confirm": _l("Confirmed a training registration"),
        "training.decline": _l("Declined a training request"),
        "training.complete": _l("Marked a training as completed"),
        "training.cancel": _l("Cancelled a training registration"),
    }),
    "download": (_l("Downloads"), {
        "document.download": _l("Downloaded a PDF"),
        "evidence.download": _l("Downloaded an evidence file"),
    }),
    "factory": (_l("Factories"), {
        "factory.create": _l("Created a factory"),
        "factory.edit": _l("Changed a factory"),
        "factory.deactivate": _l("Deactivated a factory"),
        "factory.reactivate": _l("Reactivated a factory"),
    }),
    "assignment": (_l("Enterprise Advisors"), {
        "assignment.lead": _l("Assigned the lead advisor"),
        "assignment.support": _l("Added a supporting advisor"),
        "assignment.end": _l("Ended an advisor's assignment"),
    }),
    "subscription": (_l("Subscriptions"), {
        "subscription.request": _l("Asked to follow a factory"),
        "subscription.accept": _l("Accepted a subscription"),
        "subscription.decline": _l("Declined a subscription"),
        "subscription.revoke": _l("Revoked a subscription"),
        "buyer_organisation.create": _l("Added a buyer organisation"),
    }),
    "api": (_l("API"), {
        "api.token_create": _l("Created an API token"),
        "api.token_revoke": _l("Revoked an API token"),
        "api.use": _l("Read through the API"),
    }),
    "programme": (_l("Programme settings"), {
        "programme.edit": _l("Changed the programme settings"),
        "catalogue.edit": _l("Changed a catalogue"),
        "questions.edit": _l("Changed the report questions"),
    }),
}
ACTION_LABELS = {action: label for _area, actions in AREAS.values() for action, label in actions.items()}


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def events_for(programme_id: int, action: str | None = None, actor_email: str | None = None) -> Select:
    """The programme's events, newest first, optionally for one area (a key of AREAS), one
    action or actions beginning with ``action``, and one actor."""
    q = select(AuditEvent).where(AuditEvent.programme_id == programme_id)
    if action in AREAS:  # an area: its listed actions, and any newer one of its prefix
        q = q.where(AuditEvent.action.in_(list(AREAS[action][1])) | AuditEvent.action.startswith(action + "."))
    elif action:
        q = q.where(AuditEvent.action.startswith(action))
    if actor_email:
        q = q.join(User, User.id == AuditEvent.actor_id).where(User.email.contains(actor_email.strip().lower()))
    return q.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
