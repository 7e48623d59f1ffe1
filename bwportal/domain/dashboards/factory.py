"""A factory's own dashboard: its trend across cycles (findings by cluster in each
assessment), items completed month by month, and what is due next."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from ...extensions import db
from ...models import Cycle, Finding, IPItem, IPStatus
from ..ip.status import awaiting_verification_sql, status_on_sql
from ..reports.deadlines import DueSummary, due_summary
from ..sqldates import month_of
from ..time import today_in
from .figures import Counted, Filters, clusters_of, months_back, period_start

NEXT_ITEMS = 5


@dataclass
class FactoryDashboard:
    factory: object
    today: date
    filters: Filters
    clusters: dict
    cycles: list[Cycle] = field(default_factory=list)
    findings: Counted = field(default_factory=Counted)  # cluster id x cycle number
    completed: Counted = field(default_factory=Counted)  # month x "completed"
    summary: DueSummary | None = None
    next_items: list[IPItem] = field(default_factory=list)  # open, by target date (Delayed first)
    waiting: int = 0  # reported remediated, waiting for the EA


def factory_dashboard(factory, filters: Filters, now: datetime | None = None) -> FactoryDashboard:
    today = today_in(factory.programme.timezone, now or datetime.now(UTC))
    board = FactoryDashboard(factory, today, filters, clusters_of([factory.programme_id]))
    board.cycles = list(db.session.scalars(select(Cycle).where(Cycle.factory_id == factory.id)
                                           .order_by(Cycle.number)))
    findings = board.findings
    findings.columns = [c.number for c in board.cycles if filters.cycle in (None, c.number)]
    stmt = (select(Finding.cluster_id, Cycle.number, func.count(Finding.id)).join(Cycle, Cycle.id == Finding.cycle_id)
            .where(Finding.factory_id == factory.id).group_by(Finding.cluster_id, Cycle.number))
    if filters.cycle is not None:
        stmt = stmt.where(Cycle.number == filters.cycle)
    if filters.cluster_id is not None:
        stmt = stmt.where(Finding.cluster_id == filters.cluster_id)
    seen = set()
    for cluster_id, number, n in db.session.execute(stmt):
        seen.add(cluster_id)
        findings.add(cluster_id, number, n)
    findings.rows = [c for c in board.clusters if c in seen]

    months = months_back(today, filters.months)
    completed = board.completed
    completed.rows, completed.columns = months, ["completed"]
    month = month_of(IPItem.completion_date)
    stmt = (select(month, func.count(IPItem.id))
            .where(IPItem.factory_id == factory.id, IPItem.status == IPStatus.COMPLETED,
                   IPItem.completion_date >= period_start(today, filters.months), month <= months[-1])
            .group_by(month))
    stmt = _item_filters(stmt, filters)
    for key, n in db.session.execute(stmt):
        completed.add(key, "completed", n)

    board.summary = due_summary(factory, today)
    shown = status_on_sql(today)
    upcoming = (select(IPItem).where(IPItem.factory_id == factory.id, IPItem.status != IPStatus.COMPLETED,
                                     IPItem.target_date.is_not(None))
                .order_by((shown == IPStatus.DELAYED).desc(), IPItem.target_date, IPItem.id).limit(NEXT_ITEMS))
    board.next_items = list(db.session.scalars(_item_filters(upcoming, filters)).unique())
    board.waiting = db.session.scalar(_item_filters(select(func.count(IPItem.id)).where(
        IPItem.factory_id == factory.id, awaiting_verification_sql()), filters)) or 0
    return board


def _item_filters(stmt, filters: Filters):
    if filters.cycle is not None:
        stmt = stmt.where(IPItem.cycle_id.in_(select(Cycle.id).where(Cycle.factory_id == IPItem.factory_id,
                                                                     Cycle.number == filters.cycle)))
    if filters.cluster_id is not None:
        stmt = stmt.where(IPItem.cluster_id == filters.cluster_id)
    return stmt
