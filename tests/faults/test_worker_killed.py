"""A worker killed mid-PDF (issue 9): the Procfile's worker, against the real Redis and
PostgreSQL, is SIGKILLed (with its work horse) while it renders a PR1 with ~200 IP items.
Once the dead worker's claim on the outbox row runs out, the periodic relay hands the row on
again and a new worker renders it: the document ends READY with one valid PDF, the row SENT.

The claim is shortened for the killed worker only (OUTBOX_CLAIM_SECONDS), so the test waits
seconds, not the five minutes of production.
"""

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select

from bwportal.domain import documents
from bwportal.extensions import db
from bwportal.jobs.outbox import relay_due
from bwportal.jobs.queues import PRIORITY
from bwportal.models import (
    Cluster,
    CompliancePoint,
    Document,
    DocumentStatus,
    IPStatus,
    OutboxMessage,
    OutboxStatus,
)
from tests import factories as f
from tests.conftest import sign_in

from .conftest import ROOT, needs_services, procfile, say, worker_env

ITEMS = 200
LEASE = 5  # seconds the killed worker holds its row


def many_items(world, cycle, count=ITEMS):
    points = list(db.session.scalars(select(CompliancePoint).join(Cluster).where(Cluster.programme_id == world.kh.id)))
    for n in range(count):
        f.make_advisory_item(cycle, area=f"Item {n}: overtime records and payslips do not agree",
                             point=points[n % len(points)], status=IPStatus.IN_PROGRESS, lead_person=f"Lead person {n}",
                             actions_needed="Reconcile the records every week and train the payroll team",
                             progress="Half of the departments are done; the rest follow next month")
    db.session.commit()


def process_tree(root: int) -> list[int]:
    """``root`` and every process under it, from /proc. RQ's work horse calls setsid(), so it
    is not in the worker's process group: it has to be found by its parent."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            pid, rest = stat.read_text().split(" (", 1)
        except OSError:
            continue  # gone meanwhile
        children.setdefault(int(rest.rsplit(") ", 1)[1].split()[1]), []).append(int(pid))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def kill_all(root: int) -> list[int]:
    """SIGKILL the worker, its work horse and anything else of it at once, as a crashed machine would."""
    tree = process_tree(root)
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return tree


def until(condition, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()  # each look is a fresh read
        db.session.expire_all()
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def job_row(document_id: int) -> OutboxMessage:
    return db.session.scalar(select(OutboxMessage).where(OutboxMessage.key == documents.job_key(
        db.session.get(Document, document_id))))


@needs_services
def test_a_worker_killed_mid_pdf_is_taken_over_and_the_pdf_completes(app, world, cycle, pr1, tmp_path,
                                                                     monkeypatch):
    from bwportal.infra.redis_connection import get_redis

    many_items(world, cycle)
    monkeypatch.setitem(app.config, "STORAGE_DIR", str(tmp_path / "storage"))
    folder = tmp_path / "storage" / "documents"
    get_redis().delete(*(f"rq:queue:{name}" for name in PRIORITY))
    client = app.test_client()
    sign_in(client, world.factory_user)
    logs = (tmp_path / "worker1.log").open("w")
    first = subprocess.Popen(procfile("worker"), shell=True, cwd=ROOT, start_new_session=True, stdout=logs,
                             stderr=subprocess.STDOUT, env=worker_env(app, OUTBOX_CLAIM_SECONDS=str(LEASE)))
    try:
        response = client.post(f"/factories/{world.angkor.id}/reports/{pr1.id}/pdf")
        assert response.status_code == 302
        document_id = int(response.location.rsplit("/", 1)[1])
        try:
            until(lambda: db.session.get(Document, document_id).status is not DocumentStatus.QUEUED,
                  "the worker to start rendering")
        except AssertionError as error:
            logs.flush()
            raise AssertionError(f"{error}\n{(tmp_path / 'worker1.log').read_text()[-3000:]}") from None
        claimed = job_row(document_id)
        assert claimed.status is OutboxStatus.SENDING and claimed.attempts == 1
    finally:
        killed = kill_all(first.pid)
        first.wait(30)
        logs.close()
    assert len(killed) >= 2, "the work horse was not found: it would go on rendering"
    killed_at = time.monotonic()
    db.session.rollback()
    document = db.session.get(Document, document_id)
    db.session.refresh(document)
    assert document.status is DocumentStatus.RENDERING, "the PDF was done before the kill: render more items"
    assert not folder.exists() or not any(folder.glob("*.pdf"))
    claim_end = job_row(document_id).claimed_until
    claim_end = claim_end if claim_end.tzinfo else claim_end.replace(tzinfo=UTC)
    if datetime.now(UTC) < claim_end - timedelta(seconds=2):  # (a slow machine may be past it already)
        assert relay_due() == 0  # the dead worker's claim still holds: nobody may take the row yet
    until(lambda: datetime.now(UTC) > claim_end, "the dead worker's claim to run out", LEASE + 30)

    assert relay_due() == 1  # the cron's relay hands the row on again
    command = procfile("worker").replace("--with-scheduler", "--burst")
    second = subprocess.run(command, shell=True, cwd=ROOT, env=worker_env(app), capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr[-3000:]

    db.session.rollback()
    document = db.session.get(Document, document_id)
    db.session.refresh(document)
    row = job_row(document_id)
    assert document.status is DocumentStatus.READY, document.error
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 2)
    files = sorted(p.name for p in folder.iterdir())
    assert files == [document.stored_name], files  # one file: no copy, no leftover part of the killed render
    pdf = PdfReader(BytesIO((folder / document.stored_name).read_bytes()))
    assert len(pdf.pages) == document.pages > 1
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Item 0:" in text and f"Item {ITEMS - 1}:" in text
    say(f"Procfile worker SIGKILLed with its work horse ({len(killed)} processes) while rendering a "
        f"PR1 with {ITEMS} IP items (document RENDERING, outbox row SENDING, no file); after its {LEASE} s claim "
        f"ran out the relay re-queued the row and a new burst worker finished it in "
        f"{time.monotonic() - killed_at:.1f} s: document READY, {len(pdf.pages)} pages read by pypdf, exactly one "
        "file, outbox row SENT after 2 attempts")
