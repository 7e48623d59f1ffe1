"""The worker side of a findings import (CYC-2, issue 17 item 9): read the stored file of a
FindingsImport, in the uploader's language, with every bound findings_import has
(domain.assessments.import_jobs).

A file that breaks the reader fails its own import and the job ends normally, so nothing is
retried for it and the worker goes on with the next job. Only what is not the file's fault (the
storage or the database away) is raised for the outbox to retry; on the last attempt the import
is marked failed.
"""

from flask import current_app
from flask_babel import force_locale

from ..domain.assessments import findings_import as imports
from ..domain.assessments import import_jobs
from ..domain.notices.outbox import BACKOFF
from ..extensions import db
from ..infra.storage import storage
from ..models import FindingsImport, FindingsImportStatus


def read_findings(row) -> None:
    """The outbox handler of "job.import_findings"."""
    import_id = (row.payload or {}).get("import_id")
    job = db.session.get(FindingsImport, import_id) if import_id else None
    if job is None or job.status not in import_jobs.PENDING:
        return  # gone, or a second delivery of a job already done
    job.status = FindingsImportStatus.READING
    db.session.commit()
    attempts = row.attempts
    try:
        key = import_jobs.stored_key(job)
        stream = storage().open(key) if key else None
        if stream is None:  # pruned, or lost: nothing to read, ever
            import_jobs.finish(job, FindingsImportStatus.FAILED, error="the stored file is gone")
            db.session.commit()
            return
        with stream:
            data = stream.read(imports.MAX_BYTES + 1)  # bounded like the request's read
        app = current_app._get_current_object()
        with app.test_request_context(base_url=app.config.get("PUBLIC_URL")), force_locale(job.locale):
            import_jobs.read(job, data)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        job = db.session.get(FindingsImport, import_id)
        if attempts > len(BACKOFF):  # deliver() will not try again
            import_jobs.finish(job, FindingsImportStatus.FAILED, error=f"{type(error).__name__}: {error}")
        else:
            job.status, job.error = FindingsImportStatus.QUEUED, f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        raise
