"""Operations can see what the portal does (issue 18, item 5): structured logs, a request id,
Prometheus metrics, and optional error reporting.

- Logs are one JSON object a line (time, level, logger, message, request_id, and any extra
  fields) on standard error, where gunicorn, rq and systemd/journald collect them. LOG_FORMAT=text
  keeps plain lines for a developer's terminal; LOG_LEVEL sets the level (INFO).
- Every request has an id: the proxy's X-Request-ID (nginx sets one; deploy/nginx.conf) or a new
  one. It is in every log line of the request, answered in X-Request-ID, and travels with the jobs
  the request enqueues (the RQ job's meta), so a worker's lines carry it too.
- /metrics (Prometheus text format): requests by route, method and status, their latency,
  the outbox's waiting and failed rows and the age of the oldest waiting one, and job durations
  by kind. Under gunicorn with several workers set PROMETHEUS_MULTIPROC_DIR (an empty folder,
  shared by the web workers and the RQ worker of the machine) so that the figures are summed
  over processes (those that have exited too: tests/web/test_observability.py); without it each
  process answers for itself. The figures are counters and histograms only, so no gunicorn
  child_exit hook is needed (prometheus_client's mark_process_dead removes only the files of
  "live" gauges; a live gauge added here would need one). METRICS_TOKEN, when set, is
  required as "Authorization: Bearer <token>"; the proxy keeps /metrics off the internet.
- SENTRY_DSN set: uncaught errors go to Sentry (the optional extra ``bwportal[sentry]``).
"""

import contextvars
import hmac
import json
import logging
import os
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Response, abort, g, request

REQUEST_ID = contextvars.ContextVar("request_id", default="")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# What a LogRecord has of its own; anything else was passed in ``extra`` and goes in the line.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime", "request_id"}


# --- logs ---------------------------------------------------------------------------------------

class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "") or REQUEST_ID.get(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", ""):
            record.request_id = REQUEST_ID.get()
        return True


class _StandardError(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (a test's capture, gunicorn's redirect)."""

    def __init__(self):
        super().__init__(sys.stderr)

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure_logging(app) -> None:
    """One handler on the root logger, made once per process (create_app may run many times)."""
    root = logging.getLogger()
    if not any(getattr(handler, "_bwportal", False) for handler in root.handlers):
        handler = _StandardError()
        handler._bwportal = True
        handler.addFilter(_RequestIdFilter())
        root.addHandler(handler)
    for handler in root.handlers:
        if getattr(handler, "_bwportal", False):
            handler.setFormatter(JsonFormatter() if app.config["LOG_FORMAT"] == "json" else logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    root.setLevel(app.config["LOG_LEVEL"])


def current_request_id() -> str:
    return REQUEST_ID.get()


def run_with_request_id(request_id: str | None):
    """Context for a job: its log lines carry the id of the request that enqueued it."""
    class _Scope:
        def __enter__(self):
            self.token = REQUEST_ID.set(request_id or "")

        def __exit__(self, *exc):
            REQUEST_ID.reset(self.token)

    return _Scope()


# --- metrics ------------------------------------------------------------------------------------

def _metrics():
    """The metric objects, made once per process (prometheus_client registers them globally)."""
    made = globals().get("_made")
    if made is None:
        from prometheus_client import Counter, Histogram

        made = globals()["_made"] = {
            "requests": Counter("bwportal_http_requests", "Requests answered, by route, method and status",
                                ["route", "method", "status"]),
            "latency": Histogram("bwportal_http_request_duration_seconds", "Time to answer a request, by route",
                                 ["route"], buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)),
            "jobs": Histogram("bwportal_job_duration_seconds", "Time a worker spent on an outbox job, by kind",
                              ["kind", "outcome"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)),
        }
    return made


def observe_job(kind: str, outcome: str, seconds: float) -> None:
    _metrics()["jobs"].labels(kind=kind, outcome=outcome).observe(seconds)


class _OutboxCollector:
    """The outbox's figures, read from the database when /metrics is scraped."""

    def __init__(self, app):
        self.app = app

    def collect(self):
        from prometheus_client.core import GaugeMetricFamily
        from sqlalchemy import func, select

        from ..extensions import db
        from ..models import OutboxMessage, OutboxStatus

        with self.app.app_context():
            counts = dict(db.session.execute(
                select(OutboxMessage.status, func.count()).where(
                    OutboxMessage.status.in_([OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED]))
                .group_by(OutboxMessage.status)).all())
            oldest = db.session.scalar(select(func.min(OutboxMessage.created_at))
                                       .where(OutboxMessage.status == OutboxStatus.PENDING))
            db.session.rollback()
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        waiting = GaugeMetricFamily("bwportal_outbox_waiting", "Outbox rows not yet done, by state",
                                    labels=["state"])
        waiting.add_metric(["pending"], counts.get(OutboxStatus.PENDING, 0))
        waiting.add_metric(["sending"], counts.get(OutboxStatus.SENDING, 0))
        yield waiting
        yield GaugeMetricFamily("bwportal_outbox_failed", "Outbox rows that failed for good (flask outbox)",
                                value=counts.get(OutboxStatus.FAILED, 0))
        age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0
        yield GaugeMetricFamily("bwportal_outbox_oldest_waiting_seconds", "Age of the oldest pending outbox row",
                                value=max(age, 0))


def _route() -> str:
    return request.url_rule.rule if request.url_rule is not None else "unmatched"


def _start():
    incoming = request.headers.get("X-Request-ID", "")
    g.request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
    g.request_token = REQUEST_ID.set(g.request_id)
    g.request_started = time.perf_counter()


def _finish(response):
    response.headers["X-Request-ID"] = g.get("request_id", "")
    started = g.get("request_started")
    if started is not None and request.endpoint != "observability.metrics":
        route, seconds = _route(), time.perf_counter() - started
        metrics = _metrics()
        metrics["requests"].labels(route=route, method=request.method, status=str(response.status_code)).inc()
        metrics["latency"].labels(route=route).observe(seconds)
        logging.getLogger("bwportal.request").info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"route": route, "status": response.status_code, "duration_ms": round(seconds * 1000, 1)})
    return response


