"""The deadline sweep (PR-3, JOB-2), run by ``rq cron`` every hour with TZ=UTC: for each
programme, on its local date, the PR1 reminders and notices of each active factory's
latest cycle, and the EAs' reminders for verifications past due. The database is the
source of truth; each notice is keyed (kind, object, recipient, due date), so running the
sweep twice, or two sweeps at once, writes each notice once."""

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import func, select

from ..domain import notices
from ..domain.deadlines import pr1_notices
from ..domain.ip_queries import verification_entries
from ..domain.ip_status import today_in
from ..domain.outbox import take_committed
from ..domain.subscriptions import buyer_recipients
from ..extensions import db
from ..models import Cycle, Factory, Programme, ProgressReport, ReportKind
from .context import with_app_context
from .outbox import relay


def _latest_cycles(programme_id: int) -> list[Cycle]:
    latest = (select(Cycle.factory_id, func.max(Cycle.number).label("number"))
              .join(Factory, Factory.id == Cycle.factory_id)
              .where(Factory.programme_id == programme_id, Factory.active).group_by(Cycle.factory_id).subquery())
    return list(db.session.scalars(select(Cycle).join(
        latest, (Cycle.factory_id == latest.c.factory_id) & (Cycle.number == latest.c.number))))


def _pr1_statuses(cycle_ids) -> dict:
    """cycle id -> the status of its latest PR1."""
    rows = db.session.execute(select(ProgressReport.cycle_id, ProgressReport.status).where(
        ProgressReport.cycle_id.in_(cycle_ids), ProgressReport.kind == ReportKind.PR1).order_by(ProgressReport.id))
    return {cycle_id: status for cycle_id, status in rows}


@with_app_context
def sweep(now: datetime | None = None) -> Counter:
    """Write the notices due now; returns how many new ones of each kind."""
    now = now or datetime.now(UTC)
    written = Counter()
    for programme in db.session.scalars(select(Programme).order_by(Programme.id)):
        today = today_in(programme.timezone, now)
        cycles = _latest_cycles(programme.id)
        statuses = _pr1_statuses([c.id for c in cycles])
        for cycle in cycles:
            due_now = pr1_notices(cycle.assessment_date, cycle.report_release_date, statuses.get(cycle.id), today)
            for kind, due, audience in due_now:
                factory = cycle.factory
                recipients = (notices.factory_users(factory.id) if audience == "factory"
                              else buyer_recipients(factory, cycle))
                written[kind] += notices.notify(
                    kind, recipients, factory=factory, obj=cycle.id, due=due,
                    params={"cycle": cycle.number, "due": due.isoformat()},
                    link={"endpoint": "reports.index", "factory_id": factory.id})
        factory_ids = select(Factory.id).where(Factory.programme_id == programme.id, Factory.active)
        for item, state in verification_entries(factory_ids):
            if state["due"] is not None and state["due"] < today:
                written["verification_overdue"] += notices.notify(
                    "verification_overdue", notices.advisors(item.factory_id),
                    factory=db.session.get(Factory, item.factory_id), obj=item.id,
                    due=state["due"], params={"due": state["due"].isoformat(), "item": item.area_of_improvement[:200]},
                    link={"endpoint": "ip.item", "factory_id": item.factory_id, "item_id": item.id})
        db.session.commit()  # one programme at a time: a failure later keeps what is written
    relay(take_committed(db.session()))
    return written
