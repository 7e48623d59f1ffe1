"""The report state machine (PR-2) and the operations on reports, each recording evidence.

Draft → Submitted → Approved (final) for PR1, sent back to Draft with the EA's comments;
PR2 is written by the EA and released from Draft to final. The model layer refuses any
write to a section of a report that is not a draft (see ``guard_report_writes``).
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, inspect, select
from sqlalchemy.orm import Session, defer

from ..extensions import db
from ..models import (
    Cycle,
    Finding,
    IPItem,
    IPStatus,
    Origin,
    ProgressReport,
    ReportComment,
    ReportKind,
    ReportSection,
    ReportStatus,
    ReportTransition,
    Role,
)
from . import audit, notices, report_snapshot, subscriptions
from .deadlines import PR1_DUE_AFTER  # PR-3: due 30 days after the assessment report's release
from .report_spec import missing_required

D, S, A = ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED

# (kind, action) -> (from, to, role that may fire it, comment required)
TRANSITIONS: dict[tuple[ReportKind, str], tuple[ReportStatus, ReportStatus, Role, bool]] = {
    (ReportKind.PR1, "submit"): (D, S, Role.FACTORY, False),
    (ReportKind.PR1, "approve"): (S, A, Role.EA, False),
    (ReportKind.PR1, "send_back"): (S, D, Role.EA, True),
    (ReportKind.PR2, "release"): (D, A, Role.EA, False),
}

# Who writes the sections of each kind (PR-7: the EA never edits the factory's words).
AUTHORS = {ReportKind.PR1: Role.FACTORY, ReportKind.PR2: Role.EA}



class WorkflowError(Exception):
    """A refused transition or write; ``args[0]`` is a message for the user."""


class ReportLocked(WorkflowError):
    """A write to a report that is not a draft."""


def _role(user) -> Role | None:
    """The role acting; None for no one (anonymous, or a deactivated account), who may do nothing."""
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "active", False):
        return None
    return user.role


def allowed_actions(report: ProgressReport, user) -> list[str]:
    return [action for (kind, action), (src, _dst, role, _c) in TRANSITIONS.items()
            if kind is report.kind and src is report.status and _role(user) is role]


def may_write(report: ProgressReport, user) -> bool:
    return report.status is D and _role(user) is AUTHORS[report.kind]


def fire(report: ProgressReport, action: str, user, comment: str = "") -> None:
    """Move the report along one transition, recording who, when and why."""
    spec = TRANSITIONS.get((report.kind, action))
    if spec is None or spec[0] is not report.status:
        raise WorkflowError(_l("This report cannot do that in its current state."))
    src, dst, role, needs_comment = spec
    if _role(user) is not role:
        raise WorkflowError(_l("Your account may not do this."))
    if needs_comment and not comment.strip():
        raise WorkflowError(_l("Please say what the factory should change."))
    if dst in (S, A) and src is D:
        missing = missing_required(report.kind, report.factory.programme, answers_by_section(report))
        if missing:
            raise WorkflowError(_l("Please answer every required question before sending the report."))
        report.snapshot = report_snapshot.take(report)  # PR-8: frozen as of this moment
    if dst is D:
        report.snapshot = None  # sent back: the next submission freezes a new snapshot
    report.status = dst
    now = datetime.now(UTC)
    if dst is S:
        report.submitted_at = now
    if dst is A:
        report.approved_at = now
    db.session.add(ReportTransition(report_id=report.id, factory_id=report.factory_id, action=action,
                                    from_status=src, to_status=dst, actor_id=user.id, comment=comment.strip()))
    notices.report_moved(report, action, user)  # JOB-2, PR-9: in this same transaction
    factory = report.factory
    audit.for_factory(user, f"report.{action}", report, factory,
                      label=f"{factory.name}: {report.kind.value.upper()} {report.report_date.isoformat()}",
                      changes={"kind": report.kind.value, "status": [src.value, dst.value]})


def answers_by_section(report: ProgressReport) -> dict[str, dict]:
    return {s.key: s.answers or {} for s in report.sections}


def create_report(factory, cycle: Cycle, kind: ReportKind, report_date: date, user) -> ProgressReport:
    if open_report(cycle, kind) is not None:
        raise WorkflowError(_l("This cycle already has a report in progress. A new one can be created once it "
                               "is final."))
    report = ProgressReport(factory_id=factory.id, cycle_id=cycle.id, kind=kind, report_date=report_date,
                            status=D, created_by_id=user.id if user is not None else None)
    db.session.add(report)
    return report


def open_report(cycle: Cycle, kind: ReportKind) -> ProgressReport | None:
    return db.session.scalar(select(ProgressReport).where(
        ProgressReport.cycle_id == cycle.id, ProgressReport.kind == kind, ProgressReport.status != A))


def save_section(report: ProgressReport, key: str, answers: dict, user, expected_version: int | None):
    """Save a section's answers; raises StaleSection if someone saved it since."""
    if not may_write(report, user):
        raise ReportLocked(_l("This report can no longer be edited."))
    section = next((s for s in report.sections if s.key == key), None)
    if section is None:
        section = ReportSection(report=report, factory_id=report.factory_id, key=key, answers={})
        db.session.add(section)
    elif expected_version is not None and expected_version != section.version:
        raise StaleSection(section)
    section.answers = answers
    section.updated_at = datetime.now(UTC)
    section.updated_by_id = user.id
    return section


