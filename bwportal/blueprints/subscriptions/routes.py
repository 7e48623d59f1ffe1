"""The factory's buyers: requests to subscribe, which the factory accepts or declines, and
the brands that subscribe (ROLE-4). The rules are domain.subscriptions'."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain import subscriptions as subs
from ...extensions import htmx
from ...models import Subscription, SubscriptionStatus
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_owned

bp = Blueprint("subscriptions", __name__, url_prefix="/factories/<int:factory_id>/buyers")

@bp.app_template_global()
def pending_subscription_requests(factory) -> int:
    """How many brands wait for the factory's answer (the factory's home page says so)."""
    return subs.pending_count(factory.id)


def _page(factory, *, status=200, message=None, error=None):
    template = "subscriptions/_board.html" if htmx else "subscriptions/index.html"
    return render_template(template, factory=factory, message=message, error=error,
                           pending=subs.of_factory(factory.id, SubscriptionStatus.REQUESTED),
                           active=subs.of_factory(factory.id, SubscriptionStatus.ACTIVE),
                           customer_ids={c.id for c in factory.customers}), status


@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "subscription.decide")
    return _page(factory)


@bp.post("/<int:subscription_id>/accept")
@login_required
def accept(factory_id: int, subscription_id: int):
    return _decide(factory_id, subscription_id, "accept")


@bp.post("/<int:subscription_id>/decline")
@login_required
def decline(factory_id: int, subscription_id: int):
    return _decide(factory_id, subscription_id, "decline")


def _decide(factory_id: int, subscription_id: int, verb: str):
    factory = load_factory(factory_id, "subscription.decide")
    subscription = load_owned(factory, Subscription, subscription_id)
    brand = subscription.buyer_organisation.name
    try:
        with unit_of_work():
            getattr(subs, verb)(current_user, subscription)
    except subs.SubscriptionError as refused:
        return _page(factory, status=409, error=str(refused.args[0]))
    except subs.NotAllowed:
        abort(403)
    message = _("%(brand)s now follows this factory.", brand=brand) if verb == "accept" else \
        _("The request of %(brand)s was declined.", brand=brand)
    if htmx:
        return _page(factory, message=message)
    flash(message, "success")
    return redirect(url_for("subscriptions.index", factory_id=factory.id))
