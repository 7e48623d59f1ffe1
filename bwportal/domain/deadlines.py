"""PR-3's deadlines as date rules, pure: which notices a cycle's PR1 calls for on a day.

- PR1 is due 30 days after the assessment report's release: the factory is reminded a week
  before and on the day, while the PR1 is not submitted.
- 5 months minus 3 days after the cycle start, the factory is told while the PR1 is not
  submitted; 5 months and 14 days after it, the subscribed buyers while it is not final.
A notice whose day passed more than LATE_WINDOW ago (the portal was down, the cycle was
entered late) is not sent any more: it would only confuse.
"""

import calendar
from datetime import date, timedelta

from ..models import ReportStatus

PR1_DUE_AFTER = timedelta(days=30)
REMIND_BEFORE = timedelta(days=7)
LATE_WINDOW = timedelta(days=30)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 month: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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
