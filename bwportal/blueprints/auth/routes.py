"""Sign in, sign out, and the language picker."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain import people
from ...domain.accounts import authenticate
from ...extensions import db
from ...i18n import language_choices
from .forms import AcceptInvitationForm, LanguageForm, SignInForm

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
    form = SignInForm(next=request.args.get("next", ""), email=request.args.get("email", "")[:254])
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


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    """Accept an invitation: choose a name, language and password; then sign in."""
    found = people.find_invitation(token)
    state = people.invitation_state(found)
    supported = current_app.config["LOCALES"]
    if found is not None:
        # The invitation's language, or the one just chosen in the form, frames the page.
        chosen = request.form.get("locale")
        g.page_locale = chosen if chosen in supported else found.locale
    if state != "valid":
        return render_template("auth/invitation_invalid.html", state=state), 410 if found else 404
    form = AcceptInvitationForm(name=found.name, locale=g.page_locale)
    form.locale.choices = language_choices()
    status = 200
    if form.validate_on_submit():
        try:
            user = people.accept(found, name=form.name.data, password=form.password.data, locale=form.locale.data)
        except people.PeopleError as error:
            db.session.rollback()
            if error.field == "password":
                form.password.errors.append(error.message)
            else:
                return render_template("auth/invitation_invalid.html", state="used"), 410
            status = 422
        else:
            db.session.commit()
            if current_user.is_authenticated:  # someone else was signed in on this browser
                logout_user()
            session.clear()
            session["locale"] = user.locale
            flash(_("Your account is ready. Sign in with your new password."), "success")
            return redirect(url_for("auth.sign_in", email=user.email))
    elif form.is_submitted():
        status = 422
    return render_template("auth/invitation.html", form=form, invitation=found, token=token,
                           password_min=people.PASSWORD_MIN), status
