"""Backups and pruning (issue 18, item 8): a restore drill (back up, wipe, restore: the same
evidence downloads) and the daily pruning of PDFs nobody keeps."""

import io
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bwportal.domain import documents
from bwportal.extensions import db
from bwportal.infra.storage import storage
from bwportal.models import Document, DocumentStatus, EvidenceFile
from tests import factories as f


def _wipe(app):
    """What a lost server leaves: no tables, no files."""
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    if db.engine.dialect.name == "sqlite":
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    for setting in ("STORAGE_DIR",):
        shutil.rmtree(app.config[setting], ignore_errors=True)


def test_a_restore_drill_brings_back_the_same_evidence(app, login, world, tmp_path):
    """Back up (database, then files), wipe both, restore: the same evidence file downloads, with
    the same bytes, and a file kept through the storage layer is back too."""
    if db.engine.dialect.name == "postgresql" and shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=99))
    finding = f.make_finding(cycle, "Overtime Wages", "Overtime not paid", publicly_reported=True)
    response = f.make_public_response(finding, "We paid it")
    content = f.public_png_bytes(3, 2)
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"], content=content)
    storage().put("exports/kept.bin", io.BytesIO(b"kept through the storage layer"))
    db.session.commit()
    download = f"/factories/{world.angkor.id}/public-issues/files/{evidence.id}"
    before = login(world.factory_user).get(download)
    assert before.status_code == 200 and before.data == content

    runner = app.test_cli_runner()
    made = runner.invoke(args=["backup", "create", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    _wipe(app)
    assert not Path(app.config["STORAGE_DIR"]).exists()

    restored = runner.invoke(args=["backup", "restore", "--yes", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    db.session.remove()
    assert db.session.get(EvidenceFile, evidence.id) is not None
    after = login(world.factory_user).get(download)
    assert after.status_code == 200 and after.data == content
    with storage().open("exports/kept.bin") as stream:
        assert stream.read() == b"kept through the storage layer"


def test_a_backup_is_not_written_over_another(app, world, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    made = app.test_cli_runner().invoke(args=["backup", "create", str(tmp_path / "old")])
    assert made.exit_code != 0 and "not empty" in made.output


def _document(report, *, final, days_old, folder: Path, kind="report", status=DocumentStatus.READY):
    document = f.make_document(report, final=final, status=status)
    document.kind = kind
    document.created_at = datetime.now(UTC) - timedelta(days=days_old)
    if document.stored_name:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / document.stored_name).write_bytes(b"%PDF-1.7")
    db.session.flush()
    return document


def test_old_pdfs_of_drafts_and_of_the_ip_are_pruned_never_a_final_reports(app, world, tmp_path):
    """JOB-1: a draft's or the IP's PDF older than DOCUMENT_PRUNE_DAYS goes (row and file), by the
    daily job and by `flask documents prune`; a final report's PDF and a recent one stay."""
    folder = Path(app.config["STORAGE_DIR"]) / "documents"
    cycle = f.make_released_cycle(world.angkor)
    draft = f.make_report(cycle, author=world.factory_user)
    old_draft = _document(draft, final=False, days_old=40, folder=folder)
    old_ip = _document(draft, final=False, days_old=40, folder=folder, kind="ip")
    recent = _document(draft, final=False, days_old=2, folder=folder)
    final = _document(draft, final=True, days_old=400, folder=folder)
    rendering = _document(draft, final=False, days_old=40, folder=folder, status=DocumentStatus.RENDERING)
    db.session.commit()
    gone = [(d.id, folder / d.stored_name) for d in (old_draft, old_ip)]
    kept = [(d.id, folder / d.stored_name if d.stored_name else None) for d in (recent, final, rendering)]

    from bwportal.jobs.pruning import prune_documents

    assert prune_documents() == 2
    db.session.expire_all()
    for document_id, path in gone:
        assert db.session.get(Document, document_id) is None and not path.exists()
    for document_id, path in kept:
        assert db.session.get(Document, document_id) is not None and (path is None or path.exists())

    out = app.test_cli_runner().invoke(args=["documents", "prune", "--days", "1"])
    assert out.exit_code == 0 and out.output.startswith("1 PDF(s)")  # now the 2-day-old draft's
    db.session.expire_all()
    assert db.session.get(Document, recent.id) is None and db.session.get(Document, final.id) is not None


def test_a_long_ips_pdf_gets_time_to_finish(app, world, monkeypatch):
    """JOB-1: the IP's PDF job is given time in proportion to the plan (1,044 items took 66 s;
    10,000 would pass the usual 300 s and never finish), and no other worker takes it over meanwhile."""
    import fakeredis
    from rq import Queue

    from bwportal.jobs import outbox as jobs_outbox
    from bwportal.models import OutboxMessage

    cycle = f.make_released_cycle(world.angkor)
    redis = fakeredis.FakeRedis()
    monkeypatch.setattr(jobs_outbox, "get_redis", lambda: redis)

    def queued_timeout(items: int) -> int:
        f.make_ip_items(cycle, items)
        document = documents.request_ip(world.angkor, world.factory_user, "en")
        db.session.commit()
        row = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == documents.JOB)
                                 .order_by(OutboxMessage.id.desc())).first()
        assert row.payload["document_id"] == document.id
        redis.flushall()
        assert jobs_outbox.relay([row.id]) == 1
        (job,) = Queue("pdfs", connection=redis).jobs  # jobs.queues: PDFs on their own queue
        return job.timeout

    # A plan of thousands in a few items: each item counts for 100 s here (0.2 s in production).
    monkeypatch.setattr(documents, "SECONDS_PER_ITEM", 100, raising=False)
    assert queued_timeout(2) == 300  # a short plan: the usual
    assert queued_timeout(6) == 800  # the whole plan's 8 items
