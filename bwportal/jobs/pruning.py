"""The daily pruning of rendered PDFs nobody keeps (drafts', the IP's): domain.documents.prune."""

from flask import current_app

from ..domain import documents
from ..extensions import db
from .context import with_app_context


@with_app_context
def prune_documents() -> int:
    removed = documents.prune(current_app.config["DOCUMENT_PRUNE_DAYS"])
    db.session.commit()
    return removed
