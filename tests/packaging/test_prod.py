"""`python3 dev.py prod` (issue 18, item 10): the production shape on this machine's services,
in one command: the Procfile's release step, then gunicorn, an RQ worker and rq cron, stopped
together by Ctrl+C. Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL): skipped without them."""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = pytest.mark.skipif(not (DATABASE_URL.startswith("postgres") and REDIS_URL),
                                reason="needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _workers() -> int:
    from redis import Redis
    from rq import Worker

    return len(Worker.all(connection=Redis.from_url(REDIS_URL)))


# Stands for deploy/nginx-locations.conf (the deployment's proxy settings): dev.py prod puts
# nginx in front with whatever that file says, its static root pointed at the checkout.
LOCATIONS = """
add_header X-Proxied-By nginx always;
location /static/ { root /srv/bwportal/bwportal; try_files $uri @portal; add_header X-Served-By nginx-static; }
location / { proxy_pass http://bwportal; proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; }
location @portal { proxy_pass http://bwportal; }
"""


@pytest.mark.skipif(shutil.which("nginx") is None and not Path("/usr/sbin/nginx").exists(), reason="no nginx")
def test_one_command_runs_proxy_web_worker_and_cron_on_the_machines_services(tmp_path):
    port = _free_port()
    while _port_taken(port + 1):
        port = _free_port()
    (tmp_path / "deploy").mkdir()
    (tmp_path / "deploy" / "nginx-locations.conf").write_text(LOCATIONS)
    env = dict(os.environ, PORT=str(port), BWPORTAL_VENV=str(Path(sys.executable).parent.parent),
               BWPORTAL_INSTANCE=str(tmp_path / "instance"), WEB_CONCURRENCY="1",
               BWPORTAL_DEPLOY_DIR=str(tmp_path / "deploy"),
               BWPORTAL_NO_INSTALL="1")  # the suite's own venv: not reinstalled under other tests' feet
    workers_before = _workers()
    log = (tmp_path / "prod.log").open("w+")
    started = subprocess.Popen([sys.executable, str(ROOT / "dev.py"), "prod"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        health = None
        for _ in range(600):
            assert started.poll() is None, (log.seek(0), log.read())[1][-3000:]
            try:
                health = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).read())
                if _workers() > workers_before:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert health is not None, "the web never answered"
        assert health["database"] == "ok" and health["redis"] == "ok", health
        assert _workers() > workers_before, "no RQ worker registered"
        log.seek(0)
        text = log.read()
        assert "+ cron:" in text and "rq cron" in text
        assert "+ proxy: nginx" in text
        sign_in = urllib.request.urlopen(f"http://127.0.0.1:{port}/sign-in", timeout=5)
        assert sign_in.status == 200 and sign_in.headers["X-Proxied-By"] == "nginx"  # through the proxy
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5)
        assert css.status == 200 and css.headers["X-Served-By"] == "nginx-static"  # from the checkout's folder
    finally:
        os.killpg(started.pid, signal.SIGINT)  # Ctrl+C in its terminal
        started.wait(timeout=60)
    with pytest.raises(OSError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    for _ in range(40):
        if _workers() <= workers_before:
            break
        time.sleep(0.5)
    assert _workers() <= workers_before, "the worker outlived dev.py prod"
