"""Catalogues as data (DOMAIN.md), kept by a programme admin for their own programme:
clusters, compliance points (publicly reported, worker interviews), root causes, "raised by"
sources and training courses, with their wording in each language; and the programme's
wording of the progress reports' questions.

Items keep pointing at the same rows, so renaming a row renames it on live pages; submitted
reports keep the names they were submitted with (report snapshots). Retiring a row (not in
use) hides it from new choices only. Another programme's entries answer 404."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ...config import LOCALES
from ...domain.policy import can
from ...domain.programmes import catalogues
from ...domain.reports import spec as report_spec
from ...models import Cluster, CompliancePoint, RaisedBy, ReportKind, RootCause, TrainingCourse
from ...web.i18n import language_choices
from ...web.unit_of_work import unit_of_work
from .forms import CatalogueEntryForm, hidden_field_name, question_form, translation_field_name, wording_field_name

bp = Blueprint("catalogue", __name__, url_prefix="/admin/catalogue")

KINDS = {"clusters": Cluster, "points": CompliancePoint, "root-causes": RootCause, "raised-by": RaisedBy,
         "courses": TrainingCourse}
REPORT_KINDS = {kind.value: kind for kind in ReportKind}


def _programme():
    """The programme the current admin keeps; anyone else gets 403."""
    if not can(current_user, "catalogue.edit"):
        abort(403)
    return current_user.programme


def _model(kind: str):
    if kind not in KINDS:
        abort(404)
    return KINDS[kind]


def _locales():
    return [(code, name) for code, name in language_choices() if code != "en"]


@bp.get("")
@login_required
def index():
    programme = _programme()
    by_cluster: dict[int, list] = {}
    for point in catalogues.points_of(programme.id, active_only=False):
        by_cluster.setdefault(point.cluster_id, []).append(point)
    return render_template(
        "catalogue/index.html", programme=programme, points=by_cluster,
        clusters=catalogues.clusters_of(programme.id, active_only=False),
        root_causes=catalogues.root_causes_of(programme.id, active_only=False),
        raised_by=catalogues.raised_by_of(programme.id, active_only=False),
        courses=catalogues.courses_of(programme.id),
    )


@bp.route("/<kind>/new", methods=["GET", "POST"])
@login_required
def new(kind: str):
    return _edit(kind, None)


@bp.route("/<kind>/<int:entry_id>", methods=["GET", "POST"])
@login_required
def edit(kind: str, entry_id: int):
    return _edit(kind, entry_id)


def _edit(kind: str, entry_id: int | None):
    programme = _programme()
    model = _model(kind)
    entry = catalogues.entry_of(model, entry_id, programme.id) if entry_id is not None else None
    if entry_id is not None and entry is None:
        abort(404)  # unknown, or another programme's
    form = CatalogueEntryForm(obj=entry)
    if model is CompliancePoint:
        form.cluster_id.choices = [(c.id, c.label) for c in catalogues.clusters_of(programme.id, active_only=False)]
    else:
        del form.cluster_id
        del form.publicly_reported
        del form.needs_worker_interviews
    if model is not TrainingCourse:
        del form.days
    elif not form.is_submitted() and entry is None:
        form.days.data = 1
    if not form.is_submitted() and entry is not None:
        for code, _name in _locales():
            form[translation_field_name(code)].data = (entry.name_translations or {}).get(code, "")
    status = 200
    if form.validate_on_submit():
        data = {k: form[k].data for k in catalogues.FIELDS[model] if k in form}
        data["name_translations"] = {code: form[translation_field_name(code)].data or "" for code, _n in _locales()}
        try:
            with unit_of_work():
                catalogues.save_entry(current_user, programme, model, entry, data)
        except catalogues.CatalogueError as refused:
            form[refused.field].errors.append(str(refused.message))
            status = 422
        except IntegrityError:  # saved by someone else at the same moment
            form.name.errors.append(_("This name is already in the catalogue."))
            status = 422
        else:
            flash(_("Catalogue saved."), "success")
            return redirect(url_for("catalogue.index"))
    elif form.is_submitted():
        status = 422
    # The portal's own wording of the name, from Python: the template's _() would %-format the
    # admin's text ("%d" was a 500) and mark it safe.
    portal_name = _(entry.name) if entry else ""
    return render_template("catalogue/edit.html", form=form, kind=kind, entry=entry, locales=_locales(),
                           field_name=translation_field_name, portal_name=portal_name), status


# --- the report questions ---------------------------------------------------------------

@bp.get("/questions")
@login_required
def questions():
    programme = _programme()
    overrides = programme.question_overrides or {}
    kinds = []
    for kind in ReportKind:
        rows = []
        for section in report_spec.SECTIONS[kind]:
            paths = [report_spec.question_path(kind, section, q) for q in section.questions]
            rows.append((section,
                         sum(1 for p in paths if (overrides.get(p) or {}).get("hidden")),
                         sum(1 for p in paths if (overrides.get(p) or {}).get("label"))))
        kinds.append((kind, rows))
    return render_template("catalogue/questions.html", programme=programme, kinds=kinds)


@bp.route("/questions/<kind>/<section_key>", methods=["GET", "POST"])
@login_required
def question_section(kind: str, section_key: str):
    programme = _programme()
    report_kind = REPORT_KINDS.get(kind)
    if report_kind is None:
        abort(404)
    section = next((s for s in report_spec.SECTIONS[report_kind] if s.key == section_key), None)
    if section is None:
        abort(404)
    saved = catalogues.question_wording(programme, report_kind, section)
    initial = {}
    for key, entry in saved.items():
        initial[hidden_field_name(key)] = entry["hidden"]
        for code in LOCALES:
            initial[wording_field_name(key, code)] = entry["label"].get(code, "")
    form = question_form(section, initial)
    status = 200
    if form.validate_on_submit():
        wording = {q.key: {"hidden": bool(form[hidden_field_name(q.key)].data),
                           "label": {code: form[wording_field_name(q.key, code)].data or "" for code in LOCALES}}
                   for q in section.questions}
        try:
            with unit_of_work():
                changed = catalogues.save_question_wording(current_user, programme, report_kind, section, wording)
        except catalogues.QuestionError as refused:
            for name, message in refused.errors.items():
                if name in form:
                    form[name].errors.append(str(message))
            status = 422
        else:
            flash(_("Report questions saved.") if changed else _("Nothing has changed."), "success")
            return redirect(url_for("catalogue.question_section", kind=kind, section_key=section.key))
    elif form.is_submitted():
        status = 422
    return render_template("catalogue/question_section.html", programme=programme, kind=report_kind,
                           section=section, form=form, languages=language_choices(),
                           portal_wording=_portal_wording(section, programme),
                           hidden_name=hidden_field_name, wording_name=wording_field_name), status


def _portal_wording(section, programme) -> dict:
    """{(question key, locale): the portal's own wording}, shown where the programme has none."""
    wording = {}
    for code in LOCALES:
        with force_locale(code):
            for q in section.questions:
                wording[(q.key, code)] = report_spec.text(q.label, programme)
    return wording
