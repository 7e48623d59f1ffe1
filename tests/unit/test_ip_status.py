"""IP-3 (Delayed by local date), IP-5/IP-6/IP-8 (what blocks Completed), IP-7 (due by the 2nd visit)."""

from datetime import UTC, date, datetime
from types import SimpleNamespace

from bwportal.domain.ip.status import (
    NotRepeatedReview,
    completion_blockers,
    effective_status,
    interview_wait,
    verification_due,
)
from bwportal.domain.time import today_in
from bwportal.models import IPStatus

ALL_CHECKS = {"check_committee_agrees": True, "check_evidence_reviewed": True, "check_root_causes_followed": True}


def item(status=IPStatus.IN_PROGRESS, target=None, interviews=False, flagged=False):
    return SimpleNamespace(status=status, target_date=target, needs_worker_interviews=interviews,
                           review_with_committee=flagged)


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
    assert completion_blockers(item(), ALL_CHECKS, None) == []
    for missing in ALL_CHECKS:
        checks = dict(ALL_CHECKS, **{missing: False})
        assert completion_blockers(item(), checks, None), missing


def test_worker_interviews_wait_for_a_newer_released_assessment():
    """IP-6: no later assessment released: the item waits; one released since: it may go."""
    waiting = interview_wait(1, {}, assessed=False, flagged_not_repeated=False)
    reasons = completion_blockers(item(interviews=True), ALL_CHECKS, waiting)
    assert any("worker interviews" in str(r) for r in reasons)
    released = interview_wait(1, {2: False}, assessed=False, flagged_not_repeated=False)
    assert completion_blockers(item(interviews=True), ALL_CHECKS, released) == []


def test_a_repeat_restarts_the_worker_interview_wait():
    """IP-6: an item of cycle 1 found again by cycle 2's assessment (merged or not) waits for an
    assessment released after cycle 2's that has not found it; an assessed item goes through
    the not-repeated review (IP-8)."""
    merged = interview_wait(2, {}, assessed=True, flagged_not_repeated=False)  # latest finding: cycle 2
    assert (merged.latest, merged.over) == (2, False)
    assert "cycle 2" in str(merged.explanation)
    found_again = interview_wait(1, {2: True}, assessed=True, flagged_not_repeated=False)
    assert (found_again.latest, found_again.released_since, found_again.over) == (2, False, False)
    not_found = interview_wait(2, {3: False}, assessed=True, flagged_not_repeated=False)
    assert not_found.released_since and not not_found.over  # still to be reviewed with the committee
    assert interview_wait(2, {3: False}, assessed=True, flagged_not_repeated=True).over
    assert not interview_wait(1, {2: True, 3: True}, assessed=True, flagged_not_repeated=True).over


def test_an_item_not_repeated_is_completed_through_the_review_not_the_three_checks():
    """IP-8, 002 §3.3: root causes addressed and the grievance mechanism's effectiveness recorded."""
    flagged = item(flagged=True)
    assert completion_blockers(flagged, ALL_CHECKS, None)  # the three checks are not the review
    assert completion_blockers(flagged, {}, None, NotRepeatedReview(True, "   "))
    assert completion_blockers(flagged, {}, None, NotRepeatedReview(False, "Works well"))
    assert completion_blockers(flagged, {}, None, NotRepeatedReview(True, "Works well", "")) == []


def test_completed_item_cannot_be_completed_again():
    assert completion_blockers(item(IPStatus.COMPLETED), ALL_CHECKS, None)


def test_verification_falls_due_at_the_second_visit_after_the_report():
    reported = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)
    visits = [date(2026, 4, 1), date(2026, 5, 10), date(2026, 6, 2), date(2026, 7, 15), date(2026, 8, 1)]
    assert verification_due(reported, visits[:2]) == (0, None)  # same-day visit came before the report
    assert verification_due(reported, visits[:3]) == (1, None)
    assert verification_due(reported, visits) == (2, date(2026, 7, 15))
