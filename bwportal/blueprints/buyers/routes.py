"""The buyer's dashboard across subscribed factories, and the factories that list the brand,
where the buyer asks to subscribe."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ...domain import subscriptions as subs
from ...domain.dashboards.buyer import BEFORE, LATEST, buyer_figures, buyer_rows
from ...domain.dashboards.digest import set_weekly_digest
from ...domain.policy import can
from ...extensions import db, htmx
from ...forms.fields import db_int
from ...web.unit_of_work import unit_of_work
from ..dashboards.charts import buyer_charts

bp = Blueprint("buyers", __name__)

PAGE_SIZE = 25


@bp.get("/dashboard")
@login_required
def dashboard():
    if not can(current_user, "buyer.dashboard"):
        abort(403)
    rows = buyer_rows(current_user)
    figures = buyer_figures(rows)
    return render_template("buyers/dashboard.html", rows=rows, figures=figures, charts=buyer_charts(figures),
                           latest=LATEST, before=BEFORE)


@bp.post("/dashboard/digest")
@login_required
def weekly_digest():
    """DASH-1: the buyer turns the weekly digest e-mail on or off (off by default)."""
    if not can(current_user, "buyer.dashboard"):
        abort(403)
    on = request.form.get("weekly_digest") == "on"
    with unit_of_work():
        set_weekly_digest(current_user, on)
    flash(_("You will receive the weekly digest by e-mail.") if on else
          _("You will not receive the weekly digest any more."), "success")
    return redirect(url_for("buyers.dashboard"))


# --- factories that list the brand -----------------------------------------------------------

def _query() -> str:
    return request.args.get("q", "").strip()[:200]


def _factories_page(*, status=200, message=None, error=None):
    query = _query()
    page = db.paginate(subs.listing_factories(current_user, query), page=request.args.get("page", 1, type=db_int),
                       per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    states = subs.subscriptions_by_factory(current_user.buyer_organisation_id, [f.id for f in page.items])
    template = "buyers/_factories.html" if htmx else "buyers/factories.html"
    return render_template(template, page=page, query=query, states=states, message=message, error=error,
                           actions_for=lambda subscription: subs.actions_for(subscription, current_user)), status


@bp.get("/buyers/factories")
@login_required
def factories():
    if not can(current_user, "subscription.request"):
        abort(403)
    return _factories_page()


# The factory is not one the buyer may see yet, so it is found among the factories that list
# the brand (``subs.listing_factory``), not through scoping.load_factory; any other is a 404.
# Hence an argument other than ``factory_id``: the tenancy sweep's rule is not this page's.
@bp.post("/buyers/factories/<int:listed_id>/subscription")
@login_required
def request_subscription(listed_id: int):
    if not can(current_user, "subscription.request"):
        abort(403)
    factory = subs.listing_factory(current_user, listed_id)
    if factory is None:
        abort(404)
    try:
        with unit_of_work():
            subs.request(current_user, factory)
    except subs.SubscriptionError as refused:
        return _factories_page(status=409, error=str(refused.args[0]))
    except IntegrityError:  # two clicks at once: the database keeps one subscription per brand and factory
        return _factories_page(status=409, error=str(subs.REFUSALS[("request", subs.REQUESTED)]))
    except subs.NotAllowed:
        abort(404)
    message = _("You asked to subscribe to %(factory)s. The factory will accept or decline.", factory=factory.name)
    if htmx:
        return _factories_page(message=message)
    flash(message, "success")
    return redirect(url_for("buyers.factories", q=_query() or None, page=request.args.get("page", type=db_int)))
