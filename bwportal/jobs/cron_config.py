"""Periodic jobs for ``rq cron`` (run it with TZ=UTC; programme time zones are applied
inside the jobs). Each entry is (function, keyword arguments for ``cron.register``).

Every job is safe to run twice or late: the relay claims rows, the sweep's notices are
keyed, the Delayed job changes nothing the second time."""

from rq import cron

from bwportal.jobs.deadlines import sweep
from bwportal.jobs.ip_daily import mark_delayed_items
from bwportal.jobs.outbox import relay_due

PERIODIC_JOBS: list[tuple] = [
    # Hourly, so every programme's local midnight is caught within the hour.
    (mark_delayed_items, {"queue_name": "default", "cron": "5 * * * *"}),
    # Hourly too: a programme's notices go out within the hour after its local midnight.
    (sweep, {"queue_name": "default", "cron": "15 * * * *"}),
    # Rows left behind (Redis was down, a retry is due, a worker died) every minute.
    (relay_due, {"queue_name": "default", "cron": "* * * * *"}),
]

for func, options in PERIODIC_JOBS:
    cron.register(func, **options)
