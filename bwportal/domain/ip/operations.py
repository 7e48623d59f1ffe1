"""Every change to an IP item goes through here, and each writes the item's timeline (IP-9).

Functions set fields and add timeline entries in the current session; the caller commits,
so the change and its history land in one transaction.
"""

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...extensions import db
from ...models import AdvisoryVisit, Cycle, EventKind, Finding, IPEvent, IPItem, IPStatus, Origin, Role
from .. import audit
from ..errors import Conflict, DomainError
from ..locking import locked
from ..notices import notify as notices
from ..policy import ip_field_writable, ip_status_settable
from ..programmes.catalogues import ForeignEntry, check_references
from ..time import factory_today
from .status import (
    CHECKS,
    InterviewWait,
    NotRepeatedReview,
    completion_blockers,
    completion_date_problem,
    interview_wait,
    is_overdue,
)

# IP-4: what every item must have once the factory has worked on it ([36]–[42] of the guide).
REQUIRED_FIELDS = ("root_cause_id", "actions_needed", "lead_person", "target_date", "progress")
# An item the factory puts forward itself must also say what and where.
REQUIRED_FOR_NEW_ADVISORY = ("area_of_improvement", "cluster_id", "compliance_point_id")
# Fields that hold a catalogue row: only the factory's programme's rows are accepted.
REFERENCE_FIELDS = ("cluster_id", "compliance_point_id", "root_cause_id", "raised_by_id")


class IPError(DomainError):
    """A change the rules refuse; ``args[0]`` is a translatable message."""


class FieldNotWritable(IPError):
    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


class StatusNotAllowed(IPError):
    pass


class ForeignCatalogueEntry(IPError):
    """A cluster, compliance point, root cause or source that is not of the factory's programme."""

    def __init__(self, field: str):
        super().__init__(field)
        self.field = field


def _check_catalogue(programme_id: int, values: dict) -> None:
    try:
        check_references(programme_id, values)
    except ForeignEntry as refused:
        raise ForeignCatalogueEntry(refused.args[0]) from None


class StaleItem(IPError):
    """Saved by someone else since the form was opened."""


class BadCompletionDate(IPError):
    """A completion date in the future or before the item came to exist; ``args[0]``: the message."""


class CannotComplete(IPError):
    def __init__(self, reasons: list):
        super().__init__(reasons)
        self.reasons = reasons


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value) -> str | None:
    """How a value is kept in the timeline."""
    if value is None:
        return None
    if isinstance(value, IPStatus):
        return value.value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def record(item: IPItem, kind: EventKind, actor, *, field=None, old=None, new=None, body="") -> IPEvent:
    event = IPEvent(item=item, factory_id=item.factory_id, kind=kind, actor_id=actor.id if actor else None,
                    field=field, old_value=_text(old), new_value=_text(new), body=body or "")
    db.session.add(event)
    return event


def _set_status(item: IPItem, status: IPStatus, actor, body="") -> None:
    if item.status is not status:
        record(item, EventKind.STATUS, actor, field="status", old=item.status, new=status, body=body)
        item.status = status


def create_item(factory, actor, cycle: Cycle, origin: Origin, values: dict, *, finding: Finding | None = None,
                visit: AdvisoryVisit | None = None, raised_by_id: int | None = None) -> IPItem:
    _check_catalogue(factory.programme_id, {**values, "raised_by_id": raised_by_id})
    item = IPItem(factory_id=factory.id, programme_id=factory.programme_id, cycle_id=cycle.id, origin=origin,
                  created_by_id=actor.id if actor else None, advisory_visit_id=visit.id if visit else None,
                  raised_by_id=raised_by_id, status=IPStatus.PENDING)
    for field, value in values.items():
        setattr(item, field, value)
    db.session.add(item)
    if finding is not None:
        finding.ip_item = item
    record(item, EventKind.CREATED, actor)
    return item


