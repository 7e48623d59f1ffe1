"""The API's schemas: they serialise every answer and, through flask-smorest, are the
OpenAPI document's schemas, so the document cannot drift from what the API sends.

Dates are ISO 8601 (``2026-12-08``); times are ISO 8601 with their zone, always UTC
(``2026-12-08T09:30:00+00:00``), whatever the database hands back."""

from datetime import UTC

from marshmallow import Schema, fields, validate

from ..models import IPStatus, Origin, ReportKind, ReportStatus, Role
from .pagination import page_schema


class UtcDateTime(fields.DateTime):
    """A moment, with its zone: UTC. (SQLite hands back naive datetimes, stored in UTC.)"""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.isoformat()


class Since(fields.AwareDateTime):
    """A moment asked for in a query: with its zone (a time without one is refused)."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        return moment.astimezone(UTC)


def moment(**kwargs):
    return UtcDateTime(format="iso", **kwargs)


def nullable(field_class, *args, **kwargs):
    return field_class(*args, required=True, allow_none=True, **kwargs)


# --- small parts -------------------------------------------------------------------------------

class Ref(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True, metadata={"description": "The catalogue's English name."})


class ProgrammeRef(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})


class CycleRef(Schema):
    id = fields.Integer(required=True)
    number = fields.Integer(required=True)


class Employees(Schema):
    male = fields.Integer(required=True)
    female = fields.Integer(required=True)
    total = fields.Integer(required=True)


# --- who is asking -----------------------------------------------------------------------------

class Token(Schema):
    name = fields.String(required=True)
    prefix = fields.String(required=True, metadata={"description": "The token's first characters."})
    scope = fields.String(required=True, validate=validate.OneOf(["read"]))
    created_at = moment(required=True)
    expires_at = moment(required=True)


class Me(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = fields.Enum(Role, by_value=True, required=True)
    organisation = nullable(fields.String, metadata={"description": "The factory, brand or programme."})
    token = fields.Nested(Token, required=True)


# --- factories ---------------------------------------------------------------------------------

class Factory(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    programme = fields.Nested(ProgrammeRef, required=True)
    active = fields.Boolean(required=True)
    address = fields.String(required=True)
    contact_name = fields.String(required=True)
    phone = fields.String(required=True)
    email = fields.String(required=True)
    ownership_info = fields.String(required=True)
    employees = fields.Nested(Employees, required=True)
    updated_at = nullable(UtcDateTime, format="iso")


FactoryPage = page_schema(Factory, "FactoryPage")


class Cycle(Schema):
    id = fields.Integer(required=True)
    factory_id = fields.Integer(required=True)
    number = fields.Integer(required=True)
    assessment_date = fields.Date(required=True)
    report_release_date = nullable(fields.Date, metadata={"description": "Null until the report is released."})
    findings = fields.Integer(required=True, metadata={"description": "Findings of the assessment."})
    publicly_reported = fields.Integer(required=True, metadata={"description": "Of them, publicly reported."})


class CycleList(Schema):
    data = fields.List(fields.Nested(Cycle), required=True)


# --- publicly reported findings ----------------------------------------------------------------

class EvidenceFile(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)


class Response(Schema):
    text = fields.String(required=True)
    updated_at = nullable(UtcDateTime, format="iso")
    verified = fields.Boolean(required=True)
    verified_at = nullable(UtcDateTime, format="iso")
    files = fields.List(fields.Nested(EvidenceFile), required=True)


class PublicFinding(Schema):
    id = fields.Integer(required=True)
    factory_id = fields.Integer(required=True)
    cycle = fields.Nested(CycleRef, required=True)
    cluster = fields.Nested(Ref, required=True)
    compliance_point = fields.Nested(Ref, required=True)
    text = fields.String(required=True)
    ip_item_id = nullable(fields.Integer)
    response = fields.Nested(Response, required=True, allow_none=True,
                             metadata={"description": "Null until the factory responds."})


PublicFindingPage = page_schema(PublicFinding, "PublicFindingPage")


# --- the Improvement Plan ----------------------------------------------------------------------

class IPItem(Schema):
    """The fields of IP-1 this reader may see (domain.policy.ip_readable_fields); the rest
    are left out of the answer."""

    id = fields.Integer(required=True)
    factory_id = fields.Integer(required=True)
    cycle = fields.Nested(CycleRef, required=True)
    origin = fields.Enum(Origin, by_value=True, required=True)
    raised_by = nullable(fields.String)
    publicly_reported = fields.Boolean(required=True)
    area_of_improvement = fields.String()
    cluster = fields.Nested(Ref, allow_none=True)
    compliance_point = fields.Nested(Ref, allow_none=True)
    root_cause = fields.Nested(Ref, allow_none=True)
    root_cause_description = fields.String()
    actions_needed = fields.String()
    lead_person = fields.String()
    additional_persons = fields.String()
    status = fields.Enum(IPStatus, by_value=True, metadata={
        "description": "As the pages show it: Delayed as soon as the target date has passed."})
    progress = fields.String()
    no_progress = fields.Boolean()
    key_work_ahead = fields.String()
    target_date = fields.Date(allow_none=True)
    completion_date = fields.Date(allow_none=True)
    grievance_mechanism_review = fields.String(metadata={
        "description": "IP-8: an item the new assessment did not repeat, reviewed by the Enterprise Advisor with "
                       "the committee: how effective the grievance mechanism is. Empty until then."})
    grievance_enhancement = fields.String(metadata={
        "description": "IP-8: the enhancements made to the grievance mechanism (or why none were needed)."})
    waiting_for_verification = fields.Boolean(required=True)
    review_with_committee = fields.Boolean(required=True)
    created_at = moment(required=True)
    updated_at = nullable(UtcDateTime, format="iso")


IPItemPage = page_schema(IPItem, "IPItemPage")
IPItemArgs = Schema.from_dict({
    "status": fields.Enum(IPStatus, by_value=True, load_default=None,
                          metadata={"description": "Only items with this status (as shown)."}),
    "public": fields.Boolean(load_default=None,
                             metadata={"description": "Only publicly reported items (true), or only the others."}),
}, name="IPItemArgs")


# --- progress reports --------------------------------------------------------------------------

class ReportLinks(Schema):
    self = fields.String(required=True)
    page = fields.String(required=True, metadata={"description": "The report in the portal (signed in)."})
    pdf = nullable(fields.String, metadata={"description": "The final report as PDF (GET with the token); "
                                                          "null until the report is final."})


class Report(Schema):
    id = fields.Integer(required=True)
    factory_id = fields.Integer(required=True)
    cycle = fields.Nested(CycleRef, required=True)
    kind = fields.Enum(ReportKind, by_value=True, required=True)
    status = fields.Enum(ReportStatus, by_value=True, required=True,
                         metadata={"description": "approved is final: the report never changes again."})
    report_date = fields.Date(required=True)
    created_at = moment(required=True)
    submitted_at = nullable(UtcDateTime, format="iso")
    approved_at = nullable(UtcDateTime, format="iso")
    links = fields.Nested(ReportLinks, required=True)


class ReportList(Schema):
    data = fields.List(fields.Nested(Report), required=True)


class ReportDetail(Report):
    snapshot = fields.Dict(required=True, allow_none=True, metadata={
        "description": "The report as frozen at submission (PR-8): enterprise data, sections and annexes. "
                       "Null for a draft."})


class PdfQueued(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["queued", "rendering"]))
    retry_after = fields.Integer(required=True, metadata={"description": "Seconds to wait before asking again."})


PdfArgs = Schema.from_dict({
    "lang": fields.String(load_default="en", metadata={"description": "The language of the PDF."}),
}, name="PdfArgs")


# --- changes -----------------------------------------------------------------------------------

RESOURCES = ["factory", "cycle", "ip_item", "public_finding", "report"]


class ChangeEntry(Schema):
    resource = fields.String(required=True, validate=validate.OneOf(RESOURCES))
    id = fields.Integer(required=True, metadata={"description": "The id of the changed object."})
    factory_id = fields.Integer(required=True)
    removed = fields.Boolean(required=True, metadata={"description": "The object no longer exists."})
    changed_at = moment(required=True)
    url = nullable(fields.String, metadata={"description": "Where to read the object now; null if removed."})


class ChangePage(Schema):
    data = fields.List(fields.Nested(ChangeEntry), required=True)
    next_cursor = fields.String(required=True, metadata={
        "description": "Keep it: the next sync starts here (?cursor=), even when data is empty."})
    has_more = fields.Boolean(required=True, metadata={"description": "Ask again at once with next_cursor."})


class ChangeArgs(Schema):
    since = Since(load_default=None, metadata={
        "description": "A first sync: changes recorded from this moment on (ISO 8601 with its zone)."})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "The next_cursor of the previous answer."})
    limit = fields.Integer(load_default=100, validate=validate.Range(1, 500))

