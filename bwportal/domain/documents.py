"""Documents a worker renders (JOB-1): a progress report (PR1 or PR2) or the factory's
Improvement Plan as PDF, in the requesting user's language.

A request writes the Document (queued) and its outbox job in the caller's transaction; the
relay hands the job to a worker after the commit (jobs.documents renders it). A final
report keeps its PDF: a later request in the same language gets the same document. Any
other report, and the IP, render again on every request, as they are at that moment.
"""

import secrets

from sqlalchemy import select

from ..extensions import db
from ..infra.storage import BadKey, check_key, storage
from ..infra.storage import send as send_stored
from ..models import Document, DocumentStatus, OutboxMessage, OutboxStatus, ReportStatus
from . import audit
from .notices import outbox
from .policy import can
from .reports import counts
from .reports import queries as report_queries
from .reports import snapshot as report_snapshot
from .reports.spec import sections_for

JOB = "job.render_document"
REPORT, IP = "report", "ip"
PENDING = (DocumentStatus.QUEUED, DocumentStatus.RENDERING)


# --- requesting ----------------------------------------------------------------------------

def request_report(report, user, locale: str) -> Document:
    """The report's PDF in ``locale``: the kept one of a final report, else a new one queued."""
    final = report.status is ReportStatus.APPROVED
    if final:
        kept = kept_document(report, locale)
        if kept is not None:
            return kept
    return _queue(Document(factory_id=report.factory_id, kind=REPORT, report_id=report.id, locale=locale,
                           final=final, requested_by_id=user.id))


def request_ip(factory, user, locale: str) -> Document:
    """The factory's whole Improvement Plan as it is now, queued for rendering, with time to
    finish however long the plan (``render_seconds``)."""
    from sqlalchemy import func

    from ..models import IPItem

    items = db.session.scalar(select(func.count()).select_from(IPItem).where(IPItem.factory_id == factory.id))
    return _queue(Document(factory_id=factory.id, kind=IP, locale=locale, requested_by_id=user.id),
                  timeout=render_seconds(items))


# The job timeout of a render (RQ's default here), and what an IP's item adds to it: 1,044 items
# took 66 s (0.063 s each, issue 18), so 0.2 s leaves a threefold margin on a busy worker. An IP
# of 10,000 items gets 2,000 s instead of failing at 300 s every time.
RENDER_SECONDS = 300
SECONDS_PER_ITEM = 0.2


def render_seconds(items: int) -> int:
    return max(RENDER_SECONDS, int(items * SECONDS_PER_ITEM))


def kept_document(report, locale: str) -> Document | None:
    """A final report's document in ``locale`` that is ready (its file on disk) or on its way."""
    candidates = db.session.scalars(
        select(Document).where(Document.report_id == report.id, Document.locale == locale, Document.final,
                               Document.status != DocumentStatus.FAILED)
        .order_by(Document.id.desc()))
    return next((document for document in candidates if state(document) != "failed"), None)


def _queue(document: Document, timeout: int = RENDER_SECONDS) -> Document:
    db.session.add(document)
    db.session.flush()
    payload = {"document_id": document.id}
    if timeout > RENDER_SECONDS:
        payload["timeout"] = timeout  # jobs.outbox.relay gives the RQ job this long
    outbox.write(JOB, job_key(document), payload=payload, factory_id=document.factory_id)
    return document


def job_key(document: Document) -> str:
    return outbox.key_for(JOB, document.id)


# --- what the status page says -------------------------------------------------------------------

def state(document: Document) -> str:
    """"queued", "rendering", "ready" or "failed" (the worker gave up, or the file is gone)."""
    if document.status is DocumentStatus.READY:
        return "ready" if is_stored(document) else "failed"
    if document.status is DocumentStatus.FAILED:
        return "failed"
    job = db.session.scalar(select(OutboxMessage.status).where(OutboxMessage.key == job_key(document)))
    if job is OutboxStatus.FAILED:
        return "failed"
    return document.status.value


def may_read(user, document: Document) -> bool:
    """A report's document goes to those who may read the report (buyers: final reports
    only, PR-9); one made before the report was final only to the user who asked for it, since
    it shows the report as it was then. The IP's goes to everyone who may export the IP."""
    if document.kind == IP:
        return can(user, "ip.export")
    report = document.report
    if report is None or not can(user, "report.view") or not report_queries.visible_to(user, report):
        return False
    return document.final or document.requested_by_id == user.id


# --- what a report document shows -----------------------------------------------------------------

def report_content(report) -> dict:
    """What the report document shows, on the page and in its PDF: its snapshot once
    submitted (PR-8), the live data while it is a draft; the wording it was submitted with."""
    snap = report.snapshot
    programme = report_snapshot.wording_of(report)
    if snap is None:
        snap = {
            "enterprise": report_snapshot.enterprise(report.factory),
            "sections": report.answers_by_section(),
            "overview_counts": counts.overview_counts(report.cycle),
            "annexes": report_snapshot.annexes(report.factory, report.cycle),
            "live": True,
        }
    return {"snap": snap, "programme": programme, "sections": sections_for(report.kind, programme)}


# --- storage: through infra.storage (shared by every machine), under random names ----------------

FOLDER = "documents"


def new_stored_name() -> str:
    return secrets.token_hex(16) + ".pdf"


def stored_key(document: Document) -> str | None:
    """The storage key of the document's file, if it has a well-formed one; else None."""
    if not document.stored_name:
        return None
    try:
        return check_key(f"{FOLDER}/{document.stored_name}")
    except BadKey:
        return None


def is_stored(document: Document) -> bool:
    key = stored_key(document)
    return key is not None and storage().size(key) is not None


def send(document: Document, conditional: bool = False):
    """The document's PDF as a streamed download, or None if its file is gone."""
    key = stored_key(document)
    if key is None:
        return None
    return send_stored(key, mimetype="application/pdf", as_attachment=True,
                       download_name=download_name(document), conditional=conditional)


def record_download(user, document: Document) -> None:
    """A user downloaded the document's PDF (the caller commits before sending it)."""
    factory = document.factory
    audit.for_factory(user, "document.download", document, factory, label=f"{factory.name}: {download_name(document)}",
                      changes={"kind": document.report.kind.value if document.report else document.kind,
                               "final": document.final, "locale": document.locale})


def download_name(document: Document) -> str:
    """The file name offered to the browser: ASCII, no user text."""
    if document.kind == IP:
        return f"improvement-plan-{document.factory_id}-{document.locale}.pdf"
    kind = document.report.kind.value if document.report else "report"
    return f"{kind}-{document.factory_id}-{document.report_id}-{document.locale}.pdf"


# --- pruning: PDFs nobody keeps --------------------------------------------------------------

# Drafts' and the IP's PDFs are rendered afresh on every request, so an old one is never asked
# for again; a final report's PDF is the shared record and is never pruned.
PRUNE_DAYS = 30


def prune(older_than_days: int = PRUNE_DAYS, now=None) -> int:
    """Delete the rows and files of PDFs that are not a final report's, made more than
    ``older_than_days`` ago and no longer being rendered; how many. The caller commits (the
    files go first: a row left without its file says "could not be made", never a broken link)."""
    from datetime import UTC, datetime, timedelta

    cutoff = (now or datetime.now(UTC)) - timedelta(days=older_than_days)
    old = list(db.session.scalars(select(Document).where(
        Document.final.is_(False), Document.created_at < cutoff, Document.status.not_in(PENDING))))
    for document in old:
        key = stored_key(document)
        if key is not None:
            storage().delete(key)
        db.session.delete(document)
    db.session.flush()
    return len(old)
