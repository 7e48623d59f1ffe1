"""JOB-1 through the web: "Download as PDF" on a report and on the IP, the status page that
polls itself (htmx) or offers a Refresh link, and the download, only for those who may read
the report. Without REDIS_URL the relay after the request renders the PDF in-process."""

import re
from io import BytesIO

import pytest
from pypdf import PdfReader

from bwportal.domain import documents
from bwportal.extensions import db
from bwportal.jobs.outbox import deliver
from bwportal.models import Document, DocumentStatus, OutboxMessage, ReportKind
from tests import factories as f

HX = {"HX-Request": "true"}
ARABIC = "تقرير التقدم"


@pytest.fixture
def pr1_sections():
    """``pr1`` (tests/conftest.py) with draft words in its feedback."""
    return {**f.SUBMITTABLE[ReportKind.PR1], "feedback": {"feedback": {"value": f"Draft words {ARABIC}"}}}


def approve(world, report):
    f.finalise_report(report, world.ea, author=world.factory_user)
    db.session.commit()


def report_url(world, report):
    return f"/factories/{world.angkor.id}/reports/{report.id}"


@pytest.fixture
def request_pdf(jobs):
    def press(client, url) -> str:
        """Press "Download as PDF" and let the worker work; returns the status page's URL."""
        response = client.post(url + "/pdf")
        assert response.status_code == 302, response.get_data(as_text=True)[:1000]
        assert re.search(r"/factories/\d+/documents/\d+$", response.location)
        jobs()  # without REDIS_URL the relay after the request already rendered it
        return response.location

    return press


def text_of(data: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def test_report_page_offers_the_pdf_and_the_download_is_a_private_attachment(login, world, pr1, request_pdf):
    client = login(world.ea)
    page = client.get(report_url(world, pr1)).get_data(as_text=True)
    assert f'action="{report_url(world, pr1)}/pdf"' in page and "Download as PDF" in page
    status_url = request_pdf(client, report_url(world, pr1))
    status = client.get(status_url)
    html = status.get_data(as_text=True)
    assert status.status_code == 200 and "The PDF is ready." in html
    assert 'hx-trigger="every 2s"' not in html  # ready: no more polling
    assert f'href="{status_url}/file"' in html
    download = client.get(status_url + "/file")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in download.headers["Cache-Control"] and "public" not in download.headers["Cache-Control"]
    assert download.data.startswith(b"%PDF-") and "Draft words" in text_of(download.data)


def test_the_pdf_is_in_the_language_of_the_user(login, world, pr1, request_pdf):
    world.ea.locale = "km"
    db.session.commit()
    client = login(world.ea)
    status_url = request_pdf(client, report_url(world, pr1))
    document = db.session.get(Document, int(status_url.rsplit("/", 1)[1]))
    assert document.locale == "km"
    text = text_of(client.get(status_url + "/file").data)
    assert "Enterprise Data" not in text and "Angkor Garments" in text


def test_the_status_page_polls_itself_until_the_pdf_is_ready(login, world, pr1):
    # Queued by the domain without a request after it, so nothing has run the job yet.
    document = documents.request_report(pr1, world.ea, "en")
    db.session.commit()
    client = login(world.ea)
    url = f"/factories/{world.angkor.id}/documents/{document.id}"
    page = client.get(url).get_data(as_text=True)
    assert "<html" in page and "waiting for its turn" in page
    assert f'<a href="{url}">Refresh</a>' in page  # without JavaScript: a link to ask again
    partial = client.get(url, headers=HX).get_data(as_text=True)
    assert "<html" not in partial and 'id="document-status"' in partial
    assert f'hx-get="{url}" hx-trigger="every 2s" hx-swap="outerHTML"' in partial
    assert client.get(url + "/file").status_code == 404  # nothing to download yet
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.key == documents.job_key(document)))
    assert deliver(row.id) == "sent"  # the worker
    done = client.get(url, headers=HX).get_data(as_text=True)
    assert "The PDF is ready." in done and "hx-trigger" not in done
    assert client.get(url + "/file").status_code == 200


def test_a_failed_pdf_says_so_and_offers_to_try_again(login, world, pr1):
    document = documents.request_report(pr1, world.ea, "en")
    document.status, document.error = DocumentStatus.FAILED, "RuntimeError: boom"
    db.session.commit()
    client = login(world.ea)
    html = client.get(f"/factories/{world.angkor.id}/documents/{document.id}").get_data(as_text=True)
    assert "The PDF could not be made." in html and "Try again" in html
    assert f'action="{report_url(world, pr1)}/pdf"' in html and "boom" not in html


def test_a_final_report_pdf_is_made_once_and_shared(login, world, pr1, request_pdf):
    approve(world, pr1)
    buyer = login(world.buyer)
    first = request_pdf(buyer, report_url(world, pr1))
    assert buyer.get(first + "/file").status_code == 200
    factory = login(world.factory_user)
    assert request_pdf(factory, report_url(world, pr1)) == first  # the kept PDF, not a new render
    assert factory.get(first + "/file").status_code == 200
    assert db.session.scalar(db.select(db.func.count(Document.id))) == 1


def test_downloads_are_refused_to_those_who_may_not_read_the_report(login, world, pr1, request_pdf):
    ea = login(world.ea)
    draft_status = request_pdf(ea, report_url(world, pr1))
    assert ea.get(draft_status + "/file").status_code == 200
    buyer = login(world.buyer)
    assert buyer.get(draft_status).status_code == 404  # buyers read final reports only
    assert buyer.get(draft_status + "/file").status_code == 404
    assert buyer.post(report_url(world, pr1) + "/pdf").status_code == 404
    for foreign in (world.factory2_user, world.other_buyer, world.admin_id):
        client = login(foreign)
        assert client.get(draft_status).status_code == 404
        assert client.get(draft_status + "/file").status_code == 404
    # Once the report is final, the draft's PDF still shows the draft: only its requester has it.
    approve(world, pr1)
    buyer = login(world.buyer)
    assert buyer.get(draft_status + "/file").status_code == 404
    assert login(world.factory_user).get(draft_status + "/file").status_code == 404
    assert login(world.ea).get(draft_status + "/file").status_code == 200


def test_factory_does_not_get_a_draft_pr2(login, world, cycle, request_pdf):
    ea = login(world.ea)
    report = f.make_report(cycle, ReportKind.PR2, author=world.ea, sections={})
    db.session.commit()
    status = request_pdf(ea, report_url(world, report))
    assert ea.get(status + "/file").status_code == 200
    factory = login(world.factory_user)
    assert factory.post(report_url(world, report) + "/pdf").status_code == 404
    assert factory.get(status + "/file").status_code == 404


def test_ip_as_pdf_from_the_ip_list(login, world, cycle, request_pdf):
    f.make_ip_item(cycle, "Overtime Wages", "Overtime not paid", area_of_improvement="Pay overtime at 150 percent")
    db.session.commit()
    buyer = login(world.buyer)
    page = buyer.get(f"/factories/{world.angkor.id}/ip").get_data(as_text=True)
    assert f'action="/factories/{world.angkor.id}/ip/pdf"' in page
    status_url = request_pdf(buyer, f"/factories/{world.angkor.id}/ip")
    download = buyer.get(status_url + "/file")
    assert download.status_code == 200 and "Pay overtime at 150 percent" in text_of(download.data)
    assert login(world.factory_user).get(status_url + "/file").status_code == 200  # the factory's own IP
    assert login(world.factory2_user).get(status_url + "/file").status_code == 404
    assert login(world.factory2_user).post(f"/factories/{world.angkor.id}/ip/pdf").status_code == 404
