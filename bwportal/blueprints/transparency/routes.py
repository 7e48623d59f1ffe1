"""The public Transparency Portal (PUB-3): no sign-in, no JavaScript, cacheable.

These pages are outside tenancy on purpose: they show only what domain.transparency hands
out, and their ids are named ``public_id`` / ``public_file_id`` so the tenancy sweep (which
walks ``factory_id`` routes) does not take them for tenant pages.
"""

from datetime import UTC, datetime

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from ...domain.public import transparency as public
from ...forms.fields import db_int
from ..public_issues.files import send_evidence

bp = Blueprint("transparency", __name__, url_prefix="/transparency")

PUBLIC_CACHE = "public, max-age=300"


def _today():
    """Each programme's date now (a report released "today" in Phnom Penh is public there,
    whatever the server's date), read once for the page."""
    return public.local_days(datetime.now(UTC))


def _has_session() -> bool:
    config = current_app.config
    cookies = (config.get("SESSION_COOKIE_NAME", "session"), config.get("REMEMBER_COOKIE_NAME", "remember_token"))
    return any(name in request.cookies for name in cookies) or current_user.is_authenticated


def _cache_control() -> str:
    """Shared caches may keep a page only for visitors without a session: the page then holds
    nothing of theirs (the language form's token aside, see the report)."""
    return "private" if _has_session() else PUBLIC_CACHE


@bp.after_request
def _cache_headers(response):
    if response.status_code == 200:
        response.headers["Cache-Control"] = _cache_control()
        response.vary.add("Accept-Language")  # the language of an anonymous visitor
    return response


def country_name(code: str) -> str:
    locale = get_locale()
    return (locale.territories.get(code) if locale else None) or code


@bp.get("")
def index():
    today = _today()
    codes = public.countries(today)
    country = request.args.get("country", "").strip().upper()
    country = country if country in codes else ""
    q = request.args.get("q", "").strip()[:public.MAX_QUERY]
    page = request.args.get("page", 1, type=db_int)
    result = public.search(today, q, country, page)
    return render_template(
        "transparency/index.html", result=result, q=q, country=country, country_name=country_name,
        countries=sorted(((code, country_name(code)) for code in codes), key=lambda c: c[1]),
    )


@bp.get("/factories/<int:public_id>")
def factory(public_id: int):
    page = public.factory_page(public_id, _today())
    if page is None:
        abort(404)
    return render_template("transparency/factory.html", page=page, country_name=country_name)


@bp.get("/files/<int:public_file_id>")
def evidence(public_file_id: int):
    # Not in the audit trail: the file is published to everyone, served with a public cache
    # (shared caches answer most requests, so a record would be incomplete anyway), and
    # keeping anonymous visitors' addresses would collect personal data for no accountability.
    # Signed-in users' downloads of the same file from the factory's pages are recorded.
    found = public.public_file(public_file_id, _today())
    if found is None:
        abort(404)
    return send_evidence(found, _cache_control())
