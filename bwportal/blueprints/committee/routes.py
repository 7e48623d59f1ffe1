"""The committee (PICC, LKS Bipartit, PC…): members kept by the EA with the factory's
proposed changes (COM-1), and meetings the factory logs (COM-2)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.annexes import committee as ops
from ...domain.policy import can
from ...domain.time import factory_today
from ...extensions import htmx
from ...models import CommitteeMeeting, CommitteeMember, MemberProposal
from ...web.i18n import committee_short
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory, load_owned
from .forms import ACTION_LABELS, FIELD_LABELS, MeetingForm, MemberForm, ProposalForm

bp = Blueprint("committee", __name__, url_prefix="/factories/<int:factory_id>/committee")


# --- loading -------------------------------------------------------------------------

_own = load_owned
_today = factory_today


def _committee(factory) -> str:
    return committee_short(factory.programme)


# --- members -------------------------------------------------------------------------

def _proposal_form(factory, today, formdata=None) -> ProposalForm | None:
    if not can(current_user, "committee.propose"):
        return None
    form = ProposalForm(formdata=formdata) if formdata is not None else ProposalForm(formdata=None)
    form.frame(ops.current_members(factory.id, today))
    return form


def _members_page(factory, *, status=200, message=None, error=None, form=None):
    today = _today(factory)
    current = ops.current_members(factory.id, today)
    template = "committee/_members.html" if htmx else "committee/members.html"
    return render_template(
        template, factory=factory, committee=_committee(factory), current=current,
        former=ops.former_members(factory.id, today), balance=ops.gender_balance(current, factory),
        pending=ops.pending_proposals(factory.id), decided=ops.decided_proposals(factory.id),
        changes=ops.proposal_changes, field_labels=FIELD_LABELS, action_labels=ACTION_LABELS,
        form=form or _proposal_form(factory, today), message=message, error=error,
    ), status


def _members_done(factory, message):
    if htmx:
        return _members_page(factory, message=message)
    flash(message, "success")
    return redirect(url_for("committee.members", factory_id=factory.id))


@bp.get("/members")
@login_required
def members(factory_id: int):
    factory = load_factory(factory_id, "committee.view")
    return _members_page(factory)


@bp.route("/members/new", methods=["GET", "POST"])
@login_required
def new_member(factory_id: int):
    factory = load_factory(factory_id, "committee.edit_members")
    return _member_form(factory, None)


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def edit_member(factory_id: int, member_id: int):
    factory = load_factory(factory_id, "committee.edit_members")
    return _member_form(factory, _own(factory, CommitteeMember, member_id))


def _member_form(factory, member):
    form = MemberForm(obj=member)
    if member is not None and not form.is_submitted():
        for key in ("role", "gender", "how_chosen"):
            form[key].data = getattr(member, key).value
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                if member is None:
                    member = ops.add_member(factory, form.values())
                    message = _("Member added: %(name)s.", name=member.name)
                else:
                    ops.update_member(member, form.values())
                    message = _("Member saved: %(name)s.", name=member.name)
        except ops.CommitteeError as refused:
            form.until.errors.append(str(refused.args[0]))
            status = 422
        else:
            flash(message, "success")
            return redirect(url_for("committee.members", factory_id=factory.id))
    elif form.is_submitted():
        status = 422
    return render_template("committee/member_form.html", factory=factory, committee=_committee(factory),
                           form=form, member=member), status


@bp.post("/proposals")
@login_required
def propose(factory_id: int):
    factory = load_factory(factory_id, "committee.propose")
    today = _today(factory)
    form = _proposal_form(factory, today, formdata=request.form)
    if not form.validate_on_submit():
        return _members_page(factory, form=form, status=422)
    try:
        with unit_of_work():
            ops.propose(factory, current_user, form.action.data, form.chosen_member(), form.values(), form.note.data,
                        today)
    except ops.CommitteeError as refused:
        return _members_page(factory, error=str(refused.args[0]), status=409)
    return _members_done(factory, _("Your proposal was sent to your Enterprise Advisor."))


# The decision is in the URL (…/accept, …/decline); one view.
@bp.post("/proposals/<int:proposal_id>/accept", defaults={"action": "accept"})
@bp.post("/proposals/<int:proposal_id>/decline", defaults={"action": "decline"})
@login_required
def decide(factory_id: int, proposal_id: int, action: str):
    factory = load_factory(factory_id, "committee.edit_members")
    proposal = _own(factory, MemberProposal, proposal_id)
    try:
        with unit_of_work():
            ops.decide(factory, proposal, action, current_user, _today(factory))
    except ops.CommitteeError as refused:
        return _members_page(factory, error=str(refused.args[0]), status=409)
    message = _("Proposal accepted: the members list is updated.") if action == "accept" else _("Proposal declined.")
    return _members_done(factory, message)


# --- meetings ------------------------------------------------------------------------

@bp.get("/meetings")
@login_required
def meetings(factory_id: int):
    factory = load_factory(factory_id, "committee.view")
    return render_template("committee/meetings.html", factory=factory, committee=_committee(factory),
                           meetings=ops.meetings_of(factory.id))


@bp.route("/meetings/new", methods=["GET", "POST"])
@login_required
def new_meeting(factory_id: int):
    factory = load_factory(factory_id, "committee.log_meeting")
    return _meeting_form(factory, None)


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@login_required
def edit_meeting(factory_id: int, meeting_id: int):
    factory = load_factory(factory_id, "committee.log_meeting")
    return _meeting_form(factory, _own(factory, CommitteeMeeting, meeting_id))


def _meeting_form(factory, meeting):
    today = _today(factory)
    form = MeetingForm(obj=meeting)
    form.frame(ops.attendable(factory.id, today, meeting), today)
    if not form.is_submitted():
        if meeting is not None:
            form.attendees.data = [m.id for m in meeting.attendees]
        else:
            form.meeting_date.data = today
    status = 200
    if form.validate_on_submit():
        try:
            with unit_of_work():
                if meeting is None:
                    meeting = ops.log_meeting(factory, current_user, form.values(), form.attendees.data, today)
                else:
                    ops.update_meeting(meeting, form.values(), form.attendees.data, today)
        except ops.MeetingInvalid as invalid:
            for key, problem in invalid.args[0].items():
                form[key].errors.append(problem)
            status = 422
        else:
            message = _("Meeting of %(date)s saved.", date=format_date(meeting.meeting_date, "medium"))
            if htmx:
                return render_template("committee/_meeting_saved.html", factory=factory, meeting=meeting,
                                       message=message)
            flash(message, "success")
            return redirect(url_for("committee.meetings", factory_id=factory.id) + f"#meeting-{meeting.id}")
    elif form.is_submitted():
        status = 422
    template = "committee/_meeting_form.html" if htmx else "committee/meeting_form.html"
    return render_template(template, factory=factory, committee=_committee(factory), form=form,
                           meeting=meeting), status
