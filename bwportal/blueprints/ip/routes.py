"""The Improvement Plan (IP-1…IP-10): list, inline edit, new advisory items, remediation
reports, verification by the EA, import of a new assessment, export."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from ...domain import uploads as chunked
from ...domain.assessments.cycles import cycles_of
from ...domain.ip import assessor_comments
from ...domain.ip import evidence as evidence_ops
from ...domain.ip import operations as ops
from ...domain.ip.assessment_import import AlreadyImported, apply_import, latest_cycle, plan_import
from ...domain.ip.queries import (
    Filters,
    latest_assessor_comments,
    ordered_items,
    record_export,
    status_counts,
    stream_items,
    verification_entries,
    verification_queue_query,
    visit_dates,
)
from ...domain.ip.status import CHECKS, NotRepeatedReview, effective_status, is_overdue, verification_due
from ...domain.policy import IP_FIELD_OWNERS, can, ip_readable_fields
from ...domain.programmes import catalogues
from ...domain.public.issues import check_files
from ...domain.tenancy import visible_factory_ids
from ...domain.time import factory_today
from ...extensions import db, htmx
from ...forms.fields import db_int
from ...infra.storage import storage
from ...models import AdvisoryVisit, IPEvent, IPItem, IPItemFile, IPStatus, Origin
from ...web.paging import paginate
from ...web.unit_of_work import unit_of_work, unit_of_work_once
from ..public_issues.files import refusal_message, send_evidence
from ..scoping import load_factory, load_owned
from . import export
from .forms import (
    CommentForm,
    EvidenceForm,
    NewAdvisoryItemForm,
    RemediatedForm,
    ReturnForm,
    VerifyForm,
    build_item_form,
)
from .labels import FIELD_LABELS, describe

bp = Blueprint("ip", __name__)
PREFIX = "/factories/<int:factory_id>/ip"
bp.add_app_template_global(describe)


@bp.app_template_global()
def field_label(field: str) -> str:
    return str(FIELD_LABELS.get(field, field))


# --- loading -------------------------------------------------------------------------

def _item(factory, item_id: int) -> IPItem:
    return load_owned(factory, IPItem, item_id)


_today = factory_today


# The button beside the cluster that reloads the form with that cluster's compliance points
# (issue 19 item 8): without JavaScript by a click, with it on choosing the cluster.
CHOOSE_CLUSTER = "choose_cluster"


def _catalogues(factory) -> dict:
    """The choices of the factory's programme's catalogue: another programme's are refused."""
    programme_id = factory.programme_id
    return {
        "clusters": catalogues.clusters_of(programme_id),
        "points": catalogues.points_of(programme_id),
        "root_causes": catalogues.root_causes_of(programme_id),
    }


def _filters() -> Filters:
    """Filters from the query string; anything unrecognised is ignored, never an error."""
    args = request.args
    filters = Filters(lead=args.get("lead", "").strip()[:200], overdue=args.get("overdue") == "1",
                      review=args.get("review") == "1")
    # A number the database can hold (2147483648 was a 500 on PostgreSQL), else no filter.
    filters.cluster_id = args.get("cluster", type=db_int)
    if args.get("status") in {s.value for s in IPStatus}:
        filters.status = IPStatus(args["status"])
    if args.get("origin") in {o.value for o in Origin}:
        filters.origin = Origin(args["origin"])
    if args.get("public") in ("yes", "no"):
        filters.public = args["public"] == "yes"
    return filters


def _wait(item, today):
    """IP-6: where an item that needs worker interviews stands (None for any other)."""
    return ops.interviews_wait(item, today) if item.needs_worker_interviews and item.status.is_open else None


def _card_context(factory, items) -> dict:
    """What the item cards show beside each item, in a fixed number of queries."""
    today = _today(factory)
    return {
        "today": today,
        "assessor_comments": latest_assessor_comments([i.id for i in items]),
        "effective_status": effective_status,
        "is_overdue": is_overdue,
    }


# --- the list ------------------------------------------------------------------------

@bp.get(PREFIX)
@login_required
def index(factory_id: int):
    factory = load_factory(factory_id, "ip.view")
    filters = _filters()
    today = _today(factory)
    page = paginate(ordered_items(factory.id, filters, today))  # a page at a time, however long the plan
    items = page.items
    return render_template(
        "ip/index.html", factory=factory, items=items, page=page, filters=filters,
        counts=status_counts(factory.id, today),
        clusters=catalogues.clusters_of(factory.programme_id), statuses=list(IPStatus), origins=list(Origin),
        **_card_context(factory, items),
    )


