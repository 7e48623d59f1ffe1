"""The read API (API-1) as each role uses it: the same factories, items, findings and reports
as the pages, paginated by cursor, with ETags, one error shape, and times with their zone."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from werkzeug.exceptions import BadRequest

from bwportal.domain.errors import Conflict
from bwportal.domain.ip import operations as ops
from bwportal.extensions import db
from bwportal.models import AuditEvent, Document, ReportStatus
from tests import factories as f

API = "/api/v1"
ZONED = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00$")


def names(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [row["name"] for row in response.get_json()["data"]]


def test_each_role_lists_the_factories_its_pages_show(world, read):
    """TEN-1/ROLE-4: a brand reads the factories it follows; an EA its assigned ones; an
    admin its programme's."""
    assert names(read(world.buyer, f"{API}/factories")) == ["Angkor Garments"]
    assert names(read(world.other_buyer, f"{API}/factories")) == ["Bandung Textiles"]
    assert names(read(world.ea2, f"{API}/factories")) == ["Mekong Apparel"]
    assert names(read(world.factory_user, f"{API}/factories")) == ["Angkor Garments"]
    assert sorted(names(read(world.admin, f"{API}/factories"))) == ["Angkor Garments", "Mekong Apparel"]
    me = read(world.buyer, f"{API}/me").get_json()
    assert me["role"] == "buyer" and me["organisation"] == "Northwind Apparel" and me["token"]["scope"] == "read"


def test_lists_are_read_a_page_at_a_time_by_cursor(world, read):
    for n in range(3):
        f.make_factory(world.kh, name=f"Extra {n}")
    db.session.commit()
    seen, path, pages = [], f"{API}/factories?limit=2", 0
    while path:
        response = read(world.admin, path)
        body = response.get_json()
        seen += [row["id"] for row in body["data"]]
        pages += 1
        if body["next_cursor"]:
            assert response.headers["Link"].endswith('rel="next"') and "cursor=" in response.headers["Link"]
            path = f"{API}/factories?limit=2&cursor={body['next_cursor']}"
        else:
            assert "Link" not in response.headers
            path = None
    assert pages == 3 and len(seen) == 5 and seen == sorted(set(seen))
    bad = read(world.admin, f"{API}/factories?cursor=not-ours")
    assert bad.status_code == 422 and bad.get_json()["errors"]["query"]["cursor"]


def test_ip_items_show_the_pages_status_and_the_fields_the_policy_lets_the_reader_see(world, read, monkeypatch):
    """IP-3: an open item past its target date reads Delayed, as on the pages; IP-2's
    readable fields come from domain.policy."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    item = ops.item_from_finding(f.make_finding(cycle, text="Fire exits blocked"), world.ea)
    item.target_date, item.lead_person = date.today() - timedelta(days=3), "Dara"
    db.session.commit()
    body = read(world.buyer, f"{API}/factories/{world.angkor.id}/ip-items").get_json()
    shown = body["data"][0]
    assert shown["status"] == "delayed" and shown["lead_person"] == "Dara"
    assert shown["compliance_point"]["name"] == "Overtime Wages" and shown["cycle"]["number"] == 1
    assert ZONED.match(shown["created_at"])
    only = read(world.buyer, f"{API}/factories/{world.angkor.id}/ip-items?status=delayed").get_json()["data"]
    assert [i["id"] for i in only] == [item.id]
    assert read(world.buyer, f"{API}/factories/{world.angkor.id}/ip-items?status=completed").get_json()["data"] == []
    monkeypatch.setattr("bwportal.api.v1.ip_readable_fields", lambda user: frozenset({"status"}))
    narrow = read(world.buyer, f"{API}/factories/{world.angkor.id}/ip-items/{item.id}").get_json()
    assert narrow["status"] == "delayed" and "lead_person" not in narrow and "area_of_improvement" not in narrow


def test_a_buyer_reads_only_final_reports_of_the_cycles_it_follows(world, read):
    """PR-9: buyers read final reports; drafts are 404 to them, as on the pages."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    final = f.make_report(cycle, status=ReportStatus.APPROVED, frozen=True)
    draft = f.make_report(cycle)
    db.session.commit()
    base = f"{API}/factories/{world.angkor.id}/reports"
    listed = read(world.buyer, base).get_json()["data"]
    assert [r["id"] for r in listed] == [final.id]
    assert listed[0]["links"]["pdf"].endswith(f"/reports/{final.id}/pdf")
    detail = read(world.buyer, f"{base}/{final.id}").get_json()
    assert detail["snapshot"]["enterprise"]["name"] == "Angkor Garments" and detail["status"] == "approved"
    assert read(world.buyer, f"{base}/{draft.id}").status_code == 404
    mine = read(world.factory_user, f"{base}/{draft.id}").get_json()
    assert mine["snapshot"] is None and mine["links"]["pdf"] is None
    assert {r["id"] for r in read(world.factory_user, base).get_json()["data"]} == {final.id, draft.id}


