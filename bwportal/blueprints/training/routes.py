"""Training (TRN-1): credits, recommended sessions and the tabs Available, Registered,
Completed, Cancelled. The factory reads and asks to register; the EA keeps the rest."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from ...domain.annexes import training as ops
from ...domain.policy import can
from ...domain.time import factory_today
from ...extensions import db, htmx
from ...models import Enrolment, EnrolmentStatus, TrainingSession
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_owned
from .forms import CreditsForm, RegistrationForm, SessionForm

bp = Blueprint("training", __name__, url_prefix="/factories/<int:factory_id>/training")

TABS = ("available", "registered", "completed", "cancelled")
TAB_LABELS = {"available": _l("Available"), "registered": _l("Registered"), "completed": _l("Completed"),
              "cancelled": _l("Cancelled")}
ACTION_LABELS = {"request": _l("Request registration"), "recommend": _l("Recommend"),
                 "register": _l("Register"), "confirm": _l("Confirm registration"),
                 "decline": _l("Decline"), "complete": _l("Mark completed"), "cancel": _l("Cancel")}
DONE_MESSAGES = {
    "request": _l("Registration requested. Your Enterprise Advisor will confirm it."),
    "recommend": _l("Session recommended to the factory."),
    "register": _l("The factory is registered for the session."),
    "confirm": _l("Registration confirmed."),
    "decline": _l("Registration request declined."),
    "complete": _l("Marked as completed."),
    "cancel": _l("Enrolment cancelled."),
}
# The same action reads differently on a recommendation.
RECOMMENDATION_LABELS = {"confirm": _l("Register"), "cancel": _l("Withdraw recommendation")}


def action_label(action: str, enrolment) -> str:
    if enrolment is not None and enrolment.status is EnrolmentStatus.RECOMMENDED and action in RECOMMENDATION_LABELS:
        return str(RECOMMENDATION_LABELS[action])
    return str(ACTION_LABELS[action])


# --- loading -------------------------------------------------------------------------

def _session(factory, session_id: int) -> TrainingSession:
    """A session of the factory's programme (sessions belong to a programme, not a factory)."""
    session = db.session.get(TrainingSession, session_id)
    if session is None or session.programme_id != factory.programme_id:
        abort(404)
    return session


def _enrolment(factory, enrolment_id: int) -> Enrolment:
    return load_owned(factory, Enrolment, enrolment_id)


_today = factory_today


def _tab(value) -> str:
    return value if value in TABS else TABS[0]


# --- rendering -----------------------------------------------------------------------

def _render(factory, *, tab=None, status=200, message=None, error=None, form=None, form_for=None,
            credits_form=None):
    """The page, or only its board for HTMX. ``form``/``form_for``: a registration form with
    its errors and the session it belongs to."""
    tab = _tab(tab or request.values.get("tab"))
    if credits_form is None and can(current_user, "training.edit"):
        credits_form = CreditsForm(formdata=None)
    board = ops.board(factory, _today(factory))
    if credits_form is not None and board.credits and credits_form.credit_days.data is None:
        credits_form.credit_days.data = board.credits.credit_days
    template = "training/_board.html" if htmx else "training/index.html"
    return render_template(
        template, factory=factory, board=board, tab=tab, tabs=TABS, tab_labels=TAB_LABELS,
        actions_for=lambda enrolment: ops.actions_for(enrolment.status if enrolment else None, current_user.role),
        action_label=action_label, rows_of=lambda enrolments: [(e.session, e) for e in enrolments],
        message=message, error=error, credits_form=credits_form,
        bound_form=form, form_for=form_for, blank_form=_blank_registration(),
    ), status


def _blank_registration() -> RegistrationForm:
    form = RegistrationForm(formdata=None)
    form.participants.data = 1
    return form


def _done(factory, message):
    tab = _tab(request.form.get("tab"))
    if htmx:
        return _render(factory, tab=tab, message=message)
    flash(message, "success")
    return redirect(url_for("training.index", factory_id=factory.id, tab=tab) + "#training-board")


def _refused(factory, refused):
    """A refused change (409): the page with the reason, nothing changed."""
    return _render(factory, tab=request.form.get("tab"), error=str(refused.args[0]), status=409)


