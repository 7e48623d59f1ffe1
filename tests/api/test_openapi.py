"""The OpenAPI 3.1 document (API-1): generated from the schemas that serialise the answers,
with stable operation ids, browsable as an HTML page under the strict CSP; and a
property-based run of it against the app (schemathesis, in-process, seeded data, a bounded
number of examples) that finds no 500 and no answer that breaks its schema."""

import contextvars
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bwportal.domain import documents
from bwportal.extensions import db
from bwportal.models import Document, DocumentStatus, ReportStatus
from tests import factories as f

DOCUMENT = "/api/v1/openapi.json"
# Clients generate code from these: renaming one breaks them. Add, never rename.
OPERATIONS = {
    "getMe", "listFactories", "getFactory", "listCycles", "listPublicFindings", "getPublicFinding",
    "listIPItems", "getIPItem", "listReports", "getReport", "getReportPdf", "listChanges",
    "getOpenDataJson", "getOpenDataCsv",
}


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in spec["paths"].items() for method, op in item.items()
            if method in ("get", "post", "put", "patch", "delete")]


def test_the_document_is_openapi_3_1_with_stable_operation_ids(client):
    response = client.get(DOCUMENT)
    assert response.status_code == 200 and response.headers["ETag"]
    assert client.get(DOCUMENT, headers={"If-None-Match": response.headers["ETag"]}).status_code == 304
    spec = response.get_json()
    assert spec["openapi"] == "3.1.0"
    found = [op["operationId"] for _path, _method, op in operations(spec)]
    assert sorted(found) == sorted(OPERATIONS) and len(found) == len(set(found))
    assert all(path.startswith("/api/v1/") for path in spec["paths"])
    for path, _method, op in operations(spec):
        assert op["summary"] and op["responses"]["default"], path
        if not path.startswith("/api/v1/open-data"):
            assert op["security"] == [{"bearerAuth": []}], path
    errors = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert errors["application/problem+json"]["schema"]["$ref"].endswith("/Problem")
    times = spec["components"]["schemas"]["Token"]["properties"]["expires_at"]
    assert times["format"] == "date-time"


def test_the_reference_page_is_made_from_the_document_without_script(client):
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    for operation in OPERATIONS:
        assert f'id="{operation}"' in html, operation
    assert 'id="schema-IPItem"' in html and "<script>" not in html and " style=" not in html


# --- the property-based run --------------------------------------------------------------------

EXAMPLES = 10  # per operation, role and mode: the run stays within seconds
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def seeded(app, world):
    """A buyer and an EA with tokens, and Angkor with every kind of object the API hands out:
    cycles, an IP item, public findings with a verified response and a file, a draft and a
    final report whose PDF is ready in every language."""
    from bwportal.domain.ip import operations as ops

    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90), date.today() - timedelta(days=60))
    finding = f.make_finding(cycle, text="Overtime unpaid", publicly_reported=True)
    item = ops.item_from_finding(finding, world.ea)
    item.target_date = date.today() - timedelta(days=2)
    response = f.make_public_response(finding, verified_by=world.ea)
    f.make_evidence_file(response, app.config["STORAGE_DIR"])
    final = f.make_report(cycle, status=ReportStatus.APPROVED, frozen=True)
    f.make_report(cycle)
    folder = Path(app.config["STORAGE_DIR"], documents.FOLDER)
    folder.mkdir(parents=True, exist_ok=True)
    for locale in app.config["LOCALES"]:
        name = f"schemathesis-{final.id}-{locale}.pdf"
        Path(folder, name).write_bytes(b"%PDF-1.4\n%%EOF\n")
        db.session.add(Document(factory_id=world.angkor.id, kind="report", report_id=final.id, locale=locale,
                                final=True, status=DocumentStatus.READY, stored_name=name))
    tokens = {who: f.make_api_token(getattr(world, who))[1] for who in ("buyer", "ea")}
    db.session.commit()
    return {"tokens": tokens, "ids": {"factory_id": world.angkor.id, "item_id": item.id, "finding_id": finding.id,
                                      "report_id": final.id}}


def _run(strategy, headers: dict) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()


def test_the_api_keeps_to_its_document(app, seeded):
    """Every operation, as a buyer and as an EA, with real ids and with generated ones, with
    valid and invalid parameters: never a 500, never an answer its schema does not describe."""

    def isolated(environ, start_response):
        """Each request in its own context, as in production; uncompressed (schemathesis reads
        the body as sent, and compression is Flask-Compress's business, not the API's)."""
        environ.pop("HTTP_ACCEPT_ENCODING", None)
        return contextvars.Context().run(app.wsgi_app, environ, start_response)

    with app.test_request_context():
        spec = app.extensions["bwportal_api"].spec.to_dict()
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = isolated
    runs = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        names = set(re.findall(r"{(\w+)}", operation.path))
        real = {name: value for name, value in seeded["ids"].items() if name in names}
        for who, token in seeded["tokens"].items():
            headers = {"Authorization": f"Bearer {token}"}
            modes = [(GenerationMode.POSITIVE, real)]
            if who == "buyer":  # generated ids and invalid parameters: once is enough
                modes += [(GenerationMode.POSITIVE, {}), (GenerationMode.NEGATIVE, real)]
            for mode, fixed in modes:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=fixed or None)

                _run(strategy, headers)
                runs += 1
    assert runs == len(OPERATIONS) * 4
