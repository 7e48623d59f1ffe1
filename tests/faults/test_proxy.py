"""Issue 18, item 2: the portal behind deploy/nginx-locations.conf (nginx from Debian) before the
Procfile's gunicorn with its two sync workers. Slow uploaders (more of them than workers) do not
hold the site: a fast request is answered while they are still sending; their forms arrive
whole. Static files come from nginx, with HSTS; bodies over the portal's limit stop at nginx.

Behaviour only: the figures (p50/p95 with and without the proxy) are bench/slow_clients.py's."""

import os
import re
import shutil
import sys
import urllib.request
from pathlib import Path

import pytest

from bench.slow_clients import SlowUpload, start_gunicorn, start_nginx, stop, timed_get

pytestmark = pytest.mark.skipif(
    not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()) and not os.environ.get("CI"),
    reason="nginx is not installed (apt-get install nginx-light; .ci/run installs it)")


@pytest.fixture(scope="module")
def proxied(app, tmp_path_factory):
    """(gunicorn's port, nginx's port): the portal on the test database, nginx in front (once
    for the module: starting them is most of its time)."""
    tmp_path = tmp_path_factory.mktemp("proxy")
    url = app.config["SQLALCHEMY_DATABASE_URI"].replace("postgresql+psycopg://", "postgresql://")
    env = {**os.environ, "DATABASE_URL": url, "BWPORTAL_INSTANCE": str(tmp_path / "instance"),
           "RATELIMIT_ENABLED": "0", "PROXIES": "1", "LOG_LEVEL": "WARNING",
           "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}
    gunicorn, web_port = start_gunicorn(env, tmp_path, workers=2)
    try:
        nginx, proxy_port = start_nginx(tmp_path / "nginx", web_port)
    except BaseException:
        stop(gunicorn)
        raise
    yield web_port, proxy_port
    stop(nginx)
    stop(gunicorn)


def test_a_fast_request_is_answered_while_slow_clients_upload(proxied):
    _web, proxy = proxied
    # Four uploaders (twice gunicorn's workers), 100 KB each at 10 KB/s: ten seconds each.
    uploads = [SlowUpload(proxy, size=100 * 1024, rate=10 * 1024) for _ in range(4)]
    for upload in uploads:
        upload.start()
    for upload in uploads:
        assert upload.started_body.wait(30)
    status, _took = timed_get(proxy, "/sign-in", timeout=30)
    still_sending = [upload for upload in uploads if upload.finished_at is None]
    assert status == 200
    assert len(still_sending) == len(uploads), "the uploads ended before the fast request was answered"
    for upload in uploads:
        upload.join(120)
    # Every form reached the portal whole and got its answer (a refused CSRF token: 400), none lost.
    assert [upload.status for upload in uploads] == [400] * len(uploads), [u.error for u in uploads]


def test_static_files_come_from_nginx_with_hsts_and_a_year_of_cache(proxied):
    _web, proxy = proxied
    with urllib.request.urlopen(f"http://127.0.0.1:{proxy}/sign-in", timeout=30) as page:
        html = page.read().decode()
        assert "max-age=63072000" in page.headers["Strict-Transport-Security"]
    css = re.search(r'/static/css/app\.[0-9a-f]{12}\.css', html)[0]
    with urllib.request.urlopen(f"http://127.0.0.1:{proxy}{css}", timeout=30) as answer:
        assert answer.status == 200 and answer.read()
        assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert "max-age=63072000" in answer.headers["Strict-Transport-Security"]
        assert "Content-Security-Policy" not in answer.headers  # nginx's answer, not the portal's


def test_bodies_over_the_portals_limit_stop_at_nginx_and_metrics_stay_inside(app, proxied):
    _web, proxy = proxied
    request = urllib.request.Request(
        f"http://127.0.0.1:{proxy}/sign-in", data=b"", method="POST",
        headers={"Content-Length": str(app.config["MAX_CONTENT_LENGTH"] + 1)})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 413
    assert timed_get(proxy, "/metrics")[0] == 404
