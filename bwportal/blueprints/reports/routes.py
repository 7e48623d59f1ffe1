"""Progress reports: list, create, read, the workflow steps, EA comments and the EA's inbox."""

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ...domain.assessments.cycles import cycles_of
from ...domain.ip.queries import verification_entries, verification_queue_query
from ...domain.policy import can
from ...domain.reports import deadlines, editing
from ...domain.reports import queries as report_queries
from ...domain.reports import spec as report_spec
from ...domain.reports import workflow as wf
from ...domain.reports.spec import sections_for
from ...domain.tenancy import visible_factory_ids
from ...domain.time import today_in
from ...extensions import htmx
from ...models import EnrolmentStatus, Gender, HowChosen, IPStatus, MemberRole, Origin, ReportKind, Role
from ...web.paging import paginate
from ...web.unit_of_work import unit_of_work
from ..ip.forms import ReturnForm, VerifyForm
from ..scoping import load_factory
from .forms import NewReportForm, SectionCommentForm, SendBackForm
from .loading import due_for, load_report
from .section_editor import section_url

bp = Blueprint("reports", __name__)
PREFIX = "/factories/<int:factory_id>/reports"


@bp.app_template_global()
def spec_text(msgid: str, programme, path: str | None = None) -> str:
    """A report label in the reader's language, with the programme's committee name."""
    return report_spec.text(msgid, programme, str(get_locale()), path)


@bp.app_template_global()
def frozen_label(entry: dict, key: str) -> str:
    """A catalogue name kept in a report's snapshot, in the reader's language, as it was then."""
    from ...domain.reports.snapshot import label

    return label(entry, key, str(get_locale()))


@bp.app_template_global()
def status_label(value: str) -> str:
    """An IP status kept in a snapshot as its value, in the reader's language."""
    return str(IPStatus(value).label)


@bp.app_template_global()
def enrolment_label(value: str) -> str:
    return str(EnrolmentStatus(value).label)


@bp.app_template_global()
def member_role_label(value: str) -> str:
    return str(MemberRole(value).label)


@bp.app_template_global()
def gender_label(value: str) -> str:
    return str(Gender(value).label)


@bp.app_template_global()
def how_chosen_label(value: str) -> str:
    return str(HowChosen(value).label)


@bp.app_template_global()
def origin_label(value: str) -> str:
    return str(Origin(value).label)


@bp.app_template_filter()
def isodate(value: str) -> date:
    return date.fromisoformat(value)


def _kind_for(user) -> ReportKind | None:
    """The kind of report this user writes: the factory PR1, the EA PR2."""
    return next((kind for kind, role in wf.AUTHORS.items() if role is user.role), None)


