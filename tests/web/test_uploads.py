"""Resumable uploads (issue 19, PUB-2): the chunk protocol (create, chunks at offsets, resume,
idempotent resends, wrong offsets, caps, type by content, who may), attaching a finished upload
to a public response, and pruning abandoned uploads by age."""

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bwportal.domain import uploads
from bwportal.domain.public import issues as pi
from bwportal.extensions import db
from bwportal.infra.storage import storage
from bwportal.models import EvidenceFile, PublicResponse, Role, Upload
from tests import factories as f

CHUNK = 64 * 1024
JPEG = b"\xff\xd8\xff\xe0" + os.urandom(200 * 1024)  # a JPEG by its first bytes, 200 KB
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>" + b" " * 1000


@pytest.fixture
def finding(app, world):
    cycle = f.make_cycle(world.angkor, 1, date.today() - timedelta(days=120), date.today() - timedelta(days=90))
    finding = f.make_finding(cycle, "Overtime Wages", "Overtime paid at the normal rate", publicly_reported=True)
    db.session.commit()
    return finding


def base(factory) -> str:
    return f"/factories/{factory.id}/uploads"


def create(client, factory, size, name="photo.jpg"):
    return client.post(base(factory), json={"name": name, "size": size})


def patch(client, url, offset, data):
    return client.patch(url, data=data, headers={"Upload-Offset": str(offset),
                                                 "Content-Type": "application/offset+octet-stream"})


def chunk_keys(token) -> list[str]:
    return list(storage().keys(f"uploads/{token}/"))


def send_all(client, url, content, start=0):
    for offset in range(start, len(content), CHUNK):
        answer = patch(client, url, offset, content[offset:offset + CHUNK])
        assert answer.status_code == 204, answer.get_data(as_text=True)
    return answer


def test_a_file_sent_in_chunks_resumes_where_it_stopped_and_is_attached_once(login, world, finding):
    """Issue 19 item 1, PUB-2: create, two chunks, the link drops, HEAD says where it stands,
    the rest is sent; the response form attaches the file once, byte for byte."""
    client = login(world.factory_user)
    created = create(client, world.angkor, len(JPEG))
    assert created.status_code == 201
    url = created.headers["Location"]
    assert created.headers["Upload-Offset"] == "0"
    assert created.json["size"] == len(JPEG)

    for offset in (0, CHUNK):
        assert patch(client, url, offset, JPEG[offset:offset + CHUNK]).status_code == 204
    # The link drops; on its return the browser asks where the upload stands.
    head = client.head(url)
    assert head.status_code == 204 and head.headers["Upload-Offset"] == str(2 * CHUNK)
    assert client.get(url).json["offset"] == 2 * CHUNK
    last = send_all(client, url, JPEG, start=2 * CHUNK)
    assert last.headers["Upload-Offset"] == str(len(JPEG))

    token = created.json["id"]
    answer = client.post(f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond",
                         data={"text": "Workers paid", "version": "", "upload": [token, token]})
    assert answer.status_code == 302, answer.get_data(as_text=True)
    db.session.expire_all()
    files = db.session.scalars(select(EvidenceFile)).all()
    assert len(files) == 1  # the token sent twice is one file
    assert files[0].content_type == "image/jpeg" and files[0].size == len(JPEG)
    assert files[0].original_name == "photo.jpg"
    with storage().open(pi.stored_key(files[0].stored_name)) as stored:
        assert stored.read() == JPEG
    # The upload is gone, with its chunks: the same token attaches nothing a second time.
    assert db.session.scalar(select(Upload)) is None
    assert chunk_keys(token) == []
    assert client.head(url).status_code == 404


