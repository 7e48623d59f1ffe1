"""People of the programme: the accounts list, one person, and invitations."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...domain.people import management as people
from ...extensions import db
from ...forms.fields import db_int
from ...models import BuyerOrganisation, Invitation, Role, User
from ...web.i18n import language_choices
from ...web.unit_of_work import unit_of_work
from ..onboarding import send_invitation, set_user_active
from .common import admin_factory, bp, paginate, require_admin
from .forms import InvitationForm, UserForm


def _role(value: str | None) -> Role | None:
    try:
        return Role(value) if value else None
    except ValueError:
        return None


@bp.get("/people", endpoint="people")
@login_required
def people_list():
    programme = require_admin()
    q = request.args.get("q", "")[:200]
    role = _role(request.args.get("role"))
    active = {"active": True, "inactive": False}.get(request.args.get("status", "active"))
    page = paginate(people.search_users(programme.id, q, role, active))
    return render_template("admin/people.html", page=page, q=q, role=role, roles=list(Role),
                           status=request.args.get("status", "active"))


def _person(user_id: int) -> User:
    """A person the admin's programme manages; anyone else's id is a 404."""
    programme = require_admin()
    user = db.session.scalar(people.programme_users(programme.id).where(User.id == user_id))
    if user is None:
        abort(404)
    return user


@bp.route("/people/<int:user_id>", methods=["GET", "POST"])
@login_required
def person(user_id: int):
    user = _person(user_id)
    form = UserForm(obj=user)
    status = 200
    if form.validate_on_submit():
        with unit_of_work():
            people.update_user(current_user, user, name=form.name.data,
                               is_account_manager=form.is_account_manager.data)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.person", user_id=user.id))
    elif form.is_submitted():
        status = 422
    return render_template("admin/person.html", person=user, form=form), status


@bp.post("/people/<int:user_id>/<any(deactivate, reactivate):change>")
@login_required
def person_active(user_id: int, change: str):
    user = _person(user_id)
    set_user_active(user, change == "reactivate")
    return redirect(url_for("admin.person", user_id=user.id))


@bp.get("/invitations")
@login_required
def invitations():
    programme = require_admin()
    page = paginate(people.open_invitations(programme.id))
    return render_template("admin/invitations.html", page=page, state=people.invitation_state)


ADMIN_INVITES = (Role.EA, Role.ASSESSOR, Role.ADMIN, Role.BUYER)


@bp.route("/invitations/new", methods=["GET", "POST"])
@login_required
def new_invitation():
    programme = require_admin()
    factory_id = request.values.get("factory_id", type=db_int)
    factory = admin_factory(factory_id) if factory_id else None
    form = InvitationForm(locale=programme.default_locale)
    roles = (Role.FACTORY,) if factory is not None else ADMIN_INVITES
    form.role.choices = [(r.value, r.label) for r in roles]
    form.locale.choices = language_choices()
    # Only brands the programme serves (issue 17 item 5; the domain refuses any other).
    orgs = db.session.scalars(select(BuyerOrganisation).where(
        BuyerOrganisation.id.in_(people.brands_served(programme.id))).order_by(BuyerOrganisation.name))
    form.buyer_organisation_id.choices = [("", "—")] + [(o.id, o.name) for o in orgs]
    if factory is None:
        del form.is_account_manager
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                invitation, token = people.invite(
                    current_user, email=form.email.data, name=form.name.data, role=Role(form.role.data),
                    locale=form.locale.data, programme=programme, factory=factory,
                    buyer_organisation=db.session.get(BuyerOrganisation, form.buyer_organisation_id.data)
                    if form.buyer_organisation_id.data else None,
                    is_account_manager=bool(factory is not None and form.is_account_manager.data),
                    days=current_app.config["INVITATION_DAYS"],
                )
        except people.PeopleError as error:
            target = form[error.field] if error.field in form else form.email
            target.errors.append(error.message)
            status = 422
        else:
            send_invitation(invitation, token)
            if factory is not None:
                return redirect(url_for("admin.factory", factory_id=factory.id))
            return redirect(url_for("admin.invitations"))
    elif form.is_submitted():
        status = 422
    return render_template("admin/invitation_new.html", form=form, factory=factory), status


def _invitation(invitation_id: int) -> Invitation:
    programme = require_admin()
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.programme_id != programme.id:
        abort(404)
    return invitation


@bp.post("/invitations/<int:invitation_id>/<any(resend, revoke):change>")
@login_required
def invitation_change(invitation_id: int, change: str):
    invitation = _invitation(invitation_id)
    try:
        with unit_of_work():
            if change == "resend":
                new, token = people.reinvite(current_user, invitation, current_app.config["INVITATION_DAYS"])
            else:
                people.revoke_invitation(current_user, invitation)
    except people.PeopleError as error:
        flash(error.message, "error")
        return redirect(url_for("admin.invitations"))
    if change == "resend":
        send_invitation(new, token)
    else:
        flash(_("The invitation link no longer works."), "success")
    return redirect(url_for("admin.invitations"))
