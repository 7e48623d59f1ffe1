"""The Enterprise Advisor's dashboard: their factories side by side, each with the state and
due date of its PR1, items waiting for verification (publicly reported ones counted apart),
Delayed items, the last advisory visit and the next thing due. A fixed number of queries
whatever the size of the portfolio."""

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from ...extensions import db
from ...models import AdvisoryVisit, Cycle, Factory, IPItem, IPStatus, ProgressReport, ReportKind, ReportStatus
from ..ip.status import awaiting_verification_sql, status_on_sql, verification_overdue_sql
from ..reports.deadlines import Due, obligations_of
from ..reports.queries import LIST_OF_REPORTS
from ..time import today_in
from .figures import Filters
from .scope import active_factory_ids


class Action(enum.Enum):
    """What is due next at a factory, most urgent first."""

    REVIEW_PR1 = "review_pr1"
    VERIFY_OVERDUE = "verify_overdue"
    PR1_OVERDUE = "pr1_overdue"
    VERIFY = "verify"
    PR1_DUE = "pr1_due"
    FOLLOW_UP_DELAYED = "follow_up_delayed"
    NOTHING = "nothing"

    @property
    def label(self):
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    Action.REVIEW_PR1: _l("Review Progress Report 1"),
    Action.VERIFY_OVERDUE: _l("Verify items: past due"),
    Action.PR1_OVERDUE: _l("Progress Report 1 is overdue"),
    Action.VERIFY: _l("Verify items"),
    Action.PR1_DUE: _l("Progress Report 1 due"),
    Action.FOLLOW_UP_DELAYED: _l("Follow up Delayed items"),
    Action.NOTHING: _l("Nothing due"),
}
PRIORITY = {action: n for n, action in enumerate(Action)}


@dataclass
class PortfolioRow:
    factory: Factory
    cycle: Cycle | None = None  # the latest
    pr1: ProgressReport | None = None  # the latest PR1 of the latest cycle
    due: Due | None = None  # while that PR1 is not submitted
    waiting: int = 0  # items waiting for verification
    waiting_public: int = 0
    verification_overdue: int = 0
    delayed: int = 0
    last_visit: date | None = None

    @property
    def action(self) -> Action:
        if self.pr1 is not None and self.pr1.status is ReportStatus.SUBMITTED:
            return Action.REVIEW_PR1
        if self.verification_overdue:
            return Action.VERIFY_OVERDUE
        if self.due is not None and self.due.overdue:
            return Action.PR1_OVERDUE
        if self.waiting:
            return Action.VERIFY
        if self.due is not None:
            return Action.PR1_DUE
        if self.delayed:
            return Action.FOLLOW_UP_DELAYED
        return Action.NOTHING


@dataclass
class AdvisorDashboard:
    today: date
    filters: Filters
    rows: list[PortfolioRow] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, int]:
        return {name: sum(getattr(r, name) for r in self.rows)
                for name in ("waiting", "waiting_public", "verification_overdue", "delayed")}


def advisor_dashboard(user, filters: Filters, now: datetime | None = None) -> AdvisorDashboard:
    now = now or datetime.now(UTC)
    factories = list(db.session.scalars(select(Factory).where(Factory.id.in_(active_factory_ids(user)))
                                        .order_by(Factory.name, Factory.id)))
    timezone = user.programme.timezone if user.programme is not None else "UTC"
    board = AdvisorDashboard(today_in(timezone, now), filters)
    if not factories:
        return board
    rows = {f.id: PortfolioRow(f) for f in factories}
    scope = active_factory_ids(user)
    latest = (select(Cycle.factory_id, func.max(Cycle.number).label("number"))
              .where(Cycle.factory_id.in_(scope)).group_by(Cycle.factory_id).subquery())
    cycles = list(db.session.scalars(select(Cycle).join(
        latest, (Cycle.factory_id == latest.c.factory_id) & (Cycle.number == latest.c.number))))
    for cycle in cycles:
        rows[cycle.factory_id].cycle = cycle
    reports = db.session.scalars(
        select(ProgressReport).join(latest, (ProgressReport.factory_id == latest.c.factory_id))
        .join(Cycle, (Cycle.id == ProgressReport.cycle_id) & (Cycle.number == latest.c.number))
        .where(ProgressReport.kind == ReportKind.PR1).order_by(ProgressReport.id)
        .options(LIST_OF_REPORTS))
    for report in reports:  # the newest last
        rows[report.factory_id].pr1 = report
    # The cycle's PR1 obligation (PR-3, PR-11), not the newest report's: a corrective draft owes nothing.
    obligations = obligations_of(cycles, lambda cycle: today_in(rows[cycle.factory_id].factory.programme.timezone,
                                                                 now))
    for row in rows.values():
        if row.cycle is not None:
            row.due = obligations[row.cycle.id].owed
    today = board.today
    one = lambda condition: func.sum(case((condition, 1), else_=0))  # noqa: E731
    awaiting = awaiting_verification_sql()
    items = select(IPItem.factory_id, one(awaiting), one(awaiting & IPItem.publicly_reported),
                   one(verification_overdue_sql(today)), one(status_on_sql(today) == IPStatus.DELAYED)
                   ).where(IPItem.factory_id.in_(scope))
    if filters.cluster_id is not None:
        items = items.where(IPItem.cluster_id == filters.cluster_id)
    if filters.cycle is not None:
        items = items.join(Cycle, Cycle.id == IPItem.cycle_id).where(Cycle.number == filters.cycle)
    for factory_id, waiting, public, late, delayed in db.session.execute(items.group_by(IPItem.factory_id)):
        row = rows[factory_id]
        row.waiting, row.waiting_public, row.verification_overdue, row.delayed = (
            int(waiting or 0), int(public or 0), int(late or 0), int(delayed or 0))
    for factory_id, last in db.session.execute(
            select(AdvisoryVisit.factory_id, func.max(AdvisoryVisit.visit_date))
            .where(AdvisoryVisit.factory_id.in_(scope)).group_by(AdvisoryVisit.factory_id)):
        rows[factory_id].last_visit = last
    board.rows = sorted(rows.values(), key=lambda r: (PRIORITY[r.action], r.factory.name, r.factory.id))
    return board
