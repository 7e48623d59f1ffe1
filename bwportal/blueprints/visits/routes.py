"""The Advisory Visit Log (CYC-3): the EA logs each visit; the factory and others read it."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.annexes import visits as ops
from ...domain.assessments.cycles import cycles_of
from ...domain.policy import can
from ...extensions import htmx
from ...models import AdvisoryVisit
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_scoped
from .forms import VisitDetailsForm, VisitForm

bp = Blueprint("visits", __name__, url_prefix="/factories/<int:factory_id>/visits")


def _new_visit_form(factory, cycles, blank=False) -> VisitForm:
    form = VisitForm(formdata=None) if blank else VisitForm()
    form.frame(cycles, ops.programme_today(factory.programme))
    if blank:
        form.cycle_id.data = cycles[0].id if cycles else None  # the latest cycle
        form.visit_date.data = form.today
    return form


def _render(factory, cycles, form, status=200, saved=None):
    template = "visits/_log.html" if htmx else "visits/index.html"
    return render_template(template, factory=factory, cycles=cycles, form=form, saved=saved,
                           visits=ops.visits_of(factory.id)), status


@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "visits.view")
    cycles = cycles_of(factory.id)
    form = _new_visit_form(factory, cycles, blank=True) if can(current_user, "visits.edit") else None
    return _render(factory, cycles, form)


@bp.post("")
@login_required
def create(factory_id: int):
    factory = load_factory(factory_id, "visits.edit")
    cycles = cycles_of(factory.id)
    form = _new_visit_form(factory, cycles)
    if not form.validate_on_submit():
        return _render(factory, cycles, form, status=422)
    with unit_of_work():
        ops.log_visit(factory, form.chosen_cycle(), form.visit_date.data, form.description.data, current_user)
    message = _("Visit logged.")
    if not htmx:
        flash(message, "success")
        return redirect(url_for("visits.index", factory_id=factory.id))
    return _render(factory, cycles, _new_visit_form(factory, cycles, blank=True), saved=message)


@bp.route("/<int:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit_visit(factory_id: int, visit_id: int):
    factory = load_factory(factory_id, "visits.edit")
    visit = load_scoped(AdvisoryVisit, visit_id)
    if visit.factory_id != factory.id:
        abort(404)  # a visit of another factory, even one this user may see
    form = VisitDetailsForm(obj=visit)
    form.frame(cycles_of(factory.id), ops.programme_today(factory.programme), cycle=visit.cycle)
    status = 200
    if form.validate_on_submit():
        with unit_of_work():
            ops.update_visit(visit, form.visit_date.data, form.description.data)
        flash(_("Visit saved."), "success")
        return redirect(url_for("visits.index", factory_id=factory.id) + f"#visit-{visit.id}")
    if form.is_submitted():
        status = 422
    return render_template("visits/edit.html", factory=factory, visit=visit, form=form), status
