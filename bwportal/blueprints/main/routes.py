"""The home page: what the signed-in user can reach."""

from flask import Blueprint, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ...domain.policy import can
from ...domain.reports.deadlines import due_summary
from ...domain.tenancy import visible_factories
from ...domain.time import today_in
from ...extensions import db
from ...models import Factory

bp = Blueprint("main", __name__)

PAGE_SIZE = 50


@bp.get("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return redirect(url_for("auth.sign_in"))


@bp.get("/home")
@login_required
def home():
    if can(current_user, "buyer.dashboard"):
        return redirect(url_for("buyers.dashboard"))
    if current_user.factory_id is not None:
        factory = current_user.factory
        summary = due_summary(factory, today_in(factory.programme.timezone))
        return render_template("main/factory_home.html", factory=factory, summary=summary)
    query = request.args.get("q", "").strip()[:200]
    stmt = visible_factories(current_user)
    if query:
        stmt = stmt.where(Factory.name.icontains(query, autoescape=True))
    page = db.paginate(stmt, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, error_out=False)
    return render_template("main/home.html", page=page, query=query)
