"""Evidence on IP items (issue 19 item 2, 002 §3.1, IP-5, IP-9): the factory attaches files
with the progress they show, the item's timeline records it, the EA reads them when verifying;
the same checks as a public response's evidence; buyers and other factories never get them."""

import io
import os
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bwportal.extensions import db
from bwportal.models import EventKind, IPEvent, IPItemFile, IPStatus, Upload
from tests import factories as f

PNG = f.public_png_bytes(4, 4)
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(150 * 1024)
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.fixture
def item(app, world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=90))
    item = f.make_ip_item(cycle, by=world.ea, actions_needed="Pay the overtime owed")
    db.session.commit()
    return item


def item_url(item) -> str:
    return f"/factories/{item.factory_id}/ip/{item.id}"


def attach(client, item, files=(), note="", **extra):
    data = {"evidence_note": note, **extra}
    if files:
        data["files"] = [(io.BytesIO(content), name) for content, name in files]
    return client.post(item_url(item) + "/evidence", data=data, content_type="multipart/form-data")


def evidence_events(item):
    return list(db.session.scalars(select(IPEvent).where(IPEvent.item_id == item.id,
                                                         IPEvent.kind == EventKind.EVIDENCE)))


def test_the_factory_attaches_evidence_and_the_timeline_records_it(login, world, item):
    """Issue 19 item 2, IP-9: files plus a progress note become one timeline entry."""
    client = login(world.factory_user)
    page = client.get(item_url(item)).get_data(as_text=True)
    assert 'action="' + item_url(item) + '/evidence"' in page
    answer = attach(client, item, [(PNG, "minutes.png"), (JPEG, "payslips.jpg")],
                    note="The committee checked the payslips of March")
    assert answer.status_code == 302
    db.session.expire_all()
    files = db.session.scalars(select(IPItemFile).order_by(IPItemFile.id)).all()
    assert [(x.original_name, x.content_type, x.size) for x in files] == [
        ("minutes.png", "image/png", len(PNG)), ("payslips.jpg", "image/jpeg", len(JPEG))]
    [event] = evidence_events(item)
    assert event.actor_id == world.factory_user.id
    assert event.body == "The committee checked the payslips of March"
    assert all(x.event_id == event.id for x in files)
    history = client.get(item_url(item)).get_data(as_text=True).split('id="history"')[1]
    assert "Evidence added" in history and "payslips.jpg" in history


def test_the_ea_sees_and_opens_the_evidence_when_verifying(login, world, item):
    """Issue 19 item 2, IP-5: "committee members have reviewed supporting documentation"."""
    evidence = f.make_ip_evidence(item, world.factory_user, PNG, "minutes.png")
    item.remediation_reported_at = item.created_at
    db.session.commit()
    client = login(world.ea)
    page = client.get(item_url(item) + "/verify").get_data(as_text=True)
    link = f"{item_url(item)}/evidence/{evidence.id}"
    assert link in page and "minutes.png" in page
    answer = client.get(link)
    assert answer.status_code == 200
    assert answer.data == PNG
    assert answer.headers["Content-Type"] == "image/png"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "private"


@pytest.mark.parametrize("who, status", [("buyer", 403), ("factory2_user", 404), ("ea2", 404)])
def test_buyers_and_other_factories_never_get_the_evidence(login, world, item, who, status):
    """Issue 19 item 2, TEN-1, ROLE-4: buyers read the IP but not its evidence; other tenants: 404."""
    evidence = f.make_ip_evidence(item, world.factory_user, PNG, "minutes.png")
    db.session.commit()
    client = login(getattr(world, who))
    assert client.get(f"{item_url(item)}/evidence/{evidence.id}").status_code == status
    if who == "buyer":
        page = client.get(item_url(item)).get_data(as_text=True)
        assert "minutes.png" not in page and "/evidence/" not in page
    assert attach(client, item, [(PNG, "x.png")]).status_code == status
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(IPItemFile)) == 1


def test_the_ea_cannot_attach_evidence_and_another_items_file_is_404(login, world, item):
    evidence = f.make_ip_evidence(item, world.factory_user, PNG)
    other = f.make_ip_item(item.cycle, "Regular Hours", "Hours not recorded", by=world.ea)
    db.session.commit()
    assert attach(login(world.ea), item, [(PNG, "x.png")]).status_code == 403
    client = login(world.factory_user)
    assert client.get(f"{item_url(other)}/evidence/{evidence.id}").status_code == 404


def test_the_same_checks_as_public_evidence(login, world, item):
    """Issue 19 item 2, PUB-2's checks: type by content, 5 MB, nothing stored on a refusal."""
    client = login(world.factory_user)
    refused = attach(client, item, [(HTML, "photo.png"), (PNG, "ok.png")], note="kept text")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "is not a PNG, JPEG or WebP image or a PDF document" in page
    assert "kept text" in page  # nothing typed is lost
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024)
    assert attach(client, item, [(big, "big.png")]).status_code == 422
    assert attach(client, item, []).status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(IPItemFile)) is None
    assert evidence_events(item) == []


def test_a_completed_item_keeps_the_evidence_it_was_verified_with(login, world, item):
    item.status, item.completion_date, item.completed_by_id = IPStatus.COMPLETED, date.today(), world.ea.id
    db.session.commit()
    client = login(world.factory_user)
    answer = attach(client, item, [(PNG, "late.png")])
    assert answer.status_code == 422
    assert "Completed" in answer.get_data(as_text=True)
    assert db.session.scalar(select(IPItemFile)) is None


def test_a_file_sent_in_chunks_is_attached_to_the_item(login, world, item):
    """Issue 19 items 1 and 2: the resumable upload ends on an IP item too."""
    upload = f.make_upload(world.angkor, world.factory_user, JPEG, name="photo.jpg")
    db.session.commit()
    client = login(world.factory_user)
    assert attach(client, item, upload=upload.token, note="Photo of the new notice").status_code == 302
    db.session.expire_all()
    [row] = db.session.scalars(select(IPItemFile)).all()
    assert (row.original_name, row.size) == ("photo.jpg", len(JPEG))
    assert [e.body for e in evidence_events(item)] == ["Photo of the new notice"]
    assert client.get(f"{item_url(item)}/evidence/{row.id}").data == JPEG
    assert db.session.scalar(select(Upload)) is None