def item_from_finding(finding: Finding, actor) -> IPItem:
    """An assessment finding becomes an IP item; Better Work's fields come from the report."""
    point = finding.compliance_point
    return create_item(
        finding.cycle.factory, actor, finding.cycle, Origin.ASSESSMENT,
        {"area_of_improvement": finding.text, "cluster_id": finding.cluster_id,
         "compliance_point_id": finding.compliance_point_id, "publicly_reported": finding.publicly_reported,
         "needs_worker_interviews": point.needs_worker_interviews},
        finding=finding,
    )


def update_item(item: IPItem, actor, changes: dict, expected_version: int, today: date) -> list[str]:
    """Apply ``changes`` (field -> parsed value) as ``actor``; returns the fields that changed.

    Every field is checked against the ownership table (IP-2) and statuses against IP-3:
    a refused field raises, nothing is silently dropped.
    """
    if expected_version != item.version:
        raise StaleItem()
    wanted_status = changes.pop("status", None)
    references = {k: v for k, v in changes.items() if k in REFERENCE_FIELDS and getattr(item, k) != v}
    if references:
        _check_catalogue(item.cycle.factory.programme_id, references)
    changed = []
    for field, value in changes.items():
        if getattr(item, field) == value:
            continue
        if not ip_field_writable(actor, field, item.origin):
            raise FieldNotWritable(field)
        if field == "completion_date" and item.status is not IPStatus.COMPLETED:
            raise FieldNotWritable(field)  # IP-3, IP-5: set by the verification, after its checks
        if field == "completion_date" and value is not None:
            problem = completion_date_problem(item, value, today)
            if problem:
                raise BadCompletionDate(problem)
        record(item, EventKind.FIELD, actor, field=field, old=getattr(item, field), new=value)
        setattr(item, field, value)
        changed.append(field)
    if wanted_status is not None:
        _apply_status_choice(item, actor, wanted_status, today)
    if changed or wanted_status is not None:
        item.updated_at = _now()
    return changed


def _apply_status_choice(item: IPItem, actor, wanted: IPStatus, today: date) -> None:
    current = item.status
    if current is IPStatus.COMPLETED and wanted is IPStatus.COMPLETED:
        return
    # Delayed stays while the target date has passed; choosing Pending/In Progress is
    # then remembered only once the date moves (IP-3).
    if current is IPStatus.DELAYED and wanted in (IPStatus.PENDING, IPStatus.IN_PROGRESS) and is_overdue(item, today):
        if not ip_status_settable(actor, wanted):
            raise StatusNotAllowed(wanted)
        return
    if wanted is current:
        return
    if not ip_status_settable(actor, wanted) or (current is IPStatus.COMPLETED and actor.role is not Role.EA):
        raise StatusNotAllowed(wanted)
    if current is IPStatus.COMPLETED:  # the EA reopens the item
        record(item, EventKind.FIELD, actor, field="completion_date", old=item.completion_date, new=None)
        item.completion_date = None
        item.completed_by_id = None
    _set_status(item, wanted, actor)


def mark_overdue_delayed(items, today_for, actor=None) -> int:
    """The daily job's rule: open items past their target date become Delayed, with history.
    ``today_for(item)`` gives today in the item's programme time zone."""
    count = 0
    for item in items:
        if item.status in (IPStatus.PENDING, IPStatus.IN_PROGRESS) and is_overdue(item, today_for(item)):
            _set_status(item, IPStatus.DELAYED, actor)
            count += 1
    return count


def report_remediated(item: IPItem, actor, note: str) -> None:
    if not item.status.is_open:
        raise IPError("completed")
    if item.remediation_reported_at is not None:
        raise IPError("already reported")
    item.remediation_reported_at = _now()
    item.remediation_note = note
    record(item, EventKind.REMEDIATION_REPORTED, actor, body=note)


def _audit(item: IPItem, actor, action: str, changes: dict) -> None:
    factory = item.cycle.factory
    audit.for_factory(actor, action, item, factory, changes=changes,
                      label=f"{factory.name}: #{item.id} {item.area_of_improvement[:200]}")


class NotAwaitingVerification(IPError, Conflict):
    """The item's remediation was verified or returned since the page was shown."""

    def __init__(self):
        super().__init__(_l("This item is no longer waiting for verification: it was answered in the meantime."))


