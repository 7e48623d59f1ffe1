"""/api/v1: what a brand (and an advisor, a factory, a programme) reads of the factories it
may see, with a personal access token. Every operation loads through the pages' scoping
(blueprints.scoping: a foreign id is a 404), asks the policy for the pages' action (403),
and reads through the pages' domain queries. Nothing here changes the portal's data.
"""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from ..blueprints.reports.loading import load_report
from ..blueprints.scoping import load_factory, load_owned
from ..domain import changes, documents
from ..domain.assessments.cycles import cycle_summaries
from ..domain.ip.queries import Filters, filtered_items
from ..domain.ip.status import effective_status
from ..domain.policy import can, ip_readable_fields
from ..domain.public import issues
from ..domain.reports.queries import reports_of
from ..domain.tenancy import visible_factory_ids
from ..domain.time import factory_today
from ..extensions import db
from ..models import Factory, Finding, IPItem, ReportStatus
from ..web.unit_of_work import unit_of_work
from . import auth, errors, pagination, schemas
from .caching import conditional

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1",
               description="The data of the factories your account may see, read with a personal access token.")
errors.register(bp)
bp.before_request(auth.authenticate)
bp.after_request(conditional("private, no-cache"))
auth.per_token(bp)
auth.per_address(bp)

SECURITY = [{"bearerAuth": []}]
NOT_FINAL = _l("A PDF is kept only for a final report.")
UNKNOWN_LANGUAGE = _l("The portal has no such language.")


def read(rule: str, operation_id: str, schema, summary: str, *, args=None, with_ids: bool = True,
         content_type: str | None = None, alternatives=()):
    """A GET operation: its route, stable operationId, query arguments, answer schema and the
    answers every operation may give (304 to a matching If-None-Match, 401, 403, 404, 429)."""
    def decorator(view):
        for status, name in ((304, "NOT_MODIFIED"), (401, "UNAUTHORIZED"), (403, "FORBIDDEN"),
                             *(((404, "NOT_FOUND"),) if with_ids else ()), (429, "TOO_MANY_REQUESTS"),
                             *alternatives):
            view = bp.alt_response(status, response=name)(view)
        view = bp.response(200, schema, content_type=content_type, headers={"ETag": "ETAG"})(view)
        if args is not None:
            view = bp.arguments(args, location="query", as_kwargs=True)(view)
        view = bp.doc(operationId=operation_id, summary=summary, security=SECURITY)(view)
        return bp.route(rule, methods=["GET"], endpoint=operation_id, parameters=["IF_NONE_MATCH"])(view)
    return decorator


# --- who asks ----------------------------------------------------------------------------------

@read("/me", "getMe", schemas.Me, "The account and the token making this request", with_ids=False)
def me():
    user = auth.user()
    organisation = user.factory or user.buyer_organisation or user.programme
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role,
            "organisation": organisation.name if organisation is not None else None, "token": auth.token()}


# --- factories ---------------------------------------------------------------------------------

def _factory(factory: Factory) -> dict:
    return {"id": factory.id, "name": factory.name, "programme": factory.programme, "active": factory.active,
            "address": factory.address, "contact_name": factory.contact_name, "phone": factory.phone,
            "email": factory.email, "ownership_info": factory.ownership_info, "updated_at": factory.updated_at,
            "employees": {"male": factory.male_employees, "female": factory.female_employees,
                          "total": factory.total_employees}}


@read("/factories", "listFactories", schemas.FactoryPage, "The factories you may see", args=pagination.PageArgs,
      with_ids=False)
def factories(cursor, limit):
    user = auth.user()
    if not can(user, "enterprise.view"):
        abort(403)
    after = pagination.decode(cursor, pagination.ID_MAX)
    stmt = select(Factory).where(Factory.id.in_(visible_factory_ids(user)))
    if after:
        stmt = stmt.where(Factory.id > after[0])
    rows, next_cursor = pagination.keyset(list(db.session.scalars(stmt.order_by(Factory.id).limit(limit + 1))),
                                          limit, lambda f: (f.id,))
    return pagination.with_next_link({"data": [_factory(f) for f in rows], "next_cursor": next_cursor})


@read("/factories/<int:factory_id>", "getFactory", schemas.Factory, "One factory's enterprise data")
def factory(factory_id: int):
    return _factory(load_factory(factory_id, "enterprise.view", auth.user()))


@read("/factories/<int:factory_id>/cycles", "listCycles", schemas.CycleList,
      "The factory's service cycles, newest first, with their assessment's counts")
