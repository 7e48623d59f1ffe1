"""GET /healthz: is the database reachable, and Redis where one is configured."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ...extensions import db
from ...infra.redis_connection import get_redis
from ...jobs.queues import PRIORITY

bp = Blueprint("health", __name__)


def _database_state() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except Exception:  # any failure to reach the database is "down", never a 500
        db.session.rollback()
        return "down"


def _redis_state() -> str:
    if not current_app.config["REDIS_URL"]:
        return "not configured"
    try:
        get_redis().ping()
        return "ok"
    except Exception:
        return "down"


def _queues() -> dict:
    """The outbox's depth and the age of its oldest unsent row, and RQ's queue length."""
    from ...domain.notices.outbox import pending_summary

    try:
        state = pending_summary()
    except Exception:  # the database is down: already said above
        db.session.rollback()
        return {}
    if current_app.config["REDIS_URL"]:
        try:
            from rq import Queue

            state["rq_queued"] = sum(Queue(name, connection=get_redis()).count for name in PRIORITY)
        except Exception:
            state["rq_queued"] = None
    return state


@bp.get("/healthz")
def healthz():
    state = {"database": _database_state(), "redis": _redis_state()}
    healthy = state["database"] == "ok" and state["redis"] != "down"
    return jsonify(status="ok" if healthy else "degraded", outbox=_queues(), **state), 200 if healthy else 503
