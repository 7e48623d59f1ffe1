"""The Procfile's worker and cron processes run the real jobs against a real Redis (CI)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bwportal.domain.notices import outbox
from bwportal.extensions import db
from bwportal.jobs.outbox import relay
from bwportal.jobs.queues import PRIORITY
from bwportal.models import OutboxMessage, OutboxStatus
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
needs_redis = pytest.mark.skipif(not os.environ.get("REDIS_URL") or not os.environ.get("DATABASE_URL"),
                                 reason="needs a real Redis and PostgreSQL (REDIS_URL, DATABASE_URL)")


def _procfile(process: str) -> str:
    line = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line.startswith(process + ":"))
    return line.split(":", 1)[1].strip()


def _env(app) -> dict:
    return {**os.environ, "MAIL_OUTBOX_DIR": app.config["MAIL_OUTBOX_DIR"],
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}


@needs_redis
def test_the_procfile_worker_sends_an_outbox_notice_in_burst_mode(app, world, mailbox):
    from bwportal.infra.redis_connection import get_redis

    get_redis().delete(*(f"rq:queue:{name}" for name in PRIORITY))
    f.make_notice(world.buyer, world.angkor, "worker-test:1")
    db.session.commit()
    assert relay(outbox.take_committed(db.session())) == 1
    command = _procfile("worker").replace("--with-scheduler", "--burst")
    command = command.replace("${REDIS_URL}", os.environ["REDIS_URL"])
    done = subprocess.run(command, shell=True, cwd=ROOT, env=_env(app), capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.expire_all()
    row = db.session.scalar(db.select(OutboxMessage).filter_by(key="worker-test:1"))
    assert row.status is OutboxStatus.SENT
    assert len(mailbox.messages(to=world.buyer.email)) == 1


def test_the_cron_configuration_registers_the_periodic_jobs(app):
    """What ``rq cron bwportal/jobs/cron_config.py`` loads: the sweep, the relay, the Delayed job."""
    code = ("import bwportal.jobs.cron_config as c; "
            "print(sorted(f.__module__ + '.' + f.__name__ + ' ' + o['cron'] for f, o in c.PERIODIC_JOBS))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(app), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    jobs = re.findall(r"'([^']+)'", done.stdout)
    assert "bwportal.jobs.deadlines.sweep 15 * * * *" in jobs
    assert "bwportal.jobs.outbox.relay_due * * * * *" in jobs
    assert "bwportal.jobs.ip_daily.mark_delayed_items 5 * * * *" in jobs
    assert "bwportal.jobs.idempotency.expire_idempotency_keys 40 3 * * *" in jobs
    assert "TZ=UTC" in _procfile("cron") and "cron_config.py" in _procfile("cron")


def test_the_procfile_worker_loads_the_app_and_the_pdf_engine_before_it_forks(app, monkeypatch):
    """Each job runs in a process forked from the worker: what the worker made before waiting
    (the app, WeasyPrint with the fonts, the print templates) every job starts with."""
    import fakeredis

    from bwportal.jobs import context
    from bwportal.jobs import documents as job
    from bwportal.jobs.worker import PreloadedWorker

    assert "bwportal.jobs.worker.PreloadedWorker" in _procfile("worker")
    monkeypatch.setattr(context, "_app", app)  # the worker's app (else made from the environment)
    monkeypatch.setattr(job, "_engine_cache", {})
    with app.app_context():
        db.session.scalar(db.select(1))  # a pooled connection, which must not reach a work horse
        db.session.remove()
        assert db.engine.pool.checkedin() >= 1
    compiled = app.jinja_env.cache
    compiled.clear()

    PreloadedWorker(["default"], connection=fakeredis.FakeRedis())

    assert "engine" in job._engine_cache and "html" in job._engine_cache
    assert any("pdf/report.html" in str(key) for key in compiled.keys())
    with app.app_context():
        assert db.engine.pool.checkedin() == 0
