"""Findings files read by a worker (CYC-2, issue 17 item 9): a workbook that takes more than a
moment to read (findings_import.work_of above INLINE_WORK) is not read by the web request.

The request stores the file (infra.storage) and writes the FindingsImport (queued) and its
outbox job in its transaction; the relay hands the job to a worker after the commit (in the
embedded default it runs in-process). The worker reads the file with every bound
``parse_findings`` has, in the uploader's language (the file names clusters and points in
it), keeps the result as data and deletes the file. The status page shows the preview, or
the errors, in the reader's language; saving the previewed rows is the same one operation as
for a small file (findings_import.save_findings), once per import.

One effect: the same file sent again by the same user for the same report, as it stands, is
the same import (a unique index, so two requests at once too); an import is saved once (its
row locked, its state checked). A file that breaks the reader fails its import, and only
its import: the job ends normally and the worker goes on with the next.
"""

import hashlib
import io
import logging
import secrets
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...infra.storage import storage
from ...models import Factory, FindingsImport, FindingsImportStatus, OutboxMessage, OutboxStatus
from ..errors import Conflict
from ..locking import locked
from ..notices import outbox
from . import findings_import as imports

log = logging.getLogger(__name__)

JOB = "job.import_findings"
FOLDER = "imports"
PENDING = (FindingsImportStatus.QUEUED, FindingsImportStatus.READING)


class NotReady(Conflict):
    """The import has nothing to save (still being read, refused, failed)."""


class AlreadyImported(Conflict):
    """The import was saved before (a second click, the back button, a colleague)."""


class CatalogueChanged(Conflict):
    """A row is no longer in the catalogue: nothing was saved; ``result`` says which."""

    def __init__(self, result):
        super().__init__()
        self.result = result


# --- the request ---------------------------------------------------------------------------------

def request_import(cycle, user, locale: str, data: bytes, filename: str) -> FindingsImport:
    """The import of ``data`` into ``cycle``'s findings, queued; the earlier one if this user
    sent the same file for the report as it stands. The caller commits."""
    from .cycles import finding_count

    digest, existing = hashlib.sha256(data).hexdigest(), finding_count(cycle)
    found = _same(cycle, user, digest, existing)
    if found is not None:
        return found
    stored_name = secrets.token_hex(16) + ".upload"
    key = f"{FOLDER}/{stored_name}"
    storage().put(key, io.BytesIO(data))
    job = FindingsImport(factory_id=cycle.factory_id, cycle_id=cycle.id, requested_by_id=user.id, locale=locale,
                         filename=filename[:255], digest=digest, size=len(data), existing=existing,
                         stored_name=stored_name)
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()  # a concurrent upload of the same file waits here for the first
    except IntegrityError:
        storage().delete(key)
        found = _same(cycle, user, digest, existing)
        if found is None:
            raise
        return found
    outbox.write(JOB, job_key(job), payload={"import_id": job.id}, factory_id=job.factory_id)
    return job


def _same(cycle, user, digest: str, existing: int) -> FindingsImport | None:
    return db.session.scalar(select(FindingsImport).where(
        FindingsImport.cycle_id == cycle.id, FindingsImport.requested_by_id == user.id,
        FindingsImport.digest == digest, FindingsImport.existing == existing,
        FindingsImport.status != FindingsImportStatus.FAILED))


def _programme_id(job: FindingsImport) -> int:
    return db.session.scalar(select(Factory.programme_id).where(Factory.id == job.factory_id))


def job_key(job: FindingsImport) -> str:
    return outbox.key_for(JOB, job.id)


def stored_key(job: FindingsImport) -> str | None:
    return f"{FOLDER}/{job.stored_name}" if job.stored_name else None


# --- the worker ------------------------------------------------------------------------------------

def read(job: FindingsImport, data: bytes) -> None:
    """Read the file into the import's result (ready or refused), in the current language;
    a file the reader cannot cope with fails the import. The caller commits."""
    try:
        catalogue = imports.load_catalogue(_programme_id(job))
        result = imports.parse_findings(data, job.filename, catalogue)
        stored = imports.to_stored(result)
    except Exception as error:  # noqa: BLE001 - this file's problem, not the worker's: logged, the import fails
        log.exception("findings import %s: the file could not be read", job.id)
        finish(job, FindingsImportStatus.FAILED, error=f"{type(error).__name__}: {error}")
        return
    finish(job, FindingsImportStatus.READY if result.ok else FindingsImportStatus.REFUSED, result=stored)


def finish(job: FindingsImport, status: FindingsImportStatus, result=None, error: str = "") -> None:
    """The import's end as read (or given up): its file is no longer needed."""
    key = stored_key(job)
    if key is not None:
        storage().delete(key)
    job.status, job.result, job.error = status, result, error[:2000]
    job.stored_name, job.finished_at = "", datetime.now(UTC)


# --- the status page ---------------------------------------------------------------------------------

def state(job: FindingsImport) -> str:
    """The import's status as the page says it; "failed" too when its job was given up."""
    if job.status in PENDING:
        given_up = db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.key == job_key(job)))
        if given_up is OutboxStatus.FAILED:
            return FindingsImportStatus.FAILED.value
    return job.status.value


def result_of(job: FindingsImport):
    """The import's result in the current language (None while it is read, or if it failed)."""
    if job.result is None or job.status not in (FindingsImportStatus.READY, FindingsImportStatus.REFUSED):
        return None
    try:
        return imports.from_stored(job.result, imports.load_catalogue(_programme_id(job)))
    except imports.BadPayload:
        log.error("findings import %s: its stored result is not readable", job.id)
        return None


# --- saving ------------------------------------------------------------------------------------------

def save(job: FindingsImport, cycle) -> int:
    """Save the import's rows as ``cycle``'s findings, once; how many. The caller commits.

    The import's row is locked, so a second click waits for the first and finds it
    imported (AlreadyImported); the report's findings count since the upload tells an import
    from a report someone changed meanwhile (findings_import.FindingsChanged)."""
    job = locked(job)
    if job.status is FindingsImportStatus.IMPORTED:
        raise AlreadyImported()
    if job.status is not FindingsImportStatus.READY:
        raise NotReady()
    result = result_of(job)
    if result is None:
        raise NotReady()
    if not result.ok:
        raise CatalogueChanged(result)
    imports.save_findings(cycle, result.rows, expected_count=job.existing)
    job.status, job.imported, job.finished_at = FindingsImportStatus.IMPORTED, len(result.rows), datetime.now(UTC)
    return job.imported


# --- pruning -----------------------------------------------------------------------------------------

PRUNE_DAYS = 30


def prune(older_than_days: int = PRUNE_DAYS, now=None) -> int:
    """Delete imports finished (or started) more than ``older_than_days`` ago, with any file
    left; how many. The caller commits."""
    from datetime import timedelta

    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    old = list(db.session.scalars(select(FindingsImport).where(FindingsImport.created_at < cutoff)))
    for job in old:
        key = stored_key(job)
        if key is not None:
            storage().delete(key)
        db.session.delete(job)
    db.session.flush()
    return len(old)