def _answerable(item: IPItem, seen_version: int | None) -> None:
    """Lock the item and check it is as the EA saw it (``seen_version``, the version the form
    was shown with) and not Completed: one answer, one notice, however often it is sent."""
    locked(item)
    if item.status is IPStatus.COMPLETED or (seen_version is not None and seen_version != item.version):
        raise NotAwaitingVerification()


def return_to_factory(item: IPItem, actor, comment: str, seen_version: int | None = None) -> None:
    _answerable(item, seen_version)
    if item.remediation_reported_at is None:
        raise NotAwaitingVerification()
    item.remediation_reported_at = None
    record(item, EventKind.VERIFICATION_RETURNED, actor, body=comment)
    notices.item_verified(item, actor, completed=False)
    _audit(item, actor, "ip.return", {"status": item.status})


def complete(item: IPItem, actor, completion_date: date, checks: dict[str, bool], today: date,
             review: NotRepeatedReview | None = None, seen_version: int | None = None) -> None:
    """The EA marks the item Completed after the three checks (IP-5), or, for an item the new
    assessment did not repeat, after the review with the committee (IP-8); unless it must wait
    for worker interviews (IP-6)."""
    _answerable(item, seen_version)
    wait = interviews_wait(item, today) if item.needs_worker_interviews else None
    reasons = completion_blockers(item, checks, wait, review)
    problem = completion_date_problem(item, completion_date, factory_today(item.cycle.factory))
    if problem:
        reasons.append(problem)
    if reasons:
        raise CannotComplete(reasons)
    status_before = item.status
    if item.review_with_committee:
        for field, value in (("grievance_mechanism_review", review.grievance_mechanism.strip()),
                             ("grievance_enhancement", review.enhancement.strip())):
            if getattr(item, field) != value:
                record(item, EventKind.FIELD, actor, field=field, old=getattr(item, field), new=value)
                setattr(item, field, value)
    else:
        for name, _label in CHECKS:
            setattr(item, name, True)
    record(item, EventKind.FIELD, actor, field="completion_date", old=item.completion_date, new=completion_date)
    item.completion_date = completion_date
    item.completed_by_id = actor.id
    item.remediation_reported_at = None
    item.review_with_committee = False
    _set_status(item, IPStatus.COMPLETED, actor)
    item.updated_at = _now()
    notices.item_verified(item, actor, completed=True)
    _audit(item, actor, "ip.verify", {"status": [status_before, item.status], "completion_date": completion_date})


def set_needs_worker_interviews(item: IPItem, actor, needed: bool) -> None:
    """IP-6: the EA decides whether an item waits for worker interviews at the next assessment."""
    if item.needs_worker_interviews is not needed:
        record(item, EventKind.FIELD, actor, field="needs_worker_interviews", old=item.needs_worker_interviews,
               new=needed)
        item.needs_worker_interviews = needed
        item.updated_at = _now()


def comment(item: IPItem, actor, body: str, kind: EventKind = EventKind.COMMENT) -> IPEvent:
    return record(item, kind, actor, body=body)


def interviews_wait(item: IPItem, today: date) -> InterviewWait:
    """IP-6 for ``item`` on ``today``: the cycle of its latest finding (merged repeats included)
    and the assessments of later cycles released by today, each with whether it found the
    item's compliance point again; the rule is ``status.interview_wait``. Two queries."""
    latest = db.session.scalar(
        select(func.max(Cycle.number)).join(Finding, Finding.cycle_id == Cycle.id).where(Finding.ip_item_id == item.id)
    ) or item.cycle.number
    later = db.session.execute(
        select(Cycle.id, Cycle.number).where(Cycle.factory_id == item.factory_id, Cycle.number > latest,
                                             Cycle.report_release_date.is_not(None),
                                             Cycle.report_release_date <= today)
    ).all()
    found = set(db.session.scalars(select(Finding.cycle_id).where(
        Finding.cycle_id.in_([row.id for row in later]), Finding.compliance_point_id == item.compliance_point_id,
    ))) if later and item.compliance_point_id is not None else set()
    return interview_wait(latest, {row.number: row.id in found for row in later},
                          assessed=item.origin is Origin.ASSESSMENT, flagged_not_repeated=item.review_with_committee)
