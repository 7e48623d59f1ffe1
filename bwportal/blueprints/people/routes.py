"""A factory's own users, kept by the factory's account manager: invite and deactivate."""

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

from ...domain.people import management as people
from ...extensions import db
from ...models import Role, User
from ...web.i18n import language_choices
from ...web.unit_of_work import unit_of_work
from ..onboarding import send_invitation, set_user_active
from ..scoping import load_factory
from .forms import FactoryInvitationForm

bp = Blueprint("people", __name__, url_prefix="/factories/<int:factory_id>/people")


def _page(factory, form, status=200):
    invitations = db.session.scalars(people.open_invitations(factory.programme_id, factory.id).limit(20))
    return render_template("people/index.html", factory=factory, form=form, users=people.factory_users(factory),
                           invitations=[i for i in invitations if people.invitation_state(i) == "valid"]), status


def _form(factory):
    form = FactoryInvitationForm(locale=factory.programme.default_locale)
    form.locale.choices = language_choices()
    return form


@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "people.manage")
    return _page(factory, _form(factory))


@bp.post("/invite")
@login_required
def invite(factory_id: int):
    factory = load_factory(factory_id, "people.manage")
    form = _form(factory)
    if not form.validate_on_submit():
        return _page(factory, form, 422)
    try:
        with unit_of_work():
            invitation, token = people.invite(
                current_user, email=form.email.data, name=form.name.data, role=Role.FACTORY, locale=form.locale.data,
                programme=factory.programme, factory=factory, is_account_manager=form.is_account_manager.data,
                days=current_app.config["INVITATION_DAYS"],
            )
    except people.PeopleError as error:
        (form[error.field] if error.field in form else form.email).errors.append(error.message)
        return _page(factory, form, 422)
    send_invitation(invitation, token)
    return redirect(url_for("people.index", factory_id=factory.id))


@bp.post("/<int:user_id>/<any(deactivate, reactivate):change>")
@login_required
def set_active(factory_id: int, user_id: int, change: str):
    factory = load_factory(factory_id, "people.manage")
    user = db.session.get(User, user_id)
    if user is None or user.factory_id != factory.id:
        abort(404)
    set_user_active(user, change == "reactivate")
    return redirect(url_for("people.index", factory_id=factory.id))
