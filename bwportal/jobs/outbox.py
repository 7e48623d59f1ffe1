"""The relay and the worker side of the outbox (ARCHITECTURE "Jobs and notices").

After a commit, the rows it wrote are handed on: to RQ when REDIS_URL is set, else run in
this process. ``relay_due`` (every minute, ``rq cron``) hands on whatever was left behind:
rows written while Redis was down, rows whose retry is due, rows a dead worker held.
``deliver`` claims a row with a conditional UPDATE before doing its work, so two workers
(or a retry and the relay) never both send it; a failure puts it back with a backoff, and
after the last retry it is FAILED for an operator to look at (``flask outbox``).

An e-mail is sent at most once once it reached the mail server (issue 17 item 4). The
window SMTP leaves open (the server accepted the message, then the database could not be
told) is kept as small as the protocol allows: a mail handler records ``handed_over_at`` in
its own committed transaction just before the SMTP exchange, and right after it the row is
marked sent, that write retried for a while if the database is away. A row still claimed
when its claim runs out was then either never handed over (the worker died before: it is
sent again) or handed over and perhaps delivered: by policy such a row is not sent again
but closed as "possibly sent" (status sent, no ``sent_at``, a note in ``last_error``), which
an operator can send again with ``flask outbox retry``. Every notice carries a Message-ID
fixed by its row, so a copy that does go out twice is one message to the recipient's
mail system.
"""

import importlib
import logging
import threading
import time
from contextlib import contextmanager
from datetime import UTC, datetime

from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy import or_, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..domain.notices.outbox import BACKOFF, claim_period, due_rows
from ..extensions import db
from ..infra import mail
from ..infra.redis_connection import get_redis
from ..models import OutboxMessage, OutboxStatus
from ..web.observability import current_request_id, observe_job, run_with_request_id
from .context import with_app_context
from .queues import NOTICES, queue_for

log = logging.getLogger(__name__)

# kind (or its prefix before the first ".", then "*") -> "module:function" that does the work.
HANDLERS = {
    "mail.*": "bwportal.jobs.notices:send_notice",
    "job.render_document": "bwportal.jobs.documents:render_document",
    "job.import_findings": "bwportal.jobs.findings_import:read_findings",
    "digest.weekly": "bwportal.jobs.digest:send_digest",
    "link.*": "bwportal.jobs.notices:send_link",
}
# Kinds that are e-mails: relayed in batches sharing one SMTP connection.
MAIL_PREFIXES = ("mail.", "link.", "digest.")
POSSIBLY_SENT = ("possibly sent: handed to the mail server, then the worker could not record it; "
                 "not sent again (flask outbox retry sends it)")
# Waits (seconds) between attempts to record a row sent after the mail server took it.
MARK_SENT_WAITS = (0, 0.5, 1, 2, 4, 8)


def hand_over(row) -> None:
    """Record, in its own committed transaction, that ``row``'s message is about to go to the
    mail server: from here on a lost claim means "possibly sent", not "send again"."""
    row.handed_over_at = datetime.now(UTC)
    db.session.commit()


def handler_for(kind: str):
    target = HANDLERS.get(kind) or HANDLERS.get(kind.split(".", 1)[0] + ".*")
    if target is None:
        raise LookupError(f"no handler for outbox kind {kind!r}")
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


def deliver(outbox_id: int, now: datetime | None = None) -> str:
    """Do one row's work once: "sent", or "skipped" when it is not (or no longer) due. Its log
    lines carry the id of the request that enqueued it (the RQ job's meta)."""
    from rq import get_current_job

    job = get_current_job()
    request_id = (job.meta or {}).get("request_id") if job is not None else None
    with run_with_request_id(request_id or current_request_id()):
        return _deliver(outbox_id, now)


@with_app_context
def _deliver(outbox_id: int, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    lost = (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.claimed_until < now)
    doubtful = db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id == outbox_id, lost, OutboxMessage.handed_over_at.is_not(None))
        .values(status=OutboxStatus.SENT, claimed_until=None, last_error=POSSIBLY_SENT)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if doubtful:
        log.warning("outbox %s was handed to the mail server but not recorded sent: closed as possibly sent",
                    outbox_id)
        return "possibly sent"
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == outbox_id, or_(
            (OutboxMessage.status == OutboxStatus.PENDING) & (OutboxMessage.available_at <= now), lost))
        .values(status=OutboxStatus.SENDING, claimed_until=now + claim_period(), attempts=OutboxMessage.attempts + 1,
                handed_over_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return "skipped"
    row = db.session.get(OutboxMessage, outbox_id)
    db.session.refresh(row)  # the claim was written behind the session's back
    kind, started = row.kind, time.perf_counter()
    try:
        with heartbeat(outbox_id):
            done = handler_for(row.kind)(row)
    except Exception as error:
        observe_job(kind, "failed", time.perf_counter() - started)
        db.session.rollback()
        row = db.session.get(OutboxMessage, outbox_id)
        retry = row.attempts <= len(BACKOFF)
        row.status = OutboxStatus.PENDING if retry else OutboxStatus.FAILED
        row.available_at = now + BACKOFF[row.attempts - 1] if retry else row.available_at
        row.claimed_until = None
        row.handed_over_at = None  # the server refused it or could not be reached: send again
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        log.warning("outbox %s (%s) failed, attempt %s: %s", outbox_id, row.kind, row.attempts, error)
        raise
    recorded = _mark_sent(outbox_id, done or {})
    observe_job(kind, "sent" if recorded else "unconfirmed", time.perf_counter() - started)
    log.info("outbox %s (%s) done", outbox_id, kind, extra={"outbox_id": outbox_id, "kind": kind})
    return "sent" if recorded else "unconfirmed"


def _mark_sent(outbox_id: int, values: dict) -> bool:
    """Record the row sent, at once, retrying while the database is away (a restart, a
    dropped connection). False if it never came back: the row stays claimed and handed
    over, and the next relay closes it as possibly sent instead of sending it again."""
    waits = current_app.config.get("OUTBOX_MARK_SENT_WAITS") or MARK_SENT_WAITS
    for attempt, wait in enumerate(waits):
        time.sleep(wait)
        try:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == outbox_id)
                .values(status=OutboxStatus.SENT, sent_at=datetime.now(UTC), claimed_until=None, **values)
                .execution_options(synchronize_session=False))
            db.session.commit()
            return True
        except DBAPIError as error:
            db.session.rollback()
            log.warning("outbox %s sent but not recorded yet (attempt %s): %s", outbox_id, attempt + 1, error)
    log.error("outbox %s was sent but could not be recorded; it will be closed as possibly sent", outbox_id)
    return False


