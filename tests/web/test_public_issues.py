"""Publicly reported issues (PUB-1, PUB-2): the list, the factory's response with evidence
files, copy from the IP, verification by the EA, uploads checked by content, downloads."""

import io
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bwportal.domain.public import issues as pi
from bwportal.extensions import db
from bwportal.models import EvidenceFile, PublicResponse
from tests import factories as f
from tests.conftest import sign_in

HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def plan(app, world):
    """Angkor, cycle 1 (released): a public finding tracked by an IP item, a private finding.
    Mekong: a public finding with a response and a stored file."""
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=90))
    public = f.make_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    item = f.make_ip_item(finding=public, by=world.ea, actions_needed="Pay the overtime owed since January",
                          progress="Half of the workers have been paid")
    private = f.make_finding(cycle, "Regular Hours", "Hours records kept in pencil", publicly_reported=False)
    other_cycle = f.make_cycle(world.mekong, 1, date.today() - timedelta(days=120))
    other_finding = f.make_finding(other_cycle, "Overtime Wages", "Mekong overtime", publicly_reported=True)
    other_response = f.make_public_response(other_finding, "Mekong response")
    other_file = f.make_evidence_file(other_response, app.config["STORAGE_DIR"], original_name="mekong.png")
    db.session.commit()
    return {"cycle": cycle, "public": public, "item": item, "private": private, "other_file": other_file,
            "other_finding": other_finding}


def base(world, factory=None):
    return f"/factories/{(factory or world.angkor).id}/public-issues"


def respond_url(world, finding):
    return f"{base(world)}/{finding.id}/respond"


def response_of(finding) -> PublicResponse | None:
    db.session.expire_all()
    return db.session.scalar(select(PublicResponse).where(PublicResponse.finding_id == finding.id))


def upload(content, name):
    return (io.BytesIO(content), name)


def post_response(client, world, finding, text="We paid everyone", files=(), version="", headers=None, **extra):
    data = {"text": text, "version": version, **extra}
    if files:
        data["files"] = [upload(content, name) for content, name in files]
    return client.post(respond_url(world, finding), data=data, content_type="multipart/form-data",
                       headers=headers or {})


def evidence_folder(app) -> Path:
    return Path(app.config["STORAGE_DIR"]) / "evidence"


# --- the list (PUB-1) ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["factory_user", "ea", "buyer", "assessor", "admin"])
def test_everyone_who_sees_the_factory_reads_its_public_findings_only(login, world, plan, who):
    f.make_public_response(plan["public"], "Workers paid in full", verified_by=world.ea)
    db.session.commit()
    response = login(getattr(world, who)).get(base(world))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Overtime paid at the normal rate" in html and "Overtime Wages" in html
    assert "Hours records kept in pencil" not in html
    assert "Workers paid in full" in html
    assert f"Verified by {world.ea.name} on" in html
    assert "Pending" in html  # the IP item's status


def test_an_unanswered_or_unverified_response_says_so(login, world, plan):
    client = login(world.buyer)
    assert "No response yet." in client.get(base(world)).get_data(as_text=True)
    f.make_public_response(plan["public"], "Working on it")
    db.session.commit()
    html = client.get(base(world)).get_data(as_text=True)
    assert "Unverified" in html and "Verified by" not in html


def test_latest_cycle_first_and_another_cycle_on_request(login, world, plan):
    newer = f.make_cycle(world.angkor, 2, date.today() - timedelta(days=5))
    f.make_finding(newer, "Overtime Wages", "Overtime still unpaid in cycle 2", publicly_reported=True)
    db.session.commit()
    client = login(world.factory_user)
    html = client.get(base(world)).get_data(as_text=True)
    assert "Overtime still unpaid in cycle 2" in html and "Overtime paid at the normal rate" not in html
    html = client.get(f"{base(world)}?cycle={plan['cycle'].id}").get_data(as_text=True)
    assert "Overtime paid at the normal rate" in html and "Overtime still unpaid in cycle 2" not in html


def test_a_cycle_of_another_factory_is_not_found(login, world, plan):
    other_cycle = plan["other_finding"].cycle_id
    response = login(world.factory_user).get(f"{base(world)}?cycle={other_cycle}")
    assert response.status_code == 404 and b"Mekong overtime" not in response.data


