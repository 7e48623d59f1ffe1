"""Assessment reports (CYC-1, CYC-2): a factory's cycles, each with its findings.

Everyone who may see the factory's assessments reads them; assessors and programme admins
record cycles and findings, one by one or imported from a CSV or XLSX file.
"""

import csv
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.exc import IntegrityError

from ...domain.assessments import cycles as ops
from ...domain.assessments import findings_import as imports
from ...domain.assessments import import_jobs
from ...domain.ip import assessor_comments
from ...domain.policy import can
from ...extensions import htmx
from ...models import Cycle, FindingsImport, Role
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_owned, load_scoped
from .forms import (
    AssessmentForm,
    ConfirmImportForm,
    CycleForm,
    FindingForm,
    ImportForm,
    ReleaseDateForm,
    StartCycleForm,
)

bp = Blueprint("assessments", __name__, url_prefix="/factories/<int:factory_id>/cycles")
bp.add_app_template_global(assessor_comments.comment_status, "lead_comment_status")

IMPORT_SALT = "findings-import"


def _load_cycle(factory_id: int, cycle_id: int, action: str):
    factory = load_factory(factory_id, action)
    cycle = load_scoped(Cycle, cycle_id)
    if cycle.factory_id != factory.id or not ops.readable_by(current_user, cycle):
        abort(404)  # a cycle of another factory, even one this user may see; a buyer's cycle not covered
    return factory, cycle


# --- the list of cycles ------------------------------------------------------------------


def _cycle_form(factory, blank=False) -> StartCycleForm:
    """The form as posted, or ``blank`` (with the next number) to start another cycle.
    Assessors and admins may record the assessment with it; an EA only starts a cycle."""
    kind = CycleForm if can(current_user, "assessments.edit") else StartCycleForm
    form = kind(formdata=None) if blank else kind()
    if kind is CycleForm:
        form.set_assessors(ops.programme_assessors(factory.programme_id))
    if blank:
        form.number.data = ops.next_cycle_number(factory.id)
    return form


def _render_cycles(factory, form, status=200, saved=None):
    template = "assessments/_cycles.html" if htmx else "assessments/index.html"
    return render_template(template, factory=factory, form=form, saved=saved,
                           summaries=ops.cycle_summaries(factory.id, current_user)), status


@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "assessments.view")
    form = _cycle_form(factory, blank=True) if can(current_user, "cycles.start") else None
    return _render_cycles(factory, form)


@bp.post("")
@login_required
def create_cycle(factory_id: int):
    factory = load_factory(factory_id, "cycles.start")
    form = _cycle_form(factory)
    if form.validate_on_submit() and _number_free(factory, form):
        try:
            with unit_of_work():
                cycle = ops.record_cycle(factory, form.number.data, form.start_date.data, **form.assessment)
        except (ops.CycleNumberTaken, IntegrityError):
            form.number.errors.append(_taken(form.number.data))
        except ops.CycleDatesRefused as refused:
            form.start_date.errors.append(str(refused.args[0]))
        except assessor_comments.ReleaseRefused as refused:
            form.report_release_date.errors.append(_release_refusal(refused))
        else:
            message = _("Cycle %(number)d recorded.", number=cycle.number)
            if not htmx:
                flash(message, "success")
                return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id))
            return _render_cycles(factory, _cycle_form(factory, blank=True), saved=message)
    return _render_cycles(factory, form, status=422)


def _taken(number: int) -> str:
    return _("This factory already has a cycle %(number)d. Please choose another number.", number=number)


def _number_free(factory, form) -> bool:
    if ops.cycle_number_taken(factory.id, form.number.data):
        form.number.errors.append(_taken(form.number.data))
        return False
    return True


# --- one cycle: its assessment report ----------------------------------------------------


def _finding_form(factory, blank=False) -> FindingForm:
    form = FindingForm(formdata=None) if blank else FindingForm()
    form.set_catalogue(ops.active_catalogue(factory.programme_id))
    return form


