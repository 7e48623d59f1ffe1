"""Sign in, sign out, and the language picker."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.accounts import authenticate
from ...extensions import db
from ...i18n import language_choices
from .forms import LanguageForm, SignInForm

bp = Blueprint("auth", __name__)


def safe_next(target: str | None, default: str) -> str:
    """Only same-site paths, so a crafted link cannot send a user elsewhere after sign-in."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            if user.locale is None and session.get("locale"):
                user.locale = session["locale"]  # keep the language chosen before signing in
            db.session.commit()
            session.clear()  # no session fixation across the sign-in
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
        db.session.commit()
        form.password.errors.append(_("The e-mail address or password is not right."))
        return render_template("auth/sign_in.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.sign_in"))


@bp.route("/language", methods=["GET", "POST"])
def choose_language():
    """POST (signed in): saved on the account too. GET (anonymous): only this browser's session."""
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(url_for("main.home"))
    if request.method == "POST":
        form = LanguageForm()
    else:
        form = LanguageForm(formdata=request.args, meta={"csrf": False})
    form.locale.choices = language_choices()
    target = safe_next(form.next.data or request.referrer and urlsplit(request.referrer).path, "/")
    if form.validate() if request.method == "GET" else form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    elif form.locale.data not in current_app.config["LOCALES"]:
        flash(_("That language is not available."), "error")
    return redirect(target)