def test_a_buyer_not_subscribed_sees_nothing(login, world, plan):
    assert login(world.other_buyer).get(base(world)).status_code == 404


# --- who may do what --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["ea", "buyer", "assessor", "admin"])
def test_only_the_factory_responds(login, world, plan, who):
    client = login(getattr(world, who))
    assert client.get(respond_url(world, plan["public"])).status_code == 403
    assert post_response(client, world, plan["public"]).status_code == 403
    assert response_of(plan["public"]) is None


@pytest.mark.parametrize("who", ["factory_user", "buyer", "assessor", "admin"])
def test_only_the_ea_verifies(login, world, plan, who):
    response = f.make_public_response(plan["public"], "Paid")
    db.session.commit()
    client = login(getattr(world, who))
    url = f"{base(world)}/{plan['public'].id}/verify"
    assert client.post(url, data={"version": str(response.version)}).status_code == 403
    assert response_of(plan["public"]).verified_at is None


@pytest.mark.parametrize("who", ["ea", "buyer", "assessor", "admin"])
def test_only_the_factory_removes_files(app, login, world, plan, who):
    response = f.make_public_response(plan["public"], "Paid")
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"])
    db.session.commit()
    client = login(getattr(world, who))
    assert client.post(f"{base(world)}/files/{evidence.id}/delete").status_code == 403
    assert db.session.get(EvidenceFile, evidence.id) is not None


def test_a_finding_that_is_not_publicly_reported_gets_no_response(login, world, plan):
    client = login(world.factory_user)
    assert client.get(respond_url(world, plan["private"])).status_code == 404
    assert post_response(client, world, plan["private"]).status_code == 404


# --- responding (PUB-2) ------------------------------------------------------------------------


def test_the_factory_responds_with_text(login, world, plan):
    client = login(world.factory_user)
    assert client.get(respond_url(world, plan["public"])).status_code == 200
    response = post_response(client, world, plan["public"], "  All overtime paid at 150%  ")
    assert response.status_code == 302 and f"#finding-{plan['public'].id}" in response.location
    saved = response_of(plan["public"])
    assert saved.text == "All overtime paid at 150%" and saved.updated_by_id == world.factory_user.id
    assert saved.verified_at is None


def test_text_is_required_and_limited(login, world, plan):
    client = login(world.factory_user)
    response = post_response(client, world, plan["public"], "   ")
    assert response.status_code == 422 and b"Please write the factory" in response.data
    long_text = "x" * (pi.MAX_TEXT + 1)
    response = post_response(client, world, plan["public"], long_text)
    assert response.status_code == 422 and long_text.encode() in response.data  # kept
    assert b"10000 characters or fewer" in response.data
    assert response_of(plan["public"]) is None