class StaleSection(WorkflowError):
    def __init__(self, section):
        super().__init__(section)
        self.section = section


def add_comment(report: ProgressReport, section_key: str, user, body: str) -> ReportComment:
    comment = ReportComment(report_id=report.id, factory_id=report.factory_id, section_key=section_key,
                            author_id=user.id, body=body)
    db.session.add(comment)
    return comment


# --- due dates (PR-3) ------------------------------------------------------------------------

@dataclass(frozen=True)
class Due:
    due_date: date
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


def pr1_due(cycle: Cycle, today: date) -> Due | None:
    if cycle.report_release_date is None:
        return None
    due = cycle.report_release_date + PR1_DUE_AFTER
    return Due(due, (due - today).days)


# --- overview counts (PR-4) ------------------------------------------------------------------

def overview_counts(cycle: Cycle) -> dict[str, int]:
    """Findings of the cycle's assessment, issues the factory put forward, issues Completed."""
    findings = db.session.scalar(select(func.count(Finding.id)).where(Finding.cycle_id == cycle.id)) or 0
    advisory = db.session.scalar(select(func.count(IPItem.id)).where(
        IPItem.factory_id == cycle.factory_id, IPItem.cycle_id == cycle.id, IPItem.origin == Origin.ADVISORY)) or 0
    completed = db.session.scalar(select(func.count(IPItem.id)).where(
        IPItem.factory_id == cycle.factory_id, IPItem.cycle_id == cycle.id,
        IPItem.status == IPStatus.COMPLETED)) or 0
    return {"findings": findings, "advisory": advisory, "completed": completed}


# --- the model refuses writes to a report that is not a draft --------------------------------

WORKFLOW_FIELDS = frozenset({"status", "submitted_at", "approved_at", "snapshot"})


