"""The deadline sweep (PR-3, JOB-2), run by ``rq cron`` every hour with TZ=UTC: for each
programme, on its local date, the PR1 reminders and notices of each active factory's
latest cycle (about the cycle's obligation, PR-11: met once any PR1 of it is final), and the
EAs' reminders for verifications past due. The database is the
source of truth; each notice is keyed (kind, object, recipient, due date), so running the
sweep twice, or two sweeps at once, writes each notice once."""

import logging
from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..domain.ip.queries import verification_entries
from ..domain.notices import notify as notices
from ..domain.notices.outbox import take_committed
from ..domain.reports.deadlines import PR1State, pr1_notices, pr1_state
from ..domain.subscriptions import buyer_recipients_of
from ..domain.time import today_in
from ..extensions import db
from ..models import Cycle, Factory, Programme, ProgressReport, ReportKind
from .context import with_app_context
from .outbox import relay

log = logging.getLogger(__name__)


def _latest_cycles(programme_id: int) -> list:
    """The latest cycle of each active factory of the programme, as plain rows (id, factory_id,
    number, start_date, report_release_date, factory_name): no ORM objects to build."""
    latest = (select(Cycle.factory_id, func.max(Cycle.number).label("number"))
              .join(Factory, Factory.id == Cycle.factory_id)
              .where(Factory.programme_id == programme_id, Factory.active).group_by(Cycle.factory_id).subquery())
    return list(db.session.execute(
        select(Cycle.id, Cycle.factory_id, Cycle.number, Cycle.start_date, Cycle.report_release_date,
               Factory.name.label("factory_name"))
        .join(latest, (Cycle.factory_id == latest.c.factory_id) & (Cycle.number == latest.c.number))
        .join(Factory, Factory.id == Cycle.factory_id)))


def _pr1_states(programme_id: int) -> dict:
    """cycle id -> the state of its PR1 obligation (from the statuses of all its PR1s, not the
    latest one's), for the programme's active factories (a join, not an IN list of every
    cycle: SQLite allows 32,766 parameters)."""
    statuses: dict[int, set] = {}
    for cycle_id, status in db.session.execute(
            select(ProgressReport.cycle_id, ProgressReport.status)
            .join(Factory, Factory.id == ProgressReport.factory_id)
            .where(Factory.programme_id == programme_id, Factory.active, ProgressReport.kind == ReportKind.PR1)
            .distinct()):
        statuses.setdefault(cycle_id, set()).add(status)
    return {cycle_id: pr1_state(found) for cycle_id, found in statuses.items()}


@with_app_context
def sweep(now: datetime | None = None) -> Counter:
    """Write the notices due now; returns how many new ones of each kind.

    Set-based, so an hour's run stays short with thousands of factories: per programme a
    fixed number of queries find the due notices and their recipients (ids, plain rows), and
    the rows go in through one INSERT sent in pages, skipping existing keys (a second run
    writes nothing)."""
    now = now or datetime.now(UTC)
    written = Counter()
    programmes = list(db.session.execute(select(Programme.id, Programme.timezone).order_by(Programme.id)))
    for programme_id, timezone in programmes:
        # One programme's bad data never stops the others' notices (issue 17 item 9).
        try:
            written.update(_sweep_programme(programme_id, today_in(timezone, now)))
            db.session.commit()  # one programme at a time: a failure later keeps what is written
        except Exception:  # noqa: BLE001 - logged; the next programme goes on
            db.session.rollback()
            log.exception("deadline sweep: programme %s failed; the others go on", programme_id)
    relay(take_committed(db.session()))
    return written


def _due_now(cycles, states, today) -> list:
    """(cycle, kind, due, audience) of the notices due today; a cycle whose dates cannot be
    counted from (a release in 9999) is logged and skipped, never the sweep."""
    due_now = []
    for cycle in cycles:
        try:
            due_now += [(cycle, kind, due, audience) for kind, due, audience in pr1_notices(
                cycle.start_date, cycle.report_release_date, states.get(cycle.id, PR1State.PENDING), today)]
        except (OverflowError, ValueError, TypeError):
            log.exception("deadline sweep: cycle %s of factory %s skipped", cycle.id, cycle.factory_id)
    return due_now


def _sweep_programme(programme_id: int, today) -> Counter:
    cycles = _latest_cycles(programme_id)
    states = _pr1_states(programme_id)
    due_now = _due_now(cycles, states, today)
    users = notices.factory_user_ids_of({c.factory_id for c, _k, _d, audience in due_now if audience == "factory"})
    buyers = {cycle_id: [user.id for user in found] for cycle_id, found in buyer_recipients_of(
        {c.id: c for c, _k, _d, audience in due_now if audience == "buyers"}.values()).items()}
    pending = [notices.Notice(
        kind, users.get(cycle.factory_id, []) if audience == "factory" else buyers.get(cycle.id, []),
        cycle.factory_id, cycle.factory_name, obj=cycle.id, due=due,
        params={"cycle": cycle.number, "due": due.isoformat()},
        link={"endpoint": "reports.index", "factory_id": cycle.factory_id})
        for cycle, kind, due, audience in due_now]
    factory_ids = select(Factory.id).where(Factory.programme_id == programme_id, Factory.active)
    overdue = [(item, state) for item, state in verification_entries(factory_ids)
               if state["due"] is not None and state["due"] < today]
    advisors = notices.advisor_ids_of({item.factory_id for item, _state in overdue})
    pending += [notices.Notice(  # item.cycle.factory came with the queue (joinedload)
        "verification_overdue", advisors.get(item.factory_id, []), item.factory_id, item.cycle.factory.name,
        obj=item.id, due=state["due"],
        params={"due": state["due"].isoformat(), "item": item.area_of_improvement[:200]},
        link={"endpoint": "ip.item", "factory_id": item.factory_id, "item_id": item.id})
        for item, state in overdue]
    return Counter(notices.notify_many(pending))
