"""The worker side of JOB-1: render a requested document to PDF with WeasyPrint.

``render_document`` is the outbox handler of "job.render_document". It builds the HTML from
the domain's data with a print template (templates/pdf/), in the language the user asked in,
and writes the PDF with WeasyPrint (Pango + HarfBuzz shape Khmer, Bengali and Arabic). The
fonts are the Noto fonts bundled in bwportal/fonts (OFL), so a machine without them installed
renders the same PDF; WeasyPrint may read nothing else (no network, no other file).
"""

import atexit
import io
import re
import threading
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_datetime
from flask import current_app, render_template
from flask_babel import force_locale

from ..domain import documents
from ..domain.ip.queries import Filters, ip_items, status_counts
from ..domain.ip.status import effective_status
from ..domain.notices.outbox import BACKOFF
from ..domain.policy import ip_readable_fields
from ..domain.reports.spec import IP_VALIDATION_CHOICES
from ..domain.time import factory_today
from ..extensions import db
from ..infra.storage import storage
from ..models import Document, DocumentStatus, IPStatus

PACKAGE = Path(__file__).resolve().parent.parent
FONTS = PACKAGE / "fonts"
STYLESHEET = PACKAGE / "templates" / "pdf" / "print.css"

# WeasyPrint is not documented as thread-safe; a process renders one document at a time.
_lock = threading.Lock()
_engine_cache: dict = {}
atexit.register(_engine_cache.clear)  # WeasyPrint removes its temporary font folder while it still can


def render_document(row) -> None:
    """Render the document the outbox row names, store it and mark it ready. A failure is
    raised for the outbox to retry; on the last attempt the document is marked failed."""
    document_id = (row.payload or {}).get("document_id")
    attempts = row.attempts
    document = db.session.get(Document, document_id) if document_id else None
    if document is None:  # gone since it was requested: nothing to do
        return
    if document.status is DocumentStatus.READY and documents.is_stored(document):
        return  # a second delivery of a job already done
    document.status, document.error = DocumentStatus.RENDERING, ""
    timeout = (row.payload or {}).get("timeout")
    if timeout:  # a long render: no other worker takes the row over while this one still works on it
        row.claimed_until = datetime.now(UTC) + timedelta(seconds=int(timeout) + 60)
    db.session.commit()
    stored_name = None
    try:
        pdf, pages = write_pdf(document_html(document))
        stored_name = store(pdf)
        document.status, document.stored_name = DocumentStatus.READY, stored_name
        document.size, document.pages, document.finished_at = len(pdf), pages, datetime.now(UTC)
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        if stored_name:
            storage().delete(f"{documents.FOLDER}/{stored_name}")
        document = db.session.get(Document, document_id)
        gave_up = attempts > len(BACKOFF)  # deliver() will not try again
        document.status = DocumentStatus.FAILED if gave_up else DocumentStatus.QUEUED
        document.error = f"{type(error).__name__}: {error}"[:2000]
        db.session.commit()
        raise


# --- HTML ------------------------------------------------------------------------------------------

def document_html(document: Document) -> str:
    """The document's HTML in its language, rendered as a request of the portal would be."""
    app = current_app._get_current_object()
    with app.test_request_context(base_url=app.config.get("PUBLIC_URL")), force_locale(document.locale):
        common = {"document": document, "factory": document.factory, "locale": document.locale,
                  "direction": Locale.parse(document.locale).text_direction,
                  "local_time": _local_time(document), "bidi": bidi_direction,
                  "generated_at": datetime.now(UTC)}
        if document.kind == documents.IP:
            factory = document.factory
            today = factory_today(factory)
            return render_template("pdf/ip.html", items=ip_items(factory.id, Filters(), today), today=today,
                                   counts=status_counts(factory.id, today), statuses=list(IPStatus),
                                   effective_status=effective_status,
                                   readable=ip_readable_fields(document.requested_by), **common)
        report = document.report
        return render_template("pdf/report.html", report=report, choices=IP_VALIDATION_CHOICES,
                               **documents.report_content(report), **common)


def _local_time(document: Document):
    """A formatter of moments in the factory's time zone, in the document's language."""
    zone = ZoneInfo(document.factory.programme.timezone)

    def local_time(moment: datetime | None, fmt: str = "medium") -> str:
        if moment is None:
            return ""
        if moment.tzinfo is None:  # SQLite hands back naive UTC
            moment = moment.replace(tzinfo=UTC)
        return format_datetime(moment, fmt, tzinfo=zone, locale=document.locale)

    return local_time


