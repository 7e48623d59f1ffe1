"""The buyer's dashboard across subscribed factories: one row per factory (report status and
due dates, open public issues, overdue items, whether the PR1 came in on time), and figures
across them: non-compliance by cluster in the latest assessment and the one before, the
publicly reported findings of the latest assessment (open, responded, verified), PR1s on
time or late. A fixed number of queries whatever the number of factories followed."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from ...extensions import db
from ...models import (
    Cluster,
    Cycle,
    Factory,
    Finding,
    IPItem,
    IPStatus,
    ProgressReport,
    PublicResponse,
    ReportKind,
    ReportStatus,
)
from ..ip.status import is_overdue_sql
from ..reports.deadlines import Due, PR1Obligation, Timeliness, first_pr1_submissions, obligations_of, pr1_timeliness
from ..reports.queries import LIST_OF_REPORTS
from ..subscriptions import buyer_covered_cycle_ids
from ..tenancy import visible_factories
from ..time import today_in
from .figures import TIMELINESS_ORDER, Counted

LATEST, BEFORE = "latest", "before"  # the latest released assessment, and the one before it


@dataclass
class FactoryRow:
    factory: Factory
    cycle: Cycle | None = None
    pr1: ProgressReport | None = None  # the latest final PR1 of the latest cycle, if the buyer reads it
    obligation: PR1Obligation | None = None  # the latest cycle's PR1 obligation (PR-3, PR-11)
    pr2: ProgressReport | None = None  # the latest final PR2
    open_public: int = 0
    overdue: int = 0
    timeliness: Timeliness | None = None  # of the latest cycle's PR1 (None: no due date yet)

    @property
    def pr1_due(self) -> Due | None:
        """The due date, while no PR1 of the latest cycle is final."""
        return self.obligation.due if self.obligation is not None else None


@dataclass
class BuyerFigures:
    clusters: Counted = field(default_factory=Counted)  # cluster name x (LATEST, BEFORE): findings
    cluster_labels: dict = field(default_factory=dict)  # cluster name -> Cluster (for its label)
    public: dict = field(default_factory=dict)  # total, open, responded, verified
    timeliness: Counted = field(default_factory=Counted)  # "pr1" x Timeliness: factories


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
    cycle_ids = [row.cycle.id for row in rows.values() if row.cycle is not None]
    first = first_pr1_submissions(ids)
    firsts = {cycle_id: when for cycle_id, when in db.session.execute(
        select(first.c.cycle_id, first.c.first).where(first.c.cycle_id.in_(cycle_ids)))}
    obligations = obligations_of([row.cycle for row in rows.values()],
                                 lambda cycle: today_in(rows[cycle.factory_id].factory.programme.timezone))
    for row in rows.values():
        today = today_in(row.factory.programme.timezone)
        if row.cycle is not None:
            row.obligation = obligations[row.cycle.id]
            submitted = firsts.get(row.cycle.id)
            submitted_on = _local_day(submitted, row.factory.programme.timezone) if submitted else None
            row.timeliness = pr1_timeliness(row.cycle.report_release_date, submitted_on, today)
    # Overdue: open and past the target date in the factory's programme time zone; the
    # programmes' "today" differ by at most a day, so count per programme.
    by_programme: dict[str, list[int]] = {}
    for row in rows.values():
        by_programme.setdefault(row.factory.programme.timezone, []).append(row.factory.id)
    for timezone, factory_ids in by_programme.items():
        today = today_in(timezone)
        for factory_id, count in db.session.execute(
                select(IPItem.factory_id, func.count(IPItem.id)).where(
                    IPItem.factory_id.in_(factory_ids), is_overdue_sql(today)).group_by(IPItem.factory_id)):
            rows[factory_id].overdue = count
    return [rows[f.id] for f in factories]


def _local_day(instant: datetime, timezone: str) -> date:
    from zoneinfo import ZoneInfo

    if isinstance(instant, str):
        instant = datetime.fromisoformat(instant)
    if instant.tzinfo is None:  # SQLite gives back UTC without saying so
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ZoneInfo(timezone)).date()


def buyer_figures(rows: list[FactoryRow], today: date | None = None) -> BuyerFigures:
    """The figures across the factories of ``rows`` (the buyer's, from ``buyer_rows``)."""
    figures = BuyerFigures()
    figures.timeliness.rows, figures.timeliness.columns = ["pr1"], list(TIMELINESS_ORDER)
    for row in rows:
        if row.timeliness is not None:
            figures.timeliness.add("pr1", row.timeliness, 1)
    ids = [row.factory.id for row in rows]
    figures.public = {"total": 0, "open": 0, "responded": 0, "verified": 0}
    if not ids:
        return figures
    today = today or datetime.now(UTC).date()
    ranked = (select(Cycle.id.label("cycle_id"), func.row_number().over(
        partition_by=Cycle.factory_id, order_by=Cycle.number.desc()).label("rank"))
        .where(Cycle.factory_id.in_(ids), Cycle.report_release_date.is_not(None),
               Cycle.report_release_date <= today).subquery())
    counted = figures.clusters
    counted.columns = [LATEST, BEFORE]
    for name, rank, n in db.session.execute(
            select(Cluster.name, ranked.c.rank, func.count(Finding.id))
            .join(ranked, ranked.c.cycle_id == Finding.cycle_id).join(Cluster, Cluster.id == Finding.cluster_id)
            .where(ranked.c.rank <= 2).group_by(Cluster.name, ranked.c.rank)):
        counted.add(name, LATEST if rank == 1 else BEFORE, n)
    names = {name for name, _column in counted.counts}
    if names:
        for cluster in db.session.scalars(select(Cluster).where(Cluster.name.in_(names), Cluster.programme_id.in_(
                select(Factory.programme_id).where(Factory.id.in_(ids)))).order_by(Cluster.position, Cluster.id)):
            figures.cluster_labels.setdefault(cluster.name, cluster)
        counted.rows = sorted(names, key=lambda n: (-counted.get(n, LATEST), -counted.get(n, BEFORE), n))
    total, still_open, responded, verified = db.session.execute(
        select(func.count(Finding.id), func.count(IPItem.id), func.count(PublicResponse.id),
               func.count(PublicResponse.verified_at))
        .select_from(Finding).join(ranked, ranked.c.cycle_id == Finding.cycle_id)
        .outerjoin(IPItem, (IPItem.id == Finding.ip_item_id) & (IPItem.status != IPStatus.COMPLETED))
        .outerjoin(PublicResponse, PublicResponse.finding_id == Finding.id)
        .where(ranked.c.rank == 1, Finding.publicly_reported)).one()
    figures.public = {"total": total, "open": still_open, "responded": responded, "verified": verified}
    return figures