def test_a_resent_chunk_is_acknowledged_not_stored_twice(login, world):
    """Issue 19: the answer to a chunk was lost and the browser sends it again (idempotent)."""
    client = login(world.factory_user)
    created = create(client, world.angkor, len(JPEG))
    url, token = created.headers["Location"], created.json["id"]
    assert patch(client, url, 0, JPEG[:CHUNK]).headers["Upload-Offset"] == str(CHUNK)
    again = patch(client, url, 0, JPEG[:CHUNK])
    assert again.status_code == 204 and again.headers["Upload-Offset"] == str(CHUNK)
    assert chunk_keys(token) == [f"uploads/{token}/{0:012d}"]
    # A chunk overlapping what arrived keeps only its new bytes.
    overlap = patch(client, url, CHUNK // 2, JPEG[CHUNK // 2:2 * CHUNK])
    assert overlap.status_code == 204 and overlap.headers["Upload-Offset"] == str(2 * CHUNK)
    send_all(client, url, JPEG, start=2 * CHUNK)
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    assert uploads.assembled(upload).read() == JPEG


def test_a_chunk_at_the_wrong_offset_is_refused_with_where_to_go_on(login, world):
    client = login(world.factory_user)
    created = create(client, world.angkor, len(JPEG))
    url = created.headers["Location"]
    patch(client, url, 0, JPEG[:CHUNK])
    ahead = patch(client, url, 3 * CHUNK, JPEG[3 * CHUNK:4 * CHUNK])
    assert ahead.status_code == 409
    assert ahead.headers["Upload-Offset"] == str(CHUNK)
    assert ahead.json["error"]
    assert patch(client, url, -5, b"x").status_code == 400
    assert client.patch(url, data=b"x").status_code == 400  # no offset at all
    assert client.head(url).headers["Upload-Offset"] == str(CHUNK)


def test_too_big_is_refused_before_a_byte_is_sent_and_past_the_announced_size(login, world):
    """Issue 19, PUB-2: the plain upload's 5 MB cap, at creation; no chunk beyond the size."""
    client = login(world.factory_user)
    too_big = create(client, world.angkor, pi.MAX_FILE_BYTES + 1)
    assert too_big.status_code == 413 and "5 MB" in too_big.json["error"]
    assert create(client, world.angkor, 0).status_code == 422
    assert client.post(base(world.angkor), json={"name": "x"}).status_code == 400
    assert client.post(base(world.angkor), json=[1, 2]).status_code == 400
    assert db.session.scalar(select(Upload)) is None

    small = create(client, world.angkor, 100)
    over = patch(client, small.headers["Location"], 0, JPEG[:101])
    assert over.status_code == 413
    huge_chunk = create(client, world.angkor, pi.MAX_FILE_BYTES)
    assert patch(client, huge_chunk.headers["Location"], 0, JPEG[:4] * (uploads.MAX_CHUNK // 4 + 1)).status_code == 413


def test_a_file_of_the_wrong_type_stops_at_its_first_chunk(login, world):
    """Issue 19, PUB-2: type by content (HTML named .jpg), as the plain upload checks."""
    client = login(world.factory_user)
    created = create(client, world.angkor, len(HTML), name="photo.jpg")
    answer = patch(client, created.headers["Location"], 0, HTML[:CHUNK])
    assert answer.status_code == 415
    assert "PNG, JPEG or WebP" in answer.json["error"]
    assert chunk_keys(created.json["id"]) == []
    assert client.head(created.headers["Location"]).headers["Upload-Offset"] == "0"


def test_an_unfinished_upload_is_not_attached(login, world, finding):
    client = login(world.factory_user)
    upload = f.make_upload(world.angkor, world.factory_user, JPEG, sent=CHUNK)
    db.session.commit()
    answer = client.post(f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond",
                         data={"text": "Workers paid", "version": "", "upload": upload.token})
    assert answer.status_code == 302
    assert db.session.scalar(select(EvidenceFile)) is None
    assert db.session.scalar(select(PublicResponse)).text == "Workers paid"


@pytest.mark.parametrize("who, status", [("factory2_user", 404), ("other_angkor_user", 404), ("ea", 403),
                                         ("buyer", 403), ("admin", 403)])
def test_nobody_else_reads_or_adds_to_an_upload(login, world, who, status):
    """Issue 19, TEN-1: an upload is its user's at its factory; another factory's user does not see
    the factory (404), a colleague does not see the upload (404), other roles may not upload (403)."""
    upload = f.make_upload(world.angkor, world.factory_user, JPEG, sent=CHUNK)
    if who == "other_angkor_user":
        user = f.make_user(Role.FACTORY, factory=world.angkor, email="colleague@example.com")
    else:
        user = getattr(world, who)
    db.session.commit()
    client = login(user)
    url = f"{base(world.angkor)}/{upload.token}"
    assert client.head(url).status_code == status
    assert client.get(url).status_code == status
    assert patch(client, url, CHUNK, JPEG[CHUNK:2 * CHUNK]).status_code == status
    assert client.delete(url).status_code == status
    if who != "other_angkor_user":  # a colleague may start uploads of their own
        assert create(client, world.angkor, 10).status_code == status
    db.session.expire_all()
    assert db.session.get(Upload, upload.id).received == CHUNK


def test_anonymous_is_sent_to_sign_in(client, world):
    upload = f.make_upload(world.angkor, world.factory_user, JPEG, sent=CHUNK)
    db.session.commit()
    assert create(client, world.angkor, 10).status_code == 302
    assert patch(client, f"{base(world.angkor)}/{upload.token}", CHUNK, b"x").status_code == 302


def test_a_foreign_upload_token_attaches_nothing(login, world, finding):
    """Issue 19, TEN-1: a token of another user's finished upload in the form is ignored."""
    theirs = f.make_upload(world.mekong, world.factory2_user, JPEG)
    db.session.commit()
    client = login(world.factory_user)
    client.post(f"/factories/{world.angkor.id}/public-issues/{finding.id}/respond",
                data={"text": "Workers paid", "version": "", "upload": theirs.token})
    assert db.session.scalar(select(EvidenceFile)) is None
    db.session.expire_all()
    assert db.session.get(Upload, theirs.id) is not None


def test_cancelling_removes_the_upload_and_its_chunks(login, world):
    client = login(world.factory_user)
    created = create(client, world.angkor, len(JPEG))
    patch(client, created.headers["Location"], 0, JPEG[:CHUNK])
    assert client.delete(created.headers["Location"]).status_code == 204
    assert chunk_keys(created.json["id"]) == []
    assert db.session.scalar(select(Upload)) is None


def test_abandoned_uploads_and_ownerless_chunks_are_pruned_by_age(app, world):
    """Issue 19: an upload nobody added to for a day goes, with its chunks; a recent one stays."""
    now = datetime.now(UTC)
    old = f.make_upload(world.angkor, world.factory_user, JPEG, sent=2 * CHUNK, updated_at=now - timedelta(hours=25))
    recent = f.make_upload(world.angkor, world.factory_user, JPEG, sent=CHUNK, updated_at=now - timedelta(hours=2))
    db.session.commit()
    storage().put("uploads/ownerless-token/000000000000", __import__("io").BytesIO(b"left behind"))
    old_token, recent_token = old.token, recent.token

    from bwportal.jobs.uploads import prune_uploads

    assert prune_uploads(now) == 1
    assert chunk_keys(old_token) == [] and chunk_keys("ownerless-token") == []
    assert len(chunk_keys(recent_token)) == 1
    assert [u.token for u in db.session.scalars(select(Upload))] == [recent_token]
