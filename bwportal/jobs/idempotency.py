"""Idempotency keys of replayed saves (issue 19 item 6) are kept a week: a device's queue is
replayed within days, not later. Daily, by ``rq cron``; running it again changes nothing."""

from datetime import datetime

from ..domain import idempotency
from ..extensions import db
from .context import with_app_context


@with_app_context
def expire_idempotency_keys(now: datetime | None = None) -> int:
    count = idempotency.expire(now)
    db.session.commit()
    return count
