"""How IP fields are named and shown, shared by the forms, the timeline and the export."""

from datetime import date

from flask import g
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Cluster, CompliancePoint, IPStatus, RaisedBy, RootCause

FIELD_LABELS = {
    "area_of_improvement": _l("Area of improvement"),
    "cluster_id": _l("Cluster"),
    "compliance_point_id": _l("Compliance point"),
    "root_cause_id": _l("Root cause"),
    "root_cause_description": _l("Root cause description"),
    "actions_needed": _l("Description of actions needed"),
    "lead_person": _l("Lead person"),
    "additional_persons": _l("Additional persons"),
    "status": _l("Status"),
    "progress": _l("Progress"),
    "no_progress": _l("No progress has been made"),
    "key_work_ahead": _l("Key work ahead"),
    "target_date": _l("Target date"),
    "completion_date": _l("Completion date"),
    "finding": _l("Finding"),
    "needs_worker_interviews": _l("Needs worker interviews before completion"),
    "grievance_mechanism_review": _l("Effectiveness of the grievance mechanism"),
    "grievance_enhancement": _l("Enhancements made to the grievance mechanism"),
}

_CATALOGUES = {
    "cluster_id": Cluster,
    "compliance_point_id": CompliancePoint,
    "root_cause_id": RootCause,
    "raised_by_id": RaisedBy,
}


def _catalogue(model) -> dict:
    """All rows of a catalogue by id, loaded once per request (labels, not N+1 queries)."""
    cache = g.setdefault("catalogue_cache", {})
    if model not in cache:
        cache[model] = {row.id: row for row in db.session.scalars(select(model))}
    return cache[model]


def describe(field: str, raw: str | None) -> str:
    """A timeline value (as stored by domain.ip_operations) in the reader's language."""
    if raw is None or raw == "":
        return "—"
    if field in _CATALOGUES:
        row = _catalogue(_CATALOGUES[field]).get(int(raw))
        return row.label if row else "—"
    if field == "status":
        return str(IPStatus(raw).label)
    if field in ("target_date", "completion_date"):
        return format_date(date.fromisoformat(raw), "medium")
    if field in ("no_progress", "needs_worker_interviews"):
        return str(_l("Yes")) if raw == "1" else str(_l("No"))
    return raw
