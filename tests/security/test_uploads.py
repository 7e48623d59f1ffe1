"""Uploads, hostile ones: evidence files of publicly reported issues (PUB-2) and the findings
import (CYC-2). What tests/web/test_public_issues.py and test_assessments.py already show
(content sniffing of HTML/EXE named .png, 5 MB and 10-file caps, 413, escaping of a refused
name, "../" in a name) is not repeated here; this file adds the rest:

- names with NUL, backslashes, bidi overrides, quotes, non-ASCII, line breaks: stored under a
  random name inside the evidence folder only; shown escaped; offered in a Content-Disposition
  that cannot be broken (RFC 5987 for non-ASCII, no header injection), with the extension of
  the type the content was checked as (a PNG named "setup.exe" saves as "setup.exe.png");
- SVG (with script), HTML, GIF, JavaScript, ZIP: refused whatever their name, nothing stored;
- exactly 5 MB accepted, one byte more refused with the typed text kept;
- every role and tenant: who gets a file (200), who gets 404, and anonymous sent to sign in;
- a stored name in the database that points outside the folder (../, absolute, symlink) is
  never served, on the factory's pages or the public Transparency Portal;
- a row whose content type is not on the allow-list is served as a download, never inline."""

import io
import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.http import parse_options_header

from bwportal.domain.public import issues as pi
from bwportal.extensions import db
from bwportal.infra.storage import storage
from bwportal.models import EvidenceFile, PublicResponse, Role
from tests import factories as f
from tests.conftest import sign_in

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
RANDOM_NAME = re.compile(r"[A-Za-z0-9_-]{32}\.(png|jpg|webp|pdf)")


