"""The relay and the worker side of the outbox (ARCHITECTURE "Jobs and notices").

After a commit, the rows it wrote are handed on: to RQ when REDIS_URL is set, else run in
this process. ``relay_due`` (every minute, ``rq cron``) hands on whatever was left behind:
rows written while Redis was down, rows whose retry is due, rows a dead worker held.
``deliver`` claims a row with a conditional UPDATE before doing its work, so two workers
(or a retry and the relay) never both send it; a failure puts it back with a backoff, and
after the last retry it is FAILED for an operator to look at (``flask outbox``).
"""

import importlib
import logging
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update

from ..domain.notices.outbox import BACKOFF, claim_period, due_rows
from ..extensions import db
from ..infra.redis_connection import get_redis
from ..models import OutboxMessage, OutboxStatus
from .context import with_app_context

log = logging.getLogger(__name__)

# kind (or its prefix before the first ".", then "*") -> "module:function" that does the work.
HANDLERS = {
    "mail.*": "bwportal.jobs.notices:send_notice",
    "job.render_document": "bwportal.jobs.documents:render_document",
    "digest.weekly": "bwportal.jobs.digest:send_digest",
}


def handler_for(kind: str):
    target = HANDLERS.get(kind) or HANDLERS.get(kind.split(".", 1)[0] + ".*")
    if target is None:
        raise LookupError(f"no handler for outbox kind {kind!r}")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


@with_app_context
def deliver(outbox_id: int, now: datetime | None = None) -> str:
    """Do one row's work once: "sent", or "skipped" when it is not (or no longer) due."""
    now = now or datetime.now(UTC)
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, or_(
            (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.available_at <= now),
            (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now),
        ))
        .values(status=OutboxStatus.SENDING, claimed_until=now + claim_period(), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    row = db.session.get(OutboxMessage, outbox_id)
    db.session.refresh(row)  # the claim was written behind the session's back
    try:
        handler_for(row.kind)(row)
    except Exception as error:
        db.session.rollback()
        row = db.session.get(OutboxMessage, outbox_id)
        retry = row.attempts <= len(BACKOFF)
        row.status = OutboxStatus.PENDING if retry else OutboxStatus.FAILED
        row.available_at = now + BACKOFF[row.attempts - 1] if retry else row.available_at
        row.claimed_until = None
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        log.warning("outbox %s (%s) failed, attempt %s: %s", outbox_id, row.kind, row.attempts, error)
        raise
    row.status, row.sent_at, row.claimed_until = OutboxStatus.SENT, datetime.now(UTC), None
    db.session.commit()
    return "sent"


def relay(ids) -> int:
    """Hand rows on after their commit; returns how many were handed on. A Redis outage
    leaves them pending for ``relay_due``; nothing the caller committed is undone."""
    ids = list(ids)
    if not ids:
        return 0
    connection = get_redis()
    if connection is None:  # the embedded default: do the work here, now
        for outbox_id in ids:
            try:
                deliver(outbox_id)
            except Exception:  # recorded on the row; retried later
                log.exception("outbox %s failed in-process", outbox_id)
        return len(ids)
    from rq import Queue, Retry

    # RQ retries a failed job after the row's own backoff (a second late, so the row is due).
    retry = Retry(max=len(BACKOFF), interval=[int(b.total_seconds()) + 1 for b in BACKOFF])
    try:
        queue = Queue(current_app.config.get("RQ_QUEUE", "default"), connection=connection)
        # A row may ask for longer than the usual 300 s (a long IP's PDF: domain.documents).
        timeouts = {row_id: (payload or {}).get("timeout") for row_id, payload in db.session.execute(
            select(OutboxMessage.id, OutboxMessage.payload).where(OutboxMessage.id.in_(ids)))}
        for outbox_id in ids:
            queue.enqueue(deliver, outbox_id, job_timeout=int(timeouts.get(outbox_id) or 300),
                          failure_ttl=7 * 24 * 3600, retry=retry)
    except RedisError as error:
        log.warning("Redis is not reachable (%s); %s outbox rows wait for the relay", error, len(ids))
        return 0
    return len(ids)


@with_app_context
def relay_due(now: datetime | None = None) -> int:
    """Hand on every row that is due (the periodic relay)."""
    ids = list(db.session.scalars(due_rows(now)))
    db.session.rollback()  # end the read; deliver works in its own transactions
    return relay(ids)
