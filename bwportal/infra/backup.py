"""Backup and restore of the database and the stored files, together (issue 18, item 8).

A backup is a folder: ``database.sqlite`` (SQLite, copied with SQLite's online backup) or
``database.dump`` (PostgreSQL, ``pg_dump --format=custom``), ``files/storage/<key>`` for every
file the portal keeps (all of them go through the storage layer: folder or S3), and
``manifest.json``. The database is copied FIRST: a file is written before the row that names it
is committed, so every file the dump names was already there when the files were copied (later
files are harmless extras). Restore puts the files back, then the database.
"""

import json
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from ..extensions import db


class BackupError(RuntimeError):
    pass


def _libpq_url() -> str:
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


def create(target: Path) -> dict:
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty")
    target.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    with db.engine.connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    if dialect == "sqlite":
        source = sqlite3.connect(db.engine.url.database)
        copy = sqlite3.connect(target / "database.sqlite")
        with copy:
            source.backup(copy)  # a consistent copy while the portal runs
        source.close()
        copy.close()
    elif dialect == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file",
              str(target / "database.dump"), _libpq_url()])
    else:
        raise BackupError(f"no backup for the {dialect} database")
    counts = {"storage": _copy_storage_out(target / "files" / "storage")}
    manifest = {"created_at": datetime.now(UTC).isoformat(), "database": dialect, "revision": revision,
                "files": counts}
    (target / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return manifest


def restore(source: Path) -> dict:
    """Replace the database and the files with the backup's (the portal should be stopped)."""
    source = Path(source)
    manifest = json.loads((source / "manifest.json").read_text())
    dialect = db.engine.dialect.name
    if manifest["database"] != dialect:
        raise BackupError(f"the backup is of a {manifest['database']} database, this portal uses {dialect}")
    _copy_storage_in(source / "files" / "storage")
    db.session.remove()
    db.engine.dispose()
    if dialect == "sqlite":
        saved = sqlite3.connect(source / "database.sqlite")
        live = sqlite3.connect(db.engine.url.database)
        with live:
            saved.backup(live)
        saved.close()
        live.close()
    else:
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--dbname", _libpq_url(), str(source / "database.dump")])
    return manifest


def _copy_storage_out(dest: Path) -> int:
    from . import storage as storage_module

    store, count = storage_module.storage(), 0
    for key in list(store.keys("")):
        stream = store.open(key)
        if stream is None:
            continue
        path = dest / key
        path.parent.mkdir(parents=True, exist_ok=True)
        with stream, path.open("wb") as out:
            shutil.copyfileobj(stream, out)  # streamed: files are never read whole
        count += 1
    return count


def _copy_storage_in(saved: Path) -> None:
    from . import storage as storage_module

    store = storage_module.storage()
    keep = {p.relative_to(saved).as_posix() for p in saved.rglob("*") if p.is_file()} if saved.is_dir() else set()
    for key in list(store.keys("")):
        if key not in keep:
            store.delete(key)
    for key in sorted(keep):
        with (saved / key).open("rb") as stream:
            store.put(key, stream)


def _run(command: list[str]) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: postgresql-client)")
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{command[0]} failed: {done.stderr.strip()[:2000]}")