@bp.get(PREFIX)
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "report.view")
    cycles = cycles_of(factory.id)
    today = today_in(factory.programme.timezone)
    reports = report_queries.reports_of(factory.id, current_user)
    obligations = {}
    if current_user.role is not Role.BUYER:  # buyers read reports, not the factory's deadlines
        # PR-3, PR-11: due dates are the cycles' obligations, not each report's.
        wanted = {r.cycle_id: r.cycle for r in reports} | ({cycles[0].id: cycles[0]} if cycles else {})
        obligations = deadlines.obligations_of(wanted.values(), lambda _cycle: today)
    latest = obligations.get(cycles[0].id) if cycles else None
    kind = _kind_for(current_user)
    creatable = []
    if kind is not None and can(current_user, "report.create"):
        creatable = editing.creatable_cycles(cycles, kind)
    return render_template("reports/index.html", factory=factory, reports=reports, kind=kind, creatable=creatable,
                           due=latest.owed if latest else None, obligations=obligations,
                           sent_back=report_queries.sent_back_reasons(reports))


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
@login_required
def new(factory_id: int):
    factory = load_factory(factory_id, "report.create")
    kind = _kind_for(current_user)
    if kind is None:
        abort(403)
    every = cycles_of(factory.id)
    # The form offers only the cycles a report can be created for (assessed, none of this kind
    # in progress); a form sent for another of the factory's cycles is told why by the domain.
    cycles = editing.creatable_cycles(every, kind)
    form = NewReportForm()
    form.cycle_id.choices = [(c.id, _("Cycle %(number)s", number=c.number))
                             for c in (every if form.is_submitted() else cycles)]
    if not form.is_submitted():
        form.report_date.data = today_in(factory.programme.timezone)  # the programme's today (PR-1)
        if cycles:
            form.cycle_id.data = cycles[0].id  # the latest cycle (PR-1)
    status = 200
    if form.validate_on_submit():
        cycle = next(c for c in every if c.id == form.cycle_id.data)
        try:
            with unit_of_work():
                report = editing.create_report(factory, cycle, kind, form.report_date.data, current_user)
        except wf.WorkflowError as refused:
            form.cycle_id.errors.append(str(refused.args[0]))
            status = 422
        except IntegrityError:  # two clicks at once: the database keeps one open report per cycle
            form.cycle_id.errors.append(_("This cycle already has a report in progress. A new one can be created "
                                          "once it is final."))
            status = 422
        else:
            first = sections_for(kind, factory.programme)[0]
            return redirect(section_url(report, first.key))
    elif form.is_submitted():
        status = 422
    # A refused form comes back as sent (the factory's cycles to choose from, the date typed).
    shown = every if form.is_submitted() else cycles
    return render_template("reports/new.html", factory=factory, form=form, kind=kind, cycles=shown,
                           in_progress=report_queries.in_progress(factory.id, kind)), status


@bp.get(PREFIX + "/<int:report_id>")
@login_required
def view(factory_id: int, report_id: int):
    factory, report = load_report(factory_id, report_id)
    if wf.may_write(report, current_user) and not request.args.get("preview"):
        # The author of a draft goes to the editor, unless they asked for the whole document.
        return redirect(section_url(report, sections_for(report.kind, factory.programme)[0].key))
    return render_template("reports/document.html", factory=factory, report=report, **document_context(report))


def document_context(report) -> dict:
    """What the read-only report shows: its snapshot once submitted, the live data in draft."""
    from ...domain.documents import report_content

    # Submitted: the snapshot, and the wording it was submitted with; a draft: today's (the PDF shows the same).
    return {**report_content(report),
            "transitions": report_queries.transitions_of(report), "actions": wf.allowed_actions(report, current_user),
            "due": due_for(report), "send_back_form": SendBackForm(), "section_url": section_url,
            "sent_back": report_queries.sent_back_reasons([report]).get(report.id),
            "choices": report_spec.IP_VALIDATION_CHOICES}


# What each step does, said before it is done (issue 19 item 7): none of them can be undone.
CONFIRMATIONS = {
    "submit": (lambda: _("Submit this report to your Enterprise Advisor? You cannot edit it while it is reviewed."),
               lambda: _("Yes, submit the report")),
    "approve": (lambda: _("Approve this report? It becomes final: nobody can edit it or send it back afterwards."),
                lambda: _("Yes, approve the report")),
    "send_back": (lambda: _("Send this report back to the factory? They can edit it again and submit it anew."),
                  lambda: _("Yes, send it back")),
}


@bp.route(PREFIX + "/<int:report_id>/<any(submit, approve, send_back):action>/confirm", methods=["GET", "POST"])
@login_required
def confirm(factory_id: int, report_id: int, action: str):
    """The confirmation step before Submit, Approve and Send back, a page without JavaScript
    and a fragment in the inbox with it. It changes nothing: the real POST button is on it, and
    a comment typed for Send back comes along (POST here only carries it)."""
    factory, report = load_report(factory_id, report_id)
    if action not in wf.allowed_actions(report, current_user):
        abort(403)
    comment = (request.form.get("comment") or "").strip()[:10_000]
    origin = "inbox" if request.values.get("from") == "inbox" else ""
    if origin:
        back = url_for("reports.inbox")
    elif action == "submit":
        back = url_for("reports.view", factory_id=factory.id, report_id=report.id)
    else:
        back = url_for("reports.view", factory_id=factory.id, report_id=report.id) + "#review"
    question, button = (text() for text in CONFIRMATIONS[action])
    # The state the user saw on the page they came from goes on to the real POST (issue 17 item 1).
    seen = (request.values.get("seen") or report.status.value)[:20]
    context = {"factory": factory, "report": report, "action": action, "comment": comment, "origin": origin,
               "seen": seen,
               "back": back, "question": question, "button": button, "send_back_form": SendBackForm()}
    if htmx and origin:
        return render_template("reports/_confirm.html", fragment=True, **context)
    return render_template("reports/confirm.html", **context)


