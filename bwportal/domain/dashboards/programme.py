"""The programme manager's dashboard (programme admins): PR1 on time per cycle and per month,
reports waiting for review, IP items by status and cluster, each advisor's Delayed and
overdue-verification items and workload, and notices waiting or failed.

Each figure is one GROUP BY query over the programme's active factories, so the page costs
the same dozen queries for ten factories or ten thousand."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, exists, func, literal, select, union_all
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import (
    Cycle,
    EAAssignment,
    Factory,
    IPItem,
    IPStatus,
    OutboxMessage,
    OutboxStatus,
    ProgressReport,
    ReportStatus,
    User,
)
from ..ip.status import awaiting_verification_sql, delayed_sql_parts, status_on, verification_overdue_sql
from ..reports.deadlines import Timeliness, due_date_sql, first_pr1_submissions, pr1_timeliness_sql
from ..sqldates import month_of
from ..tenancy import visible_factory_ids
from ..time import today_in
from .figures import STATUS_ORDER, TIMELINESS_ORDER, Counted, Filters, clusters_of, months_back
from .scope import active_factory_ids

# How long a submitted PR1 has waited for the advisor's review: (key, label, days at least).
WAITS = (("week", _l("Under a week"), 0), ("two_weeks", _l("1 to 2 weeks"), 7),
         ("month", _l("2 to 4 weeks"), 14), ("older", _l("Over 4 weeks"), 28))


@dataclass
class AdvisorRow:
    ea_id: int
    name: str
    factories: int = 0
    reports_waiting: int = 0
    oldest_report: datetime | None = None
    items_waiting: int = 0
    oldest_item: datetime | None = None
    verification_overdue: int = 0
    delayed: int = 0

    @property
    def queue(self) -> int:
        return self.reports_waiting + self.items_waiting

    @property
    def oldest_wait(self) -> datetime | None:
        found = [d for d in (self.oldest_report, self.oldest_item) if d is not None]
        return min(found) if found else None


@dataclass
class ProgrammeDashboard:
    programme: object
    today: date
    filters: Filters
    clusters: dict
    pr1_by_cycle: Counted = field(default_factory=Counted)
    pr1_by_month: Counted = field(default_factory=Counted)
    waiting_review: Counted = field(default_factory=Counted)
    oldest_review: datetime | None = None
    items: Counted = field(default_factory=Counted)
    advisors: list[AdvisorRow] = field(default_factory=list)
    notices_waiting: int = 0
    notices_failed: int = 0
    oldest_notice: datetime | None = None


def _item_filters(stmt, filters: Filters):
    """Items of the chosen cycle number and cluster."""
    if filters.cycle is not None:
        stmt = stmt.join(Cycle, Cycle.id == IPItem.cycle_id).where(Cycle.number == filters.cycle)
    if filters.cluster_id is not None:
        stmt = stmt.where(IPItem.cluster_id == filters.cluster_id)
    return stmt


def programme_dashboard(user, filters: Filters, now: datetime | None = None) -> ProgrammeDashboard:
    programme = user.programme
    now = now or datetime.now(UTC)
    today = today_in(programme.timezone, now)
    board = ProgrammeDashboard(programme, today, filters, clusters_of([programme.id]))
    scope = active_factory_ids(user)
    _pr1(board, scope, programme.timezone, today, filters)
    _waiting_review(board, scope, now)
    _items(board, scope, today, filters)
    board.advisors = advisor_rows(programme.id, scope, today, filters)
    _notices(board, user)
    return board


def _pr1(board, scope, timezone, today, filters) -> None:
    """PR1 on time per cycle number, and per month of its due date over the period: one
    query counting by (cycle number, month due, timeliness), summed both ways here."""
    first = first_pr1_submissions(scope)
    due = due_date_sql(Cycle.report_release_date)
    released = select(Cycle.number.label("number"), month_of(due).label("month"),
                      pr1_timeliness_sql(Cycle.report_release_date, first.c.first, timezone, today).label("state")
                      ).outerjoin(first, first.c.cycle_id == Cycle.id).where(
        Cycle.factory_id.in_(scope), Cycle.report_release_date.is_not(None))
    if filters.cycle is not None:
        released = released.where(Cycle.number == filters.cycle)
    released = released.subquery()
    by_cycle, by_month = board.pr1_by_cycle, board.pr1_by_month
    by_cycle.columns = list(TIMELINESS_ORDER)
    by_month.rows, by_month.columns = months_back(today, filters.months), list(TIMELINESS_ORDER)
    months = set(by_month.rows)
    for number, month, state, n in db.session.execute(
            select(released.c.number, released.c.month, released.c.state, func.count())
            .group_by(released.c.number, released.c.month, released.c.state).order_by(released.c.number)):
        if number not in by_cycle.rows:
            by_cycle.rows.append(number)
        by_cycle.add(number, Timeliness(state), n)
        if month in months:
            by_month.add(month, Timeliness(state), n)


def _waiting_review(board, scope, now) -> None:
    """Submitted PR1s waiting for the advisor, by how long."""
    age = case(*[(ProgressReport.submitted_at <= now - timedelta(days=days), literal(key))
                 for key, _label, days in reversed(WAITS) if days], else_=literal(WAITS[0][0]))
    waiting = select(age.label("age"), ProgressReport.submitted_at).where(
        ProgressReport.factory_id.in_(scope), ProgressReport.status == ReportStatus.SUBMITTED).subquery()
    counted = board.waiting_review
    counted.rows, counted.columns = [key for key, _label, _days in WAITS], ["reports"]
    for key, n, oldest in db.session.execute(
            select(waiting.c.age, func.count(), func.min(waiting.c.submitted_at)).group_by(waiting.c.age)):
        counted.add(key, "reports", n)
        oldest = _aware(oldest)
        if oldest is not None and (board.oldest_review is None or oldest < board.oldest_review):
            board.oldest_review = oldest


def _items(board, scope, today, filters) -> None:
    """IP items by cluster and the status they show today (``status_on``: Delayed once past
    the target). Counted by (recorded status, cluster), with how many of them are past their
    target date, from the programme's range of ix_ip_item_programme_figures (in the index's
    order: no item is looked up by its factory); the items of the programme's factories
    outside ``scope`` (the inactive ones) are counted apart and taken off, in the same
    statement. A few dozen rows, each then given its shown status by the rule itself."""
    passed = IPItem.target_date < today
    programme_id = board.programme.id
    # NOT EXISTS, not NOT IN: the database then knows how few they are and reads their items by
    # factory, where NOT IN had it read all of the programme's items a second time.
    factory = aliased(Factory)
    outside = select(factory.id).where(factory.programme_id == programme_id,
                                       ~exists(scope.where(Factory.id == factory.id)))

    def counts(sign: int, *where):
        n, past = func.count(), func.count().filter(passed)
        stmt = select(IPItem.status, IPItem.cluster_id, n if sign > 0 else -n, past if sign > 0 else -past)
        return _item_filters(stmt.where(IPItem.programme_id == programme_id, *where), filters).group_by(
            IPItem.status, IPItem.cluster_id)

    counted = board.items
    counted.columns = list(STATUS_ORDER)
    before = today - timedelta(days=1)
    for status, cluster_id, n, past in db.session.execute(
            union_all(counts(1), counts(-1, IPItem.factory_id.in_(outside)))):
        status = IPStatus(status) if isinstance(status, str) else status
        counted.add(cluster_id, status_on(status, None, today), n - past)
        counted.add(cluster_id, status_on(status, before, today), past)
    found = {row for row, _column in counted.counts if counted.row_total(row)}
    counted.counts = {key: n for key, n in counted.counts.items() if key[0] in found}
    counted.rows = [c for c in board.clusters if c in found] + ([None] if None in found else [])


def advisor_rows(programme_id: int, scope, today, filters: Filters) -> list[AdvisorRow]:
    """Per advisor with a current assignment among ``scope`` (factories of the programme
    ``programme_id``): factories, PR1s waiting for review, items waiting for verification (and
    how many past due), Delayed items, and the oldest wait. A factory with a supporting
    advisor counts for both (both see it)."""
    reports = (select(ProgressReport.factory_id.label("factory_id"), func.count().label("n"),
                      func.min(ProgressReport.submitted_at).label("oldest"))
               .where(ProgressReport.factory_id.in_(scope), ProgressReport.status == ReportStatus.SUBMITTED)
               .group_by(ProgressReport.factory_id).subquery())
    overdue = case((verification_overdue_sql(today), 1), else_=0)
    waiting = _item_filters(select(IPItem.factory_id.label("factory_id"), func.count().label("n"),
                                   func.min(IPItem.remediation_reported_at).label("oldest"),
                                   func.sum(overdue).label("overdue"))
                            .where(IPItem.factory_id.in_(scope), awaiting_verification_sql()), filters)
    waiting = waiting.group_by(IPItem.factory_id).subquery()
    # Recorded Delayed: the programme's range of ix_ip_item_programme_figures (factories out of
    # scope are counted too, and never joined below); open and past the target before the
    # hourly job recorded it: a range of ix_ip_item_figures, matched against the scope.
    recorded, unrecorded = delayed_sql_parts(today)
    delayed_items = union_all(
        _item_filters(select(IPItem.factory_id.label("factory_id"))
                      .where(IPItem.programme_id == programme_id, recorded), filters),
        _item_filters(select(IPItem.factory_id.label("factory_id"))
                      .where(IPItem.factory_id.in_(scope), unrecorded), filters)).subquery()
    delayed = (select(delayed_items.c.factory_id, func.count().label("n"))
               .group_by(delayed_items.c.factory_id).subquery())
    stmt = (select(User.id, User.name, func.count(distinct(EAAssignment.factory_id)),
                   func.coalesce(func.sum(reports.c.n), 0), func.min(reports.c.oldest),
                   func.coalesce(func.sum(waiting.c.n), 0), func.min(waiting.c.oldest),
                   func.coalesce(func.sum(waiting.c.overdue), 0), func.coalesce(func.sum(delayed.c.n), 0))
            .join(EAAssignment, EAAssignment.ea_id == User.id)
            .outerjoin(reports, reports.c.factory_id == EAAssignment.factory_id)
            .outerjoin(waiting, waiting.c.factory_id == EAAssignment.factory_id)
            .outerjoin(delayed, delayed.c.factory_id == EAAssignment.factory_id)
            .where(EAAssignment.ended_at.is_(None), EAAssignment.factory_id.in_(scope))
            .group_by(User.id, User.name).order_by(User.name, User.id))
    return [AdvisorRow(ea_id, name, factories, reports_n, _aware(oldest_r), items_n, _aware(oldest_i), late, late_items)
            for ea_id, name, factories, reports_n, oldest_r, items_n, oldest_i, late, late_items
            in db.session.execute(stmt)]


def _notices(board, user) -> None:
    """Notices about the programme's factories not sent yet, or given up on."""
    waiting = (OutboxStatus.PENDING, OutboxStatus.SENDING)
    rows = db.session.execute(
        select(OutboxMessage.status, func.count(), func.min(OutboxMessage.created_at))
        .where(OutboxMessage.factory_id.in_(visible_factory_ids(user)),
               OutboxMessage.status.in_((*waiting, OutboxStatus.FAILED)))
        .group_by(OutboxMessage.status))
    for status, n, oldest in rows:
        if status is OutboxStatus.FAILED:
            board.notices_failed += n
        else:
            board.notices_waiting += n
            oldest = _aware(oldest)
            if oldest is not None and (board.oldest_notice is None or oldest < board.oldest_notice):
                board.oldest_notice = oldest


def _aware(value):
    """SQLite gives naive datetimes back (stored in UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)

