"""The feed of changes a brand syncs from (API-1: "changes since a given time").

Why a feed and not ``updated_at`` columns: the objects the API hands out change through many
operations (an IP item's fields, its status set by the hourly job, a finding's response and
its evidence files, a report's workflow), several of them do not touch a timestamp of the
object itself, and some remove rows (an evidence file, a finding). A session hook sees all of
them in one place: every flush that creates, changes or removes a tracked row writes one feed
entry per object, in the same transaction, so a change and its entry commit together or not
at all, whichever route, job or command made it. Removals are entries too.

Why the (txid, id) order: entry ids are handed out when a row is written, not when its
transaction commits, so a cursor that moved past id 101 would miss id 100 committed a moment
later. On PostgreSQL every entry carries its transaction's id and the feed is read in
(txid, id) order, only below the oldest transaction still running
(``pg_snapshot_xmin``): any entry committed later has a larger txid than all those handed out,
so a cursor never skips one. SQLite runs one writer at a time, so there ids follow commits
(txid is 0).

A reader sees the entries of the factories it may see now (domain.tenancy), of the kinds its
role may read (domain.policy), and of the reports it may read (reports.queries).
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, event, false, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from ..extensions import db
from ..models import Change, Cycle, EvidenceFile, Factory, Finding, IPItem, ProgressReport, PublicResponse
from .policy import can
from .reports import queries as report_queries
from .tenancy import visible_factory_ids

# resource -> the policy action that reads it
RESOURCES = {
    "factory": "enterprise.view",
    "cycle": "public.view",
    "ip_item": "ip.view",
    "public_finding": "public.view",
    "report": "report.view",
}


def _entries(session, obj, removed: bool):
    """(factory id, resource, object id, removed) for a written row of a tracked model."""
    if isinstance(obj, Factory):
        yield obj.id, "factory", obj.id, removed
    elif isinstance(obj, Cycle):
        yield obj.factory_id, "cycle", obj.id, removed
    elif isinstance(obj, IPItem):
        yield obj.factory_id, "ip_item", obj.id, removed
    elif isinstance(obj, ProgressReport):
        yield obj.factory_id, "report", obj.id, removed
    elif isinstance(obj, Finding):
        yield obj.factory_id, "cycle", obj.cycle_id, False  # its summary counts change
        if obj.publicly_reported or _was(obj, "publicly_reported"):
            yield obj.factory_id, "public_finding", obj.id, removed or not obj.publicly_reported
    elif isinstance(obj, PublicResponse):
        yield obj.factory_id, "public_finding", obj.finding_id, False
    elif isinstance(obj, EvidenceFile):
        finding_id = session.connection().scalar(
            select(PublicResponse.finding_id).where(PublicResponse.id == obj.response_id))
        if finding_id is not None:
            yield obj.factory_id, "public_finding", finding_id, False


TRACKED = (Factory, Cycle, IPItem, ProgressReport, Finding, PublicResponse, EvidenceFile)


def _was(obj, attribute: str) -> bool:
    history = inspect(obj).attrs[attribute].history
    return bool(history.deleted and history.deleted[0])


@event.listens_for(Session, "after_flush")
def record_changes(session, _flush_context):
    """One feed entry per tracked object this flush wrote (the state lists still show what
    the flush wrote: new rows now carry their ids)."""
    seen = set()
    for objects, removed in ((session.new, False), (session.dirty, False), (session.deleted, True)):
        for obj in objects:
            if not isinstance(obj, TRACKED):
                continue
            if objects is session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            for entry in _entries(session, obj, removed):
                if None not in entry[:3]:
                    seen.add(entry)
    if seen:
        at = datetime.now(UTC)  # the portal's clock, as the times a reader passes as ?since=
        session.connection().execute(insert(Change), [
            {"factory_id": factory_id, "resource": resource, "object_id": object_id, "removed": gone, "at": at}
            for factory_id, resource, object_id, gone in sorted(seen)])


# --- reading ---------------------------------------------------------------------------------

LAST_ID = 2**31 - 1  # past any entry's id


@dataclass(frozen=True)
class Position:
    """Where a reader is in the feed: after the entry (txid, id)."""

    txid: int
    id: int


@dataclass(frozen=True)
class Page:
    entries: list[Change]
    next: Position
    more: bool


def _horizon() -> tuple[int | None, int | None]:
    """(the first txid that may still be running, None) on PostgreSQL; (None, the last id
    written) on SQLite. Read before the entries, so none committed in between is passed over."""
    if db.session.get_bind().dialect.name == "postgresql":
        return db.session.scalar(text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")), None
    return None, db.session.scalar(select(func.coalesce(func.max(Change.id), 0)))


def readable(user):
    """SQL condition: the feed entries ``user`` may see."""
    factory_ids = list(db.session.scalars(visible_factory_ids(user)))
    kinds = [resource for resource, action in RESOURCES.items() if can(user, action) and resource != "report"]
    condition = Change.resource.in_(kinds) if kinds else false()
    if can(user, "report.view") and factory_ids:
        reports = select(ProgressReport.id).where(ProgressReport.factory_id.in_(factory_ids),
                                                  report_queries.visible_condition(user, factory_ids))
        condition = or_(condition, and_(Change.resource == "report", Change.object_id.in_(reports)))
    return and_(Change.factory_id.in_(factory_ids), condition)


def page(user, after: Position | None, since: datetime | None, limit: int) -> Page:
    """The next ``limit`` entries after ``after`` (or recorded from ``since`` on), oldest first."""
    horizon, ceiling = _horizon()
    stmt = select(Change).where(readable(user))
    if after is not None:
        stmt = stmt.where(or_(Change.txid > after.txid, and_(Change.txid == after.txid, Change.id > after.id)))
    if since is not None:
        stmt = stmt.where(Change.at >= since)
    if horizon is not None:
        stmt = stmt.where(Change.txid < horizon)
    if ceiling is not None:
        stmt = stmt.where(Change.id <= ceiling)
    entries = list(db.session.scalars(stmt.order_by(Change.txid, Change.id).limit(limit + 1)))
    more = len(entries) > limit
    entries = entries[:limit]
    if more:
        last = entries[-1]
        return Page(entries, Position(last.txid, last.id), True)
    # Nothing readable is left before the horizon: the next read may start there, past
    # entries of other factories, so a quiet brand's polls do not read them again.
    end = Position(horizon - 1, LAST_ID) if horizon is not None else Position(0, ceiling)
    if after is not None and (after.txid, after.id) > (end.txid, end.id):
        end = after
    return Page(entries, end, False)
