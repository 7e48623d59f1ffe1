"""Sign in, sign out, the language picker, forgotten passwords and the user's own account."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.notices import notify
from ...domain.people import api_tokens, passwords
from ...domain.people import management as people
from ...domain.people.accounts import authenticate
from ...domain.people.accounts import sign_out as end_this_session
from ...web.i18n import language_choices
from ...web.throttle import password_reset_limits, sign_in_limits
from ...web.unit_of_work import unit_of_work
from .forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LanguageForm,
    ResetPasswordForm,
    SignInForm,
)

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
@sign_in_limits
def sign_in():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignInForm(next=request.args.get("next", ""), email=request.args.get("email", "")[:254])
    if form.validate_on_submit():
        with unit_of_work():  # a refused sign-in is recorded too
            user = authenticate(form.email.data, form.password.data)
            if user is not None and user.locale is None and session.get("locale"):
                user.locale = session["locale"]  # keep the language chosen before signing in
        if user is not None:
            session.clear()  # no session fixation across the sign-in
            login_user(user)
            return redirect(safe_next(form.next.data, url_for("main.home")))
        form.password.errors.append(_("The e-mail address or password is not right."))
        return render_template("auth/sign_in.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("auth/sign_in.html", form=form), status


@bp.post("/sign-out")
@login_required
def sign_out():
    with unit_of_work():
        locale = session.get("locale")
        end_this_session(current_user)
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out."), "info")
    return _clearing_site_data(redirect(url_for("auth.sign_in")))


def _clearing_site_data(response):
    """Drafts kept in this browser (localStorage) and cached pages go with the session: a
    shared factory PC keeps nothing of the last person. app.js clears the drafts itself where
    the browser ignores the header."""
    response.headers["Clear-Site-Data"] = '"cache", "storage"'
    return response


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
            with unit_of_work():
                current_user.locale = form.locale.data
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
            with unit_of_work():
                user = people.accept(found, name=form.name.data, password=form.password.data, locale=form.locale.data)
        except people.PeopleError as error:
            if error.field == "password":
                form.password.errors.append(error.message)
            else:
                return render_template("auth/invitation_invalid.html", state="used"), 410
            status = 422
        else:
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


# --- throttling --------------------------------------------------------------------------

@bp.errorhandler(429)
def too_many_attempts(error):
    """The same answer whether or not the account exists; the typed e-mail stays in the form."""
    email = request.form.get("email", "").strip()[:254]
    if request.endpoint == "auth.forgot_password":
        form = ForgotPasswordForm(formdata=None, email=email)
        refused = _("Too many requests for a new password. Wait a few minutes and try again.")
        page = render_template("auth/forgot_password.html", form=form, refused=refused)
    else:
        form = SignInForm(formdata=None, email=email, next=request.form.get("next", ""))
        refused = _("Too many sign-in attempts. Wait a few minutes and try again.")
        page = render_template("auth/sign_in.html", form=form, refused=refused)
    return page, 429, {"Retry-After": "60"}


# --- forgotten password ------------------------------------------------------------------

def _reset_url(token: str) -> str:
    return current_app.config["PUBLIC_URL"].rstrip("/") + url_for("auth.reset_password", token=token)


@bp.route("/password/forgot", methods=["GET", "POST"])
@password_reset_limits
def forgot_password():
    form = ForgotPasswordForm(email=request.args.get("email", "")[:254])
    if form.validate_on_submit():
        hours = current_app.config["PASSWORD_RESET_HOURS"]
        with unit_of_work():
            issued = passwords.request_reset(form.email.data, hours=hours)
            if issued is not None:  # the e-mail goes through the outbox: no SMTP in this request
                reset, token = issued
                notify.password_reset_link(reset, _reset_url(token), hours)
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new password. "
                "Check your e-mail.", email=form.email.data.strip()), "info")
        return redirect(url_for("auth.sign_in"))
    return render_template("auth/forgot_password.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password through the e-mailed link. A GET changes nothing (mail scanners
    open links); only the form's POST uses the link."""
    reset = passwords.find_reset(token)
    state = passwords.reset_state(reset)
    if reset is not None:
        g.page_locale = reset.user.locale
    if state != "valid":
        return render_template("auth/reset_invalid.html", state=state), 410 if reset else 404
    form = ResetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = passwords.complete_reset(reset, form.password.data)
        except people.PeopleError as error:
            if error.field != "password":
                return render_template("auth/reset_invalid.html", state="used"), 410
            form.password.errors.append(error.message)
            status = 422
        else:
            locale = session.get("locale")
            if current_user.is_authenticated:
                logout_user()
            session.clear()
            if locale:
                session["locale"] = locale
            flash(_("Your new password is saved, and you were signed out everywhere. Sign in with it now."),
                  "success")
            return redirect(url_for("auth.sign_in", email=user.email))
    elif form.is_submitted():
        status = 422
    return render_template("auth/reset_password.html", form=form, token=token, user=reset.user,
                           password_min=people.PASSWORD_MIN), status


# --- the user's own account --------------------------------------------------------------

def _token_form(formdata=None) -> ApiTokenForm:
    form = ApiTokenForm(formdata=formdata, days=api_tokens.DEFAULT_LIFETIME)
    form.days.choices = [(days, ngettext("%(num)d day", "%(num)d days", days)) for days in api_tokens.LIFETIMES]
    return form


def _account_page(password_form=None, status=200, token_form=None, new_token=None):
    response = make_response(render_template(
        "auth/account.html", password_form=password_form or ChangePasswordForm(formdata=None),
        password_min=people.PASSWORD_MIN, token_form=token_form or _token_form(), new_token=new_token,
        tokens=api_tokens.tokens_of(current_user), token_state=api_tokens.state), status)
    if new_token is not None:
        response.headers["Cache-Control"] = "no-store"  # the secret is shown once, and kept by no cache
    return response


@bp.get("/account")
@login_required
def account():
    return _account_page()


@bp.post("/account/password")
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.validate_on_submit():
        return _account_page(form, 422)
    try:
        with unit_of_work():
            passwords.change_password(current_user, current=form.current.data, new=form.password.data)
    except people.PeopleError as error:
        (form.current if error.field == "current" else form.password).errors.append(error.message)
        return _account_page(form, 422)
    login_user(current_user._get_current_object())  # this session carries the new version; others end
    flash(_("Your new password is saved. You were signed out on every other device."), "success")
    return redirect(url_for("auth.account"))


@bp.post("/account/tokens")
@login_required
def create_token():
    """A new API token, shown on the page this once (never stored: only its hash is)."""
    form = _token_form(request.form)
    if not form.validate_on_submit():
        return _account_page(status=422, token_form=form)
    try:
        with unit_of_work():
            _token, secret = api_tokens.create(current_user, form.name.data, form.days.data)
    except api_tokens.TokenError as error:
        form.name.errors.append(error.message)
        return _account_page(status=422, token_form=form)
    return _account_page(status=201, new_token=secret)  # Created: the page shows it, once


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = api_tokens.own_token(current_user, token_id)
    if token is None:
        abort(404)  # another account's token: not yours to know of
    with unit_of_work():
        api_tokens.revoke(current_user, token)
    flash(_("The token was revoked: programs that use it can no longer read anything."), "success")
    return redirect(url_for("auth.account", _anchor="api-tokens"))


@bp.post("/account/sign-out-everywhere")
@login_required
def sign_out_everywhere():
    with unit_of_work():
        passwords.sign_out_everywhere(current_user)
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have signed out on every device and browser."), "info")
    return _clearing_site_data(redirect(url_for("auth.sign_in")))
