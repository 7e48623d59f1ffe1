"""Health for load balancers and operators (issue 18 item 4).

- ``/livez``: liveness, the process answers (no database): restart it when this fails.
- ``/readyz``: readiness, the database answers: send it requests while this is 200. Redis
  down does not fail it: pages and saves work without Redis (jobs wait in the outbox).
- ``/healthz`` (and ``/status``): the status page, everything with the outbox figures; 503 only
  when the database is down, so a load balancer still pointed at it keeps the nodes in.
"""

from flask import Blueprint, jsonify

from ...infra import health

bp = Blueprint("health", __name__)


@bp.get("/livez")
def livez():
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    database = health.database_state()
    ready = database == "ok"
    return jsonify(status="ok" if ready else "down", database=database), 200 if ready else 503


@bp.get("/healthz")
@bp.get("/status")
def healthz():
    state = {"database": health.database_state(), "redis": health.redis_state()}
    healthy = state["database"] == "ok" and state["redis"] != "down"
    status = "ok" if healthy else "degraded" if state["database"] == "ok" else "down"
    return jsonify(status=status, outbox=health.queue_state(), **state), 200 if state["database"] == "ok" else 503
