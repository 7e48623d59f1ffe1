"""The daily pruning of rendered PDFs nobody keeps (drafts', the IP's): domain.documents.prune;
and of findings imports a month old, with any file left (domain.assessments.import_jobs.prune)."""

from flask import current_app

from ..domain import documents
from ..domain.assessments import import_jobs
from ..extensions import db
from .context import with_app_context


@with_app_context
def prune_documents() -> int:
    removed = documents.prune(current_app.config["DOCUMENT_PRUNE_DAYS"])
    db.session.commit()
    return removed


@with_app_context
def prune_findings_imports() -> int:
    removed = import_jobs.prune()
    db.session.commit()
    return removed
