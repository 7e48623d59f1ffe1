"""Catalogues per programme (DOMAIN.md): clusters with their compliance points, root causes,
"raised by" sources and training courses, and the programme's own wording of the report
questions. A programme admin keeps them; every other part of the portal lists and accepts
only the rows of the factory's own programme.

Submitted reports never change when a catalogue does: report_snapshot freezes the names
and wording a report was submitted with.

Operations add to the session and flush; the caller commits.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select

from ...config import LOCALES
from ...extensions import db
from ...models import Cluster, CompliancePoint, RaisedBy, RootCause, TrainingCourse
from ...seeds import catalogue as seed
from .. import audit
from ..errors import DomainError

# The ids an IP item or a finding may hold, and the catalogue each comes from.
REFERENCES = {"cluster_id": Cluster, "compliance_point_id": CompliancePoint, "root_cause_id": RootCause,
              "raised_by_id": RaisedBy}
MAX_QUESTION_TEXT = 1000


class CatalogueError(DomainError, ValueError):
    """A refused change; ``args``: (message for the user, the field it concerns)."""

    def __init__(self, message, field: str = "name"):
        super().__init__(message, field)
        self.message, self.field = message, field


class ForeignEntry(DomainError, ValueError):
    """A catalogue id that is not of the programme in question (or does not exist)."""


# --- creating a programme's catalogue --------------------------------------------------

def _count(model, programme_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(model.programme_id == programme_id))


def seed_programme_catalogue(programme, *, courses: bool = True) -> None:
    """Copy the standard catalogue (bwportal/seeds/catalogue.py, and the training courses of
    DOMAIN.md unless ``courses`` is False) into ``programme``. A catalogue the programme
    already has rows of is left as it is, so running it again adds nothing."""
    pid = programme.id
    if not _count(Cluster, pid):
        cluster_ids = db.session.scalars(
            insert(Cluster).returning(Cluster.id, sort_by_parameter_order=True),
            [dict(programme_id=pid, name=name, name_translations={}, position=i, active=True)
             for i, (name, _points) in enumerate(seed.CLUSTERS, start=1)],
        ).all()
        db.session.execute(insert(CompliancePoint), [
            dict(cluster_id=cluster_id, name=name, name_translations={}, position=j, active=True,
                 publicly_reported=public, needs_worker_interviews=interviews)
            for cluster_id, (_cluster, points) in zip(cluster_ids, seed.CLUSTERS, strict=True)
            for j, (name, public, interviews) in enumerate(points, start=1)
        ])
    for model, names in ((RootCause, seed.ROOT_CAUSES), (RaisedBy, seed.RAISED_BY)):
        if not _count(model, pid):
            db.session.execute(insert(model), [dict(programme_id=pid, name=n, name_translations={}, position=i,
                                                    active=True) for i, n in enumerate(names, start=1)])
    if courses and not _count(TrainingCourse, pid):
        from ..annexes.training import COURSE_CATALOGUE

        db.session.execute(insert(TrainingCourse), [dict(programme_id=pid, name=name, name_translations={},
                                                         days=days, active=True)
                                                    for name, days in COURSE_CATALOGUE])
    db.session.flush()


# --- what a programme's pages list ----------------------------------------------------

def clusters_of(programme_id: int, active_only: bool = True) -> list[Cluster]:
    q = select(Cluster).where(Cluster.programme_id == programme_id)
    if active_only:
        q = q.where(Cluster.active)
    return list(db.session.scalars(q.order_by(Cluster.position, Cluster.id)))


def points_of(programme_id: int, active_only: bool = True) -> list[CompliancePoint]:
    """The programme's compliance points in catalogue order (cluster, then point)."""
    q = select(CompliancePoint).join(Cluster, Cluster.id == CompliancePoint.cluster_id).where(
        Cluster.programme_id == programme_id)
    if active_only:
        q = q.where(CompliancePoint.active)
    return list(db.session.scalars(q.order_by(Cluster.position, CompliancePoint.position, CompliancePoint.id)))


def root_causes_of(programme_id: int, active_only: bool = True) -> list[RootCause]:
    return _flat(RootCause, programme_id, active_only)


