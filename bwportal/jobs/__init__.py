"""Background work (RQ). Job functions live in this package; the worker and the cron
process of the Procfile run them with REDIS_URL set. Without Redis (the embedded
default) work that would be queued runs in-process instead."""