@bp.get(PREFIX + "/export.<any(csv, xlsx):fmt>")
@login_required
def export_items(factory_id: int, fmt: str):
    with unit_of_work():
        # before the file leaves: an export that cannot be recorded is not sent
        factory = load_factory(factory_id, "ip.export")
        today = _today(factory)
        filters = _filters()
        # read in batches and written to a spooled file: 10,000 items never sit in memory at once
        response, count = export.response(factory, stream_items(factory.id, filters, today), today, fmt,
                                          ip_readable_fields(current_user))
        record_export(current_user, factory, fmt, filters, count)
    return response


# --- one item ------------------------------------------------------------------------

@bp.get(PREFIX + "/<int:item_id>")
@login_required
def item(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.view")
    item = _item(factory, item_id)
    return _item_page(factory, item)


def _item_page(factory, item, comment_form=None, remediated_form=None, evidence_form=None, **context):
    """The item page with its timeline; a form given here shows its errors."""
    events = list(db.session.scalars(select(IPEvent).where(IPEvent.item_id == item.id).order_by(IPEvent.id)))
    awaiting = assessor_comments.report_awaiting_release(factory.id)
    return render_template(
        "ip/item.html", factory=factory, item=item, events=events, comment_form=comment_form or CommentForm(),
        wait=_wait(item, _today(factory)), awaiting_report=awaiting,
        lead_comments=assessor_comments.may_comment(current_user, awaiting),
        remediated_form=remediated_form or RemediatedForm(), evidence_form=evidence_form or EvidenceForm(),
        readable=ip_readable_fields(current_user),
        **_evidence_context(item), **_card_context(factory, [item]), **context,
    )


def _evidence_context(item) -> dict:
    shown = can(current_user, "ip.view_evidence")
    return {"evidence_files": evidence_ops.files_of(item) if shown else [], "evidence_shown": shown,
            "evidence_max_files": evidence_ops.MAX_FILES,
            "evidence_max_mb": evidence_ops.MAX_FILE_BYTES // (1024 * 1024)}


# --- evidence (issue 19) ---------------------------------------------------------------

@bp.post(PREFIX + "/<int:item_id>/evidence")
@login_required
def add_evidence(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.add_evidence")
    item = _item(factory, item_id)
    form = EvidenceForm()
    chosen = [(f.filename, f.stream) for f in request.files.getlist("files") if f and f.filename]
    # Files sent ahead in chunks by the upload script come as tokens; kept if the form comes back.
    sent, sent_files = chunked.finished(factory, current_user, request.form.getlist("upload"))
    accepted, refused = check_files(chosen + sent_files)
    errors = [refusal_message(r) for r in refused]
    if not form.validate() or errors or not accepted:
        if not accepted and not errors:
            errors = [_("Please choose at least one file.")]
        form.files.errors = list(form.files.errors) + errors
        return _item_page(factory, item, evidence_form=form, kept_uploads=sent,
                          chosen=[name for name, _stream in chosen]), 422
    keys = []
    try:
        with unit_of_work():
            _rows, keys = evidence_ops.add_evidence(item, current_user, accepted, form.evidence_note.data or "")
            attached = chunked.consume(sent)
    except evidence_ops.EvidenceRefused as refusal:
        evidence_ops.discard(keys)
        form.files.errors = [str(refusal.message)]
        return _item_page(factory, item, evidence_form=form, kept_uploads=sent), 422
    except Exception:
        evidence_ops.discard(keys)
        raise
    chunked.remove_chunks(attached)
    flash(_("Evidence added."), "success")
    return redirect(url_for("ip.item", factory_id=factory.id, item_id=item.id, _anchor="evidence"))


@bp.get(PREFIX + "/<int:item_id>/evidence/<int:evidence_id>")
@login_required
def evidence_file(factory_id: int, item_id: int, evidence_id: int):
    with unit_of_work():
        # recorded before the file leaves: a download that cannot be recorded is not sent
        factory = load_factory(factory_id, "ip.view_evidence")
        item = _item(factory, item_id)
        evidence = load_owned(factory, IPItemFile, evidence_id)
        if evidence.item_id != item.id:
            abort(404)
        if storage().size(evidence.storage_key) is None:
            abort(404)
        evidence_ops.record_download(item, current_user, evidence)
    return send_evidence(evidence, "private", key=evidence.storage_key)


@bp.get(PREFIX + "/<int:item_id>/card")
@login_required
def card(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.view")
    item = _item(factory, item_id)
    if not htmx:
        return redirect(url_for("ip.item", factory_id=factory.id, item_id=item.id))
    return render_template("ip/_item.html", factory=factory, item=item, open=True, **_card_context(factory, [item]))


@bp.route(PREFIX + "/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.edit")
    item = _item(factory, item_id)
    formdata = request.form if request.method == "POST" else None
    form = build_item_form(current_user, item.origin, _catalogues(factory), item=item, formdata=formdata)
    if request.method == "POST" and set(request.form) & set(IP_FIELD_OWNERS) - set(form._fields):
        abort(403)  # a field this role does not own (IP-2): refused, never silently dropped
    conflict, status = None, 200
    if CHOOSE_CLUSTER in request.form:
        pass  # only the cluster's compliance points asked for: the form comes back as typed, nothing saved
    elif form.validate_on_submit():
        try:
            # Once per key: an edit replayed from the device's offline queue is not applied twice.
            once = unit_of_work_once(current_user, lambda: ops.update_item(
                item, current_user, _changes(form), _int(form.version.data), _today(factory)),
                stale=(ops.StaleItem, StaleDataError))
            if once.status == 409:  # someone else changed the item meanwhile (now, or at the first send)
                db.session.refresh(item)
                conflict, status = item, 409
                form.version.data = item.version
        except ops.StatusNotAllowed:
            form.status.errors.append(_("Please choose one of the listed options."))
            status = 422
        except ops.BadCompletionDate as refused:  # what was typed comes back, with why
            form.completion_date.errors.append(str(refused.args[0]))
            status = 422
        except ops.FieldNotWritable:
            abort(403)
        if conflict is None and status == 200:
            return _saved(factory, item)
    elif form.is_submitted():
        status = 422
    template = "ip/_item_form.html" if htmx else "ip/edit.html"
    return render_template(template, factory=factory, item=item, form=form, conflict=conflict,
                           next_url=_list_url(factory, request.values.get("next"))), status


def _saved(factory, item):
    """After a save (or the replay of one): the item's card for HTMX, else back to the list."""
    if htmx:
        return render_template("ip/_item.html", factory=factory, item=item, open=True, saved=True,
                               **_card_context(factory, [item]))
    flash(_("Item saved."), "success")
    back = _list_url(factory, request.form.get("next")) or url_for("ip.index", factory_id=factory.id)
    return redirect(f"{back}#item-{item.id}")


def _list_url(factory, value: str | None) -> str | None:
    """The IP list with its filters, to come back to after a save without JavaScript (issue 19):
    only this factory's list on this site, never another address (no open redirect)."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or "\\" in value or parts.path != url_for("ip.index", factory_id=factory.id):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _changes(form) -> dict:
    changes = {}
    for name in IP_FIELD_OWNERS:
        if name in form:
            value = form[name].data
            changes[name] = value.strip() if isinstance(value, str) else value
    if "status" in changes:
        changes["status"] = IPStatus(changes["status"])
    return changes


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # a missing or mangled version can only be stale


@bp.route(PREFIX + "/new", methods=["GET", "POST"])
@login_required
def new(factory_id: int):
    factory = load_factory(factory_id, "ip.create")
    cycles = cycles_of(factory.id)
    choices = _catalogues(factory)
    formdata = request.form if request.method == "POST" else None
    form = build_item_form(current_user, Origin.ADVISORY, choices, formdata=formdata, new_advisory=True)
    origin_form = NewAdvisoryItemForm(formdata=formdata)
    visits = list(db.session.scalars(
        select(AdvisoryVisit).where(AdvisoryVisit.factory_id == factory.id).order_by(AdvisoryVisit.visit_date.desc())))
    raised_by = catalogues.raised_by_of(factory.programme_id)
    origin_form.cycle_id.choices = [(c.id, _("Cycle %(number)s", number=c.number)) for c in cycles]
    origin_form.advisory_visit_id.choices = [("", _("Choose…"))] + [
        (v.id, _("Cycle %(number)s: %(date)s", number=v.cycle.number, date=_date(v.visit_date))) for v in visits]
    origin_form.raised_by_id.choices = [("", _("Choose…"))] + [(r.id, r.label) for r in raised_by]
    if formdata is None and cycles:
        origin_form.cycle_id.data = cycles[0].id
    status = 200
    if request.method == "POST" and CHOOSE_CLUSTER not in request.form:
        form_ok = form.validate_on_submit()
        origin_ok = origin_form.validate()
        cycle = next((c for c in cycles if c.id == origin_form.cycle_id.data), None)
        visit = next((v for v in visits if v.id == origin_form.advisory_visit_id.data), None)
        if cycle is None:
            origin_form.cycle_id.errors.append(_("Please choose a cycle."))
        if origin_form.advisory_visit_id.data and (visit is None or visit.cycle_id != getattr(cycle, "id", None)):
            origin_form.advisory_visit_id.errors.append(_("Please choose a visit of the chosen cycle."))
        if origin_form.raised_by_id.data not in {r.id for r in raised_by}:
            origin_form.raised_by_id.errors.append(_("Please say who raised this issue."))
        if form_ok and origin_ok and not origin_form.errors:
            values = _changes(form)
            chosen_status = values.pop("status", IPStatus.PENDING)
            with unit_of_work():
                item = ops.create_item(factory, current_user, cycle, Origin.ADVISORY, values, visit=visit,
                                       raised_by_id=origin_form.raised_by_id.data)
                db.session.flush()
                if chosen_status is not IPStatus.PENDING:
                    ops.update_item(item, current_user, {"status": chosen_status}, item.version, _today(factory))
            flash(_("Item added to the Improvement Plan."), "success")
            return redirect(url_for("ip.index", factory_id=factory.id, _anchor=f"item-{item.id}"))
        status = 422
    return render_template("ip/new.html", factory=factory, form=form, origin_form=origin_form, cycles=cycles), status


def _date(value):
    return format_date(value, "medium")


# --- remediation, comments, verification ----------------------------------------------

@bp.post(PREFIX + "/<int:item_id>/remediated")
@login_required
def report_remediated(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.report_remediated")
    item = _item(factory, item_id)
    form = RemediatedForm()
    if not item.status.is_open or item.remediation_reported_at is not None:
        flash(_("This item is already Completed or waiting for verification."), "error")
    elif form.validate_on_submit():
        with unit_of_work():
            ops.report_remediated(item, current_user, form.note.data.strip())
        flash(_("Reported as remediated. Your Enterprise Advisor will verify it within the next two advisory "
                "visits."), "success")
    else:
        return _item_page(factory, item, remediated_form=form), 422
    return redirect(url_for("ip.item", factory_id=factory.id, item_id=item.id))


@bp.post(PREFIX + "/<int:item_id>/comments")
@login_required
def add_comment(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.view")
    item = _item(factory, item_id)
    lead = can(current_user, "ip.assessor_comment")  # for an assessment report (002 §3.4.1)
    if not lead and not can(current_user, "ip.comment"):
        abort(403)
    if lead:  # refused before reading the form: only the lead (or an admin), while a report awaits
        assessor_comments.report_to_comment_for(factory.id, current_user)
    form = CommentForm()
    if form.validate_on_submit():
        with unit_of_work():
            if lead:  # only the assessment's lead assessor, or an admin: refused otherwise
                assessor_comments.comment(item, current_user, form.body.data.strip())
            else:
                ops.comment(item, current_user, form.body.data.strip())
        flash(_("Comment added."), "success")
        return redirect(url_for("ip.item", factory_id=factory.id, item_id=item.id, _anchor="history"))
    return _item_page(factory, item, comment_form=form), 422


@bp.route(PREFIX + "/<int:item_id>/verify", methods=["GET", "POST"])
@login_required
def verify(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.verify")
    item = _item(factory, item_id)
    form = VerifyForm()
    today = _today(factory)
    if not form.is_submitted():
        form.completion_date.data = today  # the programme's day, not the server's
    status, reasons = 200, []
    if form.validate_on_submit():
        checks = {name: form[name].data for name, _label in CHECKS}
        review = NotRepeatedReview(root_causes_addressed=form.root_causes_addressed.data,
                                   grievance_mechanism=form.grievance_mechanism_review.data or "",
                                   enhancement=form.grievance_enhancement.data or "")
        try:
            with unit_of_work():
                ops.complete(item, current_user, form.completion_date.data, checks, today, review,
                             _seen_version())
        except ops.CannotComplete as refused:
            reasons, status = refused.reasons, 422
        else:
            return _verified(factory, item, _("Verified: the item is Completed."))
    elif form.is_submitted():
        status = 422
    return _verification_page(factory, item, form, ReturnForm(), reasons), status


@bp.post(PREFIX + "/<int:item_id>/worker-interviews")
@login_required
def worker_interviews(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.verify")
    item = _item(factory, item_id)
    if not item.status.is_open:
        abort(409)
    with unit_of_work():
        ops.set_needs_worker_interviews(item, current_user, request.form.get("needed") == "1")
    flash(_("Item saved."), "success")
    return redirect(url_for("ip.item", factory_id=factory.id, item_id=item.id))


@bp.post(PREFIX + "/<int:item_id>/return")
@login_required
def return_item(factory_id: int, item_id: int):
    factory = load_factory(factory_id, "ip.verify")
    item = _item(factory, item_id)
    form = ReturnForm()
    if item.remediation_reported_at is None:
        flash(_("This item is not waiting for verification."), "error")
        return redirect(_back(factory, item))
    if form.validate_on_submit():
        with unit_of_work():
            ops.return_to_factory(item, current_user, form.comment.data.strip(), _seen_version())
        return _verified(factory, item, _("Returned to the factory with your comment."))
    return _verification_page(factory, item, VerifyForm(), form, []), 422


def _seen_version() -> int | None:
    """The item's version the verification form was shown with (absent from older pages)."""
    value = request.form.get("seen_version", "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _verified(factory, item, message: str):
    """After the EA's answer: the queue entry's closing line inline, else back where they were."""
    if _inline():
        return render_template("ip/_queue_done.html", item=item, message=message)
    flash(message, "success")
    return redirect(_back(factory, item))


def _verification_page(factory, item, form, return_form, reasons):
    """The EA's two answers for one item: inline as a queue entry, else as a page."""
    today = _today(factory)
    template = "ip/_queue_entry.html" if _inline() else "ip/verify.html"
    return render_template(template, factory=factory, item=item, form=form, return_form=return_form,
                           reasons=reasons, wait=_wait(item, today), today=today,
                           entry=_queue_entry(item), **_evidence_context(item))


# Where the verification forms were posted from: the queue, the EA's inbox, or the item page.
INLINE_ORIGINS = {"queue": "ip.queue", "inbox": "reports.inbox"}


def _inline() -> bool:
    return bool(htmx) and request.form.get("from") in INLINE_ORIGINS


def _back(factory, item):
    origin = INLINE_ORIGINS.get(request.form.get("from", ""))
    return url_for(origin) if origin else url_for("ip.item", factory_id=factory.id, item_id=item.id)


def _queue_entry(item, dates=None):
    if item.remediation_reported_at is None:
        return None
    if dates is None:
        dates = visit_dates([item.factory_id]).get(item.factory_id, [])
    visits, due = verification_due(item.remediation_reported_at, dates)
    return {"visits": visits, "due": due}


@bp.get("/verification")
@login_required
def queue():
    if not can(current_user, "ip.verify"):
        abort(403)
    factory_ids = visible_factory_ids(current_user)
    page = paginate(verification_queue_query(factory_ids))
    entries = verification_entries(factory_ids, page.items)
    return render_template("ip/queue.html", entries=entries, page=page, form=VerifyForm(), return_form=ReturnForm())


# --- a new assessment into the IP ------------------------------------------------------

@bp.route(PREFIX + "/import", methods=["GET", "POST"])
@login_required
def import_findings(factory_id: int):
    factory = load_factory(factory_id, "ip.import")
    cycle = latest_cycle(factory.id)
    if cycle is None:
        flash(_("There is no assessment to import yet."), "info")
        return redirect(url_for("ip.index", factory_id=factory.id))
    plan = plan_import(cycle)
    errors: dict[int, str] = {}
    if request.method == "POST":
        merges = {}
        for finding in plan.new_findings:
            choice = request.form.get(f"merge-{finding.id}", "")
            comment_text = request.form.get(f"comment-{finding.id}", "").strip()[:5000]
            if choice.isdigit() and int(choice) in {i.id for i in plan.repeats.get(finding.id, [])}:
                if not comment_text:
                    errors[finding.id] = _("Please write a comment that tells buyers how this repeated finding "
                                           "is followed up.")
                merges[finding.id] = (int(choice), comment_text)
        if not errors:
            try:
                with unit_of_work():
                    counts = apply_import(plan, current_user, merges)
            except AlreadyImported as refused:
                flash(str(refused.message), "info")
                return redirect(url_for("ip.index", factory_id=factory.id))
            flash(_("Imported: %(created)s new items, %(merged)s merged, %(flagged)s to review with the committee.",
                    created=counts["created"], merged=counts["merged"], flagged=counts["flagged"]), "success")
            return redirect(url_for("ip.index", factory_id=factory.id))
    return render_template("ip/import.html", factory=factory, cycle=cycle, plan=plan, errors=errors,
                           form_values=request.form), 422 if errors else 200