def test_htmx_save_answers_the_form_part(login, world, plan):
    response = post_response(login(world.factory_user), world, plan["public"], "Paid", headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert f'id="respond-{plan["public"].id}"' in html and "Response saved." in html


def test_copy_from_the_ip_fills_the_text_without_saving(login, world, plan):
    client = login(world.factory_user)
    page = client.get(respond_url(world, plan["public"])).get_data(as_text=True)
    assert 'name="copy_from_ip"' in page and 'type="submit"' in page
    response = post_response(client, world, plan["public"], "", copy_from_ip="1",
                             files=[(f.public_png_bytes(), "payslips.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert "Pay the overtime owed since January" in textarea and "Half of the workers have been paid" in textarea
    assert "payslips.png" in html  # the note: choose this file again
    assert response_of(plan["public"]) is None  # nothing saved yet


def test_copy_keeps_typed_text_and_works_with_htmx(login, world, plan):
    response = post_response(login(world.factory_user), world, plan["public"], "Our own words", copy_from_ip="1",
                             headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    textarea = re.search(r"<textarea[^>]*>(.*?)</textarea>", html, re.S).group(1)
    assert textarea.strip().startswith("Our own words") and "Pay the overtime owed since January" in textarea


def test_copy_without_an_ip_item_says_so(login, world, plan):
    finding = f.make_finding(plan["cycle"], "Paid Leave", "Leave not paid", publicly_reported=True)
    db.session.commit()
    client = login(world.factory_user)
    assert b'name="copy_from_ip"' not in client.get(respond_url(world, finding)).data
    response = post_response(client, world, finding, "Typed", copy_from_ip="1")
    assert response.status_code == 200 and b"no Improvement Plan item yet" in response.data
    assert b"Typed" in response.data


def test_stale_save_shows_both_texts(login, world, plan):
    existing = f.make_public_response(plan["public"], "Their text")
    db.session.commit()
    opened_with = existing.version
    existing.text = "Their newer text"
    db.session.commit()
    response = post_response(login(world.factory_user), world, plan["public"], "My text",
                             version=str(opened_with), files=[(f.public_png_bytes(), "mine.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Their newer text" in html and "My text" in html and "mine.png" in html
    assert response_of(plan["public"]).text == "Their newer text"
    assert not list(evidence_folder_files(world))


def evidence_folder_files(world):
    return db.session.scalars(select(EvidenceFile).where(EvidenceFile.factory_id == world.angkor.id))


def test_a_response_created_meanwhile_is_a_conflict_too(login, world, plan):
    client = login(world.factory_user)
    f.make_public_response(plan["public"], "Someone was quicker")
    db.session.commit()
    response = post_response(client, world, plan["public"], "My text", version="")
    assert response.status_code == 409 and response_of(plan["public"]).text == "Someone was quicker"


# --- verification --------------------------------------------------------------------------------


def verify(client, world, finding, version):
    return client.post(f"{base(world)}/{finding.id}/verify", data={"version": str(version)})


def test_the_ea_verifies_and_unverifies(login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    db.session.commit()
    client = login(world.ea)
    assert verify(client, world, plan["public"], response.version).status_code == 302
    saved = response_of(plan["public"])
    assert saved.verified_by_id == world.ea.id and saved.verified_at is not None
    assert f"Verified by {world.ea.name}" in client.get(base(world)).get_data(as_text=True)
    assert client.post(f"{base(world)}/{plan['public'].id}/unverify").status_code == 302
    assert response_of(plan["public"]).verified_at is None


def test_htmx_verification_answers_the_card(login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    db.session.commit()
    answer = login(world.ea).post(f"{base(world)}/{plan['public'].id}/verify",
                                  data={"version": str(response.version)}, headers=HX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html
    assert f'id="finding-{plan["public"].id}"' in html and "Response verified." in html


def test_only_a_response_with_text_can_be_verified(login, world, plan):
    client = login(world.ea)
    assert client.post(f"{base(world)}/{plan['public'].id}/verify", data={"version": ""},
                       headers=HX).status_code == 422
    empty = f.make_public_response(plan["public"], "")
    db.session.commit()
    answer = client.post(f"{base(world)}/{plan['public'].id}/verify", data={"version": str(empty.version)},
                         headers=HX)
    assert answer.status_code == 422 and b"Only a response with text can be verified." in answer.data
    assert response_of(plan["public"]).verified_at is None


def test_the_ea_verifies_only_the_text_they_read(login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    db.session.commit()
    read_version = response.version
    response.text = "Paid, mostly"
    db.session.commit()
    answer = verify(login(world.ea), world, plan["public"], read_version)
    assert answer.status_code == 302
    assert response_of(plan["public"]).verified_at is None


def test_editing_the_text_after_verification_needs_verification_again(login, world, plan):
    response = f.make_public_response(plan["public"], "Paid", verified_by=world.ea)
    db.session.commit()
    client = login(world.factory_user)
    page = client.get(respond_url(world, plan["public"])).get_data(as_text=True)
    assert "needs to be verified again" in page
    # Saving the same text changes nothing: still verified.
    post_response(client, world, plan["public"], "Paid", version=str(response.version))
    saved = response_of(plan["public"])
    assert saved.verified_at is not None
    post_response(client, world, plan["public"], "Paid in full", version=str(saved.version))
    saved = response_of(plan["public"])
    assert saved.text == "Paid in full" and saved.verified_at is None and saved.verified_by_id is None


def test_adding_a_file_after_verification_needs_verification_again(login, world, plan):
    response = f.make_public_response(plan["public"], "Paid", verified_by=world.ea)
    db.session.commit()
    answer = post_response(login(world.factory_user), world, plan["public"], "Paid", version=str(response.version),
                           files=[(f.public_png_bytes(), "receipt.png")])
    assert answer.status_code == 302
    saved = response_of(plan["public"])
    assert saved.verified_at is None and [e.original_name for e in saved.files] == ["receipt.png"]


# --- uploads ---------------------------------------------------------------------------------------


def test_files_are_accepted_by_content_and_stored_under_random_names(app, login, world, plan):
    png = f.public_png_bytes(2, 2)
    answer = post_response(login(world.factory_user), world, plan["public"], files=[
        (png, "photo.png"), (PDF, "photo.png"), (png, "photo.png")])
    assert answer.status_code == 302
    files = response_of(plan["public"]).files
    assert [(e.original_name, e.content_type) for e in files] == [
        ("photo.png", "image/png"), ("photo.png", "application/pdf"), ("photo.png", "image/png")]
    stored = [e.stored_name for e in files]
    assert len(set(stored)) == 3
    for evidence, content in zip(files, (png, PDF, png), strict=True):
        assert re.fullmatch(r"[A-Za-z0-9_-]{32}\.(png|pdf)", evidence.stored_name)
        assert evidence.stored_name.endswith(".pdf" if content is PDF else ".png")  # by content, not by name
        path = evidence_folder(app) / evidence.stored_name
        assert path.read_bytes() == content and evidence.size == len(content)
        static = Path(app.static_folder).resolve()
        assert static not in path.resolve().parents


@pytest.mark.parametrize("content, content_type", [(HTML, "image/png"), (EXE, "image/png"), (b"GIF89a....", "")])
def test_a_png_name_with_other_content_is_refused(app, login, world, plan, content, content_type):
    client = login(world.factory_user)
    data = {"text": "Evidence attached", "version": "",
            "files": [(io.BytesIO(content), "evidence.png", content_type or "application/octet-stream")]}
    answer = client.post(respond_url(world, plan["public"]), data=data, content_type="multipart/form-data")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "“evidence.png” is not a PNG, JPEG or WebP image or a PDF document" in html
    assert "Evidence attached" in html  # nothing typed is lost
    assert response_of(plan["public"]) is None


def test_the_refused_file_name_is_escaped(login, world, plan):
    answer = post_response(login(world.factory_user), world, plan["public"],
                           files=[(HTML, "<img src=x onerror=alert(1)>.png")])
    assert answer.status_code == 422
    assert b"<img src=x" not in answer.data and b"&lt;img src=x onerror=alert(1)&gt;.png" in answer.data


def test_one_refused_file_refuses_the_whole_save(login, world, plan):
    answer = post_response(login(world.factory_user), world, plan["public"], "Keep me",
                           files=[(f.public_png_bytes(), "good.png"), (EXE, "bad.png")])
    assert answer.status_code == 422 and b"bad.png" in answer.data and b"good.png" in answer.data
    assert b"Keep me" in answer.data
    assert response_of(plan["public"]) is None


def test_files_above_5_mb_are_refused(login, world, plan):
    big = PDF + b"0" * (pi.MAX_FILE_BYTES + 1 - len(PDF))
    answer = post_response(login(world.factory_user), world, plan["public"], "Typed text", files=[(big, "scan.pdf")])
    assert answer.status_code == 422 and "“scan.pdf” is larger than 5 MB" in answer.get_data(as_text=True)
    assert b"Typed text" in answer.data and response_of(plan["public"]) is None


def test_at_most_10_files_per_response(app, login, world, plan):
    client = login(world.factory_user)
    png = f.public_png_bytes()
    answer = post_response(client, world, plan["public"], files=[(png, f"p{i}.png") for i in range(11)])
    assert answer.status_code == 422 and b"at most 10 files" in answer.data
    assert response_of(plan["public"]) is None
    response = f.make_public_response(plan["public"], "Paid")
    for i in range(9):
        f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name=f"old{i}.png")
    db.session.commit()
    answer = post_response(client, world, plan["public"], "Paid", version=str(response.version),
                           files=[(png, "a.png"), (png, "b.png")])
    assert answer.status_code == 422 and b"It has 9 already and you chose 2." in answer.data
    assert len(response_of(plan["public"]).files) == 9
    answer = post_response(client, world, plan["public"], "Paid", version=str(response.version),
                           files=[(png, "a.png")])
    assert answer.status_code == 302 and len(response_of(plan["public"]).files) == 10


def test_no_path_traversal_from_the_file_name(app, login, world, plan, tmp_path):
    answer = post_response(login(world.factory_user), world, plan["public"],
                           files=[(f.public_png_bytes(), "../../etc/passwd.png"),
                                  (PDF, "/var/../../boot.pdf"), (PDF, "..\\..\\win.pdf")])
    assert answer.status_code == 302
    files = response_of(plan["public"]).files
    assert [e.original_name for e in files][:2] == ["passwd.png", "boot.pdf"]
    assert not any("/" in e.original_name or "\\" in e.original_name for e in files)
    folder = evidence_folder(app).resolve()
    for evidence in files:
        assert (folder / evidence.stored_name).resolve().parent == folder
        assert "passwd" not in evidence.stored_name and "boot" not in evidence.stored_name
    assert not (Path(app.config["STORAGE_DIR"]).parent / "etc").exists()


def test_the_upload_folder_is_made_on_first_write(app, login, world, plan, tmp_path):
    fresh = tmp_path / "new-uploads"
    app.config["STORAGE_DIR"], before = str(fresh), app.config["STORAGE_DIR"]
    try:
        answer = post_response(login(world.factory_user), world, plan["public"],
                               files=[(f.public_png_bytes(), "a.png")])
        assert answer.status_code == 302
        assert len(list((fresh / "evidence").iterdir())) == 1
    finally:
        app.config["STORAGE_DIR"] = before


def test_a_request_too_large_is_a_clean_413(app, login, world, plan):
    client = login(world.factory_user)
    app.config["MAX_CONTENT_LENGTH"], before = 10_000, app.config["MAX_CONTENT_LENGTH"]
    try:
        answer = post_response(client, world, plan["public"], files=[(PDF + b"0" * 20_000, "big.pdf")])
    finally:
        app.config["MAX_CONTENT_LENGTH"] = before
    assert answer.status_code == 413
    assert b"The files are too large" in answer.data and b"at most 10 files" in answer.data
    assert response_of(plan["public"]) is None


def test_the_app_limits_the_size_of_a_request(app):
    assert app.config["MAX_CONTENT_LENGTH"] >= pi.MAX_FILES * pi.MAX_FILE_BYTES


# --- downloads and removal -----------------------------------------------------------------------


def test_download_headers(app, login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    png = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="payslip photo.png")
    pdf = f.make_evidence_file(response, app.config["STORAGE_DIR"], content=PDF, original_name="payroll.pdf",
                               content_type="application/pdf")
    db.session.commit()
    client = login(world.buyer)
    answer = client.get(f"{base(world)}/files/{png.id}")
    assert answer.status_code == 200 and answer.data == f.public_png_bytes()
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("inline") and "payslip photo.png" in \
        answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "private"
    answer = client.get(f"{base(world)}/files/{pdf.id}")
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/pdf"
    assert answer.headers["Content-Disposition"].startswith("attachment") and "payroll.pdf" in \
        answer.headers["Content-Disposition"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_files_of_another_factory_are_not_found(login, world, plan):
    other = plan["other_file"]
    client = login(world.factory_user)
    assert client.get(f"{base(world)}/files/{other.id}").status_code == 404
    assert client.get(f"{base(world, world.mekong)}/files/{other.id}").status_code == 404
    assert client.post(f"{base(world)}/files/{other.id}/delete").status_code == 404


def test_a_file_is_reached_only_under_its_own_factory(login, world, plan):
    # The admin sees both Cambodian factories; Mekong's file under Angkor's URL is still not found.
    client = login(world.admin)
    other = plan["other_file"]
    assert client.get(f"{base(world, world.mekong)}/files/{other.id}").status_code == 200
    assert client.get(f"{base(world)}/files/{other.id}").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, world, plan):
    answer = client.get(f"{base(world, world.mekong)}/files/{plan['other_file'].id}")
    assert answer.status_code == 302 and "/sign-in" in answer.location


def test_a_file_missing_on_disk_is_not_found(app, login, world, plan):
    (evidence_folder(app) / plan["other_file"].stored_name).unlink()
    assert login(world.factory2_user).get(
        f"{base(world, world.mekong)}/files/{plan['other_file'].id}").status_code == 404


def test_the_factory_removes_a_file_of_an_unverified_response(app, login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="wrong.png")
    db.session.commit()
    path = evidence_folder(app) / evidence.stored_name
    client = login(world.factory_user)
    answer = client.post(f"{base(world)}/files/{evidence.id}/delete", data={"next": "respond"})
    assert answer.status_code == 302 and answer.location.endswith(f"/{plan['public'].id}/respond")
    evidence_id = evidence.id
    db.session.expunge_all()
    assert db.session.get(EvidenceFile, evidence_id) is None and not path.exists()


def test_htmx_removal_answers_the_file_list(app, login, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    keep = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="keep.png")
    gone = f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="gone.png")
    db.session.commit()
    answer = login(world.factory_user).post(f"{base(world)}/files/{gone.id}/delete", headers=HX)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200 and "<html" not in html and f'id="files-{plan["public"].id}"' in html
    assert "keep.png" in html and "“gone.png” removed." in html and "(image, 1 KB)" in html
    assert db.session.get(EvidenceFile, keep.id) is not None


def test_files_of_a_verified_response_stay(app, login, world, plan):
    response = f.make_public_response(plan["public"], "Paid", verified_by=world.ea)
    evidence = f.make_evidence_file(response, app.config["STORAGE_DIR"])
    db.session.commit()
    client = login(world.factory_user)
    assert b"/delete" not in client.get(base(world)).data  # no button
    answer = client.post(f"{base(world)}/files/{evidence.id}/delete", headers=HX)
    assert answer.status_code == 409 and b"can no longer be removed" in answer.data
    assert db.session.get(EvidenceFile, evidence.id) is not None
    assert (evidence_folder(app) / evidence.stored_name).exists()


def test_csrf_is_required_for_responses(app, client, world, plan):
    sign_in(client, world.factory_user)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        answer = post_response(client, world, plan["public"])
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert answer.status_code == 400 and response_of(plan["public"]) is None


# --- the annex of PR1 ---------------------------------------------------------------------------


def test_public_annex_is_plain_data(app, world, plan):
    response = f.make_public_response(plan["public"], "Paid", verified_by=world.ea)
    f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name="proof.png")
    db.session.commit()
    assert pi.public_annex(plan["cycle"].id) == [{
        "cluster": "Compensation", "compliance_point": "Overtime Wages",
        "finding": "Overtime paid at the normal rate", "response": "Paid", "verified": True,
        "files": ["proof.png"], "translations": {},
    }]


# --- the domain rules, without the web forms ---------------------------------------------------------


def test_the_domain_refuses_an_eleventh_file_by_itself(app, world, plan):
    response = f.make_public_response(plan["public"], "Paid")
    for i in range(10):
        f.make_evidence_file(response, app.config["STORAGE_DIR"], original_name=f"old{i}.png")
    db.session.commit()
    checked = pi.check_file("one-more.png", io.BytesIO(f.public_png_bytes()))
    before = set(evidence_folder(app).iterdir())
    with pytest.raises(pi.TooManyFiles):
        pi.save_response(plan["public"], world.factory_user, "Paid", response.version, [checked])
    assert set(evidence_folder(app).iterdir()) == before  # nothing written


def test_the_domain_rules_on_verification(app, world, plan):
    response = f.make_public_response(plan["public"], "  ")
    with pytest.raises(pi.NothingToVerify):
        pi.verify(response, world.ea, response.version)
    response.text = "Paid"
    db.session.flush()
    with pytest.raises(pi.StaleResponse):
        pi.verify(response, world.ea, response.version - 1)
    pi.verify(response, world.ea, response.version)
    assert response.verified and response.verified_by_id == world.ea.id
    with pytest.raises(pi.FileLocked):
        pi.delete_file(f.make_evidence_file(response, app.config["STORAGE_DIR"]))
