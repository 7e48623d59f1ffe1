"""Writing a report: create it, save a section's answers, comment on a section (PR-1, PR-5, PR-7)."""

from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Cycle, ProgressReport, ReportComment, ReportKind, ReportSection, ReportStatus
from .workflow import ReportLocked, WorkflowError, may_write

D, A = ReportStatus.DRAFT, ReportStatus.APPROVED


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
