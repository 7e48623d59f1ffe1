"""Open data (API-1): the Transparency Portal's contents as JSON and CSV, whole or for one
programme, with a licence and the date of the data; no token, cacheable by anyone.

Exactly what the public pages show (domain.public.transparency.listed_pages: the listed
factories, their latest released assessment's publicly reported findings, the factories'
responses, whether verified, and their public evidence files), with catalogue names in
English so the files are the same for every visitor.
"""

import csv
import io
from datetime import UTC, datetime

from flask import current_app, url_for
from flask_babel import force_locale
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate
from werkzeug.http import http_date

from ..domain.public import transparency
from ..extensions import db
from ..models import Programme
from . import auth, errors
from .caching import conditional
from .pagination import ID_MAX
from .schemas import UtcDateTime

bp = Blueprint("api_open_data", __name__, url_prefix="/api/v1/open-data",
               description="The Transparency Portal's contents as open data: no token needed.")
errors.register(bp)
bp.after_request(conditional("public, max-age=300", vary_authorization=False))
auth.per_address(bp)


@bp.after_request
def _anyone_may_read(response):
    response.headers["Access-Control-Allow-Origin"] = "*"  # public data: any site's script may read it
    return response


class Licence(Schema):
    name = fields.String(required=True)
    url = fields.String(required=True)


class OpenFile(Schema):
    name = fields.String(required=True)
    url = fields.String(required=True)
    kind = fields.String(required=True, metadata={"description": "pdf or image"})


class OpenFinding(Schema):
    cluster = fields.String(required=True)
    compliance_point = fields.String(required=True)
    finding = fields.String(required=True)
    response = fields.String(required=True, metadata={"description": "Empty until the factory responds."})
    response_verified = fields.Boolean(required=True, metadata={"description": "Verified by Better Work."})
    evidence_files = fields.List(fields.Nested(OpenFile), required=True)


class OpenFactory(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True, metadata={"description": "ISO 3166-1 alpha-2."})
    programme = fields.String(required=True)
    url = fields.String(required=True, metadata={"description": "The factory's page on the Transparency Portal."})
    report_release_date = fields.Date(required=True, metadata={"description": "Of its latest released assessment."})
    findings = fields.List(fields.Nested(OpenFinding), required=True)


class OpenProgramme(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    country = fields.String(required=True)


class OpenData(Schema):
    licence = fields.Nested(Licence, required=True)
    data_date = fields.Date(required=True, metadata={"description": "The day the data was read (UTC)."})
    last_modified = UtcDateTime(format="iso", required=True,
                                metadata={"description": "When anything in it last changed."})
    source = fields.String(required=True)
    programme = fields.Nested(OpenProgramme, required=True, allow_none=True,
                              metadata={"description": "Null for the whole portal."})
    factories = fields.List(fields.Nested(OpenFactory), required=True)


OpenDataArgs = Schema.from_dict({"programme_id": fields.Integer(
    load_default=None, validate=validate.Range(1, ID_MAX),  # past an id column's range: no such programme
    metadata={"description": "Only this programme's factories; leave out for all."})},
    name="OpenDataArgs")

COLUMNS = ("programme", "country", "factory_id", "factory", "factory_url", "report_release_date", "cluster",
           "compliance_point", "finding", "response", "response_verified", "evidence_files", "licence", "data_date")


def _data(programme_id: int | None) -> dict:
    programme = None
    if programme_id is not None:
        programme = db.session.get(Programme, programme_id)
        if programme is None:
            abort(404)
    now = datetime.now(UTC)
    today = now.date()
    with force_locale("en"):  # listed as the pages list them: by each programme's local date
        pages = transparency.listed_pages(transparency.local_days(now), programme_id)
    last = max((page.changed_at for page in pages), default=datetime.combine(today, datetime.min.time(), UTC))
    return {
        "licence": {"name": current_app.config["OPEN_DATA_LICENCE"],
                    "url": current_app.config["OPEN_DATA_LICENCE_URL"]},
        "data_date": today, "last_modified": last,
        "source": url_for("transparency.index", _external=True),
        "programme": programme,
        "factories": [{
            "id": page.factory.id, "name": page.factory.name, "country": page.factory.country,
            "programme": page.factory.programme,
            "url": url_for("transparency.factory", public_id=page.factory.id, _external=True),
            "report_release_date": page.report_release_date,
            "findings": [{
                "cluster": f.cluster, "compliance_point": f.compliance_point, "finding": f.text,
                "response": f.response_text, "response_verified": f.verified,
                "evidence_files": [{"name": file.name, "kind": "pdf" if file.is_pdf else "image",
                                    "url": url_for("transparency.evidence", public_file_id=file.id, _external=True)}
                                   for file in f.files]} for f in page.findings]} for page in pages],
    }


def _doc(operation_id: str, summary: str):
    def decorator(view):
        for status, name in ((304, "NOT_MODIFIED"), (404, "NOT_FOUND"), (429, "TOO_MANY_REQUESTS")):
            view = bp.alt_response(status, response=name)(view)
        return bp.doc(operationId=operation_id, summary=summary, security=[])(view)
    return decorator


@bp.route("/transparency.json", methods=["GET"], endpoint="getOpenDataJson", parameters=["IF_NONE_MATCH"])
@_doc("getOpenDataJson", "The Transparency Portal as JSON")
@bp.arguments(OpenDataArgs, location="query", as_kwargs=True)
@bp.response(200, OpenData, headers={"ETag": "ETAG"})
def as_json(programme_id):
    data = _data(programme_id)
    return data, 200, {"Last-Modified": http_date(data["last_modified"])}


@bp.route("/transparency.csv", methods=["GET"], endpoint="getOpenDataCsv", parameters=["IF_NONE_MATCH"])
@_doc("getOpenDataCsv", "The Transparency Portal as CSV: one row per finding (a factory without any: one row)")
@bp.arguments(OpenDataArgs, location="query", as_kwargs=True)
@bp.response(200, content_type="text/csv", headers={"ETag": "ETAG"},
             description="UTF-8 with a byte order mark (spreadsheets then read every script right).")
def as_csv(programme_id):
    data = _data(programme_id)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    common = (data["licence"]["name"], data["data_date"].isoformat())
    for factory in data["factories"]:
        place = (factory["programme"], factory["country"], factory["id"], factory["name"], factory["url"],
                 factory["report_release_date"].isoformat())
        for f in factory["findings"] or [None]:
            finding = ("", "", "", "", "", "") if f is None else (
                f["cluster"], f["compliance_point"], f["finding"], f["response"],
                "yes" if f["response_verified"] else "no", " ".join(e["url"] for e in f["evidence_files"]))
            writer.writerow([_as_text(value) for value in (*place, *finding, *common)])
    name = f"transparency-{data['data_date'].isoformat()}.csv"
    response = current_app.response_class("\ufeff" + buffer.getvalue(), mimetype="text/csv",
                                          headers={"Content-Disposition": f'inline; filename="{name}"'})
    response.last_modified = data["last_modified"]
    return response


def _as_text(value):
    """Spreadsheets run a cell that starts with = + - @ as a formula: factories' text stays text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
