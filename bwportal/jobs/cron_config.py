"""Periodic jobs for ``rq cron`` (run it with TZ=UTC; programme time zones are applied
inside the jobs). Each entry is (function, keyword arguments for ``cron.register``).

The deadline sweep and the daily IP status job register here as they are built."""

from rq import cron

PERIODIC_JOBS: list[tuple] = []

for func, options in PERIODIC_JOBS:
    cron.register(func, **options)
