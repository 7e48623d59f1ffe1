"""JOB-1: a report or the IP rendered to PDF by a worker, in the user's language, with Khmer,
Bengali and Arabic shaped by the bundled Noto fonts; a final report keeps its PDF.

The PDF's text is read back with pypdf. Its extraction of complex scripts inserts spaces at
its own line and word guesses, so texts are compared with all whitespace removed (and NFC).
"""

import re
import subprocess
import sys
import textwrap
import unicodedata
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from pypdf import PdfReader

from bwportal.domain import documents
from bwportal.domain.notices.outbox import BACKOFF, take_committed
from bwportal.domain.reports import editing
from bwportal.extensions import db
from bwportal.infra.storage import storage
from bwportal.jobs import documents as job
from bwportal.jobs.outbox import deliver, relay
from bwportal.models import Document, DocumentStatus, OutboxMessage, OutboxStatus, ReportKind
from tests import factories as f

KHMER = "របាយការណ៍វឌ្ឍនភាព"
BENGALI = "অগ্রগতি প্রতিবেদন"
ARABIC = "تقرير التقدم"


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def embedded_fonts(data: bytes) -> set[str]:
    """The names of the fonts whose programs the PDF embeds, without subset tag or dashes
    ("ABCDEF+Noto-Sans-Khmer" -> "NotoSansKhmer")."""
    names = set()
    for page in PdfReader(BytesIO(data)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            for part in [font, *(d.get_object() for d in font.get("/DescendantFonts", []))]:
                descriptor = part.get("/FontDescriptor")
                if descriptor is not None and any(k in descriptor.get_object()
                                                  for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                    names.add(str(part["/BaseFont"]).lstrip("/").split("+")[-1].replace("-", ""))
    return names


@pytest.fixture
def run_jobs(jobs):
    """What web.py does after a request: hand the committed jobs on; then work them (without
    REDIS_URL the relay already ran them in-process; with it, a burst worker does)."""
    def run() -> None:
        relay(take_committed(db.session()))
        jobs()

    return run


def file_of(document: Document) -> bytes:
    db.session.refresh(document)
    key = documents.stored_key(document)
    stream = storage().open(key) if key else None
    assert stream is not None, (document.status, document.error)
    with stream:
        return stream.read()


@pytest.fixture
def pr1_sections():
    """``pr1`` (tests/conftest.py) with answers in Khmer (overview), Bengali (social dialogue) and Arabic (feedback)."""
    done = f.SUBMITTABLE[ReportKind.PR1]  # every required answer (PR-4), with these added
    return {**done, "overview": {**done["overview"], "process": {"comment": KHMER}},
            "social_dialogue": {**done["social_dialogue"], "q5": {"comment": BENGALI}},
            "feedback": {"feedback": {"value": ARABIC}}}


def approve(world, report) -> None:
    f.finalise_report(report, world.ea, author=world.factory_user)
    db.session.commit()


def test_pr1_with_khmer_bengali_and_arabic_renders_them_in_order_with_the_noto_fonts(world, pr1, run_jobs):
    document = documents.request_report(pr1, world.factory_user, "en")
    db.session.commit()
    assert document.status is DocumentStatus.QUEUED  # the request only queues the job
    run_jobs()
    data = file_of(document)
    assert data.startswith(b"%PDF-")
    assert document.status is DocumentStatus.READY and document.size == len(data)
    assert document.pages == len(PdfReader(BytesIO(data)).pages) >= 2
    text = squash(pdf_text(data))
    positions = [text.find(squash(s)) for s in (KHMER, BENGALI, ARABIC)]
    assert -1 not in positions, positions
    assert positions == sorted(positions)
    # The rest of the document is there too: the enterprise data and an annex.
    assert "AngkorGarments" in text and squash("Annex: Advisory Visit Log") in text
    fonts = embedded_fonts(data)
    assert {"NotoSans", "NotoSansKhmer", "NotoSansBengali"} <= fonts, fonts
    assert any(name.startswith(("NotoNaskhArabic", "NotoSansArabic")) for name in fonts), fonts


def test_the_pdf_is_in_the_language_asked_for_with_arabic_right_to_left(world, pr1, run_jobs):
    document = documents.request_report(pr1, world.factory_user, "ar")
    db.session.commit()
    run_jobs()
    html = job.document_html(document)
    assert '<html lang="ar" dir="rtl">' in html
    assert f'<p dir="rtl" class="multiline">{ARABIC}</p>' in html  # the direction of the user's own text
    assert f'<span dir="ltr" class="multiline">{KHMER}</span>' in html
    text = pdf_text(file_of(document))
    assert "Enterprise Data" not in text  # headings in Arabic, not English


def test_bundled_fonts_render_on_a_machine_without_any_installed_font(tmp_path):
    """A fresh machine: fontconfig knows no font at all; the bundled Noto files still shape
    every script (run in a child process, since fontconfig is read once per process)."""
    (tmp_path / "fonts").mkdir()
    (tmp_path / "fonts.conf").write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">'
        f'<fontconfig><dir>{tmp_path / "fonts"}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>')
    script = textwrap.dedent(f"""
        import sys
        from bwportal.jobs.documents import write_pdf
        html = '<p>Report {KHMER} {BENGALI}</p><p dir="rtl">{ARABIC}</p>'
        sys.stdout.buffer.write(write_pdf(html)[0])
    """)
    env = {"FONTCONFIG_FILE": str(tmp_path / "fonts.conf"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    fonts = embedded_fonts(done.stdout)
    assert {"NotoSans", "NotoSansKhmer", "NotoSansBengali", "NotoNaskhArabic"} <= fonts, fonts
    text = squash(pdf_text(done.stdout))
    assert squash(KHMER) in text and squash(BENGALI) in text and squash(ARABIC) in text


def test_a_final_report_keeps_its_pdf(world, pr1, monkeypatch, run_jobs):
    approve(world, pr1)
    first = documents.request_report(pr1, world.buyer, "en")
    db.session.commit()
    run_jobs()
    assert first.final and file_of(first)
    renders = []
    monkeypatch.setattr(job, "write_pdf", lambda html: renders.append(html) or (b"%PDF-", 1))
    again = documents.request_report(pr1, world.factory_user, "en")
    db.session.commit()
    run_jobs()
    assert again.id == first.id and renders == []  # no second render
    jobs = db.select(db.func.count(OutboxMessage.id)).where(OutboxMessage.kind == documents.JOB)
    assert db.session.scalar(jobs) == 1
    other_language = documents.request_report(pr1, world.factory_user, "km")
    db.session.commit()
    assert other_language.id != first.id  # each language has its own


def test_a_draft_renders_again_on_every_request(world, pr1, run_jobs):
    first = documents.request_report(pr1, world.factory_user, "en")
    db.session.commit()
    run_jobs()
    editing.save_section(pr1, "feedback", {"feedback": {"value": "Changed after the first PDF"}}, world.factory_user,
                    None)
    db.session.commit()
    second = documents.request_report(pr1, world.factory_user, "en")
    db.session.commit()
    run_jobs()
    assert second.id != first.id and not second.final
    assert file_of(first) != file_of(second)
    assert "Changed after the first PDF" not in pdf_text(file_of(first))
    assert "Changed after the first PDF" in pdf_text(file_of(second))


def test_a_failed_render_is_retried_then_shown_as_failed(world, pr1, monkeypatch, run_jobs):
    def broken(html):
        raise RuntimeError("Pango went away")

    monkeypatch.setattr(job, "write_pdf", broken)
    document = documents.request_report(pr1, world.factory_user, "en")
    db.session.commit()
    run_jobs()  # the in-process run logs the failure; the outbox keeps the row for a retry
    db.session.refresh(document)
    row = db.session.scalar(db.select(OutboxMessage).where(OutboxMessage.key == documents.job_key(document)))
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert document.status is DocumentStatus.QUEUED and "Pango went away" in document.error
    assert documents.state(document) == "queued"
    # The last attempt fails too: the outbox gives up and the document says so.
    row.attempts, row.available_at = len(BACKOFF), datetime.now(UTC) - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(RuntimeError):
        deliver(row.id)
    db.session.refresh(document)
    assert document.status is DocumentStatus.FAILED and documents.state(document) == "failed"
    # A failed document is never reused: asking again queues a new one.
    approve(world, pr1)
    assert documents.request_report(pr1, world.factory_user, "en").id != document.id


def test_the_ip_pdf_holds_every_item_with_its_text(world, cycle, run_jobs):
    item = f.make_ip_item(cycle, "Overtime Wages", "Overtime not paid",
                          area_of_improvement=f"Pay overtime at 150% — {BENGALI}", lead_person="Sokha Chan")
    db.session.commit()
    document = documents.request_ip(world.angkor, world.factory_user, "en")
    db.session.commit()
    run_jobs()
    text = squash(pdf_text(file_of(document)))
    assert squash(item.area_of_improvement) in text and "SokhaChan" in text
    assert squash("Improvement Plan · Angkor Garments") in text


def test_the_ip_pdf_holds_the_review_with_the_committee(world, cycle, run_jobs):
    """IP-8: the EA's review of an item not repeated is in the IP's PDF, as on the item page."""
    f.make_ip_item(cycle, "Regular Hours", "Workers do 66 hours a week", by=world.ea,
                   grievance_mechanism_review="Workers use the hotline", grievance_enhancement="A second box")
    db.session.commit()
    document = documents.request_ip(world.angkor, world.buyer, "en")
    db.session.commit()
    run_jobs()
    text = squash(pdf_text(file_of(document)))
    assert squash("Effectiveness of the grievance mechanism") in text and "Workersusethehotline" in text
    assert squash("Enhancements made to the grievance mechanism") in text and "Asecondbox" in text


def test_only_bundled_fonts_may_be_fetched():
    """The renderer reads the bundled fonts and nothing else: no other file, no network."""
    html = ('<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/x.png">'
            '<link rel="stylesheet" href="file:///etc/hostname"><p>ok</p>')
    _font_config, _stylesheet, fetcher = job._engine()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png", (job.FONTS / ".." / "config.py").as_uri()):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    font = fetcher.fetch((job.FONTS / "NotoSans-Regular.ttf").as_uri())
    try:
        assert font.read(4) == b"\x00\x01\x00\x00"  # a TrueType font
    finally:
        font.close()
    data, pages = job.write_pdf(html)
    assert pages == 1 and "ok" in pdf_text(data)


def test_the_lean_user_agent_stylesheet_leaves_the_pages_as_they_were():
    """The worker reads WeasyPrint's user-agent stylesheet without its rules for pseudo-elements
    of every element (jobs.documents.lean_ua_stylesheet: a third less memory for a long PR1);
    lists, right-to-left text, a table and a footnote come out as with WeasyPrint's own."""
    from weasyprint import HTML
    from weasyprint.html import UA, UA_STYLESHEET

    assert not re.search(r"^::", job.lean_ua_stylesheet(UA), re.MULTILINE)
    html = (f"<h1>{KHMER}</h1><ul><li>{BENGALI}</li><li dir=\"rtl\">{ARABIC}</li></ul><ol><li>one</li><li>two</li></ol>"
            "<table><tr><th>Status</th><td>Pending</td></tr></table>"
            "<p>Text<span class=\"footnote\" style=\"float: footnote\">A footnote</span> and more.</p>")
    lean, _pages = job.write_pdf(html)
    font_config, stylesheet, fetcher = job._engine()
    assert UA_STYLESHEET not in job._engine_cache["html"](string=html)._ua_stylesheets()  # the lean one is used
    stock = HTML(string=html, base_url=job.FONTS.as_uri() + "/", url_fetcher=fetcher).render(
        stylesheets=[stylesheet], font_config=font_config).write_pdf()

    def contents(data: bytes) -> list[bytes]:
        return [page.get_contents().get_data() for page in PdfReader(BytesIO(data)).pages]

    assert contents(lean) == contents(stock)
