"""DASH-1: the dashboards count in SQL with twins of the date rules (reports.deadlines,
ip.status); each twin gives exactly the Python rule's answer, item by item and cycle by
cycle, around every boundary (today, the due day, the programme's midnight)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bwportal.domain.ip.status import (
    delayed_sql_parts,
    is_overdue,
    is_overdue_sql,
    status_on,
    status_on_sql,
    verification_due,
    verification_overdue_sql,
)
from bwportal.domain.reports.deadlines import (
    due_date,
    due_date_sql,
    first_pr1_submissions,
    pr1_timeliness,
    pr1_timeliness_sql,
)
from bwportal.extensions import db
from bwportal.models import Cycle, Factory, IPItem, IPStatus, ReportStatus
from tests import factories as f

TODAY = date(2026, 3, 15)


@pytest.fixture
def factory(app_ctx):
    return f.make_factory(f.make_programme(timezone="Asia/Phnom_Penh"))


def test_status_and_overdue_twins_agree_with_the_rules(factory):
    """IP-3: Delayed from the day after the target date, for open items only."""
    cycle = f.make_cycle(factory, 1, date(2025, 10, 1), date(2025, 11, 1))
    ea = f.make_user(f.Role.EA, programme=factory.programme)
    for status in IPStatus:
        for target in (None, TODAY - timedelta(days=1), TODAY, TODAY + timedelta(days=1)):
            f.make_ip_item_in_state(cycle, status=status, target_date=target, completed_by=ea,
                           completion_date=TODAY - timedelta(days=3))
    recorded, passed = delayed_sql_parts(TODAY)
    rows = db.session.execute(select(IPItem, status_on_sql(TODAY), is_overdue_sql(TODAY), recorded, passed)).all()
    assert len(rows) == 16
    for item, shown, overdue, *parts in rows:
        assert shown is status_on(item.status, item.target_date, TODAY), (item.status, item.target_date)
        assert bool(overdue) == is_overdue(item, TODAY), (item.status, item.target_date)
        assert sum(map(bool, parts)) == (shown is IPStatus.DELAYED), (item.status, item.target_date)  # never both
    assert {shown for _item, shown, *_rest in rows} == set(IPStatus)


def test_verification_past_due_twin_agrees_with_the_rule(factory):
    """IP-7: due at the second advisory visit after the report; past due once that day is before today."""
    cycle = f.make_cycle(factory, 1, date(2025, 10, 1), date(2025, 11, 1))
    for day in (date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 20)):
        f.make_visit(cycle, day)
    reports = [datetime(2026, 2, 27, 9, tzinfo=UTC), datetime(2026, 3, 1, 9, tzinfo=UTC),
               datetime(2026, 3, 4, 23, tzinfo=UTC), datetime(2026, 3, 5, 1, tzinfo=UTC),
               datetime(2026, 3, 14, 9, tzinfo=UTC), None]
    for reported in reports:
        f.make_ip_item_in_state(cycle, status=IPStatus.IN_PROGRESS, reported_at=reported)
    visits = [date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 14), date(2026, 3, 15), date(2026, 3, 20)]
    found = {}
    for item, late in db.session.execute(select(IPItem, verification_overdue_sql(TODAY)).order_by(IPItem.id)):
        expected = (item.remediation_reported_at is not None
                    and (due := verification_due(item.remediation_reported_at, visits)[1]) is not None
                    and due < TODAY)
        assert bool(late) == expected, item.remediation_reported_at
        found[item.remediation_reported_at] = bool(late)
    # Reported before the 1st and the 5th (both before today): past due; after the 5th, only
    # the 14th is before today, the 15th is today itself: not yet.
    assert list(found.values()) == [True, True, True, False, False, False]


def test_pr1_due_date_and_timeliness_twins_agree_with_the_rules(factory):
    """PR-3: due 30 days after the release; on time when first submitted by the end of the due
    day in the programme's time zone (Phnom Penh, UTC+7), late after; overdue once the day passed."""
    cases = []
    number = 0
    for release in (date(2026, 2, 12), date(2026, 2, 13), date(2026, 2, 20), None):  # due the 14th, 15th, 22nd
        due = due_date(release)
        firsts = [None]
        if due is not None:
            midnight = datetime(due.year, due.month, due.day, 17, 0, tzinfo=UTC)  # local midnight after the due day
            firsts += [midnight - timedelta(minutes=30), midnight + timedelta(minutes=30)]
        for first in firsts:
            number += 1
            other = f.make_factory(factory.programme)
            cycle = f.make_cycle(other, 1, date(2026, 1, 1), release)
            if first is not None:
                f.make_pr1(cycle, ReportStatus.SUBMITTED, submitted_at=first + timedelta(days=40),
                           first_submitted_at=first)
            cases.append((cycle.id, release, first))
    first = first_pr1_submissions(select(Factory.id))
    timezone = factory.programme.timezone
    rows = {cycle_id: (due, state) for cycle_id, due, state in db.session.execute(
        select(Cycle.id, due_date_sql(Cycle.report_release_date),
               pr1_timeliness_sql(Cycle.report_release_date, first.c.first, timezone, TODAY))
        .outerjoin(first, first.c.cycle_id == Cycle.id))}
    seen = set()
    for cycle_id, release, submitted in cases:
        due, state = rows[cycle_id]
        local_day = submitted.astimezone(ZoneInfo(timezone)).date() if submitted else None
        expected = pr1_timeliness(release, local_day, TODAY)
        assert due == due_date(release), release
        assert state == (expected.value if expected else None), (release, submitted)
        seen.add(state)
    assert seen == {"on_time", "late", "overdue", "not_due", None}