def raised_by_of(programme_id: int, active_only: bool = True) -> list[RaisedBy]:
    return _flat(RaisedBy, programme_id, active_only)


def courses_of(programme_id: int) -> list[TrainingCourse]:
    """Every course of the programme, active or not (the training pages offer the active
    ones), in the standard catalogue's order, then by name."""
    from ..annexes.training import COURSE_CATALOGUE

    order = {name: i for i, (name, _days) in enumerate(COURSE_CATALOGUE)}
    courses = db.session.scalars(select(TrainingCourse).where(TrainingCourse.programme_id == programme_id))
    return sorted(courses, key=lambda c: (order.get(c.name, len(order)), c.name))


def _flat(model, programme_id: int, active_only: bool):
    q = select(model).where(model.programme_id == programme_id)
    if active_only:
        q = q.where(model.active)
    return list(db.session.scalars(q.order_by(model.position, model.id)))


def row_by_name(model, programme_id: int, name: str):
    """A row of the programme's catalogue by its English name (demo data, tests)."""
    if model is CompliancePoint:
        return db.session.scalar(select(CompliancePoint).join(Cluster, Cluster.id == CompliancePoint.cluster_id)
                                 .where(Cluster.programme_id == programme_id, CompliancePoint.name == name)
                                 .order_by(Cluster.position).limit(1))
    return db.session.scalar(select(model).where(model.programme_id == programme_id, model.name == name))


def programme_id_of(entry) -> int:
    if isinstance(entry, CompliancePoint):
        return entry.cluster.programme_id
    return entry.programme_id


def entry_of(model, entry_id, programme_id: int):
    """The row ``entry_id`` of ``model`` if it is the programme's, else None."""
    entry = db.session.get(model, entry_id) if isinstance(entry_id, int) else None
    if entry is None or programme_id_of(entry) != programme_id:
        return None
    return entry


def check_references(programme_id: int, values: dict) -> None:
    """Refuse (ForeignEntry) catalogue ids in ``values`` that are not the programme's."""
    for field, model in REFERENCES.items():
        value = values.get(field)
        if value is not None and entry_of(model, value, programme_id) is None:
            raise ForeignEntry(field)


# --- the admin's edits ----------------------------------------------------------------

# What each kind of entry holds besides its name and wording, as the admin edits it.
FIELDS = {
    Cluster: ("name", "name_translations", "active"),
    CompliancePoint: ("name", "name_translations", "active", "cluster_id", "publicly_reported",
                      "needs_worker_interviews"),
    RootCause: ("name", "name_translations", "active"),
    RaisedBy: ("name", "name_translations", "active"),
    TrainingCourse: ("name", "name_translations", "active", "days"),
}
MAX_COURSE_DAYS = 60


def _name_taken(model, programme_id: int, name: str, entry, cluster_id=None) -> bool:
    if model is CompliancePoint:
        q = select(CompliancePoint.id).where(CompliancePoint.cluster_id == cluster_id, CompliancePoint.name == name)
    else:
        q = select(model.id).where(model.programme_id == programme_id, model.name == name)
    if entry is not None:
        q = q.where(model.id != entry.id)
    return db.session.scalar(q.limit(1)) is not None


def _next_position(model, programme_id: int, cluster_id=None) -> int:
    if model is CompliancePoint:
        q = select(func.max(CompliancePoint.position)).where(CompliancePoint.cluster_id == cluster_id)
    else:
        q = select(func.max(model.position)).where(model.programme_id == programme_id)
    return (db.session.scalar(q) or 0) + 1


