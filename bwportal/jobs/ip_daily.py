"""The daily IP job (IP-3): open items past their target date become Delayed, recorded in
their history. Run hourly by ``rq cron`` so each programme's local midnight is caught soon
after it passes; running it again changes nothing."""

from datetime import UTC, datetime

from sqlalchemy import select

from ..domain.ip.operations import mark_overdue_delayed
from ..domain.time import today_in
from ..extensions import db
from ..models import Factory, IPItem, IPStatus, Programme
from .context import with_app_context


@with_app_context
def mark_delayed_items(now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    count = 0
    for programme in db.session.scalars(select(Programme)):
        today = today_in(programme.timezone, now)
        items = db.session.scalars(
            select(IPItem).join(Factory, IPItem.factory_id == Factory.id).where(
                Factory.programme_id == programme.id,
                IPItem.status.in_((IPStatus.PENDING, IPStatus.IN_PROGRESS)),
                IPItem.target_date < today,
            )
        ).unique()
        count += mark_overdue_delayed(items, lambda _item, today=today: today)
    db.session.commit()
    return count
