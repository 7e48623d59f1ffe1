"""IP status rules (IP-3, IP-5, IP-6, IP-7): Delayed by date, what blocks Completed, and
when a reported remediation is due for verification."""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, literal, select, type_coerce

from ...models import AdvisoryVisit, IPItem, IPStatus
from ..sqldates import date_of
from ..time import local_day

# IP-7: the EA verifies within the next two advisory visits after the factory's report.
VISITS_TO_VERIFY = 2


def is_overdue(item, today: date) -> bool:
    """Open, with a target date before today: Delayed from the day after the target date."""
    return item.status.is_open and item.target_date is not None and item.target_date < today


def status_on(status: IPStatus, target_date: date | None, today: date) -> IPStatus:
    """The status to show: Delayed as soon as the date has passed, even before the daily
    job has recorded it in the item's history."""
    if status in (IPStatus.PENDING, IPStatus.IN_PROGRESS) and target_date is not None and target_date < today:
        return IPStatus.DELAYED
    return status


def effective_status(item, today: date) -> IPStatus:
    return status_on(item.status, item.target_date, today)


CHECKS = (
    ("check_committee_agrees", _l("The committee agrees that all necessary steps to address the issue in full "
                                  "have been taken.")),
    ("check_evidence_reviewed", _l("Committee members have reviewed supporting documents or observed the "
                                   "changes in the workplace.")),
    ("check_root_causes_followed", _l("Recommendations to address the root causes have been followed up "
                                      "(Plan-Do-Check-Act), according to the committee.")),
)


@dataclass(frozen=True)
class NotRepeatedReview:
    """IP-8, 002 §3.3: the EA's review with the committee of an item that came from the previous
    assessment and was not repeated in the new one, in place of the three checks."""

    root_causes_addressed: bool = False
    grievance_mechanism: str = ""  # how effective the existing grievance mechanism is
    enhancement: str = ""  # the enhancements made, or why none were needed

    @property
    def recorded(self) -> bool:
        return self.root_causes_addressed and bool(self.grievance_mechanism.strip())


@dataclass(frozen=True)
class InterviewWait:
    """IP-6, 002 §3.3: where an item that needs worker interviews stands. ``latest``: the cycle
    of its latest finding (merged repeats included); ``released_since``: an assessment released
    after that one has not found it again; ``reviewed``: it came to the EA's not-repeated review
    (items put forward during advisory were never assessed and need no such review)."""

    latest: int
    released_since: bool
    needs_review: bool
    reviewed: bool

    @property
    def over(self) -> bool:
        return self.released_since and (self.reviewed or not self.needs_review)

    @property
    def explanation(self):
        """What the item page, the verification form and a refusal say: one wording."""
        if self.over:
            return _l("This item needs worker interviews: an assessment released after cycle %(number)s's has not "
                      "found it again, so it may now be Completed.", number=self.latest)
        if self.released_since:
            return _l("This item needs worker interviews: an assessment released after cycle %(number)s's has not "
                      "found it again; it may be Completed after the Enterprise Advisor's review with the "
                      "committee of items not repeated.", number=self.latest)
        return _l("This item needs worker interviews: it can be Completed only once an assessment released after "
                  "cycle %(number)s's (its latest finding) has not found it again.", number=self.latest)


def interview_wait(latest: int, later_releases: dict[int, bool], *, assessed: bool,
                   flagged_not_repeated: bool) -> InterviewWait:
    """The rule of IP-6. ``latest``: the number of the latest cycle whose assessment found the item
    (its own cycle for an item put forward during advisory); ``later_releases``: number -> whether
    that released assessment found the item's compliance point again, for the released
    assessments of later cycles. A repeat restarts the wait: the latest cycle that found it again
    counts, merged into the item or not."""
    for number, found in later_releases.items():
        if found and number > latest:
            latest = number
    released_since = any(number > latest for number in later_releases)
    return InterviewWait(latest=latest, released_since=released_since, needs_review=assessed,
                         reviewed=flagged_not_repeated)


def completion_blockers(item, checks: dict[str, bool], wait: InterviewWait | None,
                        review: NotRepeatedReview | None = None) -> list[str]:
    """Why the item may not be Completed yet (empty: it may). IP-5, IP-6, IP-8.

    An item not repeated in the new assessment is completed through the EA's review with the
    committee (``review``); any other through the three checks. ``wait``: where an item that
    needs worker interviews stands (None when it needs none)."""
    reasons = []
    if not item.status.is_open:
        reasons.append(_l("This item is already Completed."))
    if item.review_with_committee:
        if review is None or not review.recorded:
            reasons.append(_l("Record the review with the committee: that the underlying root causes are "
                              "addressed, and how effective the grievance mechanism is."))
    elif not all(checks.get(name) for name, _label in CHECKS):
        reasons.append(_l("Record all three checks with the committee before marking the item Completed."))
    if item.needs_worker_interviews and (wait is None or not wait.over):
        reasons.append(wait.explanation if wait is not None else _l(
            "This item needs worker interviews: it can be Completed only once an assessment released after its "
            "latest finding has not found it again."))
    return reasons