# --- pages ---------------------------------------------------------------------------

@bp.get("")
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "training.view")
    return _render(factory, tab=request.args.get("tab"))


@bp.post("/credits")
@login_required
def credits(factory_id: int):
    factory = load_factory(factory_id, "training.edit")
    form = CreditsForm()
    if not form.validate_on_submit():
        return _render(factory, tab=request.form.get("tab"), credits_form=form, status=422)
    try:
        with unit_of_work():
            ops.set_credits(factory, form.credit_days.data)
    except ops.TrainingError as refused:
        return _refused(factory, refused)
    return _done(factory, _("Credits saved."))


@bp.post("/sessions/<int:session_id>/request", defaults={"action": "request"})
@bp.post("/sessions/<int:session_id>/register", defaults={"action": "register"})
@login_required
def session_registration(factory_id: int, session_id: int, action: str):
    """The factory asks to register; the EA registers it directly. Both say how many take part."""
    factory = load_factory(factory_id, "training.request" if action == "request" else "training.edit")
    session = _session(factory, session_id)
    form = RegistrationForm()
    if not form.validate_on_submit():
        enrolment = ops.enrolment_of(factory.id, session.id)
        if action not in ops.actions_for(enrolment.status if enrolment else None, current_user.role):
            # Sent from a page that was out of date: no form to show again, say why instead (409).
            return _session_action(factory, session, action)
        return _render(factory, tab=request.form.get("tab"), form=form, form_for=session.id, status=422)
    return _session_action(factory, session, action, participants=form.participants.data, note=form.note.data)


@bp.post("/sessions/<int:session_id>/recommend", defaults={"action": "recommend"})
@login_required
def recommend(factory_id: int, session_id: int, action: str):
    factory = load_factory(factory_id, "training.edit")
    session = _session(factory, session_id)
    return _session_action(factory, session, action)


def _session_action(factory, session, action, **values):
    try:
        with unit_of_work():
            ops.act_on_session(factory, session, action, current_user, _today(factory), **values)
    except ops.WrongRole:
        abort(403)
    except ops.TrainingError as refused:
        return _refused(factory, refused)
    return _done(factory, str(DONE_MESSAGES[action]))


# One URL per action (…/confirm, …/decline, …/complete, …/cancel), one view.
@bp.post("/enrolments/<int:enrolment_id>/confirm", defaults={"action": "confirm"})
@bp.post("/enrolments/<int:enrolment_id>/decline", defaults={"action": "decline"})
@bp.post("/enrolments/<int:enrolment_id>/complete", defaults={"action": "complete"})
@bp.post("/enrolments/<int:enrolment_id>/cancel", defaults={"action": "cancel"})
@login_required
def enrolment_action(factory_id: int, enrolment_id: int, action: str):
    factory = load_factory(factory_id, "training.edit")
    enrolment = _enrolment(factory, enrolment_id)
    try:
        with unit_of_work():
            ops.act_on_enrolment(enrolment, action, current_user, _today(factory))
    except ops.WrongRole:
        abort(403)
    except ops.TrainingError as refused:
        return _refused(factory, refused)
    return _done(factory, str(DONE_MESSAGES[action]))


@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
def new_session(factory_id: int):
    """The EA adds a session of one of the programme's courses."""
    factory = load_factory(factory_id, "training.edit")
    courses = ops.courses_of(factory.programme_id)
    form = SessionForm()
    form.course_id.choices = [SelectChoice("", _("Choose…"))] + [SelectChoice(c.id, c.label) for c in courses]
    status = 200
    if form.validate_on_submit():
        with unit_of_work():
            course = next(c for c in courses if c.id == form.course_id.data)
            session = ops.add_session(factory.programme, course, form.starts_on.data, form.location.data or "",
                                      form.seats.data)
        flash(_("Session added: %(course)s, %(date)s.", course=course.label,
                date=format_date(session.starts_on, "medium")), "success")
        return redirect(url_for("training.index", factory_id=factory.id, tab="available"))
    if form.is_submitted():
        status = 422
    return render_template("training/new_session.html", factory=factory, form=form, courses=courses), status
