"""PR-3's date rules (domain.deadlines), day by day."""

from datetime import date, timedelta

import pytest

from bwportal.domain.reports.deadlines import buyer_notice_day, factory_notice_day, pr1_notices, pr1_state
from bwportal.domain.time import add_months
from bwportal.models import ReportStatus

START = date(2026, 1, 31)
RELEASE = date(2026, 2, 20)  # due 22 March


@pytest.mark.parametrize("day, months, expected", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2026, 8, 31), 5, date(2027, 1, 31)), (date(2026, 10, 15), 5, date(2027, 3, 15)),
])
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_notice_days():
    assert factory_notice_day(START) == date(2026, 6, 27)  # 30 June minus 3 days
    assert buyer_notice_day(START) == date(2026, 7, 14)  # 30 June plus 14 days


def _kinds(today, *statuses):
    """The notices of a cycle whose PR1s are in ``statuses`` (none: no PR1 yet)."""
    return [kind for kind, _due, _who in pr1_notices(START, RELEASE, pr1_state(statuses), today)]


def test_due_reminders_a_week_before_and_on_the_day_only_while_not_submitted():
    due = RELEASE + timedelta(days=30)
    assert _kinds(due - timedelta(days=8)) == []
    assert _kinds(due - timedelta(days=7)) == ["pr1_due_soon"]
    assert _kinds(due - timedelta(days=1)) == ["pr1_due_soon"]
    assert _kinds(due) == ["pr1_due_today"]
    assert _kinds(due + timedelta(days=1)) == []
    assert _kinds(due - timedelta(days=7), ReportStatus.DRAFT) == ["pr1_due_soon"]
    assert _kinds(due - timedelta(days=7), ReportStatus.SUBMITTED) == []


def test_factory_and_buyer_notices_from_their_day_while_pending_or_not_final():
    assert "pr1_factory_reminder" not in _kinds(date(2026, 6, 26))
    assert "pr1_factory_reminder" in _kinds(date(2026, 6, 27))
    assert "pr1_factory_reminder" not in _kinds(date(2026, 6, 27), ReportStatus.SUBMITTED)
    assert "pr1_buyer_notice" not in _kinds(date(2026, 7, 13))
    assert "pr1_buyer_notice" in _kinds(date(2026, 7, 14), ReportStatus.SUBMITTED)
    assert "pr1_buyer_notice" not in _kinds(date(2026, 7, 14), ReportStatus.APPROVED)
    # Long past (the cycle was entered late): not sent any more.
    assert _kinds(date(2026, 9, 1)) == []
