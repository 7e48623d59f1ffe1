"""PR-3's deadlines as date rules, pure: which notices a cycle's PR1 calls for on a day.

- PR1 is due 30 days after the assessment report's release: the factory is reminded a week
  before and on the day, while the PR1 is not submitted.
- 5 months minus 3 days after the cycle start, the factory is told while the PR1 is not
  submitted; 5 months and 14 days after it, the subscribed buyers while it is not final.
A notice whose day passed more than LATE_WINDOW ago (the portal was down, the cycle was
entered late) is not sent any more: it would only confuse.
"""

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, literal, select

from ...extensions import db
from ...models import Cycle, IPStatus, ProgressReport, ReportKind, ReportStatus, ReportTransition
from ..sqldates import add_days, local_date
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
        due = pr1_due_date(release_date)
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
    due = pr1_due_date(cycle.report_release_date)
    return None if due is None else Due(due, (due - today).days)


class Timeliness(enum.Enum):
    """Whether a cycle's PR1 came in by its due date (PR-3): the first submission counts, as
    that is when the factory handed it in; a send-back and a later submission do not make it late."""

    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"  # due date passed, not submitted yet
    NOT_DUE = "not_due"  # not submitted, due date still ahead (or today)

    @property
    def label(self):
        return _TIMELINESS_LABELS[self]


_TIMELINESS_LABELS = {
    Timeliness.ON_TIME: _l("On time"),
    Timeliness.LATE: _l("Late"),
    Timeliness.OVERDUE: _l("Overdue"),
    Timeliness.NOT_DUE: _l("Not due yet"),
}


def pr1_due_date(release_date: date | None) -> date | None:
    return None if release_date is None else release_date + PR1_DUE_AFTER


def pr1_timeliness(release_date: date | None, first_submitted_on: date | None, today: date) -> Timeliness | None:
    """None while the assessment report is not released (no due date yet)."""
    due = pr1_due_date(release_date)
    if due is None:
        return None
    if first_submitted_on is not None:
        return Timeliness.ON_TIME if first_submitted_on <= due else Timeliness.LATE
    return Timeliness.OVERDUE if due < today else Timeliness.NOT_DUE


# --- the same rules as SQL expressions, for figures counted by the database (dashboards);
# tests/unit/test_rule_twins.py holds them to the Python functions above.

def pr1_due_date_sql(release_date):
    return add_days(release_date, PR1_DUE_AFTER.days)


def first_pr1_submissions(factory_ids):
    """A subquery: cycle_id, first (the instant a PR1 of the cycle was first submitted), for
    the factories ``factory_ids`` (a SELECT of ids)."""
    return (select(ProgressReport.cycle_id.label("cycle_id"), func.min(ReportTransition.created_at).label("first"))
            .join(ReportTransition, ReportTransition.report_id == ProgressReport.id)
            .where(ProgressReport.factory_id.in_(factory_ids), ProgressReport.kind == ReportKind.PR1,
                   ReportTransition.action == "submit")
            .group_by(ProgressReport.cycle_id).subquery())


def pr1_timeliness_sql(release_date, first_submitted_at, timezone: str, today: date):
    """``pr1_timeliness`` as a CASE giving the Timeliness value (NULL without a release date);
    ``first_submitted_at`` is an instant, taken on the programme's local day."""
    due = pr1_due_date_sql(release_date)
    submitted_on = local_date(first_submitted_at, timezone)
    return case(
        (release_date.is_(None), None),
        (first_submitted_at.is_not(None) & (submitted_on <= due), literal(Timeliness.ON_TIME.value)),
        (first_submitted_at.is_not(None), literal(Timeliness.LATE.value)),
        (due < today, literal(Timeliness.OVERDUE.value)),
        else_=literal(Timeliness.NOT_DUE.value))


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