def test_a_final_reports_pdf_is_made_once_then_sent(app, world, read, jobs):
    """JOB-1 through the API: 202 while the worker makes it, then the file; the download is
    in the audit trail as on the pages."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    final = f.make_report(cycle, status=ReportStatus.APPROVED, frozen=True)
    db.session.commit()
    url = f"{API}/factories/{world.angkor.id}/reports/{final.id}/pdf?lang=en"
    first = read(world.buyer, url)
    assert first.status_code == 202 and first.get_json()["status"] == "queued" and first.headers["Retry-After"]
    document = db.session.scalar(db.select(Document).filter_by(report_id=final.id))
    assert document is not None and document.final
    jobs()  # the worker (in-process on the embedded default: already done)
    ready = read(world.buyer, url)
    assert ready.status_code == 200 and ready.mimetype == "application/pdf" and ready.data.startswith(b"%PDF")
    downloads = db.session.scalars(db.select(AuditEvent).filter_by(action="document.download")).all()
    assert [e.actor_id for e in downloads] == [world.buyer.id]
    again = read(world.buyer, url)
    assert again.status_code == 200 and db.session.scalar(db.select(db.func.count(Document.id))) == 1
    assert read(world.buyer, f"{API}/factories/{world.angkor.id}/reports/{final.id}/pdf?lang=xx").status_code == 422


def test_public_findings_come_with_the_factorys_response_and_its_verification(app, world, read):
    """PUB-1/PUB-2: the findings, the response text, whether the EA verified it, the files."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=90))
    finding = f.make_finding(cycle, text="Overtime unpaid", publicly_reported=True)
    response = f.make_public_response(finding, text="Paid back in May", verified_by=world.ea)
    f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="payslip.png")
    f.make_finding(cycle, text="Not public", publicly_reported=False)
    db.session.commit()
    rows = read(world.buyer, f"{API}/factories/{world.angkor.id}/public-findings").get_json()["data"]
    assert [r["text"] for r in rows] == ["Overtime unpaid"]
    answer = rows[0]["response"]
    assert answer["text"] == "Paid back in May" and answer["verified"] is True and ZONED.match(answer["verified_at"])
    assert [file["name"] for file in answer["files"]] == ["payslip.png"]
    one = read(world.buyer, f"{API}/factories/{world.angkor.id}/public-findings/{finding.id}").get_json()
    assert one == rows[0]
    cycles = read(world.buyer, f"{API}/factories/{world.angkor.id}/cycles").get_json()["data"]
    assert cycles[0]["findings"] == 2 and cycles[0]["publicly_reported"] == 1


def test_an_unchanged_answer_is_a_304_without_a_body(world, read):
    first = read(world.buyer, f"{API}/factories")
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache" and "Authorization" in first.headers["Vary"]
    again = read(world.buyer, f"{API}/factories", **{"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    world.angkor.phone = "+855 12 345 678"
    db.session.commit()
    changed = read(world.buyer, f"{API}/factories", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def problem(response, status: int) -> dict:
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["code"] and body["detail"] and body["title"] and body["type"]
    return body


def test_every_error_has_one_json_shape(app, client, world, read, bearer, monkeypatch):
    """400, 401, 403, 404, 405, 409, 422, 429 and 500 all answer problem details."""
    problem(client.get(f"{API}/factories"), 401)
    problem(read(world.buyer, f"{API}/factories/{world.bandung.id}"), 404)
    problem(read(world.buyer, f"{API}/nothing/here"), 404)
    problem(read(world.buyer, f"{API}/factories?limit=0"), 422)
    # past an id column's range (PostgreSQL refused it: a 500 schemathesis found)
    problem(read(world.buyer, f"{API}/factories/{world.angkor.id}/public-findings?cycle_id=4294967295"), 422)
    assert problem(client.post(f"{API}/factories"), 405)["code"] == "method_not_allowed"
    token, secret = f.make_api_token(world.buyer, name="write?")
    token.scope = "write"  # no such scope is handed out: refused whatever it asks
    db.session.commit()
    problem(client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}), 403)

    def fails(error):
        def raiser(*args, **kwargs):
            raise error
        return raiser

    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: a 500, not a traceback
    for error, status in ((BadRequest(), 400), (Conflict("Changed meanwhile"), 409), (RuntimeError("boom"), 500)):
        monkeypatch.setattr("bwportal.api.v1.cycle_summaries", fails(error))
        body = problem(read(world.buyer, f"{API}/factories/{world.angkor.id}/cycles"), status)
        assert "boom" not in body["detail"] and "Traceback" not in body["detail"]
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", True)
    monkeypatch.setitem(app.config, "API_LIMIT_PER_TOKEN", "2/minute")
    headers = bearer(world.ea)
    assert [client.get(f"{API}/me", headers=headers).status_code for _ in range(2)] == [200, 200]
    limited = client.get(f"{API}/me", headers=headers)
    problem(limited, 429)
    assert limited.headers["Retry-After"]
    assert client.get(f"{API}/me", headers=bearer(world.buyer)).status_code == 200  # per token


def test_times_are_iso_8601_with_their_zone(world, read):
    world.angkor.updated_at = datetime(2026, 3, 1, 8, 30)  # naive, as SQLite hands it back: UTC
    db.session.commit()
    shown = read(world.buyer, f"{API}/factories/{world.angkor.id}").get_json()
    assert shown["updated_at"] == "2026-03-01T08:30:00+00:00"
    assert ZONED.match(read(world.buyer, f"{API}/me").get_json()["token"]["expires_at"])


def test_every_use_of_a_token_is_in_the_audit_trail_once_per_hour(world, read, time_machine):
    """API-1: who read, when, from where, how often; one entry per token, address and hour."""
    time_machine.move_to(datetime(2026, 5, 4, 9, 10, tzinfo=UTC), tick=False)
    for _ in range(3):
        assert read(world.buyer, f"{API}/factories").status_code == 200
    time_machine.move_to(datetime(2026, 5, 4, 10, 5, tzinfo=UTC), tick=False)
    assert read(world.buyer, f"{API}/me").status_code == 200
    db.session.expire_all()
    events = list(db.session.scalars(db.select(AuditEvent).filter_by(action="api.use").order_by(AuditEvent.id)))
    assert [e.changes["requests"] for e in events] == [3, 1]
    assert events[0].actor_id == world.buyer.id and events[0].changes["last_operation"] == "api_v1.listFactories"
    assert events[0].remote_addr == "127.0.0.1"


@pytest.fixture
def time_machine(time_machine):
    return time_machine