@event.listens_for(Session, "before_flush")
def guard_report_writes(session, _flush_context, _instances):
    """Whatever route or job asks, a report that is not a draft keeps its content."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, ReportSection):
            if obj in session.dirty and not session.is_modified(obj):
                continue
            report = obj.report if obj.report is not None else session.get(ProgressReport, obj.report_id)
            if report is not None and report not in session.new and _committed_status(session, report) is not D:
                raise ReportLocked(_l("This report can no longer be edited."))
        elif isinstance(obj, ProgressReport) and obj not in session.new and obj not in session.deleted:
            was = _committed_status(session, obj)
            state = inspect(obj)
            changed = {a.key for a in state.mapper.column_attrs if state.attrs[a.key].history.has_changes()}
            if was is A and changed:
                raise ReportLocked(_l("A final report cannot be changed. Create a new report instead."))
            if was is S and (changed - WORKFLOW_FIELDS or ("snapshot" in changed and obj.status is not D)):
                raise ReportLocked(_l("This report can no longer be edited."))


def _committed_status(session, report: ProgressReport) -> ReportStatus:
    """The status as last written to the database, before any change in this flush."""
    history = inspect(report).attrs.status.history
    if history.deleted:
        return history.deleted[0]
    if history.added:  # set on an expired object: the old value was never loaded, so ask
        with session.no_autoflush:
            return session.scalar(select(ProgressReport.status).where(ProgressReport.id == report.id))
    return report.status


# --- who reads what ------------------------------------------------------------------------------

def visible_to(user, report: ProgressReport) -> bool:
    """Buyers read final reports only (PR-9), of the cycles their subscription covers; the
    factory reads the EA's PR2 once it is final."""
    if user.role is Role.BUYER:
        return report.status is A and subscriptions.buyer_reads_cycle(user, report.cycle)
    if report.status is A:
        return True
    return not (user.role is Role.FACTORY and report.kind is ReportKind.PR2)


# A list of reports shows their kind, dates and state: not each one's frozen copy of the whole
# report (the snapshot, tens of KB of JSON for a final one), read when a report is opened.
LIST_OF_REPORTS = defer(ProgressReport.snapshot)


def reports_of(factory_id: int, user) -> list[ProgressReport]:
    stmt = select(ProgressReport).where(ProgressReport.factory_id == factory_id)
    if user.role is Role.BUYER:
        covered = subscriptions.buyer_covered_cycle_ids(user, [factory_id])
        stmt = stmt.where(ProgressReport.status == A, ProgressReport.cycle_id.in_(covered))
    elif user.role is Role.FACTORY:
        stmt = stmt.where((ProgressReport.kind == ReportKind.PR1) | (ProgressReport.status == A))
    return list(db.session.scalars(stmt.order_by(ProgressReport.created_at.desc(), ProgressReport.id.desc())
                                   .options(LIST_OF_REPORTS)))


def awaiting_review(factory_ids) -> list[ProgressReport]:
    """The EA's inbox: PR1s submitted by their factories, oldest first."""
    return list(db.session.scalars(
        select(ProgressReport).where(ProgressReport.factory_id.in_(factory_ids), ProgressReport.status == S)
        .order_by(ProgressReport.submitted_at, ProgressReport.id).options(LIST_OF_REPORTS)))


def transitions_of(report: ProgressReport) -> list[ReportTransition]:
    return list(db.session.scalars(select(ReportTransition).where(ReportTransition.report_id == report.id)
                                   .order_by(ReportTransition.id)))


@dataclass(frozen=True)
class DueSummary:
    """What the factory's home page says is due (PR-3)."""

    cycle: Cycle | None
    pr1: ProgressReport | None  # the cycle's latest PR1, if any
    due: Due | None
    delayed_items: int


def due_summary(factory, today: date) -> DueSummary:
    from .assessments import cycles_of
    from .ip_queries import status_counts

    cycles = cycles_of(factory.id)
    cycle = cycles[0] if cycles else None
    pr1 = None
    if cycle is not None:
        pr1 = db.session.scalar(select(ProgressReport).where(
            ProgressReport.cycle_id == cycle.id, ProgressReport.kind == ReportKind.PR1)
            .order_by(ProgressReport.id.desc()).limit(1))
    due = pr1_due(cycle, today) if cycle is not None and (pr1 is None or pr1.status is D) else None
    return DueSummary(cycle, pr1, due, status_counts(factory.id, today).get(IPStatus.DELAYED, 0))
