"""Publicly reported issues (PUB-1, PUB-2): the findings of a cycle that are publicly
reported, the factory's responses with evidence files, and the EA's verification."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ...domain import uploads as chunked
from ...domain.assessments.cycles import cycles_of
from ...domain.ip.status import effective_status
from ...domain.public import issues as ops
from ...domain.time import today_in
from ...extensions import db, htmx
from ...forms.fields import db_int
from ...models import EvidenceFile, Finding
from ...web.paging import paginate
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_owned
from .files import refusal_message, send_evidence
from .forms import ResponseForm

bp = Blueprint("public_issues", __name__, url_prefix="/factories/<int:factory_id>/public-issues")

@bp.app_errorhandler(413)
def request_too_large(error):
    title = _("The files are too large")
    message = _("Nothing was saved. A response can have at most %(count)d files of at most %(size)d MB each. "
                "Please go back and send fewer or smaller files.",
                count=ops.MAX_FILES, size=ops.MAX_FILE_BYTES // (1024 * 1024))
    return render_template("error.html", status=413, title=title, message=message), 413


# --- loading -------------------------------------------------------------------------------


def _finding(factory, finding_id: int) -> Finding:
    """A publicly reported finding of this factory (anything else: 404)."""
    finding = load_owned(factory, Finding, finding_id)
    if not finding.publicly_reported:
        abort(404)
    return finding


def _file(factory, file_id: int) -> EvidenceFile:
    return load_owned(factory, EvidenceFile, file_id)


def _version(value) -> int | None:
    """The version a form was opened with; empty: there was no response yet."""
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # mangled: can only be stale


def _card_context(factory) -> dict:
    return {"today": today_in(factory.programme.timezone), "effective_status": effective_status}


def _index_url(factory, finding) -> str:
    return url_for("public_issues.index", factory_id=factory.id, cycle=finding.cycle_id,
                   _anchor=f"finding-{finding.id}")


# --- the list --------------------------------------------------------------------------------


@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "public.view")
    cycles = cycles_of(factory.id)
    cycle = cycles[0] if cycles else None
    chosen = request.args.get("cycle", type=db_int)
    if chosen is not None:
        cycle = next((c for c in cycles if c.id == chosen), None)
        if cycle is None:
            abort(404)  # not a cycle of this factory
    page = paginate(ops.public_findings_query(cycle.id)) if cycle else None  # a page at a time (issue 18)
    issues = ops.issues_of(page.items) if page else []
    return render_template("public_issues/index.html", factory=factory, cycles=cycles, cycle=cycle,
                           issues=issues, page=page, **_card_context(factory))


# --- the factory's response ------------------------------------------------------------------


def _uploads():
    """The chosen files; a file input left empty still sends a part without a name."""
    return [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]


def _too_many_message(existing: int, chosen: int) -> str:
    return ngettext("A response can have at most %(num)d files.", "A response can have at most %(num)d files.",
                    ops.MAX_FILES) + " " + _("It has %(existing)d already and you chose %(chosen)d.",
                                             existing=existing, chosen=chosen)


def _render_respond(factory, finding, response, form, status=200, **context):
    template = "public_issues/_respond.html" if htmx else "public_issues/respond.html"
    return render_template(template, factory=factory, finding=finding, response=response, form=form,
                           max_files=ops.MAX_FILES, max_mb=ops.MAX_FILE_BYTES // (1024 * 1024),
                           **_card_context(factory), **context), status


@bp.route("/<int:finding_id>/respond", methods=["GET", "POST"])
@login_required
def respond(factory_id: int, finding_id: int):
    factory = load_factory(factory_id, "public.respond")
    finding = _finding(factory, finding_id)
    response = ops.response_for(finding.id)
    form = ResponseForm()
    if not form.is_submitted():
        form.text.data = response.text if response else ""
        form.version.data = response.version if response else ""
        return _render_respond(factory, finding, response, form)

    chosen = [ops.display_name(name) for name, _stream in _uploads()]
    # Files sent ahead in chunks (the upload script) are attached like chosen ones, and kept
    # (their tokens come back in the form) when the form is shown again.
    sent, sent_files = chunked.finished(factory, current_user, request.form.getlist("upload"))
    uploads = _uploads() + sent_files
    kept = {"kept_uploads": sent, "chosen": chosen}
    if "copy_from_ip" in request.form:
        # Fill the text from the IP item; nothing is saved yet, the files must be chosen again.
        item = finding.ip_item
        ip_text = ops.text_from_ip(item) if item is not None else ""
        if item is None:
            note = _("This finding has no Improvement Plan item yet, so there is nothing to copy.")
        elif not ip_text:
            note = _("The Improvement Plan item has no actions or progress written yet.")
        else:
            form.text.data = ops.with_ip_text(form.text.data or "", ip_text)
            note = _("The actions and progress of the Improvement Plan item were copied into the text. "
                     "Check it, then save.")
        return _render_respond(factory, finding, response, form, copy_note=note, **kept)

    form_ok = form.validate()
    existing = len(response.files) if response else 0
    accepted, refused = ops.check_files(uploads)
    file_errors = [refusal_message(r) for r in refused]
    if existing + len(uploads) > ops.MAX_FILES:
        file_errors.insert(0, _too_many_message(existing, len(uploads)))
    if not form_ok or file_errors:
        form.files.errors = list(form.files.errors) + file_errors
        return _render_respond(factory, finding, response, form, 422, **kept)

    stored = []
    try:
        with unit_of_work():
            response, stored = ops.save_response(finding, current_user, form.text.data, _version(form.version.data),
                                                 accepted)
            attached = chunked.consume(sent)
    except (ops.StaleResponse, StaleDataError, IntegrityError):
        ops.discard(stored)
        theirs = ops.response_for(finding.id)
        form.version.data = theirs.version if theirs else ""  # saving again now overwrites, knowingly
        return _render_respond(factory, finding, theirs, form, 409, conflict=theirs, **kept)
    except ops.TooManyFiles:  # files added by someone else meanwhile
        form.files.errors = [_too_many_message(existing, len(uploads))]
        return _render_respond(factory, finding, ops.response_for(finding.id), form, 422,
                               **kept)
    chunked.remove_chunks(attached)
    message = _("Response saved.")
    if not htmx:
        flash(message, "success")
        return redirect(_index_url(factory, finding))
    fresh = ResponseForm(formdata=None)
    fresh.text.data, fresh.version.data = response.text, response.version
    return _render_respond(factory, finding, response, fresh, saved=message)


# --- evidence files ----------------------------------------------------------------------------


@bp.get("/files/<int:file_id>")
@login_required
def download(factory_id: int, file_id: int):
    with unit_of_work():
        # before the file leaves: a download that cannot be recorded is not sent
        factory = load_factory(factory_id, "public.view")
        evidence = _file(factory, file_id)
        response = send_evidence(evidence, "private")  # 404 if the file is gone: nothing to record
        ops.record_download(current_user, evidence)
    return response


@bp.post("/files/<int:file_id>/delete")
@login_required
def delete_file(factory_id: int, file_id: int):
    factory = load_factory(factory_id, "public.respond")
    evidence = _file(factory, file_id)
    response = evidence.response
    finding = response.finding
    name = evidence.original_name
    problem, message, status = None, None, 200
    try:
        with unit_of_work():
            stored_name = ops.delete_file(evidence)
    except ops.FileLocked:
        problem = _("This response has been verified, so its files can no longer be removed. "
                    "Ask your Enterprise Advisor if a file must go.")
        status = 409
    else:
        ops.discard([stored_name])
        message = _("“%(name)s” removed.", name=name)
    back_to_form = request.form.get("next") == "respond"
    if htmx:
        db.session.refresh(response)
        return render_template("public_issues/_files.html", factory=factory, finding=finding, response=response,
                               message=message, problem=problem, next=request.form.get("next")), status
    flash(problem or message, "error" if problem else "success")
    if back_to_form:
        return redirect(url_for("public_issues.respond", factory_id=factory.id, finding_id=finding.id))
    return redirect(_index_url(factory, finding))


# --- verification by the EA --------------------------------------------------------------------


def _after_card_action(factory, finding, message=None, problem=None, status=200):
    if htmx:
        issue = ops.PublicIssue(finding, ops.response_for(finding.id))
        return render_template("public_issues/_finding.html", factory=factory, issue=issue, message=message,
                               problem=problem, **_card_context(factory)), status
    flash(problem or message, "error" if problem else "success")
    return redirect(_index_url(factory, finding))


@bp.post("/<int:finding_id>/verify")
@login_required
def verify(factory_id: int, finding_id: int):
    factory = load_factory(factory_id, "public.verify")
    finding = _finding(factory, finding_id)
    response = ops.response_for(finding.id)
    if response is None:
        return _after_card_action(factory, finding, problem=_("There is no response to verify yet."), status=422)
    try:
        with unit_of_work():
            ops.verify(response, current_user, _version(request.form.get("version")))
    except ops.NothingToVerify:
        return _after_card_action(factory, finding, problem=_("Only a response with text can be verified."),
                                  status=422)
    except (ops.StaleResponse, StaleDataError):
        return _after_card_action(factory, finding, status=409, problem=_(
            "The factory changed this response after you opened the page. Please read it again before verifying."))
    return _after_card_action(factory, finding, message=_("Response verified."))


@bp.post("/<int:finding_id>/unverify")
@login_required
def unverify(factory_id: int, finding_id: int):
    factory = load_factory(factory_id, "public.verify")
    finding = _finding(factory, finding_id)
    response = ops.response_for(finding.id)
    if response is None:
        abort(404)
    with unit_of_work():
        ops.unverify(response, current_user)
    return _after_card_action(factory, finding, message=_("The response is marked Unverified again."))