def save_entry(actor, programme, model, entry, data: dict):
    """Create (``entry`` None) or change an entry of the programme's catalogue and record it
    in the audit trail. ``data``: the values of FIELDS[model] (translations by locale)."""
    if entry is not None and programme_id_of(entry) != programme.id:
        raise ForeignEntry(model.__tablename__)
    fields = FIELDS[model]
    values = {k: data[k] for k in fields}
    values["name"] = (values["name"] or "").strip()
    values["name_translations"] = {code: text.strip() for code, text in (values["name_translations"] or {}).items()
                                   if code in LOCALES and code != "en" and (text or "").strip()}
    if model is CompliancePoint and entry_of(Cluster, values["cluster_id"], programme.id) is None:
        raise CatalogueError(_l("Please choose one of the listed options."), "cluster_id")
    if model is TrainingCourse and not (isinstance(values["days"], int) and 1 <= values["days"] <= MAX_COURSE_DAYS):
        raise CatalogueError(_l("Please enter a whole number of days from 1 to %(max)d.", max=MAX_COURSE_DAYS),
                             "days")
    if not values["name"]:
        raise CatalogueError(_l("Please enter a name."))
    if _name_taken(model, programme.id, values["name"], entry, values.get("cluster_id")):
        raise CatalogueError(_l("This name is already in the catalogue."))
    before = audit.values(entry, fields) if entry is not None else {}
    if entry is None:
        if model is CompliancePoint:
            entry = model(position=_next_position(model, programme.id, values["cluster_id"]))
        elif model is TrainingCourse:
            entry = model(programme_id=programme.id)
        else:
            entry = model(programme_id=programme.id, position=_next_position(model, programme.id))
        db.session.add(entry)
    for key, value in values.items():
        setattr(entry, key, value)
    db.session.flush()
    changed = audit.changes(before, audit.values(entry, fields))
    if changed:
        audit.record(actor, "catalogue.edit", entry, programme_id=programme.id, changes=changed)
    return entry


# --- the programme's wording of the report questions -------------------------------------

class QuestionError(DomainError, ValueError):
    """Refused wording; ``errors``: {field name: message}."""

    def __init__(self, errors: dict):
        super().__init__(errors)
        self.errors = errors


def question_wording(programme, kind, section) -> dict:
    """{question key: {"hidden": bool, "label": {locale: text}}} as the programme has them."""
    from ..reports.spec import question_path

    overrides = programme.question_overrides or {}
    out = {}
    for q in section.questions:
        entry = overrides.get(question_path(kind, section, q)) or {}
        out[q.key] = {"hidden": bool(entry.get("hidden")), "label": dict(entry.get("label") or {})}
    return out


def save_question_wording(actor, programme, kind, section, wording: dict) -> dict:
    """Save the programme's wording of one report section's questions.

    ``wording``: {question key: {"hidden": bool, "label": {locale: text}}}; an empty text
    means the portal's own translation. A required question cannot be hidden (a report could
    never be submitted). Returns {question path: [before, after]} for what changed."""
    from ..reports.spec import question_path

    errors = {}
    for q in section.questions:
        wanted = wording.get(q.key) or {}
        if wanted.get("hidden") and q.required:
            errors[f"{q.key}__hidden"] = _l("This question must be answered before a report is submitted, so it "
                                            "cannot be hidden.")
        for code, text in (wanted.get("label") or {}).items():
            if code not in LOCALES:
                errors[f"{q.key}__{code}"] = _l("That language is not available.")
            elif len((text or "").strip()) > MAX_QUESTION_TEXT:
                errors[f"{q.key}__{code}"] = _l("Please keep this to %(max)d characters or fewer.",
                                                max=MAX_QUESTION_TEXT)
    if errors:
        raise QuestionError(errors)
    overrides = {path: dict(entry) for path, entry in (programme.question_overrides or {}).items()}
    changed = {}
    for q in section.questions:
        path = question_path(kind, section, q)
        wanted = wording.get(q.key) or {}
        before = overrides.get(path, {})
        after = {k: v for k, v in before.items() if k not in ("hidden", "label")}  # anything else stays
        label = {code: text.strip() for code, text in (wanted.get("label") or {}).items() if (text or "").strip()}
        if label:
            after["label"] = {code: label[code] for code in LOCALES if code in label}
        if wanted.get("hidden"):
            after["hidden"] = True
        if after != before:
            changed[path] = [before or None, after or None]
        if after:
            overrides[path] = after
        else:
            overrides.pop(path, None)
    if changed:
        programme.question_overrides = overrides  # a new dict, so the change is saved
        audit.record(actor, "questions.edit", programme, programme_id=programme.id,
                     label=f"{programme.name}: {kind.value}.{section.key}", changes=changed)
        db.session.flush()
    return changed