def _release_form(cycle) -> ReleaseDateForm:
    return ReleaseDateForm(cycle, formdata=None, obj=cycle)


def _assessment_form(factory, cycle, formdata=True) -> AssessmentForm:
    form = AssessmentForm(formdata=None, obj=cycle) if formdata is None else AssessmentForm()
    form.set_assessors(ops.programme_assessors(factory.programme_id))
    if formdata is None and form.lead_assessor_id.data is None and current_user.role is Role.ASSESSOR:
        form.lead_assessor_id.data = current_user.id  # most often who records it led it
    return form


def _release_refusal(refused) -> str:
    """002 §3.4.1: why the report is not released, with the items still without a comment."""
    return " ".join([str(refused.message), "; ".join(
        f"#{item.id} {item.area_of_improvement[:80]}" for item in refused.items)])


def _page(factory, cycle, finding_form=None, release_form=None, assessment_form=None, status=200):
    if can(current_user, "assessments.edit"):
        finding_form = finding_form or _finding_form(factory, blank=True)
        assessment_form = assessment_form or _assessment_form(factory, cycle, formdata=None)
        if cycle.assessment_date is not None:  # a report is released after its assessment
            release_form = release_form or _release_form(cycle)
    return render_template(
        "assessments/cycle.html", factory=factory, cycle=cycle, findings=ops.findings_of(cycle),
        finding_form=finding_form, release_form=release_form, assessment_form=assessment_form,
    ), status


@bp.get("/<int:cycle_id>")
@login_required
def cycle(factory_id: int, cycle_id: int):
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.view")
    return _page(factory, cycle)


@bp.post("/<int:cycle_id>/assessment")
@login_required
def record_assessment(factory_id: int, cycle_id: int):
    """CYC-1: the assessment of a cycle started earlier, once it took place."""
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    form = _assessment_form(factory, cycle)
    problem = None
    if form.validate_on_submit():
        try:
            with unit_of_work():
                ops.record_assessment(cycle, form.assessment_date.data, form.lead_assessor_id.data)
        except ops.LeadAssessorMissing as refused:
            form.lead_assessor_id.errors = [*form.lead_assessor_id.errors, str(refused.args[0])]
        except ops.CycleDatesRefused as refused:
            problem = str(refused.args[0])
        else:
            message = _("Assessment recorded.")
            if not htmx:
                flash(message, "success")
                return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id))
            return render_template("assessments/_report_facts.html", factory=factory, cycle=cycle, saved=message,
                                   assessment_form=_assessment_form(factory, cycle, formdata=None),
                                   release_form=_release_form(cycle))
    if problem:
        form.assessment_date.errors = [*form.assessment_date.errors, problem]
    if htmx:
        return render_template("assessments/_report_facts.html", factory=factory, cycle=cycle,
                               assessment_form=form, release_form=_release_form(cycle)
                               if cycle.assessment_date is not None else None), 422
    return _page(factory, cycle, assessment_form=form, status=422)


@bp.post("/<int:cycle_id>/findings")
@login_required
def add_finding(factory_id: int, cycle_id: int):
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    form = _finding_form(factory)
    if not form.validate_on_submit():
        if htmx:
            return render_template("assessments/_findings.html", factory=factory, cycle=cycle,
                                   findings=ops.findings_of(cycle), finding_form=form), 422
        return _page(factory, cycle, finding_form=form, status=422)
    with unit_of_work():
        ops.add_finding(cycle, form.point, form.text.data, form.publicly_reported.data)
    message = _("Finding added.")
    if not htmx:
        flash(message, "success")
        return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id) + "#findings")
    fresh = _finding_form(factory, blank=True)
    fresh.cluster_id.data = form.cluster_id.data  # the next finding is often in the same cluster
    return render_template("assessments/_findings.html", factory=factory, cycle=cycle,
                           findings=ops.findings_of(cycle), finding_form=fresh, saved=message)


