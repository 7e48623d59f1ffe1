"""Issue 18, item 5: JSON log lines with a request id that reaches the jobs the request enqueued,
Prometheus metrics at /metrics, and Sentry only when its DSN is set."""

import json
import os
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from bwportal import create_app
from bwportal.domain.notices import outbox
from bwportal.extensions import db
from bwportal.jobs import outbox as relay_jobs
from bwportal.models import OutboxStatus
from tests import factories as f


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        try:
            lines.append(json.loads(line))
        except ValueError:
            continue
    return lines


def test_each_request_logs_a_json_line_with_its_request_id(app, client, capsys):
    answer = client.get("/transparency", headers={"X-Request-ID": "req-from-nginx-42"})
    assert answer.headers["X-Request-ID"] == "req-from-nginx-42"
    line = next(line for line in json_lines(capsys.readouterr().err) if line["logger"] == "bwportal.request")
    assert line["request_id"] == "req-from-nginx-42" and line["level"] == "INFO"
    assert line["route"] == "/transparency" and line["status"] == 200 and "GET /transparency 200" == line["message"]
    assert datetime.fromisoformat(line["time"]).tzinfo is not None
    # None given (or a hostile one): a new id of its own.
    made = client.get("/transparency", headers={"X-Request-ID": "bad id; with <spaces>"}).headers["X-Request-ID"]
    assert len(made) == 32 and " " not in made


def test_the_request_id_reaches_the_job_and_its_log_lines(app, world, pr1, login, monkeypatch, capsys):
    import fakeredis
    from rq import Queue, SimpleWorker

    connection = fakeredis.FakeStrictRedis()
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://fake")
    monkeypatch.setattr(relay_jobs, "get_redis", lambda: connection)
    client = login(world.factory_user)
    answer = client.post(f"/factories/{world.angkor.id}/reports/{pr1.id}/pdf", headers={"X-Request-ID": "pdf-req-7"})
    assert answer.status_code == 302
    queue = Queue("pdfs", connection=connection)
    assert [job.meta.get("request_id") for job in queue.jobs] == ["pdf-req-7"]
    capsys.readouterr()
    monkeypatch.setattr(relay_jobs, "handler_for", lambda kind: lambda row: relay_jobs.log.warning("rendering"))
    SimpleWorker([queue], connection=connection).work(burst=True)
    lines = [line for line in json_lines(capsys.readouterr().err) if line["logger"] == "bwportal.jobs.outbox"]
    assert {line["message"] for line in lines} >= {"rendering"}
    assert all(line["request_id"] == "pdf-req-7" for line in lines), lines


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_count_requests_by_route_and_status_with_their_latency(app, client):
    before = sample("bwportal_http_requests_total", route="/transparency", method="GET", status="200")
    timed = sample("bwportal_http_request_duration_seconds_count", route="/transparency")
    for _ in range(2):
        client.get("/transparency")
    client.get("/no-such-page")
    text = client.get("/metrics").get_data(as_text=True)
    assert sample("bwportal_http_requests_total", route="/transparency", method="GET", status="200") == before + 2
    assert sample("bwportal_http_request_duration_seconds_count", route="/transparency") == timed + 2
    assert 'bwportal_http_requests_total{method="GET",route="unmatched",status="404"}' in text
    assert 'bwportal_http_request_duration_seconds_bucket{le="0.25",route="/transparency"}' in text


def test_metrics_show_the_outbox_and_job_durations(app, world, client, mailbox, jobs):
    now = datetime.now(UTC)
    old = f.make_notice(world.buyer, world.angkor)
    old.created_at = now - timedelta(minutes=10)
    db.session.commit()
    f.make_notice(world.buyer, world.angkor)
    failed = f.make_notice(world.buyer, world.angkor)
    failed.status = OutboxStatus.FAILED
    db.session.commit()
    outbox.take_committed(db.session())
    text = client.get("/metrics").get_data(as_text=True)
    figures = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
               if line.startswith("bwportal_outbox")}
    assert figures['bwportal_outbox_waiting{state="pending"}'] == 2
    assert figures["bwportal_outbox_failed"] == 1
    assert 600 <= figures["bwportal_outbox_oldest_waiting_seconds"] < 3600
    done = sample("bwportal_job_duration_seconds_count", kind="mail.report_released", outcome="sent")
    assert relay_jobs.relay_due() == 2
    jobs()  # (with REDIS_URL a worker works them; else the relay did, in-process)
    assert sample("bwportal_job_duration_seconds_count", kind="mail.report_released", outcome="sent") == done + 2


# One of a machine's processes, as a gunicorn worker or the RQ worker is one: the portal's
# observability hooks on a small app (the whole app takes seconds to build, twice), answering
# /livez ``sys.argv[1]`` times and timing one job, then exiting. prometheus_client reads
# PROMETHEUS_MULTIPROC_DIR when it is imported: in these processes, set from the start.
MACHINE_PROCESS = textwrap.dedent("""
    import sys
    from flask import Flask
    from bwportal.web import observability

    app = Flask("machine")
    app.config.update(LOG_FORMAT="text", LOG_LEVEL="WARNING")
    observability.init_app(app)
    app.add_url_rule("/livez", "livez", lambda: "ok")
    client = app.test_client()
    for _ in range(int(sys.argv[1])):
        assert client.get("/livez").status_code == 200
    observability.observe_job("mail.report_released", "sent", 0.2)
""")


def test_with_a_multiprocess_folder_metrics_sum_every_process_of_the_machine(app, client, tmp_path, monkeypatch):
    """Issue 18, OPS-1: under gunicorn each worker is a process of its own (and the RQ worker
    another); with PROMETHEUS_MULTIPROC_DIR /metrics answers for all of them, those that have
    exited too, not for the one process that happens to take the scrape. Two processes count
    into one folder at once; this process's /metrics sums both."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    processes = [subprocess.Popen([sys.executable, "-c", MACHINE_PROCESS, str(n)], cwd=root, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for n in (2, 3)]
    for process in processes:
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
    pids = {path.stem.rsplit("_", 1)[1] for path in folder.glob("counter_*.db")}
    assert pids == {str(p.pid) for p in processes}  # one file each: two processes counted

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(folder))
    answer = client.get("/metrics")
    assert answer.status_code == 200
    from prometheus_client.parser import text_string_to_metric_families

    figures = {(s.name, tuple(sorted(s.labels.items()))): s.value
               for family in text_string_to_metric_families(answer.get_data(as_text=True)) for s in family.samples}
    livez = (("method", "GET"), ("route", "/livez"), ("status", "200"))
    assert figures[("bwportal_http_requests_total", livez)] == 5
    assert figures[("bwportal_http_request_duration_seconds_count", (("route", "/livez"),))] == 5
    job = (("kind", "mail.report_released"), ("outcome", "sent"))
    assert figures[("bwportal_job_duration_seconds_count", job)] == 2
    assert figures[("bwportal_job_duration_seconds_sum", job)] == pytest.approx(0.4)
    assert ("bwportal_outbox_failed", ()) in figures  # the database's figures still come with them


def test_metrics_may_require_a_token(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret-token")
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret-token"}).status_code == 200


@pytest.mark.parametrize("dsn", ["", "https://public@errors.example.org/1"])
def test_sentry_only_when_its_dsn_is_set(app, monkeypatch, dsn):
    import sentry_sdk

    calls = []
    monkeypatch.setattr(sentry_sdk, "init", lambda **kwargs: calls.append(kwargs))
    create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "SENTRY_DSN": dsn})
    assert [call["dsn"] for call in calls] == ([dsn] if dsn else [])
    assert all(call["send_default_pii"] is False for call in calls)
