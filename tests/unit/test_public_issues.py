"""PUB-2 rules that need no database: file types by content, sizes, shown names, the IP copy."""

import io
from types import SimpleNamespace

import pytest

from bwportal.domain.public import issues as pi
from tests.factories import public_png_bytes

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


@pytest.mark.parametrize("content, expected", [
    (public_png_bytes(), ("image/png", "png")),
    (JPEG, ("image/jpeg", "jpg")),
    (WEBP, ("image/webp", "webp")),
    (PDF, ("application/pdf", "pdf")),
])
def test_allowed_types_are_recognised_by_their_first_bytes(content, expected):
    assert pi.detect_type(content[:16]) == expected


@pytest.mark.parametrize("content", [
    b"<!doctype html><script>alert(1)</script>",
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00",  # a Windows program
    b"GIF89a\x01\x00\x01\x00",
    b"RIFF\x1a\x00\x00\x00WAVEfmt ",  # RIFF, but not WebP
    b"\x89PNG\r\n",  # cut short
    b"PK\x03\x04",  # zip, docx, xlsx
    b"",
])
def test_anything_else_is_refused(content):
    assert pi.detect_type(content[:16]) is None
    result = pi.check_file("photo.png", io.BytesIO(content))
    assert isinstance(result, pi.RefusedFile)


def test_the_name_never_decides_the_type():
    checked = pi.check_file("photo.png", io.BytesIO(PDF))
    assert (checked.content_type, checked.ext) == ("application/pdf", "pdf")
    checked = pi.check_file("notes.txt", io.BytesIO(public_png_bytes()))
    assert (checked.content_type, checked.ext) == ("image/png", "png")
    refused = pi.check_file("scan.pdf", io.BytesIO(b"<html>not a pdf</html>"))
    assert refused == pi.RefusedFile("scan.pdf", pi.Refusal.TYPE)


def test_size_is_measured_not_trusted():
    exactly = PDF + b"0" * (pi.MAX_FILE_BYTES - len(PDF))
    assert pi.check_file("a.pdf", io.BytesIO(exactly)).size == pi.MAX_FILE_BYTES
    assert pi.check_file("b.pdf", io.BytesIO(exactly + b"0")) == pi.RefusedFile("b.pdf", pi.Refusal.TOO_LARGE)
    assert pi.check_file("c.pdf", io.BytesIO(b"")) == pi.RefusedFile("c.pdf", pi.Refusal.EMPTY)


def test_a_checked_file_can_be_read_from_the_start():
    png = public_png_bytes()
    checked = pi.check_file("a.png", io.BytesIO(png))
    assert checked.stream.read() == png


@pytest.mark.parametrize("given, shown", [
    ("../../etc/passwd.png", "passwd.png"),
    ("..\\..\\windows\\win.ini.pdf", "win.ini.pdf"),
    ("/abs/path/photo.jpg", "photo.jpg"),
    ("..", "file"),
    ("", "file"),
    (None, "file"),
    ("evil\r\nX-Header: 1.png", "evilX-Header: 1.png"),
    ("gpj.\u202eexe.png", "gpj.exe.png"),  # no right-to-left override to disguise a name
    ("ឯកសារ.pdf", "ឯកសារ.pdf"),
])
def test_shown_names_have_no_folders_or_control_characters(given, shown):
    assert pi.display_name(given) == shown


def test_shown_names_are_at_most_255_characters():
    assert len(pi.display_name("a" * 400 + ".png")) == 255


def item(actions="Pay the overtime owed", progress="Paid in March", no_progress=False):
    return SimpleNamespace(actions_needed=actions, progress=progress, no_progress=no_progress)


def test_ip_text_has_the_actions_and_the_progress(app):
    with app.test_request_context():
        text = pi.text_from_ip(item())
        assert "Pay the overtime owed" in text and "Paid in March" in text
        assert text.index("Pay the overtime owed") < text.index("Paid in March")
        assert pi.text_from_ip(item(actions="", progress="")) == ""
        assert "No progress has been made" in pi.text_from_ip(item(progress="Waiting for the budget",
                                                                   no_progress=True))


def test_copying_keeps_what_was_typed_and_does_not_copy_twice():
    assert pi.with_ip_text("", "IP text") == "IP text"
    assert pi.with_ip_text("  ", "IP text") == "IP text"
    assert pi.with_ip_text("My own words", "IP text") == "My own words\n\nIP text"
    assert pi.with_ip_text("My own words\n\nIP text", "IP text") == "My own words\n\nIP text"
    assert pi.with_ip_text("My own words", "") == "My own words"


def test_the_request_limit_fits_a_full_response(app):
    from bwportal.domain.public.issues import MAX_FILE_BYTES, MAX_FILES

    assert app.config["MAX_CONTENT_LENGTH"] > MAX_FILES * MAX_FILE_BYTES
