"""The one section editor: renders and saves any section declared in domain.report_spec.

Each PR1 area (overview, social dialogue, systems, learning, feedback) and PR2 gets its own
small blueprint from ``section_blueprint``; all of them share this code."""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ...domain.reports import completeness, counts, editing
from ...domain.reports import queries as report_queries
from ...domain.reports import workflow as wf
from ...domain.reports.snapshot import ip_annex, wording_of
from ...domain.reports.spec import IP_VALIDATION_CHOICES, parse_answers, sections_for
from ...extensions import db, htmx
from ...models import IPItem, ReportComment, ReportKind
from ...web.unit_of_work import unit_of_work_once
from .forms import SectionCommentForm
from .loading import due_for, load_report

# section key -> endpoint, per report kind, filled as the section blueprints are made
SECTION_ENDPOINTS: dict[tuple[ReportKind, str], str] = {}


def section_url(report, key: str) -> str:
    return url_for(SECTION_ENDPOINTS[(report.kind, key)], factory_id=report.factory_id, report_id=report.id)


def section_blueprint(name: str, kind: ReportKind, *keys: str) -> Blueprint:
    bp = Blueprint(name, __name__)
    for key in keys:
        section = next(s for s in sections_for(kind) if s.key == key)
        endpoint = f"edit_{key}"
        bp.add_url_rule(f"/factories/<int:factory_id>/reports/<int:report_id>/{section.slug}", endpoint,
                         login_required(_make_view(kind, key)), methods=["GET", "POST"])
        SECTION_ENDPOINTS[(kind, key)] = f"{name}.{endpoint}"
    return bp


def _make_view(kind: ReportKind, key: str):
    def view(factory_id: int, report_id: int):
        return edit_section(factory_id, report_id, kind, key)

    view.__name__ = f"edit_{kind.value}_{key}"
    return view


def edit_section(factory_id: int, report_id: int, kind: ReportKind, key: str):
    factory, report = load_report(factory_id, report_id)
    if report.kind is not kind:
        abort(404)
    sections = sections_for(kind, wording_of(report))  # as submitted, once it is
    section = next((s for s in sections if s.key == key), None)
    if section is None:
        abort(404)  # hidden by the programme
    if request.method == "GET":
        return _render(factory, report, sections, section)
    if not wf.may_write(report, current_user):
        abort(403)
    stored = _stored(report, key)
    ip_items = _ip_items(report) if kind is ReportKind.PR2 else []
    answers, errors = parse_answers(section, request.form, [i.id for i in ip_items])
    if errors:
        return _render(factory, report, sections, section, answers=answers, errors=errors), 422
    expected = _version(request.form.get("version"))
    if expected is None:
        # No version: the page showed no saved section (0: a row saved since, by a colleague
        # whose save held the report's lock first, is a conflict), or a stale form (-1).
        expected = -1 if stored is not None else 0
    try:
        # Once per key: a save replayed from the device's offline queue is not applied twice.
        once = unit_of_work_once(current_user, lambda: editing.save_section(
            report, key, answers, current_user, expected), stale=(editing.StaleSection, StaleDataError))
    except IntegrityError:
        conflict = _stored(report, key) if stored is None else None
        if conflict is None:
            raise
        # Two first saves at once: the unique (report, key) let the other one in.
        return _render(factory, report, sections, section, answers=answers, conflict=conflict), 409
    except editing.AlreadySubmitted as refused:
        # Submitted while this was typed: shown back (read-only now) with why, never lost silently.
        return _render(factory, report, sections, section, answers=answers, refused=refused.message), 409
    except wf.ReportLocked:
        abort(403)
    if once.status == 409:
        conflict = _stored(report, key)
        db.session.refresh(conflict)
        return _render(factory, report, sections, section, answers=answers, conflict=conflict), 409
    if once.replayed:  # the first answer again, with the section as it now stands
        if not htmx:
            return redirect(section_url(report, section.key))
        return _render(factory, report, sections, section, saved=section.key)
    following = next((s for s in sections if s.key == request.form.get("next_section")), None)
    if not htmx:
        flash(_("Section saved to draft."), "success")
        return redirect(section_url(report, (following or section).key))
    if following is not None:  # one request: the next section comes back in the answer
        # saved names the section saved, not the one shown: the next section's kept copy on the
        # device was never saved and must not be dropped (issue 19 item 5).
        response = make_response(_render(factory, report, sections, following, saved=section.key))
        response.headers["HX-Push-Url"] = section_url(report, following.key)
        return response
    return _render(factory, report, sections, section, saved=section.key)


def _render(factory, report, sections, section, *, answers=None, errors=None, conflict=None,
            saved: str | None = None, refused=None):
    stored = _stored(report, section.key)
    may_write = wf.may_write(report, current_user)
    # The IP annex is shown only in the read-only view of an IP-validation question: a draft's
    # editor (every save) does not load the whole plan.
    shows_annex = not may_write and any(q.kind.value == "ip_validation" for q in section.questions)
    context = dict(
        factory=factory, report=report, section=section, sections=sections, programme=wording_of(report),
        answers=answers if answers is not None else (stored.answers if stored else {}), errors=errors or {},
        stored=stored, conflict=conflict, saved=saved, refused=refused, choices=IP_VALIDATION_CHOICES,
        ip_items=_ip_items(report) if report.kind is ReportKind.PR2 else [],
        ip_annex=((report.snapshot or {}).get("annexes", {}).get("ip") or ip_annex(report.factory_id))
        if shows_annex else [],
        may_write=may_write, section_url=section_url,
        comment_form=SectionCommentForm(), comments=_comments(report, section.key),
        counts=(report.snapshot or {}).get("overview_counts") or counts.overview_counts(report.cycle)
        if section.overview_counts else None,
        actions=wf.allowed_actions(report, current_user),
    )
    if htmx:  # the section only: the page around it (due date, reason, menu) stays as it was
        return render_template("reports/_section.html", **context)
    # What the factory must see around the section: the due date of the cycle's obligation,
    # "Sent back" with the EA's reason, and which sections carry the EA's comments.
    context.update(due=due_for(report), sent_back=report_queries.sent_back_reasons([report]).get(report.id),
                   commented=_commented_sections(report))
    # IP-4, PR-4, 002 §3.2.1: the author sees what is still missing before the report can
    # leave them, and each section's completeness in the menu (the workflow asks the same).
    if "submit" in context["actions"] or "release" in context["actions"]:
        context["gaps"] = completeness.gaps(report)
        context["incomplete"] = context["gaps"].incomplete_sections
    return render_template("reports/editor.html", **context)


def _stored(report, key: str):
    return next((s for s in report.sections if s.key == key), None)


def _version(raw):
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None  # a section saved for the first time has no version yet


def _ip_items(report) -> list[IPItem]:
    return list(db.session.scalars(
        select(IPItem).where(IPItem.factory_id == report.factory_id)
        .order_by(IPItem.publicly_reported.desc(), IPItem.id)).unique())


def _commented_sections(report) -> set[str]:
    return set(db.session.scalars(select(ReportComment.section_key).where(ReportComment.report_id == report.id)
                                  .distinct()))


def _comments(report, key: str) -> list[ReportComment]:
    return list(db.session.scalars(select(ReportComment).where(
        ReportComment.report_id == report.id, ReportComment.section_key == key).order_by(ReportComment.id)))
