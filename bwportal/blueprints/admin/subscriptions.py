"""Buyers and subscriptions: the subscriptions of the programme's factories, which the admin
may revoke, and the buyer organisations (brands, global to every programme)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import DataRequired

from ...domain import subscriptions as subs
from ...forms.base import PortalForm
from ...forms.fields import MaxLength, db_int
from ...models import Subscription, SubscriptionStatus
from ...web.unit_of_work import unit_of_work
from ..scoping import load_scoped
from .common import bp, paginate, require_admin


def _strip(value):
    return " ".join(value.split()) if isinstance(value, str) else value


class BuyerOrganisationForm(PortalForm):
    name = StringField(_l("Name of the brand"), filters=[_strip],
                       validators=[DataRequired(_l("Please enter the brand's name.")), MaxLength(200)])


# --- subscriptions ---------------------------------------------------------------------------

def _filters() -> dict:
    """The list's filters as given: the status (a value of SubscriptionStatus, else all) and
    the search text."""
    status = request.args.get("status", "")
    return {"status": status if status in {s.value for s in SubscriptionStatus} else "",
            "q": request.args.get("q", "").strip()[:200]}


def _subscriptions_page(programme, *, status=200, error=None):
    filters = _filters()
    chosen = SubscriptionStatus(filters["status"]) if filters["status"] else None
    page = paginate(subs.of_programme(programme.id, chosen, filters["q"]))
    return render_template("admin/subscriptions.html", page=page, programme=programme, error=error,
                           statuses=list(SubscriptionStatus), **filters,
                           actions_for=lambda s: subs.actions_for(s, current_user)), status


@bp.get("/subscriptions")
@login_required
def subscriptions():
    programme = require_admin()
    return _subscriptions_page(programme)


@bp.post("/subscriptions/<int:subscription_id>/revoke")
@login_required
def revoke_subscription(subscription_id: int):
    programme = require_admin()
    subscription = load_scoped(Subscription, subscription_id)  # another programme's: 404
    label = f"{subscription.buyer_organisation.name} → {subscription.factory.name}"
    try:
        with unit_of_work():
            subs.revoke(current_user, subscription)
    except subs.SubscriptionError as refused:
        return _subscriptions_page(programme, status=409, error=str(refused.args[0]))
    except subs.NotAllowed:
        abort(404)
    flash(_("Subscription revoked: %(label)s.", label=label), "success")
    filters = {k: v for k, v in _filters().items() if v}
    return redirect(url_for("admin.subscriptions", page=request.args.get("page", type=db_int), **filters))


# --- buyer organisations ---------------------------------------------------------------------

@bp.route("/buyer-organisations", methods=["GET", "POST"])
@login_required
def buyer_organisations():
    programme = require_admin()
    form = BuyerOrganisationForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                org = subs.add_buyer_organisation(current_user, form.name.data, programme_id=programme.id)
        except (subs.DuplicateBrand, IntegrityError):  # IntegrityError: added by someone else just now
            form.name.errors.append(str(subs.DUPLICATE_BRAND))
            status = 422
        else:
            flash(_("Buyer organisation added: %(name)s.", name=org.name), "success")
            return redirect(url_for("admin.buyer_organisations"))
    elif form.is_submitted():
        status = 422
    q = request.args.get("q", "").strip()[:200]
    page = paginate(subs.buyer_organisations(q))
    return render_template("admin/buyer_organisations.html", form=form, page=page, q=q), status