@bp.post("/<int:cycle_id>/release-date")
@login_required
def set_release_date(factory_id: int, cycle_id: int):
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    form = ReleaseDateForm(cycle)
    if not form.validate_on_submit():
        if htmx:
            return render_template("assessments/_report_facts.html", factory=factory, cycle=cycle,
                                   release_form=form, assessment_form=_assessment_form(factory, cycle, None)), 422
        return _page(factory, cycle, release_form=form, status=422)
    try:
        with unit_of_work():
            ops.set_release_date(cycle, form.report_release_date.data)
    except assessor_comments.ReleaseRefused as refused:
        form.report_release_date.errors = [*form.report_release_date.errors, _release_refusal(refused)]
        if htmx:
            return render_template("assessments/_report_facts.html", factory=factory, cycle=cycle,
                                   release_form=form, assessment_form=_assessment_form(factory, cycle, None)), 422
        return _page(factory, cycle, release_form=form, status=422)
    message = _("Release date saved.")
    if not htmx:
        flash(message, "success")
        return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id))
    return render_template("assessments/_report_facts.html", factory=factory, cycle=cycle,
                           release_form=_release_form(cycle), assessment_form=_assessment_form(factory, cycle, None),
                           saved=message)


# --- importing findings from a file ------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=IMPORT_SALT)


def _import_page(factory, cycle, status=200, **context):
    context.setdefault("form", ImportForm(formdata=None))
    return render_template("assessments/import.html", factory=factory, cycle=cycle,
                           max_rows=imports.MAX_ROWS, **context), status


@bp.route("/<int:cycle_id>/import", methods=["GET", "POST"])
@login_required
def import_findings(factory_id: int, cycle_id: int):
    """Step 1: upload a file and see every row as it will be saved. Nothing is written."""
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    form = ImportForm()
    if not form.is_submitted():
        return _import_page(factory, cycle)
    if not form.validate():
        return _import_page(factory, cycle, 422, form=form)
    upload = form.file.data
    data = upload.stream.read(imports.MAX_BYTES + 1)
    if _read_by_a_worker(data):
        with unit_of_work():
            job = import_jobs.request_import(cycle, current_user, str(get_locale()), data, upload.filename or "")
        return redirect(url_for("assessments.import_status", factory_id=factory.id, cycle_id=cycle.id,
                                import_id=job.id), 303)
    result = imports.parse_findings(data, upload.filename or "", imports.load_catalogue(factory.programme_id))
    if not result.ok:
        return _import_page(factory, cycle, 422, form=form, result=result, filename=upload.filename)
    existing = ops.finding_count(cycle)
    payload = _serializer().dumps(
        {"cycle": cycle.id, "existing": existing, "rows": imports.to_payload(result)}
    )
    confirm = ConfirmImportForm(formdata=None, payload=payload)
    return _import_page(factory, cycle, result=result, filename=upload.filename, confirm=confirm,
                        existing=existing)


def _read_by_a_worker(data: bytes) -> bool:
    """Whether reading the file is more than a moment's work (issue 17 item 9): then a worker
    reads it. A file refused at once (too big, empty, a workbook that unpacks too far) is not."""
    limit = current_app.config.get("FINDINGS_IMPORT_INLINE_BYTES")
    limit = imports.INLINE_WORK if limit is None else limit
    return 0 < len(data) <= imports.MAX_BYTES and limit < imports.work_of(data) <= imports.MAX_UNPACKED


