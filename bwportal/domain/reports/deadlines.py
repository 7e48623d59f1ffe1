"""PR-3's deadlines, about a cycle's PR1 obligation, not about any one report (PR-11).

A cycle's PR1 obligation is met once any PR1 of that cycle is final: a corrective PR1 (a new
draft after a final one, 000 [7]) owes nothing and is never overdue. Until then:
- PR1 is due 30 days after the assessment report's release: the factory is reminded a week
  before and on the day, while no PR1 of the cycle is submitted;
- 5 months minus 3 days after the cycle start, the factory is told while no PR1 of the cycle
  is submitted; 5 months and 14 days after it, the subscribed buyers while none is final. The
  cycle starts with its advisory period, before the assessment (CYC-1).
A notice whose day passed more than LATE_WINDOW ago (the portal was down, the cycle was
entered late) is not sent any more: it would only confuse.

``pr1_state`` and ``pr1_obligation`` are the one answer to "is this cycle's PR1 obligation
met, due, overdue"; the sweep, the factory's home, the reports list, the editor, the EA's
inbox and the buyers' dashboard all ask them.
"""

import enum
from collections.abc import Iterable
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


class PR1State(enum.Enum):
    """Where a cycle stands with its PR1 (PR-3, PR-11)."""

    PENDING = "pending"  # no PR1 of the cycle submitted or final: the factory owes it
    SUBMITTED = "submitted"  # one waits for the EA's review: the factory has sent it, it is not final
    MET = "met"  # one is final: the obligation is met, whatever drafts come after


def pr1_state(statuses: Iterable[ReportStatus]) -> PR1State:
    """The state of a cycle's obligation from the statuses of all its PR1s."""
    statuses = set(statuses)
    if ReportStatus.APPROVED in statuses:
        return PR1State.MET
    if ReportStatus.SUBMITTED in statuses:
        return PR1State.SUBMITTED
    return PR1State.PENDING


def factory_notice_day(cycle_start: date) -> date:
    return add_months(cycle_start, 5) - timedelta(days=3)


def buyer_notice_day(cycle_start: date) -> date:
    return add_months(cycle_start, 5) + timedelta(days=14)


def due_date(release_date: date | None) -> date | None:
    return release_date + PR1_DUE_AFTER if release_date is not None else None


def pr1_notices(cycle_start: date, release_date: date | None, state: PR1State,
                today: date) -> list[tuple[str, date, str]]:
    """(notice kind, its due date, "factory" or "buyers") a cycle's PR1 obligation calls for today."""
    found = []
    if state is PR1State.PENDING:
        due = due_date(release_date)
        if due is not None and due - REMIND_BEFORE <= today < due:
            found.append(("pr1_due_soon", due, "factory"))
        if due is not None and today == due:
            found.append(("pr1_due_today", due, "factory"))
        day = factory_notice_day(cycle_start)
        if day <= today < day + LATE_WINDOW:
            found.append(("pr1_factory_reminder", day, "factory"))
    day = buyer_notice_day(cycle_start)
    if state is not PR1State.MET and day <= today < day + LATE_WINDOW:
        found.append(("pr1_buyer_notice", day, "buyers"))
    return found


@dataclass(frozen=True)
class Due:
    due_date: date
    days_left: int  # negative when overdue

    @property
    def overdue(self) -> bool:
        return self.days_left < 0


@dataclass(frozen=True)
class PR1Obligation:
    """A cycle's PR1 obligation on a day: its state, and its due date while not met."""

    cycle: Cycle
    state: PR1State
    due: Due | None  # None once met, or while the assessment report is not released

    @property
    def met(self) -> bool:
        return self.state is PR1State.MET

    @property
    def owed(self) -> Due | None:
        """The due date the factory still has to meet: only while no PR1 is submitted."""
        return self.due if self.state is PR1State.PENDING else None

    @property
    def overdue(self) -> bool:
        return self.owed is not None and self.owed.overdue


def pr1_obligation(cycle: Cycle, statuses: Iterable[ReportStatus], today: date) -> PR1Obligation:
    state = pr1_state(statuses)
    due = due_date(cycle.report_release_date)
    return PR1Obligation(cycle, state, Due(due, (due - today).days) if due is not None and state is not
                         PR1State.MET else None)


def pr1_statuses(cycle_ids) -> dict[int, set[ReportStatus]]:
    """cycle id -> the statuses of its PR1s, in one query whatever the number of cycles."""
    ids = list(cycle_ids)
    found: dict[int, set[ReportStatus]] = {cycle_id: set() for cycle_id in ids}
    if ids:
        for cycle_id, status in db.session.execute(
                select(ProgressReport.cycle_id, ProgressReport.status).where(
                    ProgressReport.cycle_id.in_(ids), ProgressReport.kind == ReportKind.PR1).distinct()):
            found[cycle_id].add(status)
    return found


def obligations_of(cycles, today_of) -> dict[int, PR1Obligation]:
    """cycle id -> its PR1 obligation, for many cycles in one query; ``today_of(cycle)`` is
    the day where the cycle's factory is."""
    cycles = [c for c in cycles if c is not None]
    statuses = pr1_statuses(c.id for c in cycles)
    return {c.id: pr1_obligation(c, statuses[c.id], today_of(c)) for c in cycles}


def obligation_of(cycle: Cycle, today: date) -> PR1Obligation:
    return pr1_obligation(cycle, pr1_statuses([cycle.id])[cycle.id], today)


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


def pr1_timeliness(release_date: date | None, first_submitted_on: date | None, today: date) -> Timeliness | None:
    """None while the assessment report is not released (no due date yet)."""
    due = due_date(release_date)
    if due is None:
        return None
    if first_submitted_on is not None:
        return Timeliness.ON_TIME if first_submitted_on <= due else Timeliness.LATE
    return Timeliness.OVERDUE if due < today else Timeliness.NOT_DUE


# --- the same rules as SQL expressions, for figures counted by the database (dashboards);
# tests/unit/test_rule_twins.py holds them to the Python functions above.

def due_date_sql(release_date):
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
    due = due_date_sql(release_date)
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
    obligation: PR1Obligation | None  # the latest cycle's PR1 obligation
    pr1: ProgressReport | None  # the latest cycle's open PR1 (a draft or submitted), else its latest
    sent_back: bool  # that report is a draft the EA sent back
    delayed_items: int

    @property
    def due(self) -> Due | None:
        return self.obligation.owed if self.obligation is not None else None


def due_summary(factory, today: date) -> DueSummary:
    from ..assessments.cycles import cycles_of
    from ..ip.queries import status_counts
    from .queries import sent_back_reasons

    cycles = cycles_of(factory.id)
    cycle = cycles[0] if cycles else None
    obligation = pr1 = None
    if cycle is not None:
        obligation = obligation_of(cycle, today)
        reports = list(db.session.scalars(select(ProgressReport).where(
            ProgressReport.cycle_id == cycle.id, ProgressReport.kind == ReportKind.PR1)
            .order_by(ProgressReport.id.desc())))
        pr1 = next((r for r in reports if r.status is not ReportStatus.APPROVED), reports[0] if reports else None)
    sent_back = pr1 is not None and pr1.id in sent_back_reasons([pr1])
    return DueSummary(cycle, obligation, pr1, sent_back, status_counts(factory.id, today).get(IPStatus.DELAYED, 0))