def cycles(factory_id: int):
    found = load_factory(factory_id, "public.view", auth.user())
    return {"data": [{"id": s.cycle.id, "factory_id": s.cycle.factory_id, "number": s.cycle.number,
                      "assessment_date": s.cycle.assessment_date,
                      "report_release_date": s.cycle.report_release_date,
                      "findings": s.findings, "publicly_reported": s.publicly_reported}
                     for s in cycle_summaries(found.id)]}


# --- publicly reported findings ----------------------------------------------------------------

def _public_finding(issue) -> dict:
    finding, response = issue.finding, issue.response
    answer = None
    if response is not None:
        answer = {"text": response.text, "updated_at": response.updated_at, "verified": response.verified,
                  "verified_at": response.verified_at,
                  "files": [{"id": f.id, "name": f.original_name, "content_type": f.content_type, "size": f.size}
                            for f in response.files]}
    return {"id": finding.id, "factory_id": finding.factory_id, "cycle": finding.cycle,
            "cluster": finding.cluster, "compliance_point": finding.compliance_point, "text": finding.text,
            "ip_item_id": finding.ip_item_id, "response": answer}


PublicFindingArgs = Schema.from_dict({
    **pagination.PageArgs().fields, "cycle_id": fields.Integer(
        load_default=None, validate=validate.Range(1, pagination.ID_MAX),
        metadata={"description": "Only the findings of this cycle."})}, name="PublicFindingArgs")


@read("/factories/<int:factory_id>/public-findings", "listPublicFindings", schemas.PublicFindingPage,
      "The factory's publicly reported findings (PUB-1) with its responses and their verification",
      args=PublicFindingArgs)
def public_findings(factory_id: int, cursor, limit, cycle_id):
    found = load_factory(factory_id, "public.view", auth.user())
    after = pagination.decode(cursor, pagination.ID_MAX)
    conditions = [Finding.cycle_id == cycle_id] if cycle_id is not None else []
    rows = issues.public_findings_after(found.id, after[0] if after else 0, limit + 1, *conditions)
    rows, next_cursor = pagination.keyset(rows, limit, lambda issue: (issue.finding.id,))
    return pagination.with_next_link({"data": [_public_finding(i) for i in rows], "next_cursor": next_cursor})


@read("/factories/<int:factory_id>/public-findings/<int:finding_id>", "getPublicFinding", schemas.PublicFinding,
      "One publicly reported finding with the factory's response")
def public_finding(factory_id: int, finding_id: int):
    found = load_factory(factory_id, "public.view", auth.user())
    rows = issues.public_findings_after(found.id, finding_id - 1, 1, Finding.id == finding_id)
    if not rows:
        abort(404)
    return _public_finding(rows[0])


# --- the Improvement Plan ----------------------------------------------------------------------

def _item(item: IPItem, today, readable: frozenset) -> dict:
    shown = {"id": item.id, "factory_id": item.factory_id, "cycle": item.cycle, "origin": item.origin,
             "raised_by": item.raised_by.name if item.raised_by else None,
             "publicly_reported": item.publicly_reported, "created_at": item.created_at,
             "updated_at": item.updated_at, "review_with_committee": item.review_with_committee,
             "waiting_for_verification": item.remediation_reported_at is not None and item.status.is_open}
    for name in readable:
        field = name.removesuffix("_id")
        shown[field] = effective_status(item, today) if name == "status" else getattr(item, field)
    return shown


IPItemArgs = Schema.from_dict({**pagination.PageArgs().fields, **schemas.IPItemArgs().fields},
                                      name="IPItemListArgs")


@read("/factories/<int:factory_id>/ip-items", "listIPItems", schemas.IPItemPage,
      "The factory's Improvement Plan: its items, with the fields your role may read", args=IPItemArgs)
def ip_items(factory_id: int, cursor, limit, status, public):
    user = auth.user()
    found = load_factory(factory_id, "ip.view", user)
    today = factory_today(found)
    after = pagination.decode(cursor, pagination.ID_MAX)
    stmt = filtered_items(found.id, Filters(status=status, public=public), today)
    if after:
        stmt = stmt.where(IPItem.id > after[0])
    rows = list(db.session.scalars(stmt.order_by(IPItem.id).limit(limit + 1)).unique())
    rows, next_cursor = pagination.keyset(rows, limit, lambda item: (item.id,))
    readable = ip_readable_fields(user)
    return pagination.with_next_link({"data": [_item(i, today, readable) for i in rows], "next_cursor": next_cursor})


