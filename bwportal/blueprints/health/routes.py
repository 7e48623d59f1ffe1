"""GET /healthz: is the database reachable, and Redis where one is configured."""

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from ...extensions import db
from ...redis_connection import get_redis

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


@bp.get("/healthz")
def healthz():
    state = {"database": _database_state(), "redis": _redis_state()}
    healthy = state["database"] == "ok" and state["redis"] != "down"
    return jsonify(status="ok" if healthy else "degraded", **state), 200 if healthy else 503
