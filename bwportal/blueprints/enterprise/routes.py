"""My Organization: the factory's enterprise data (ENT-1), page 1 of every PR1."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ...domain.enterprise import EDITABLE_FIELDS, StaleEdit, update_enterprise_data
from ...extensions import db, htmx
from ...models import BuyerOrganisation
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory
from .forms import EnterpriseForm

bp = Blueprint("enterprise", __name__, url_prefix="/factories/<int:factory_id>/organization")


def _customer_choices():
    return [(b.id, b.name) for b in db.session.scalars(select(BuyerOrganisation).order_by(BuyerOrganisation.name))]


@bp.get("")
@login_required
def view(factory_id: int):
    factory = load_factory(factory_id, "enterprise.view")
    return render_template("enterprise/view.html", factory=factory)


@bp.route("/edit", methods=["GET", "POST"])
@login_required
def edit(factory_id: int):
    factory = load_factory(factory_id, "enterprise.edit")
    form = EnterpriseForm(obj=factory)
    form.customers.choices = _customer_choices()
    if not form.is_submitted():
        form.customers.data = [c.id for c in factory.customers]
        form.version.data = factory.version
    conflict = None
    status = 200
    if form.validate_on_submit():
        data = {field: getattr(form, field).data for field in EDITABLE_FIELDS}
        data = {k: (v.strip() if isinstance(v, str) else v) for k, v in data.items()}
        try:
            with unit_of_work():
                update_enterprise_data(factory, current_user, data, form.customers.data, _int(form.version.data))
        except (StaleEdit, StaleDataError):
            db.session.refresh(factory)
            conflict = factory  # what the other person saved, shown beside what this user typed
            form.version.data = factory.version  # saving again now overwrites, knowingly
            status = 409
        else:
            if not htmx:
                flash(_("Organization saved."), "success")
                return redirect(url_for("enterprise.view", factory_id=factory.id))
            form.version.data = factory.version
            return render_template("enterprise/_form.html", form=form, factory=factory, saved=True)
    elif form.is_submitted():
        status = 422
    template = "enterprise/_form.html" if htmx else "enterprise/edit.html"
    return render_template(template, form=form, factory=factory, conflict=conflict), status


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # a missing or mangled version can only be stale
