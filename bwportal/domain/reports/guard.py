"""The model refuses writes to a report that is not a draft, whatever route or job asks (PR-2)."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from ...models import ProgressReport, ReportSection, ReportStatus
from .workflow import ReportLocked

D, S, A = ReportStatus.DRAFT, ReportStatus.SUBMITTED, ReportStatus.APPROVED

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
