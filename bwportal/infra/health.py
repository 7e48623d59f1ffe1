"""What the health endpoints ask of the infrastructure (issue 18 item 4). Each check ends its
own transaction, whatever happens, so the routes hold no rollbacks."""

from flask import current_app
from sqlalchemy import text

from ..extensions import db
from .redis_connection import get_redis


def database_state() -> str:
    """"ok" or "down"; any failure to reach the database is "down", never an error."""
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"
    finally:
        _end()


def redis_state() -> str:
    """"ok", "down" or "not configured" (the embedded default runs jobs in-process)."""
    if not current_app.config["REDIS_URL"]:
        return "not configured"
    try:
        get_redis().ping()
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"


def queue_state() -> dict:
    """The outbox: rows waiting, failed, the age of the oldest waiting; and RQ's queue length."""
    from ..domain.notices.outbox import pending_summary

    try:
        state = pending_summary()
    except Exception:  # noqa: BLE001 - the database is down: database_state says so
        return {}
    finally:
        _end()
    if current_app.config["REDIS_URL"]:
        try:
            from rq import Queue

            from ..jobs.queues import PRIORITY

            state["rq_queued"] = sum(Queue(name, connection=get_redis()).count for name in PRIORITY)
        except Exception:  # noqa: BLE001
            state["rq_queued"] = None
    return state


def _end() -> None:
    try:
        db.session.rollback()  # a read: nothing to keep, and no transaction left open
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        pass
