"""Issue 18, done when 1 (OPS-1, JOB-1, PUB-2): the portal on three "machines" — web A, web B and
a worker, each its own process with its own local folder — sharing PostgreSQL, Redis and an
S3-protocol server (moto's, on loopback). An evidence file uploaded through A and a PDF asked for
through A (rendered by the worker) are downloaded through B, byte for byte.

The webs are the Procfile's gunicorn, the worker the Procfile's RQ worker (in burst mode), started
from the environment as a deployment starts them. Skipped without DATABASE_URL and REDIS_URL."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from bwportal.domain.public import issues as pi
from bwportal.extensions import db
from bwportal.models import Document, DocumentStatus
from tests import factories as f
from tests.conftest import free_port

from .conftest import on_postgres, procfile

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(not on_postgres() or not os.environ.get("REDIS_URL"),
                                reason="needs the real PostgreSQL and Redis (DATABASE_URL, REDIS_URL)")


def machine_env(app, endpoint: str, bucket: str, folder: Path) -> dict:
    """What a deployment gives each machine: the shared services, the bucket, and a local folder
    of its own (which must stay unused for kept files)."""
    folder.mkdir(parents=True, exist_ok=True)
    return {**os.environ, "DATABASE_URL": os.environ["DATABASE_URL"], "REDIS_URL": os.environ["REDIS_URL"],
            "SECRET_KEY": "many-machines-test-secret", "STORAGE_URL": f"s3://{bucket}/kept",
            "S3_ENDPOINT_URL": endpoint, "STORAGE_DIR": str(folder / "storage"),
            "BWPORTAL_INSTANCE": str(folder), "MAIL_OUTBOX_DIR": str(folder / "outbox"),
            "RATELIMIT_ENABLED": "0", "WEB_CONCURRENCY": "1",
            "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}"}


def start_web(env: dict, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = procfile("web").replace("${WEB_CONCURRENCY:-2}", "1").replace("${PORT:-8000}", str(port))
    command = command.replace("0.0.0.0", "127.0.0.1")
    process = subprocess.Popen(command, shell=True, cwd=ROOT, env=env, start_new_session=True,
                               stdout=log.open("w"), stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            requests.get(base + "/sign-in", timeout=30)
            return process, base
        except requests.RequestException:
            if process.poll() is not None:
                break
            time.sleep(0.1)
    raise AssertionError(f"web did not start:\n{log.read_text()[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, 15)
    except ProcessLookupError:
        return
    process.wait(30)


def csrf(html: str) -> str:
    tag = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)[0]
    return re.search(r'value="([^"]+)"', tag)[1]


def signed_in(base: str, user) -> requests.Session:
    session = requests.Session()
    token = csrf(session.get(base + "/sign-in").text)
    answer = session.post(base + "/sign-in", data={"email": user.email, "password": f.PASSWORD, "csrf_token": token},
                          allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    return session


def test_two_webs_and_a_worker_share_evidence_and_pdfs_through_object_storage(app, world, pr1, s3_bucket,
                                                                              tmp_path):
    endpoint, bucket = s3_bucket
    finding = f.make_finding(pr1.cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    db.session.commit()
    webs = []
    try:
        for name in ("a", "b"):
            webs.append(start_web(machine_env(app, endpoint, bucket, tmp_path / name), tmp_path / f"web-{name}.log"))
        (_, a), (_, b) = webs
        on_a, on_b = signed_in(a, world.factory_user), signed_in(b, world.factory_user)

        # Evidence: uploaded through A ...
        respond = f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond"
        png = f.public_png_bytes(4, 4)
        token = csrf(on_a.get(a + respond).text)
        answer = on_a.post(a + respond, data={"text": "Paid", "version": "", "csrf_token": token},
                           files={"files": ("payslip.png", png, "image/png")}, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:500]
        db.session.expire_all()
        evidence = pi.response_for(finding.id).files[0]
        # ... downloaded through B.
        served = on_b.get(b + f"/factories/{world.angkor.id}/public-issues/files/{evidence.id}")
        assert served.status_code == 200 and served.content == png

        # A PDF: asked for through A, rendered by the worker ...
        report_page = on_a.get(a + f"/factories/{world.angkor.id}/reports/{pr1.id}").text
        answer = on_a.post(a + f"/factories/{world.angkor.id}/reports/{pr1.id}/pdf",
                           data={"csrf_token": csrf(report_page)}, allow_redirects=False)
        assert answer.status_code == 302, answer.text[:500]
        status_url = answer.headers["Location"]
        document_id = int(status_url.rstrip("/").rsplit("/", 1)[1])
        worker_log = tmp_path / "worker.log"
        worker = subprocess.run(procfile("worker").replace("--with-scheduler", "--burst"), shell=True, cwd=ROOT,
                                env=machine_env(app, endpoint, bucket, tmp_path / "worker"), timeout=300,
                                stdout=worker_log.open("w"), stderr=subprocess.STDOUT)
        assert worker.returncode == 0, worker_log.read_text()[-3000:]
        document = db.session.get(Document, document_id)
        db.session.refresh(document)
        assert document.status is DocumentStatus.READY, (document.error, worker_log.read_text()[-3000:])
        # ... downloaded through B, the same bytes as through A.
        path = f"/factories/{world.angkor.id}/documents/{document_id}/file"
        from_b, from_a = on_b.get(b + path), on_a.get(a + path)
        assert from_b.status_code == 200 and from_b.content.startswith(b"%PDF")
        assert from_b.content == from_a.content and len(from_b.content) == document.size
        # Nothing kept on any machine's own disk.
        for name in ("a", "b", "worker"):
            assert not (tmp_path / name / "storage").exists() or not any((tmp_path / name / "storage").rglob("*.*"))
    finally:
        for process, _ in webs:
            stop(process)