@with_app_context
def deliver_batch(ids) -> dict[str, int]:
    """Deliver several rows through one SMTP connection (the relay's batches of e-mails). A
    row that fails is recorded on the row and retried by the relay; the others go on."""
    outcomes: dict[str, int] = {}
    with mail.connection():
        for outbox_id in ids:
            try:
                outcome = deliver(outbox_id)
            except Exception:  # recorded on the row; retried later
                log.exception("outbox %s failed", outbox_id)
                outcome = "failed"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


BATCH = 50  # e-mails per job: one SMTP connection each, well inside the job timeout



@contextmanager
def heartbeat(outbox_id: int):
    """While the work runs, renew the row's claim every third of the claim period (on a
    connection of its own, from a thread), so a claim can be short: a worker that dies stops
    renewing, and its row is taken over soon after, while a live one is never overtaken."""
    if db.engine.dialect.name == "sqlite":  # the embedded default: one process, nobody to take over
        yield
        return
    engine, period = db.engine, claim_period()
    stop = threading.Event()

    def renew() -> None:
        while not stop.wait(period.total_seconds() / 3):
            try:
                with engine.begin() as connection:
                    connection.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.id == outbox_id, OutboxMessage.status == OutboxStatus.SENDING)
                        .values(claimed_until=datetime.now(UTC) + period))
            except SQLAlchemyError as error:  # try again at the next beat; the claim still runs
                log.warning("outbox %s: claim not renewed: %s", outbox_id, error)

    beat = threading.Thread(target=renew, name=f"outbox-{outbox_id}-heartbeat", daemon=True)
    beat.start()
    try:
        yield
    finally:
        stop.set()
        beat.join()


def relay(ids) -> int:
    """Hand rows on after their commit; returns how many were handed on. A Redis outage
    leaves them pending for ``relay_due``; nothing the caller committed is undone."""
    ids = list(ids)
    if not ids:
        return 0
    connection = get_redis()
    if connection is None:  # the embedded default: do the work here, now
        deliver_batch(ids)
        return len(ids)
    from rq import Queue, Retry

    # RQ retries a failed job after the row's own backoff (a second late, so the row is due).
    retry = Retry(max=len(BACKOFF), interval=[int(b.total_seconds()) + 1 for b in BACKOFF])
    rows = _rows(ids)
    try:
        meta = {"request_id": current_request_id()}  # the jobs' log lines name the request
        mails = [i for i in ids if rows.get(i, ("", None))[0].startswith(MAIL_PREFIXES)]
        for start in range(0, len(mails), BATCH):  # one job, one SMTP connection per batch of e-mails
            Queue(NOTICES, connection=connection).enqueue(
                deliver_batch, mails[start:start + BATCH], job_timeout=300, failure_ttl=7 * 24 * 3600, meta=meta)
        batched = set(mails)
        for outbox_id in (i for i in ids if i not in batched):
            kind, timeout = rows.get(outbox_id, ("", None))
            # A row may ask for longer than the usual 300 s (a long IP's PDF: domain.documents).
            Queue(queue_for(kind), connection=connection).enqueue(
                deliver, outbox_id, job_timeout=int(timeout or 300), failure_ttl=7 * 24 * 3600, retry=retry, meta=meta)
    except RedisError as error:
        log.warning("Redis is not reachable (%s); %s outbox rows wait for the relay", error, len(ids))
        return 0
    return len(ids)


def _rows(ids) -> dict[int, tuple[str, int | None]]:
    """The rows' kinds (which queue each goes on) and the time their job may take, read on a
    connection of its own: the caller's session is left as it is."""
    try:
        with db.engine.connect() as connection:
            found = connection.execute(select(OutboxMessage.id, OutboxMessage.kind, OutboxMessage.payload)
                                       .where(OutboxMessage.id.in_(ids))).all()
            return {row_id: (kind, (payload or {}).get("timeout")) for row_id, kind, payload in found}
    except SQLAlchemyError as error:  # the default queue then: late, never lost
        log.warning("outbox kinds unreadable (%s): %s rows go on the default queue", error, len(ids))
        return {}


@with_app_context
def relay_due(now: datetime | None = None) -> int:
    """Hand on every row that is due (the periodic relay)."""
    ids = list(db.session.scalars(due_rows(now)))
    db.session.rollback()  # end the read; deliver works in its own transactions
    return relay(ids)
