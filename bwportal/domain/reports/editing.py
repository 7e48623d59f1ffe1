"""Writing a report: create it, save a section's answers, comment on a section (PR-1, PR-5, PR-7)."""

import copy
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import defer

from ...extensions import db
from ...models import Cycle, ProgressReport, ReportComment, ReportKind, ReportSection, ReportStatus
from ..errors import Conflict
from .workflow import ReportLocked, WorkflowError, lock_draft, may_write

D, A = ReportStatus.DRAFT, ReportStatus.APPROVED


IN_PROGRESS = _l("This cycle already has a report in progress. A new one can be created once it is final.")
NOT_ASSESSED = _l("This cycle has not been assessed yet. A progress report can be created once its assessment "
                  "is recorded.")


def creation_refusal(cycle: Cycle, kind: ReportKind, open_one: ProgressReport | None):
    """Why a report of ``kind`` cannot be created for ``cycle`` now, or None: a progress
    report follows the cycle's assessment, and a cycle has one report of a kind in progress."""
    if cycle.assessment_date is None:
        return NOT_ASSESSED
    if open_one is not None:
        return IN_PROGRESS
    return None


def create_report(factory, cycle: Cycle, kind: ReportKind, report_date: date, user) -> ProgressReport:
    """A new draft. A corrective PR1 (a new PR1 of a cycle whose PR1 is final: "create a new
    progress report and restart the process", 000 [7], PR-11) starts from the final one's
    answers, to be revised."""
    refusal = creation_refusal(cycle, kind, open_report(cycle, kind))
    if refusal is not None:
        raise WorkflowError(refusal)
    report = ProgressReport(factory_id=factory.id, cycle_id=cycle.id, kind=kind, report_date=report_date,
                            status=D, created_by_id=user.id if user is not None else None)
    db.session.add(report)
    final = latest_final(cycle, kind) if kind is ReportKind.PR1 else None
    if final is not None:
        for key, answers in final.answers_by_section().items():
            db.session.add(ReportSection(report=report, factory_id=factory.id, key=key,
                                         answers=copy.deepcopy(answers)))
    return report


def open_report(cycle: Cycle, kind: ReportKind) -> ProgressReport | None:
    return db.session.scalar(select(ProgressReport).where(
        ProgressReport.cycle_id == cycle.id, ProgressReport.kind == kind, ProgressReport.status != A))


def latest_final(cycle: Cycle, kind: ReportKind) -> ProgressReport | None:
    return db.session.scalar(select(ProgressReport).where(
        ProgressReport.cycle_id == cycle.id, ProgressReport.kind == kind, ProgressReport.status == A)
        .order_by(ProgressReport.approved_at.desc(), ProgressReport.id.desc()).limit(1))


def open_reports(cycles, kind: ReportKind) -> dict[int, ProgressReport]:
    """cycle id -> its report of ``kind`` in progress (draft or submitted), in one query."""
    ids = [c.id for c in cycles]
    if not ids:
        return {}
    return {r.cycle_id: r for r in db.session.scalars(select(ProgressReport).where(
        ProgressReport.cycle_id.in_(ids), ProgressReport.kind == kind, ProgressReport.status != A)
        .options(defer(ProgressReport.snapshot)))}


def creatable_cycles(cycles, kind: ReportKind) -> list[Cycle]:
    """Those of ``cycles`` a report of ``kind`` can be created for now ("New" is offered only
    where creating can succeed), in the order given."""
    open_ones = open_reports(cycles, kind)
    return [c for c in cycles if creation_refusal(c, kind, open_ones.get(c.id)) is None]


def save_section(report: ProgressReport, key: str, answers: dict, user, expected_version: int | None):
    """Save a section's answers; raises StaleSection if someone saved it since the page showed
    ``expected_version`` (0: the page showed it unsaved; None: no check), and AlreadySubmitted
    if the report left draft since the page was shown (a colleague's submission, which then
    holds the state this save would have changed)."""
    was_draft = report.status is D
    lock_draft(report)
    if was_draft and report.status is not D:
        raise AlreadySubmitted(_l("This report was submitted in the meantime: your answers were not saved. "
                                  "Copy them if you need them."))
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


class AlreadySubmitted(ReportLocked, Conflict):
    """A save that came after the submission it raced with: refused, never acknowledged and lost."""


class StaleSection(WorkflowError):
    def __init__(self, section):
        super().__init__(section)
        self.section = section


def add_comment(report: ProgressReport, section_key: str, user, body: str) -> ReportComment:
    comment = ReportComment(report_id=report.id, factory_id=report.factory_id, section_key=section_key,
                            author_id=user.id, body=body)
    db.session.add(comment)
    return comment