@pytest.fixture
def issue(app, world):
    """Angkor: a released cycle with a publicly reported finding, no response yet."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=90))
    finding = f.make_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    db.session.commit()
    return finding


def respond_url(finding) -> str:
    return f"/factories/{finding.factory_id}/public-issues/{finding.id}/respond"


def file_url(evidence) -> str:
    return f"/factories/{evidence.factory_id}/public-issues/files/{evidence.id}"


def multipart(text: str, files) -> tuple[bytes, str]:
    """A multipart body written by hand, so the server gets exactly these file names (NUL,
    backslashes and quotes included), as a hostile client would send them."""
    boundary = "bwportal-upload-test"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
             for name, value in (("text", text), ("version", ""))]
    for content, filename in files:
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{quoted}"\r\n'
                     f"Content-Type: image/png\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def post_files(client, finding, files, text="We paid everyone"):
    body, content_type = multipart(text, files)
    return client.post(respond_url(finding), data=body, content_type=content_type)


def files_of(finding) -> list[EvidenceFile]:
    db.session.expire_all()
    response = db.session.scalar(select(PublicResponse).where(PublicResponse.finding_id == finding.id))
    return list(response.files) if response else []


def all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() or p.is_symlink()}


def evidence_folder(app) -> Path:
    return Path(app.config["STORAGE_DIR"]) / "evidence"


# --- names -------------------------------------------------------------------------------------

HOSTILE_NAMES = [
    ("../../etc/passwd.png", "passwd.png"),
    ("..\\x.png", "x.png"),
    ("C:\\Users\\sok\\..\\..\\Windows\\win.ini.png", "win.ini.png"),
    ("/var/www/static/x.png", "x.png"),
    ("a\x00b.png", "ab.png"),
    ("tab\tand\x1bescape.png", "tabandescape.png"),
    ("invoice\u202egnp.exe", "invoicegnp.exe"),  # a right-to-left override would show "invoiceexe.png"
    ("..", "file"),
    ('payslip "March".png', 'payslip "March".png'),
    ("ប័ណ្ណបើកប្រាក់.png", "ប័ណ្ណបើកប្រាក់.png"),  # Khmer: kept, offered per RFC 5987
]


@pytest.mark.parametrize("given, shown", HOSTILE_NAMES, ids=[repr(g) for g, _s in HOSTILE_NAMES])
def test_hostile_names_are_stored_under_a_random_name_inside_the_evidence_folder(app, login, world, issue,
                                                                                 given, shown):
    instance = Path(app.config["STORAGE_DIR"]).parent
    before = all_files(instance)
    answer = post_files(login(world.factory_user), issue, [(f.public_png_bytes(), given)])
    assert answer.status_code == 302, answer.get_data(as_text=True)[:500]
    [evidence] = files_of(issue)
    assert evidence.original_name == shown
    assert RANDOM_NAME.fullmatch(evidence.stored_name) and evidence.stored_name.endswith(".png")
    folder = evidence_folder(app).resolve()
    assert (folder / evidence.stored_name).resolve().parent == folder
    new = {p for p in all_files(instance) - before if not p.is_relative_to(app.config["MAIL_OUTBOX_DIR"])}
    assert {p.resolve() for p in new if not p.name.startswith("test.sqlite")} == {folder / evidence.stored_name}


@pytest.mark.parametrize("given, shown", [
    ("line\r\nbreak.png", "linebreak.png"),
    ("x.png\r\nSet-Cookie: session=stolen", "x.pngSet-Cookie: session=stolen"),
    ("\u2066isolate\u2069.pdf", "isolate.pdf"),
    ("a" * 300 + ".png", "a" * 255),
    ("", "file"),
    (None, "file"),
])
def test_names_a_form_cannot_carry_are_cleaned_by_the_domain_too(given, shown):
    # Line breaks cannot travel in a multipart header; the domain cleans them all the same.
    checked = pi.check_file(given, io.BytesIO(f.public_png_bytes()))
    assert isinstance(checked, pi.CheckedFile) and checked.name == shown


def test_the_given_name_is_shown_escaped(login, world, issue):
    name = "<img src=x onerror=alert(1)>.png"
    assert post_files(login(world.factory_user), issue, [(f.public_png_bytes(), name)]).status_code == 302
    client = login(world.factory_user)
    for url in (f"/factories/{world.angkor.id}/public-issues", respond_url(issue)):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html, url
        assert "&lt;img src=x onerror=alert(1)&gt;.png" in html, url


# --- Content-Disposition -----------------------------------------------------------------------


def _disposition(answer):
    values = answer.headers.getlist("Content-Disposition")
    assert len(values) == 1
    for header, value in answer.headers.items():
        assert "\r" not in value and "\n" not in value, header
    assert "Set-Cookie" not in answer.headers
    return parse_options_header(values[0])


@pytest.mark.parametrize("stored_as, offered", [
    ("payslip photo.png", "payslip photo.png"),
    ('payslip "March".png', 'payslip "March".png'),
    ('x.png"; filename="evil.exe', 'x.png"; filename="evil.exe.png'),
    ("ប័ណ្ណបើកប្រាក់.png", "ប័ណ្ណបើកប្រាក់.png"),
    # A row written before today's cleaning rules: still no header injection, no folders.
    ("evil\r\nSet-Cookie: session=stolen.png", "evilSet-Cookie: session=stolen.png"),
    ("../../secret.png", "secret.png"),
    ("setup.exe", "setup.exe.png"),
])
def test_the_download_name_is_safe_in_the_header(app, login, world, issue, stored_as, offered):
    response = f.make_public_response(issue, "Paid")
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name=stored_as)
    db.session.commit()
    answer = login(world.buyer).get(file_url(evidence))
    assert answer.status_code == 200 and answer.data == f.public_png_bytes()
    disposition, params = _disposition(answer)
    assert disposition == "inline" and params["filename"] == offered
    raw = answer.headers["Content-Disposition"]
    if not offered.isascii():  # RFC 5987: an ASCII fallback and the UTF-8 name, percent-encoded
        assert "filename*=UTF-8''" in raw and raw.isascii()
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Type"] == "image/png"


def test_png_bytes_named_exe_are_kept_and_served_as_a_png(app, login, world, issue):
    client = login(world.factory_user)
    assert post_files(client, issue, [(f.public_png_bytes(), "setup.exe")]).status_code == 302
    [evidence] = files_of(issue)
    assert (evidence.content_type, evidence.original_name) == ("image/png", "setup.exe")
    assert evidence.stored_name.endswith(".png")
    answer = client.get(file_url(evidence))
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert _disposition(answer)[1]["filename"] == "setup.exe.png"  # a browser saves it as an image


def test_a_pdf_is_a_download(app, login, world, issue):
    assert post_files(login(world.factory_user), issue, [(PDF, "payroll.png")]).status_code == 302
    [evidence] = files_of(issue)
    answer = login(world.ea).get(file_url(evidence))
    assert answer.headers["Content-Type"] == "application/pdf"
    assert _disposition(answer) == ("attachment", {"filename": "payroll.png.pdf"})
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("content_type", ["text/html", "image/svg+xml", "application/javascript", ""])
def test_a_row_with_a_type_off_the_allow_list_is_never_served_inline(app, login, world, issue, content_type):
    # Only the upload check writes these rows; one written some other way must not become a page.
    response = f.make_public_response(issue, "Paid")
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"], content=b"<script>alert(1)</script>",
                                    original_name="note.html", content_type=content_type or "x")
    evidence.content_type = content_type
    db.session.commit()
    answer = login(world.factory_user).get(file_url(evidence))
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/octet-stream"
    assert _disposition(answer)[0] == "attachment"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


# --- types -------------------------------------------------------------------------------------

SVG = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)">'
       b"<script>alert(document.cookie)</script></svg>")
REFUSED = {
    "svg named .svg": (SVG, "chart.svg"),
    "svg named .png": (SVG, "chart.png"),
    "svg without xml declaration": (SVG.split(b"\n", 1)[1], "chart.png"),
    "html named .png": (b"<!doctype html><script>alert(1)</script>", "photo.png"),
    "html named .pdf": (b"<html><body onload=alert(1)>", "scan.pdf"),
    "gif": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "anim.gif"),
    "javascript": (b"alert(document.cookie)", "photo.jpg"),
    "zip": (b"PK\x03\x04" + b"\x00" * 40, "evidence.pdf"),
    "windows executable": (b"MZ\x90\x00" + b"\x00" * 60, "setup.exe"),
    "png magic after a byte": (b" " + f.public_png_bytes(), "photo.png"),
    "pdf magic late": (b"\n\n%PDF-1.4\n", "scan.pdf"),
}


@pytest.mark.parametrize("name", REFUSED)
def test_types_off_the_allow_list_are_refused_whatever_their_name(app, login, world, issue, name):
    content, filename = REFUSED[name]
    before = all_files(evidence_folder(app)) if evidence_folder(app).exists() else set()
    answer = post_files(login(world.factory_user), issue, [(content, filename)], text="Typed before the upload")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert f"“{filename}” is not a PNG, JPEG or WebP image or a PDF document" in html
    assert "Typed before the upload" in html  # nothing typed is lost
    assert files_of(issue) == [] and db.session.scalar(select(PublicResponse)) is None
    after = all_files(evidence_folder(app)) if evidence_folder(app).exists() else set()
    assert after == before


def test_exactly_5_mb_is_accepted_and_one_byte_more_is_refused(app, login, world, issue):
    client = login(world.factory_user)
    big = PDF + b"0" * (pi.MAX_FILE_BYTES + 1 - len(PDF))
    answer = post_files(client, issue, [(big, "scan.pdf")], text="Ticket ១២៣ <b>kept</b>")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "“scan.pdf” is larger than 5 MB and was not accepted." in html
    assert "Ticket ១២៣ &lt;b&gt;kept&lt;/b&gt;" in html  # kept, and escaped
    assert files_of(issue) == []
    answer = post_files(client, issue, [(big[:-1], "scan.pdf")])
    assert answer.status_code == 302
    [evidence] = files_of(issue)
    assert evidence.size == pi.MAX_FILE_BYTES
    assert (evidence_folder(app) / evidence.stored_name).stat().st_size == pi.MAX_FILE_BYTES


def test_an_unseekable_stream_is_measured_not_trusted():
    class Pipe(io.RawIOBase):  # a stream that cannot seek, as some servers hand over
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def readinto(self, b):
            chunk = self.data.read(len(b))
            b[:len(chunk)] = chunk
            return len(chunk)

        def seek(self, *args):
            raise io.UnsupportedOperation("no seeking")

    over = pi.check_file("scan.pdf", Pipe(PDF + b"0" * pi.MAX_FILE_BYTES))
    assert isinstance(over, pi.RefusedFile) and over.reason is pi.Refusal.TOO_LARGE
    ok = pi.check_file("scan.pdf", Pipe(PDF))
    assert isinstance(ok, pi.CheckedFile) and ok.stream.read() == PDF


# --- who may download ----------------------------------------------------------------------------

# PUB-1: the factory, its EA, subscribed buyers and the programme's staff see the factory's public
# issues; TEN-1: anyone else gets 404, never the file.
WHO_GETS_ANGKORS_FILE = {
    "factory_user": 200, "account manager": 200, "ea": 200, "buyer": 200, "assessor": 200, "admin": 200,
    "factory2_user": 404, "factory_id_user": 404, "ea2": 404, "other_buyer": 404, "admin_id": 404,
    "deactivated factory user": 302,  # signed out by the deactivation: sent to sign in
    "anonymous": 302,
}


def test_only_those_allowed_get_a_file(app, world, issue):
    response = f.make_public_response(issue, "Paid")
    secret = f.public_png_bytes(3, 3)
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"], content=secret, original_name="p.png")
    manager = f.make_user(Role.FACTORY, factory=world.angkor, email="manager@example.com", is_account_manager=True)
    leaver = f.make_user(Role.FACTORY, factory=world.angkor, email="leaver@example.com")
    db.session.commit()
    users = {"account manager": manager, "deactivated factory user": leaver}
    checked = 0
    for who, expected in WHO_GETS_ANGKORS_FILE.items():
        client = app.test_client()
        if who != "anonymous":
            sign_in(client, users.get(who) or getattr(world, who))
        if who == "deactivated factory user":
            leaver = db.session.get(type(leaver), leaver.id)
            leaver.active = False
            db.session.commit()
        answer = client.get(file_url(evidence))
        assert answer.status_code == expected, who
        if expected == 200:
            assert answer.data == secret
        else:
            assert secret not in answer.data
            assert "Content-Disposition" not in answer.headers
        if expected == 302:
            assert "/sign-in" in answer.location
        # Under another factory's URL the file is never found, even for those who see both.
        other = client.get(f"/factories/{world.mekong.id}/public-issues/files/{evidence.id}")
        assert other.status_code in (302, 404) and secret not in other.data
        checked += 2
    # Not on the Transparency Portal: Angkor is not listed (one released cycle).
    assert app.test_client().get(f"/transparency/files/{evidence.id}").status_code == 404
    print(f"\nevidence download: {checked + 1} (who, URL) pairs checked")


# --- stored names that point elsewhere --------------------------------------------------------------


@pytest.fixture
def listed(app, world):
    """Angkor listed on the Transparency Portal: two released cycles, a public finding of the
    latest with a verified response."""
    today = date.today()
    f.make_cycle(world.angkor, 1, today - timedelta(days=400), today - timedelta(days=380))
    latest = f.make_cycle(world.angkor, 2, today - timedelta(days=60), today - timedelta(days=30))
    finding = f.make_finding(latest, "Overtime Wages", "Overtime unpaid", publicly_reported=True)
    response = f.make_public_response(finding, "Paid in full", verified_by=world.ea)
    db.session.commit()
    return response


ESCAPES = ["../secret.png", "../../secret.png", "evidence/../../secret.png", "..", ".", "", "/", "SECRET_ABS",
           "link.png", "..\\secret.png", "%2e%2e/secret.png"]


@pytest.mark.parametrize("stored_name", ESCAPES)
def test_a_stored_name_cannot_reach_outside_the_evidence_folder(app, login, world, listed, stored_name):
    uploads = Path(app.config["STORAGE_DIR"])
    folder = evidence_folder(app)
    folder.mkdir(parents=True, exist_ok=True)
    secret = b"\x89PNG\r\n\x1a\n" + b"SECRET" * 8
    outside = [uploads / "secret.png", uploads.parent / "secret.png"]
    for path in outside:
        path.write_bytes(secret)
    link = folder / "link.png"
    if not link.is_symlink():
        os.symlink(uploads.parent / "secret.png", link)
    stored_name = str(outside[1]) if stored_name == "SECRET_ABS" else stored_name
    good = f.make_evidence_file(listed, app.config["STORAGE_DIR"])  # the same response, served fine
    evidence = f.make_evidence_file(listed, app.config["STORAGE_DIR"])
    evidence.stored_name = stored_name
    db.session.commit()
    key = pi.stored_key(stored_name)
    with app.test_request_context():
        assert key is None or storage().open(key) is None  # a link out of the folder is not followed
    client = login(world.factory_user)
    assert client.get(file_url(good)).status_code == 200
    for url in (file_url(evidence), f"/transparency/files/{evidence.id}"):
        answer = client.get(url)
        assert answer.status_code == 404 and b"SECRET" not in answer.data, url
    public = app.test_client()
    assert public.get(f"/transparency/files/{good.id}").status_code == 200  # the portal lists it
    answer = public.get(f"/transparency/files/{evidence.id}")
    assert answer.status_code == 404 and b"SECRET" not in answer.data


# --- the findings import (CYC-2): read in memory, never stored --------------------------------------


def test_an_import_file_is_never_written_and_its_name_is_escaped(app, login, world):
    cycle = f.make_cycle(world.angkor, 1, date(2025, 1, 10))
    db.session.commit()
    csv = b"cluster,compliance point,finding\nCompensation,Overtime Wages,Overtime unpaid\n"
    instance = Path(app.config["STORAGE_DIR"]).parent
    before = {p for p in all_files(instance) if not p.name.startswith("test.sqlite")}
    name = "../../<script>alert(1)</script>.csv"
    answer = login(world.assessor).post(f"/factories/{world.angkor.id}/cycles/{cycle.id}/import",
                                        data={"file": (io.BytesIO(csv), name)}, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "ready to be saved" in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    after = {p for p in all_files(instance) if not p.name.startswith("test.sqlite")}
    assert after == before
