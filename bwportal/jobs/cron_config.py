"""Periodic jobs for ``rq cron`` (run it with TZ=UTC; programme time zones are applied
inside the jobs). Each entry is (function, keyword arguments for ``cron.register``).

The deadline sweep registers here when it is built."""

from rq import cron

from bwportal.jobs.ip_daily import mark_delayed_items

PERIODIC_JOBS: list[tuple] = [
    # Hourly, so every programme's local midnight is caught within the hour.
    (mark_delayed_items, {"queue_name": "default", "cron": "5 * * * *"}),
]

for func, options in PERIODIC_JOBS:
    cron.register(func, **options)