def bidi_direction(text) -> str:
    """What dir="auto" means (WeasyPrint ignores it): the direction of the text's first strong
    character, so an Arabic answer in an English report runs right to left."""
    for char in str(text or ""):
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "auto"


# --- PDF ------------------------------------------------------------------------------------------

def write_pdf(html: str) -> tuple[bytes, int]:
    """The PDF of ``html`` with the print stylesheet and bundled fonts, and its page count."""
    with _lock:
        font_config, stylesheet, fetcher = _engine()
        html_class = _engine_cache["html"]
        rendered = html_class(string=html, base_url=FONTS.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=font_config)
        return rendered.write_pdf(), len(rendered.pages)


# WeasyPrint's user-agent stylesheet styles ::marker, ::footnote-call, ::footnote-marker and
# three ::note-* pseudo-elements of every element, so WeasyPrint computes six pseudo-element
# styles for each element of the document, all unused here: some 15,000 style objects for a
# PR1 with 200 IP items, about 16 MB of the render's peak memory and 0.3 s of its time. Only
# li has a list marker in our documents and none has a footnote or a note, so those rules are
# narrowed to li, to class="footnote" and to class="note" (what a template would then use for
# them); the pages come out the same (tests/unit/test_documents.py compares them).
_UNIVERSAL_PSEUDO = re.compile(r"^::(marker|footnote-[a-z]+|note-[a-z]+) \{", re.MULTILINE)
_PSEUDO_OWNER = {"marker": "li", "footnote": ".footnote", "note": ".note"}


def lean_ua_stylesheet(ua: str) -> str:
    """WeasyPrint's user-agent stylesheet with its universal pseudo-element rules narrowed."""
    return _UNIVERSAL_PSEUDO.sub(lambda m: f"{_PSEUDO_OWNER[m[1].split('-')[0]]}::{m[1]} {{", ua)


def _lean_html_class():
    """WeasyPrint's HTML, reading the lean user-agent stylesheet instead of its own."""
    from weasyprint import CSS, HTML

    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE, UA_STYLESHEET
    except ImportError:  # a WeasyPrint that names them otherwise: its own stylesheet, as before
        return HTML
    lean_ua = CSS(string=lean_ua_stylesheet(UA), counter_style=UA_COUNTER_STYLE)

    class LeanHTML(HTML):
        # WeasyPrint's own (private) hook; tests/unit/test_documents.py fails if it is not used.
        def _ua_stylesheets(self, *args, **kwargs):
            return [lean_ua if sheet is UA_STYLESHEET else sheet for sheet in super()._ua_stylesheets(*args, **kwargs)]

    return LeanHTML


def _engine():
    """The font configuration and stylesheet, made once per process (loading fonts is slow)."""
    if not _engine_cache:
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher

        class BundledFontsOnly(URLFetcher):
            """WeasyPrint may read the bundled fonts and nothing else: no network, no other file."""

            def fetch(self, url, headers=None):
                parts = urlsplit(url)
                path = Path(unquote(parts.path)).resolve() if parts.scheme == "file" else None
                if path is None or path.parent != FONTS:
                    raise ValueError(f"refused: {url[:200]}")
                return super().fetch(url, headers)

        fetcher = BundledFontsOnly(allowed_protocols=("file",))
        font_config = FontConfiguration()
        stylesheet = CSS(string=STYLESHEET.read_text(encoding="utf-8"), base_url=FONTS.as_uri() + "/",
                         url_fetcher=fetcher, font_config=font_config)
        _engine_cache.update(engine=(font_config, stylesheet, fetcher), html=_lean_html_class())
    return _engine_cache["engine"]


def warm_up() -> None:
    """Load what a render needs once per process (jobs.worker does it before forking): WeasyPrint,
    the fonts, the stylesheet and the compiled print templates."""
    _engine()
    for template in ("pdf/report.html", "pdf/ip.html"):
        current_app.jinja_env.get_template(template)


def store(pdf: bytes) -> str:
    """Keep the PDF (through infra.storage: every web process sees it) under a new random name,
    and return that name. Storage writes are atomic: a reader never sees half a file."""
    name = documents.new_stored_name()
    storage().put(f"{documents.FOLDER}/{name}", io.BytesIO(pdf), "application/pdf")
    return name
