"""IP-3 (Delayed by local date), IP-5/IP-6 (what blocks Completed), IP-7 (due by the 2nd visit)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from bwportal.domain.ip.status import completion_blockers, effective_status, verification_due
from bwportal.domain.time import today_in
from bwportal.models import IPStatus

ALL_CHECKS = {"check_committee_agrees": True, "check_evidence_reviewed": True, "check_root_causes_followed": True}


def item(status=IPStatus.IN_PROGRESS, target=None, interviews=False):
    return SimpleNamespace(status=status, target_date=target, needs_worker_interviews=interviews)


def test_today_follows_the_programme_time_zone():
    # 18:30 UTC on 1 March is already 2 March in Phnom Penh (UTC+7), still 1 March in Managua.
    now = datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert today_in("Asia/Phnom_Penh", now) == date(2026, 3, 2)
    assert today_in("America/Managua", now) == date(2026, 3, 1)


def test_delayed_from_the_day_after_the_target_date():
    target = date(2026, 3, 1)
    assert effective_status(item(target=target), date(2026, 3, 1)) is IPStatus.IN_PROGRESS
    assert effective_status(item(target=target), date(2026, 3, 2)) is IPStatus.DELAYED
    assert effective_status(item(IPStatus.PENDING, target), date(2026, 3, 2)) is IPStatus.DELAYED
    assert effective_status(item(IPStatus.COMPLETED, target), date(2026, 3, 9)) is IPStatus.COMPLETED
    assert effective_status(item(target=None), date(2030, 1, 1)) is IPStatus.IN_PROGRESS


def test_all_three_checks_are_needed():
    assert completion_blockers(item(), ALL_CHECKS, newer_assessment_exists=False) == []
    for missing in ALL_CHECKS:
        checks = dict(ALL_CHECKS, **{missing: False})
        assert completion_blockers(item(), checks, False), missing


def test_worker_interviews_wait_for_a_newer_assessment():
    reasons = completion_blockers(item(interviews=True), ALL_CHECKS, newer_assessment_exists=False)
    assert any("worker interviews" in str(r) for r in reasons)
    assert completion_blockers(item(interviews=True), ALL_CHECKS, newer_assessment_exists=True) == []


def test_completed_item_cannot_be_completed_again():
    assert completion_blockers(item(IPStatus.COMPLETED), ALL_CHECKS, True)


def test_verification_falls_due_at_the_second_visit_after_the_report():
    reported = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    visits = [date(2026, 4, 1), date(2026, 5, 10), date(2026, 6, 2), date(2026, 7, 15), date(2026, 8, 1)]
    assert verification_due(reported, visits[:2]) == (0, None)  # same-day visit came before the report
    assert verification_due(reported, visits[:3]) == (1, None)
    assert verification_due(reported, visits) == (2, date(2026, 7, 15))
