"""The buyer's dashboard: one row per subscribed factory, built in a fixed number of queries."""

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cycle, Factory, IPItem, IPStatus, ProgressReport, ReportKind, ReportStatus
from .reports.deadlines import Due, PR1Obligation, obligations_of
from .reports.queries import LIST_OF_REPORTS
from .subscriptions import buyer_covered_cycle_ids
from .tenancy import visible_factories
from .time import today_in


@dataclass
class FactoryRow:
    factory: Factory
    cycle: Cycle | None = None
    pr1: ProgressReport | None = None  # the latest final PR1 of the latest cycle, if the buyer reads it
    obligation: PR1Obligation | None = None  # the latest cycle's PR1 obligation (PR-3, PR-11)
    pr2: ProgressReport | None = None  # the latest final PR2
    open_public: int = 0
    overdue: int = 0

    @property
    def pr1_due(self) -> Due | None:
        """The due date, while no PR1 of the latest cycle is final."""
        return self.obligation.due if self.obligation is not None else None


def buyer_rows(user, today_utc: date | None = None) -> list[FactoryRow]:
    factories = list(db.session.scalars(visible_factories(user)))
    ids = [f.id for f in factories]
    rows = {f.id: FactoryRow(f) for f in factories}
    if not ids:
        return []
    latest = select(Cycle.factory_id, func.max(Cycle.number).label("number")).where(
        Cycle.factory_id.in_(ids)).group_by(Cycle.factory_id).subquery()
    for cycle in db.session.scalars(select(Cycle).join(
            latest, (Cycle.factory_id == latest.c.factory_id) & (Cycle.number == latest.c.number))):
        rows[cycle.factory_id].cycle = cycle
    covered = buyer_covered_cycle_ids(user, ids)  # only the cycles the subscriptions cover
    finals = db.session.scalars(select(ProgressReport).where(
        ProgressReport.factory_id.in_(ids), ProgressReport.status == ReportStatus.APPROVED,
        ProgressReport.cycle_id.in_(covered))
        .order_by(ProgressReport.approved_at).options(LIST_OF_REPORTS))
    for report in finals:  # later ones overwrite earlier ones
        row = rows[report.factory_id]
        if report.kind is ReportKind.PR1 and row.cycle is not None and report.cycle_id == row.cycle.id:
            row.pr1 = report
        elif report.kind is ReportKind.PR2:
            row.pr2 = report
    open_statuses = (IPStatus.PENDING, IPStatus.IN_PROGRESS, IPStatus.DELAYED)
    for factory_id, count in db.session.execute(
            select(IPItem.factory_id, func.count(IPItem.id)).where(
                IPItem.factory_id.in_(ids), IPItem.publicly_reported, IPItem.status.in_(open_statuses))
            .group_by(IPItem.factory_id)):
        rows[factory_id].open_public = count
    obligations = obligations_of([row.cycle for row in rows.values()],
                                 lambda cycle: today_in(rows[cycle.factory_id].factory.programme.timezone))
    for row in rows.values():
        if row.cycle is not None:
            row.obligation = obligations[row.cycle.id]
    # Overdue: open and past the target date in the factory's programme time zone; the
    # programmes' "today" differ by at most a day, so count per programme.
    by_programme: dict[str, list[int]] = {}
    for row in rows.values():
        by_programme.setdefault(row.factory.programme.timezone, []).append(row.factory.id)
    for timezone, factory_ids in by_programme.items():
        today = today_in(timezone)
        for factory_id, count in db.session.execute(
                select(IPItem.factory_id, func.count(IPItem.id)).where(
                    IPItem.factory_id.in_(factory_ids), IPItem.status.in_(open_statuses),
                    IPItem.target_date < today).group_by(IPItem.factory_id)):
            rows[factory_id].overdue = count
    return [rows[f.id] for f in factories]
