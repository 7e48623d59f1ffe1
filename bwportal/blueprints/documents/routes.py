"""Documents as PDF (JOB-1): ask for a report or the IP as PDF, watch the worker make it,
download it. The request only queues the job; the page shows its progress (an htmx partial
that asks again every 2 s, or a Refresh link without JavaScript)."""

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user, login_required

from ...domain import documents
from ...extensions import htmx
from ...models import Document
from ...web.unit_of_work import unit_of_work
from ..reports.loading import load_report
from ..scoping import load_factory, load_owned

bp = Blueprint("documents", __name__)
PREFIX = "/factories/<int:factory_id>/documents/<int:document_id>"


@bp.post("/factories/<int:factory_id>/reports/<int:report_id>/pdf")
@login_required
def request_report(factory_id: int, report_id: int):
    with unit_of_work():
        factory, report = load_report(factory_id, report_id)
        document = documents.request_report(report, current_user, str(get_locale()))
    return redirect(url_for("documents.status", factory_id=factory.id, document_id=document.id))


@bp.post("/factories/<int:factory_id>/ip/pdf")
@login_required
def request_ip(factory_id: int):
    with unit_of_work():
        factory = load_factory(factory_id, "ip.export")
        document = documents.request_ip(factory, current_user, str(get_locale()))
    return redirect(url_for("documents.status", factory_id=factory.id, document_id=document.id))


def _load(factory_id: int, document_id: int):
    """The factory (visible, else 404) and its document, if this user may read it (else 404)."""
    factory = load_factory(factory_id, "enterprise.view")
    document = load_owned(factory, Document, document_id)
    if not documents.may_read(current_user, document):
        abort(404)
    return factory, document


@bp.get(PREFIX)
@login_required
def status(factory_id: int, document_id: int):
    factory, document = _load(factory_id, document_id)
    context = {"factory": factory, "document": document, "state": documents.state(document)}
    if htmx:
        return render_template("documents/_status.html", **context)
    return render_template("documents/status.html", **context)


@bp.get(PREFIX + "/file")
@login_required
def download(factory_id: int, document_id: int):
    _factory, document = _load(factory_id, document_id)
    response = documents.send(document, conditional=True) if documents.state(document) == "ready" else None
    if response is None:
        abort(404)
    response.headers["Cache-Control"] = "private, max-age=0, must-revalidate"
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.status_code != 304:  # a revalidated copy the browser already holds is no new download
        with unit_of_work():
            # before the file leaves: a download that cannot be recorded is not sent
            documents.record_download(current_user, document)
    return response