def _end(_error=None):
    token = g.pop("request_token", None)
    if token is not None:
        try:
            REQUEST_ID.reset(token)
        except ValueError:  # (set in another context: nothing to undo)
            pass


def metrics_view():
    token = os.environ.get("METRICS_TOKEN") or _app_config().get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            abort(404)
    from flask import current_app
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
    from prometheus_client import REGISTRY as DEFAULT_REGISTRY

    registry = DEFAULT_REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    body = generate_latest(registry) + generate_latest(_outbox_registry(current_app._get_current_object()))
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


def _app_config():
    from flask import current_app

    return current_app.config


def _outbox_registry(app):
    registry = app.extensions.get("bwportal.outbox_metrics")
    if registry is None:
        from prometheus_client import CollectorRegistry

        registry = app.extensions["bwportal.outbox_metrics"] = CollectorRegistry()
        registry.register(_OutboxCollector(app))
    return registry


# --- errors -------------------------------------------------------------------------------------

def configure_sentry(app) -> None:
    dsn = app.config.get("SENTRY_DSN")
    if not dsn:
        return
    try:
        import sentry_sdk  # only when asked for: pip install 'bwportal[sentry]'
    except ImportError:
        logging.getLogger(__name__).error("SENTRY_DSN is set but sentry-sdk is not installed (bwportal[sentry])")
        return
    sentry_sdk.init(dsn=dsn, environment=app.config.get("ENV_NAME") or os.environ.get("BWPORTAL_ENV", "development"),
                    traces_sample_rate=float(app.config.get("SENTRY_TRACES_SAMPLE_RATE") or 0),
                    send_default_pii=False)  # no e-mail addresses or form contents leave the portal


def init_app(app) -> None:
    from flask import Blueprint

    configure_logging(app)
    configure_sentry(app)
    app.before_request(_start)
    app.after_request(_finish)
    app.teardown_request(_end)
    blueprint = Blueprint("observability", __name__)
    blueprint.add_url_rule("/metrics", "metrics", metrics_view)
    app.register_blueprint(blueprint)