def found_on(item) -> date | None:
    """The day the issue was found: its assessment's date (a finding), or the advisory visit it
    came from; None when the item does not say (an advisory item logged without a visit)."""
    if item.origin.value == "assessment":
        return item.cycle.assessment_date
    return item.advisory_visit.visit_date if item.advisory_visit is not None else None


def logged_on(item) -> date | None:
    """The programme's local day the item was logged in the IP (None before it is saved)."""
    if item.created_at is None:
        return None
    moment = item.created_at if item.created_at.tzinfo else item.created_at.replace(tzinfo=UTC)  # SQLite: naive UTC
    return local_day(item.cycle.factory.programme.timezone, moment)


def completion_date_problem(item, completion_date: date, today: date) -> str | None:
    """Why ``completion_date`` cannot be the item's (issue 16, defect 12), or None: not after
    ``today`` (the programme's local day), not before the item came to exist: the day the issue
    was found (its finding's assessment, its advisory visit), or, for an advisory item logged
    without a visit, the day it was logged."""
    if completion_date > today:
        return _l("The completion date cannot be in the future.")
    found = found_on(item)
    if found is not None:
        if completion_date < found:
            return _l("The completion date cannot be before the issue was found (%(date)s).",
                      date=found.isoformat())
        return None
    logged = logged_on(item)
    if logged is not None and completion_date < logged:
        return _l("The completion date cannot be before the item was added to the Improvement Plan (%(date)s).",
                  date=logged.isoformat())
    return None


def verification_due(reported_at: datetime, visit_dates: list[date]) -> tuple[int, date | None]:
    """How many advisory visits have happened since the report (up to 2), and the date of the
    second one, which is when the verification fell due (None until it has happened)."""
    after = sorted(d for d in visit_dates if d > reported_at.date())
    return min(len(after), VISITS_TO_VERIFY), (after[VISITS_TO_VERIFY - 1] if len(after) >= VISITS_TO_VERIFY else None)


# --- the same rules as SQL expressions over ip_item, for figures counted by the database
# (dashboards). tests/unit/test_rule_twins.py holds each to its Python rule above.

def status_on_sql(today: date):
    """``status_on`` of each item: Delayed once an open item's target date has passed."""
    delayed = IPItem.status.in_((IPStatus.PENDING, IPStatus.IN_PROGRESS)) & (IPItem.target_date < today)
    shown = case((delayed, literal(IPStatus.DELAYED.value)), else_=cast(IPItem.status, String))
    return type_coerce(shown, IPItem.__table__.c.status.type)


def delayed_sql_parts(today: date) -> tuple:
    """``status_on(...) is DELAYED`` as two conditions that never both hold: recorded Delayed,
    or open with its target date passed before the hourly job recorded it. Each is a range of
    an index led by (status, target_date), so their UNION ALL reads only Delayed items."""
    return (IPItem.status == IPStatus.DELAYED,
            IPItem.status.in_((IPStatus.PENDING, IPStatus.IN_PROGRESS)) & (IPItem.target_date < today))


def is_overdue_sql(today: date):
    """``is_overdue``: open, with a target date before today."""
    return (IPItem.status != IPStatus.COMPLETED) & (IPItem.target_date < today)


def awaiting_verification_sql():
    """Reported remediated and not verified yet: in the EA's queue (IP-7)."""
    return IPItem.remediation_reported_at.is_not(None) & (IPItem.status != IPStatus.COMPLETED)


def verification_overdue_sql(today: date):
    """Waiting, and ``verification_due``'s day (the second advisory visit after the report)
    is before today. Two visits after the report's day and before today exist exactly when
    the factory's second latest visit before today is after the report's day: that visit is
    read backwards from the end of the factory's range of ix_advisory_visit_factory_date
    (index only, two entries), and NULL (not past due) when there are fewer than two.
    An EXISTS (... OFFSET 1) over the visits after the report's day read as many entries but
    was costed eight times higher, which put the programme dashboard's advisors' figures past
    PostgreSQL's jit_above_cost: 50 ms of compiling for a query of 120."""
    second_latest = (select(AdvisoryVisit.visit_date)
                     .where(AdvisoryVisit.factory_id == IPItem.factory_id, AdvisoryVisit.visit_date < today)
                     .order_by(AdvisoryVisit.visit_date.desc())
                     .limit(1).offset(VISITS_TO_VERIFY - 1).scalar_subquery())
    return and_(awaiting_verification_sql(), second_latest > date_of(IPItem.remediation_reported_at))