@bp.post("/<int:cycle_id>/import/confirm")
@login_required
def confirm_import(factory_id: int, cycle_id: int):
    """Step 2: save the rows the preview showed, checked again, all in one transaction."""
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    form = ConfirmImportForm()
    if not form.validate_on_submit():  # only the CSRF token can fail here
        return _import_page(factory, cycle, 400, problem=_("The form has expired. Please upload the file again."))
    try:
        data = _serializer().loads(form.payload.data or "")
        if not isinstance(data, dict) or data.get("cycle") != cycle.id:
            raise imports.BadPayload()
        result = imports.rows_from_payload(data.get("rows"), imports.load_catalogue(factory.programme_id))
    except (BadSignature, imports.BadPayload):
        return _import_page(factory, cycle, 400, problem=_(
            "The findings sent back could not be verified, so nothing was saved. Please upload the file again."
        ))
    if not result.ok:  # the catalogue changed since the preview
        return _import_page(factory, cycle, 422, result=result)
    try:
        with unit_of_work():
            imports.save_findings(cycle, result.rows, expected_count=data.get("existing"))
    except imports.FindingsChanged:
        return _import_page(factory, cycle, 409, problem=_(
            "The findings of this report have changed since the preview, so nothing was saved. "
            "Please check the report and upload the file again if findings are missing."
        ))
    count = len(result.rows)
    flash(ngettext("%(num)d finding imported.", "%(num)d findings imported.", count), "success")
    return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id) + "#findings")


def _load_import(factory_id: int, cycle_id: int, import_id: int):
    """Those who may import for the factory see its imports; another report's is a 404."""
    factory, cycle = _load_cycle(factory_id, cycle_id, "assessments.edit")
    job = load_owned(factory, FindingsImport, import_id)
    if job.cycle_id != cycle.id:
        abort(404)
    return factory, cycle, job


def _import_status(factory, cycle, job, status=200, **context):
    state = import_jobs.state(job)
    context.setdefault("result", import_jobs.result_of(job) if state in ("ready", "refused") else None)
    template = "assessments/_import_status.html" if htmx else "assessments/import_status.html"
    return render_template(template, factory=factory, cycle=cycle, job=job, state=state, **context), status


@bp.get("/<int:cycle_id>/import/<int:import_id>")
@login_required
def import_status(factory_id: int, cycle_id: int, import_id: int):
    """A file read by a worker: waiting, being read, its preview or its errors, imported."""
    factory, cycle, job = _load_import(factory_id, cycle_id, import_id)
    return _import_status(factory, cycle, job)


@bp.post("/<int:cycle_id>/import/<int:import_id>/confirm")
@login_required
def confirm_read_import(factory_id: int, cycle_id: int, import_id: int):
    """Save the rows of a file a worker read, checked again, once."""
    factory, cycle, job = _load_import(factory_id, cycle_id, import_id)
    status_url = url_for("assessments.import_status", factory_id=factory.id, cycle_id=cycle.id, import_id=job.id)
    try:
        with unit_of_work():
            count = import_jobs.save(job, cycle)
    except import_jobs.AlreadyImported:
        return redirect(status_url, 303)  # a second click: the page says what the first one saved
    except import_jobs.NotReady:
        return _import_status(factory, cycle, job, 409)
    except import_jobs.CatalogueChanged as changed:
        return _import_status(factory, cycle, job, 422, result=changed.result)
    except imports.FindingsChanged:
        return _import_status(factory, cycle, job, 409, problem=_(
            "The findings of this report have changed since the preview, so nothing was saved. "
            "Please check the report and upload the file again if findings are missing."
        ))
    flash(ngettext("%(num)d finding imported.", "%(num)d findings imported.", count), "success")
    return redirect(url_for("assessments.cycle", factory_id=factory.id, cycle_id=cycle.id) + "#findings")


@bp.get("/import-template.csv")
@login_required
def import_template(factory_id: int):
    """A CSV with the header row and one example row, to fill in with a spreadsheet program."""
    factory = load_factory(factory_id, "assessments.edit")
    example = ops.example_point(factory.programme_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(imports.COLUMNS)  # the column names are English in every language
    if example is not None:
        writer.writerow([example.cluster.label, example.label,
                         _("Example: overtime hours are paid at the normal rate."), "yes"])
    return Response("\ufeff" + out.getvalue(), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=findings-template.csv"})
