"""Periodic jobs for ``rq cron`` (run it with TZ=UTC; programme time zones are applied
inside the jobs). Each entry is (function, keyword arguments for ``cron.register``).

Every job is safe to run twice or late: the relay claims rows, the sweep's notices are
keyed, the Delayed job changes nothing the second time."""

from rq import cron

from bwportal.jobs.deadlines import sweep
from bwportal.jobs.digest import weekly_digests
from bwportal.jobs.idempotency import expire_idempotency_keys
from bwportal.jobs.ip_daily import mark_delayed_items
from bwportal.jobs.outbox import relay_due
from bwportal.jobs.pruning import prune_documents, prune_findings_imports
from bwportal.jobs.queues import PERIODIC
from bwportal.jobs.uploads import prune_uploads

PERIODIC_JOBS: list[tuple] = [
    # Hourly, so every programme's local midnight is caught within the hour.
    (mark_delayed_items, {"queue_name": PERIODIC, "cron": "5 * * * *"}),
    # Hourly too: a programme's notices go out within the hour after its local midnight.
    (sweep, {"queue_name": PERIODIC, "cron": "15 * * * *"}),
    # The buyers' weekly digest: every day, but the outbox key (kind, week, buyer, Monday)
    # lets only the week's first run write it; a missed Monday is caught up the next day.
    (weekly_digests, {"queue_name": PERIODIC, "cron": "45 6 * * *"}),
    # Rows left behind (Redis was down, a retry is due, a worker died) every minute.
    (relay_due, {"queue_name": PERIODIC, "cron": "* * * * *"}),
    # PDFs of drafts and of the IP older than DOCUMENT_PRUNE_DAYS (final reports' are kept).
    (prune_documents, {"queue_name": PERIODIC, "cron": "30 3 * * *"}),
    # Findings imports a month old (a file is deleted once read; the rows keep their result).
    (prune_findings_imports, {"queue_name": PERIODIC, "cron": "32 3 * * *"}),
    # Resumable uploads left unfinished for a day, and their chunks (issue 19).
    (prune_uploads, {"queue_name": PERIODIC, "cron": "35 * * * *"}),
    # Idempotency keys of saves replayed from a device's offline queue, kept a week.
    (expire_idempotency_keys, {"queue_name": PERIODIC, "cron": "40 3 * * *"}),
]

for func, options in PERIODIC_JOBS:
    cron.register(func, **options)