@bp.post(PREFIX + "/<int:report_id>/<any(submit, approve, send_back, release):action>")
@login_required
def transition(factory_id: int, report_id: int, action: str):
    factory, report = load_report(factory_id, report_id)
    form = SendBackForm() if action == "send_back" else None
    comment = (request.form.get("comment") or "").strip()[:10_000]
    if not wf.may_fire(report, action, current_user):
        abort(403)
    try:
        with unit_of_work():
            wf.fire(report, action, current_user, comment, seen=request.form.get("seen") or None)
    except wf.WorkflowError as refused:
        # A second click or a colleague's action first (409): the answer shows the state it is in now.
        message = str(refused.message)
        if isinstance(refused, wf.ReportMoved):
            if htmx and request.form.get("from") == "inbox":
                return render_template("reports/_inbox_done.html", report=report, message=message), 409
            raise  # the conflict page (unit_of_work.refused): 409, with the state it is in now
        if htmx and request.form.get("from") == "inbox":
            return render_template("reports/_inbox_report.html", report=report, error=message,
                                   send_back_form=form or SendBackForm(), obligations={}), refused.status
        flash(message, "error")
        return redirect(request.form.get("from") == "inbox" and url_for("reports.inbox")
                        or url_for("reports.view", factory_id=factory.id, report_id=report.id))
    messages = {"submit": _("Report submitted. Your Enterprise Advisor will review it."),
                "approve": _("Report approved: it is final."),
                "send_back": _("Report sent back to the factory with your comments."),
                "release": _("Report released: it is final.")}
    if htmx and request.form.get("from") == "inbox":
        return render_template("reports/_inbox_done.html", report=report, message=messages[action])
    flash(messages[action], "success")
    if request.form.get("from") == "inbox":
        return redirect(url_for("reports.inbox"))
    return redirect(url_for("reports.view", factory_id=factory.id, report_id=report.id))


@bp.post(PREFIX + "/<int:report_id>/comments")
@login_required
def comment(factory_id: int, report_id: int):
    factory, report = load_report(factory_id, report_id, "report.review")
    form = SectionCommentForm()
    key = request.form.get("section", "")
    if key not in {s.key for s in sections_for(report.kind, factory.programme)}:
        abort(404)
    if form.validate_on_submit():
        with unit_of_work():
            editing.add_comment(report, key, current_user, form.body.data.strip())
        flash(_("Comment added."), "success")
    else:
        flash(_("Please write a comment."), "error")
    return redirect(section_url(report, key) + "#comments")


@bp.get("/inbox")
@login_required
def inbox():
    if current_user.role is not Role.EA or not can(current_user, "report.review"):
        abort(403)
    factory_ids = visible_factory_ids(current_user)
    # Two lists, each paged on its own (?page= the reports, ?vpage= the items).
    reports_page = paginate(report_queries.awaiting_review_query(factory_ids))
    items_page = paginate(verification_queue_query(factory_ids), param="vpage")
    reports = reports_page.items
    entries = verification_entries(factory_ids, items_page.items)
    # PR-3, PR-11: each report's cycle obligation (a corrective PR1 of a final cycle owes nothing).
    obligations = deadlines.obligations_of({r.cycle_id: r.cycle for r in reports}.values(),
                                           lambda cycle: today_in(cycle.factory.programme.timezone))
    return render_template("reports/inbox.html", reports=reports, entries=entries, reports_page=reports_page,
                           items_page=items_page, send_back_form=SendBackForm(),
                           form=VerifyForm(), return_form=ReturnForm(), obligations=obligations)
