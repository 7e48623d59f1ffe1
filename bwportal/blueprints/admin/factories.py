"""The programme's factories and their Enterprise Advisors."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.people.management import factory_users, open_invitations
from ...domain.programmes import factories as fa
from ...extensions import db
from ...forms.fields import db_int
from ...models import EAAssignment, User
from ...web.unit_of_work import unit_of_work
from .common import admin_factory, bp, paginate, require_admin
from .forms import AdvisorForm, FactoryForm

STATUSES = ("active", "inactive", "all")


def _ea_choices(programme_id: int):
    return [("", _("Choose…"))] + [(ea.id, f"{ea.name} ({ea.email})") for ea in fa.advisors(programme_id)]


def _user(user_id):
    return db.session.get(User, user_id) if user_id else None


@bp.get("/factories")
@login_required
def factories():
    programme = require_admin()
    q = request.args.get("q", "")[:200]
    status = request.args.get("status", "active")
    status = status if status in STATUSES else "active"
    ea_id = request.args.get("ea", type=db_int)
    page = paginate(fa.search_factories(programme.id, q, status, ea_id))
    return render_template("admin/factories.html", page=page, q=q, status=status, ea_id=ea_id,
                           advisors=fa.advisors(programme.id), leads=fa.lead_advisors(f.id for f in page.items))


@bp.route("/factories/new", methods=["GET", "POST"])
@login_required
def new_factory():
    programme = require_admin()
    form = FactoryForm()
    form.lead_ea_id.choices = _ea_choices(programme.id)
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                factory = fa.create_factory(current_user, programme, form.data, _user(form.lead_ea_id.data))
        except fa.AdminError as error:
            form.lead_ea_id.errors.append(error.message)
            status = 422
        else:
            flash(_("Factory created. Invite its users next."), "success")
            return redirect(url_for("admin.factory", factory_id=factory.id))
    elif form.is_submitted():
        status = 422
    return render_template("admin/factory_new.html", form=form), status


def _factory_page(factory, form=None, advisor_form=None, status=200):
    form = form or FactoryForm(obj=factory, formdata=None)
    del form.lead_ea_id
    advisor_form = advisor_form or AdvisorForm(formdata=None)
    advisor_form.ea_id.choices = _ea_choices(factory.programme_id)
    invitations = db.session.scalars(open_invitations(factory.programme_id, factory.id).limit(20))
    return render_template(
        "admin/factory.html", factory=factory, form=form, advisor_form=advisor_form,
        current=fa.current_assignments(factory), history=fa.assignment_history(factory),
        users=factory_users(factory), invitations=list(invitations),
    ), status


@bp.get("/factories/<int:factory_id>")
@login_required
def factory(factory_id: int):
    return _factory_page(admin_factory(factory_id))


@bp.post("/factories/<int:factory_id>")
@login_required
def edit_factory(factory_id: int):
    factory = admin_factory(factory_id)
    form = FactoryForm()
    del form.lead_ea_id
    if not form.validate_on_submit():
        return _factory_page(factory, form=form, status=422)
    with unit_of_work():
        fa.update_factory(current_user, factory, form.data)
    flash(_("Factory saved."), "success")
    return redirect(url_for("admin.factory", factory_id=factory.id))


@bp.post("/factories/<int:factory_id>/<any(deactivate, reactivate):change>")
@login_required
def factory_active(factory_id: int, change: str):
    factory = admin_factory(factory_id)
    try:
        with unit_of_work():
            fa.set_factory_active(current_user, factory, change == "reactivate")
    except fa.AdminError as error:
        flash(error.message, "error")
    else:
        flash(_("The factory is active again.") if factory.active else
              _("The factory is deactivated: nobody but the programme's admins sees it now."), "success")
    return redirect(url_for("admin.factory", factory_id=factory.id))


@bp.post("/factories/<int:factory_id>/advisors/<any(lead, support):kind>")
@login_required
def assign(factory_id: int, kind: str):
    factory = admin_factory(factory_id)
    advisor_form = AdvisorForm()
    advisor_form.ea_id.choices = _ea_choices(factory.programme_id)
    if not advisor_form.validate_on_submit():
        return _factory_page(factory, advisor_form=advisor_form, status=422)
    operation = fa.assign_lead if kind == "lead" else fa.add_supporting
    try:
        with unit_of_work():
            operation(current_user, factory, _user(advisor_form.ea_id.data))
    except fa.AdminError as error:
        advisor_form.ea_id.errors.append(error.message)
        return _factory_page(factory, advisor_form=advisor_form, status=422)
    flash(_("Advisors saved. The factory is now in their inbox."), "success")
    return redirect(url_for("admin.factory", factory_id=factory.id))


@bp.post("/factories/<int:factory_id>/advisors/<int:assignment_id>/end")
@login_required
def end_assignment(factory_id: int, assignment_id: int):
    factory = admin_factory(factory_id)
    assignment = db.session.get(EAAssignment, assignment_id)
    if assignment is None or assignment.factory_id != factory.id:
        abort(404)
    try:
        with unit_of_work():
            fa.end_assignment(current_user, assignment)
    except fa.AdminError as error:
        flash(error.message, "error")
    else:
        flash(_("The advisor no longer supports this factory."), "success")
    return redirect(url_for("admin.factory", factory_id=factory.id))