@read("/factories/<int:factory_id>/ip-items/<int:item_id>", "getIPItem", schemas.IPItem, "One item of the IP")
def ip_item(factory_id: int, item_id: int):
    user = auth.user()
    found = load_factory(factory_id, "ip.view", user)
    return _item(load_owned(found, IPItem, item_id, user), factory_today(found), ip_readable_fields(user))


# --- progress reports --------------------------------------------------------------------------

def _report(report, snapshot: bool = False) -> dict:
    values = {"factory_id": report.factory_id, "report_id": report.id}
    shown = {"id": report.id, "factory_id": report.factory_id, "cycle": report.cycle, "kind": report.kind,
             "status": report.status, "report_date": report.report_date, "created_at": report.created_at,
             "submitted_at": report.submitted_at, "approved_at": report.approved_at,
             "links": {"self": url_for("api_v1.getReport", **values),
                       "page": url_for("reports.view", **values),
                       "pdf": url_for("api_v1.getReportPdf", **values)
                       if report.status is ReportStatus.APPROVED else None}}
    if snapshot:
        shown["snapshot"] = report.snapshot if report.status is not ReportStatus.DRAFT else None
    return shown


@read("/factories/<int:factory_id>/reports", "listReports", schemas.ReportList,
      "The factory's progress reports you may read (buyers: the final ones of the cycles they follow)")
def reports(factory_id: int):
    user = auth.user()
    found = load_factory(factory_id, "report.view", user)
    return {"data": [_report(r) for r in reports_of(found.id, user)]}


@read("/factories/<int:factory_id>/reports/<int:report_id>", "getReport", schemas.ReportDetail,
      "One progress report, with its snapshot frozen at submission")
def report(factory_id: int, report_id: int):
    _factory_row, found = load_report(factory_id, report_id, user=auth.user())
    return _report(found, snapshot=True)


@read("/factories/<int:factory_id>/reports/<int:report_id>/pdf", "getReportPdf", None,
      "A final report as PDF: 200 with the file once made, 202 while a worker makes it",
      args=schemas.PdfArgs, content_type="application/pdf", alternatives=((202, "PDF_QUEUED"),))
def report_pdf(factory_id: int, report_id: int, lang):
    user = auth.user()
    _factory_row, found = load_report(factory_id, report_id, user=user)
    if found.status is not ReportStatus.APPROVED:
        abort(404, message=str(NOT_FINAL))
    if lang not in current_app.config["LOCALES"]:
        abort(422, message=str(UNKNOWN_LANGUAGE), errors={"query": {"lang": [str(UNKNOWN_LANGUAGE)]}})
    document = documents.kept_document(found, lang)
    state = documents.state(document) if document is not None else "failed"
    response = documents.send(document) if state == "ready" else None
    if response is not None:
        with unit_of_work():
            documents.record_download(user, document)  # before the file leaves, as on the pages
        return response
    if state in ("failed", "ready"):  # never asked for, the worker gave up (or its file just went): ask again
        with unit_of_work():
            document = documents.request_report(found, user, lang)
        state = "queued"
    return current_app.response_class(
        current_app.json.dumps({"status": state, "retry_after": 10}), status=202, mimetype="application/json",
        headers={"Retry-After": "10"})


# --- changes -----------------------------------------------------------------------------------

def _change_url(entry) -> str | None:
    if entry.removed:
        return None
    values = {"factory_id": entry.factory_id}
    if entry.resource == "factory":
        return url_for("api_v1.getFactory", **values)
    if entry.resource == "cycle":
        return url_for("api_v1.listCycles", **values)
    if entry.resource == "ip_item":
        return url_for("api_v1.getIPItem", item_id=entry.object_id, **values)
    if entry.resource == "public_finding":
        return url_for("api_v1.getPublicFinding", finding_id=entry.object_id, **values)
    return url_for("api_v1.getReport", report_id=entry.object_id, **values)


@read("/changes", "listChanges", schemas.ChangePage,
      "What changed in the factories you may see, oldest first: sync from here", args=schemas.ChangeArgs,
      with_ids=False)
def list_changes(since, cursor, limit):
    after = pagination.decode(cursor, pagination.TXID_MAX, pagination.ID_MAX)
    page = changes.page(auth.user(), changes.Position(*after) if after else None, since, limit)
    return {"data": [{"resource": e.resource, "id": e.object_id, "factory_id": e.factory_id, "removed": e.removed,
                      "changed_at": e.at, "url": _change_url(e)} for e in page.entries],
            "next_cursor": pagination.encode(page.next.txid, page.next.id), "has_more": page.more}

