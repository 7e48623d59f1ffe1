"""Reading the IP: the filtered list, counts, and what a list shows beside each item,
each in a fixed number of queries whatever the number of items."""

from collections import Counter
from dataclasses import asdict, dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import AdvisoryVisit, Cycle, EventKind, IPEvent, IPItem, IPStatus, Origin
from .. import audit
from .status import status_on_sql, verification_due


@dataclass
class Filters:
    cluster_id: int | None = None
    status: IPStatus | None = None
    origin: Origin | None = None
    public: bool | None = None
    lead: str = ""
    overdue: bool = False
    review: bool = False


def ip_items(factory_id: int, filters: Filters, today) -> list[IPItem]:
    return list(db.session.scalars(ordered_items(factory_id, filters, today)).unique())


def stream_items(factory_id: int, filters: Filters, today, batch: int = 500):
    """``ip_items`` read ``batch`` rows at a time (the exports): an item's joined rows are
    many-to-one, so batches need no de-duplication."""
    return db.session.scalars(ordered_items(factory_id, filters, today).execution_options(yield_per=batch))


def ordered_items(factory_id: int, filters: Filters, today) -> Select:
    """The list's order: publicly reported first (002 §3.2), then by target date, oldest first
    (the id last, so that pages of it never overlap)."""
    return filtered_items(factory_id, filters, today).order_by(
        IPItem.publicly_reported.desc(), IPItem.target_date.is_(None), IPItem.target_date, IPItem.id)


def filtered_items(factory_id: int, filters: Filters, today) -> Select:
    """A SELECT of the factory's items that pass ``filters`` (the list's and the API's), unordered."""
    stmt = select(IPItem).where(IPItem.factory_id == factory_id)
    if filters.cluster_id:
        stmt = stmt.where(IPItem.cluster_id == filters.cluster_id)
    if filters.origin:
        stmt = stmt.where(IPItem.origin == filters.origin)
    if filters.public is not None:
        stmt = stmt.where(IPItem.publicly_reported.is_(filters.public))
    if filters.lead:
        stmt = stmt.where(IPItem.lead_person.icontains(filters.lead, autoescape=True))
    if filters.review:
        stmt = stmt.where(IPItem.review_with_committee.is_(True))
    if filters.overdue or filters.status is IPStatus.DELAYED:
        stmt = stmt.where(IPItem.status != IPStatus.COMPLETED, IPItem.target_date < today)
    elif filters.status is not None:
        stmt = stmt.where(IPItem.status == filters.status)
        if filters.status in (IPStatus.PENDING, IPStatus.IN_PROGRESS):
            # Past its date it counts as Delayed, even before the daily job records it.
            stmt = stmt.where((IPItem.target_date.is_(None)) | (IPItem.target_date >= today))
    return stmt


def status_counts(factory_id: int, today) -> Counter:
    """Items per status as shown (Delayed once the date passed), counted by the database: one
    row per status, not one per item, however large the plan."""
    shown = status_on_sql(today)
    rows = db.session.execute(
        select(shown, func.count()).where(IPItem.factory_id == factory_id).group_by(shown)).all()
    return Counter({IPStatus(status) if not isinstance(status, IPStatus) else status: n for status, n in rows})


def latest_assessor_comments(item_ids: list[int]) -> dict[int, IPEvent]:
    """The lead assessor's latest comment per item, with the assessment whose report it went
    with (002 §3.4.1), for all listed items in one query."""
    if not item_ids:
        return {}
    events = db.session.scalars(
        select(IPEvent).where(IPEvent.item_id.in_(item_ids), IPEvent.kind == EventKind.ASSESSOR_COMMENT)
        .order_by(IPEvent.id).options(joinedload(IPEvent.cycle))
    )
    return {e.item_id: e for e in events}


def visit_dates(factory_ids) -> dict[int, list]:
    rows = db.session.execute(
        select(AdvisoryVisit.factory_id, AdvisoryVisit.visit_date).where(AdvisoryVisit.factory_id.in_(factory_ids))
    ).all()
    dates: dict[int, list] = {}
    for factory_id, visit_date in rows:
        dates.setdefault(factory_id, []).append(visit_date)
    return dates


def verification_queue(factory_ids) -> list[IPItem]:
    return list(db.session.scalars(verification_queue_query(factory_ids)).unique())


def verification_queue_query(factory_ids) -> Select:
    """IP-7: items reported remediated and not yet verified, publicly reported first.

    Their ids first, then the items with what the queue shows: in one query PostgreSQL joined
    the whole programme's waiting items to their cycles, visits and catalogue rows before
    keeping the EA's (155 ms for an EA of 56 factories among 10,000; now under 8 ms)."""
    ids = list(db.session.scalars(select(IPItem.id).where(
        IPItem.factory_id.in_(factory_ids), IPItem.remediation_reported_at.is_not(None),
        IPItem.status != IPStatus.COMPLETED)))  # the partial index ix_ip_item_awaiting_verification
    stmt = (
        select(IPItem)
        .where(IPItem.id.in_(ids))
        .order_by(IPItem.publicly_reported.desc(), IPItem.remediation_reported_at, IPItem.id)
        .options(joinedload(IPItem.cycle).joinedload(Cycle.factory))  # the queue names each item's factory
    )
    return stmt



def verification_entries(factory_ids, items=None) -> list[tuple[IPItem, dict]]:
    """The queue (or ``items``, a page of it) with, for each item, how many advisory visits have
    passed since the report and when the verification fell due (IP-7), in a fixed number of queries."""
    if items is None:
        items = verification_queue(factory_ids)
    dates = visit_dates({i.factory_id for i in items})
    entries = []
    for item in items:
        visits, due = verification_due(item.remediation_reported_at, dates.get(item.factory_id, []))
        entries.append((item, {"visits": visits, "due": due}))
    return entries


def record_export(user, factory, fmt: str, filters: Filters, count: int) -> None:
    """The IP left the portal as a spreadsheet: who, which filters, how many items (the
    caller commits before sending the file)."""
    default = asdict(Filters())
    chosen = {k: v for k, v in asdict(filters).items() if v != default[k]}
    audit.for_factory(user, "ip.export", factory, factory, label=f"{factory.name}: {fmt.upper()}",
                      changes={"format": fmt, "items": count, **({"filters": chosen} if chosen else {})})
