"""PR-3's deadlines as date rules, pure: which notices a cycle's PR1 calls for on a day.

- PR1 is due 30 days after the assessment report's release: the factory is reminded a week
  before and on the day, while the PR1 is not submitted.
- 5 months minus 3 days after the cycle start, the factory is told while the PR1 is not
  submitted; 5 months and 14 days after it, the subscribed buyers while it is not final.
A notice whose day passed more than LATE_WINDOW ago (the portal was down, the cycle was
entered late) is not sent any more: it would only confuse.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from ...extensions import db
from ...models import Cycle, IPStatus, ProgressReport, ReportKind, ReportStatus
from ..time import add_months

PR1_DUE_AFTER = timedelta(days=30)
REMIND_BEFORE = timedelta(days=7)
LATE_WINDOW = timedelta(days=30)


def factory_notice_day(assessment_date: date) -> date:
    return add_months(assessment_date, 5) - timedelta(days=3)


def buyer_notice_day(assessment_date: date) -> date:
    return add_months(assessment_date, 5) + timedelta(days=14)


def pr1_notices(assessment_date: date, release_date: date | None, pr1_status: ReportStatus | None,
                today: date) -> list[tuple[str, date, str]]:
    """(notice kind, its due date, "factory" or "buyers") the PR1 of a cycle calls for today."""
    submitted = pr1_status in (ReportStatus.SUBMITTED, ReportStatus.APPROVED)
    final = pr1_status is ReportStatus.APPROVED
    found = []
    if release_date is not None and not submitted:
        due = release_date + PR1_DUE_AFTER
        if due - REMIND_BEFORE <= today < due:
            found.append(("pr1_due_soon", due, "factory"))
        if today == due:
            found.append(("pr1_due_today", due, "factory"))
    day = factory_notice_day(assessment_date)
    if not submitted and day <= today < day + LATE_WINDOW:
        found.append(("pr1_factory_reminder", day, "factory"))
    day = buyer_notice_day(assessment_date)
    if not final and day <= today < day + LATE_WINDOW:
        found.append(("pr1_buyer_notice", day, "buyers"))
    return found


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


@dataclass(frozen=True)
class DueSummary:
    """What the factory's home page says is due (PR-3)."""

    cycle: Cycle | None
    pr1: ProgressReport | None  # the cycle's latest PR1, if any
    due: Due | None
    delayed_items: int


def due_summary(factory, today: date) -> DueSummary:
    from ..assessments.cycles import cycles_of
    from ..ip.queries import status_counts

    cycles = cycles_of(factory.id)
    cycle = cycles[0] if cycles else None
    pr1 = None
    if cycle is not None:
        pr1 = db.session.scalar(select(ProgressReport).where(
            ProgressReport.cycle_id == cycle.id, ProgressReport.kind == ReportKind.PR1)
            .order_by(ProgressReport.id.desc()).limit(1))
    due = pr1_due(cycle, today) if cycle is not None and (pr1 is None or pr1.status is ReportStatus.DRAFT) else None
    return DueSummary(cycle, pr1, due, status_counts(factory.id, today).get(IPStatus.DELAYED, 0))
