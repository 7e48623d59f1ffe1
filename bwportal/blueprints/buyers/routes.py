"""The buyer's dashboard across subscribed factories."""

from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from ...domain.dashboard import buyer_rows
from ...domain.policy import can

bp = Blueprint("buyers", __name__)


@bp.get("/dashboard")
@login_required
def dashboard():
    if not can(current_user, "buyer.dashboard"):
        abort(403)
    return render_template("buyers/dashboard.html", rows=buyer_rows(current_user))
