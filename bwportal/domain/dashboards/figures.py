"""What the dashboards share: filters from the URL, periods of months, and counted series."""

from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...models import Cluster, IPStatus
from ..reports.deadlines import Timeliness
from ..time import add_months

PERIODS = (3, 6, 12, 24)  # months a period filter may choose
DEFAULT_PERIOD = 12
MAX_CYCLE = 99
STATUS_ORDER = (IPStatus.PENDING, IPStatus.IN_PROGRESS, IPStatus.DELAYED, IPStatus.COMPLETED)
TIMELINESS_ORDER = (Timeliness.ON_TIME, Timeliness.LATE, Timeliness.OVERDUE, Timeliness.NOT_DUE)

UNKNOWN_FILTER = _l("A filter in the address was not understood and is not applied.")


@dataclass(frozen=True)
class Filters:
    """cycle (a cycle number), cluster (a cluster id of the programme), period (months)."""

    cycle: int | None = None
    cluster_id: int | None = None
    months: int = DEFAULT_PERIOD
    refused: tuple[str, ...] = ()  # names of the arguments that were not understood

    def args(self, **changes) -> dict:
        """The query string of these filters (for links that keep them)."""
        values = {"cycle": self.cycle, "cluster": self.cluster_id,
                  "period": self.months if self.months != DEFAULT_PERIOD else None}
        values.update(changes)
        return {k: v for k, v in values.items() if v is not None}


def _number(text: str | None, low: int, high: int) -> int | None:
    text = (text or "").strip()
    if not text.isdigit() or len(text) > 9:
        raise ValueError(text)
    value = int(text)
    if not low <= value <= high:
        raise ValueError(text)
    return value


def parse_filters(args, clusters: dict[int, object]) -> Filters:
    """Filters from a query string; a value not understood (not a number, another
    programme's cluster, a period not offered) is left out and named in ``refused``."""
    refused, cycle, cluster_id, months = [], None, None, DEFAULT_PERIOD
    if args.get("cycle"):
        try:
            cycle = _number(args.get("cycle"), 1, MAX_CYCLE)
        except ValueError:
            refused.append("cycle")
    if args.get("cluster"):
        try:
            cluster_id = _number(args.get("cluster"), 1, 2**31 - 1)
        except ValueError:
            cluster_id = None
        if cluster_id not in clusters:
            cluster_id = None
            refused.append("cluster")
    if args.get("period"):
        try:
            months = _number(args.get("period"), 1, 999)
        except ValueError:
            months = -1
        if months not in PERIODS:
            months = DEFAULT_PERIOD
            refused.append("period")
    return Filters(cycle, cluster_id, months, tuple(refused))


def clusters_of(programme_ids) -> dict[int, Cluster]:
    """The clusters of these programmes, by id, in their catalogue order."""
    ids = list(programme_ids)
    if not ids:
        return {}
    return {c.id: c for c in db.session.scalars(
        select(Cluster).where(Cluster.programme_id.in_(ids)).order_by(Cluster.programme_id, Cluster.position,
                                                                         Cluster.id))}


def months_back(today: date, months: int) -> list[str]:
    """'YYYY-MM' of the last ``months`` months, this one last."""
    first = date(today.year, today.month, 1)
    return [add_months(first, -k).strftime("%Y-%m") for k in range(months - 1, -1, -1)]


def period_start(today: date, months: int) -> date:
    """The first day of the first month of the period."""
    return add_months(date(today.year, today.month, 1), -(months - 1))


def month_date(key: str) -> date:
    year, month = key.split("-")
    return date(int(year), int(month), 1)


@dataclass
class Counted:
    """Counts by (row key, column key), with the rows and columns in the order to show."""

    rows: list = field(default_factory=list)
    columns: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # (row, column) -> int

    def add(self, row, column, n: int) -> None:
        self.counts[row, column] = self.counts.get((row, column), 0) + int(n or 0)

    def get(self, row, column) -> int:
        return self.counts.get((row, column), 0)

    def row_total(self, row) -> int:
        return sum(self.get(row, c) for c in self.columns)

    def column_total(self, column) -> int:
        return sum(self.get(r, column) for r in self.rows)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def rate(part: int, whole: int) -> int | None:
    """A whole percentage, None when there is nothing to divide by."""
    return None if not whole else round(100 * part / whole)


def on_time_rate(counted: Counted, row) -> int | None:
    """On time among the PR1s that were due (on time, late, overdue)."""
    due = sum(counted.get(row, t) for t in (Timeliness.ON_TIME, Timeliness.LATE, Timeliness.OVERDUE))
    return rate(counted.get(row, Timeliness.ON_TIME), due)
