"""Resumable uploads (issue 19): a file sent in small chunks that survives a dropped link.

The protocol is the core of tus, kept simple:
- create: the factory user announces a file (its name and total size); the size cap of the
  plain upload applies at once, so a 40 MB photo is refused before a byte is sent;
- append: a chunk with the offset it starts at. The offset must be where the upload stands;
  a chunk resent after its answer was lost (it starts before that point and ends at or
  before it) is acknowledged and not stored twice; one that overlaps keeps only its new bytes;
  one that starts beyond is refused with the current offset. The first bytes must be of an
  allowed type (by content, as the plain upload checks), so a wrong file stops at chunk one;
- offset: where the upload stands, to resume after the link dropped;
- finish: the form the file belongs to (a public response, an IP item) takes the finished
  upload as a stream and runs the plain upload's checks on it; the upload is then removed.

An upload belongs to one user of one factory: anyone else gets "not found". Chunks live in
the storage (bwportal.infra.storage), one key per chunk, so that every web machine, and S3,
work the same. Uploads left unfinished are removed by age (``prune``).

Operations flush; the caller commits, once.
"""

import io
import secrets
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import BinaryIO

from sqlalchemy import delete, select

from ..extensions import db
from ..infra.storage import storage
from ..models import Upload
from .errors import Conflict, DomainError
from .public.issues import MAX_FILE_BYTES, detect_type, display_name

PREFIX = "uploads"
# At most this much in one request: a chunk is meant to be small enough to get through 2G
# (64-128 KB); a bigger one is a client that does not follow the protocol.
MAX_CHUNK = 1024 * 1024
# An upload nobody added to for this long is abandoned.
ABANDONED_AFTER = timedelta(hours=24)
_COPY = 64 * 1024
_HEAD = 16


class UploadError(DomainError):
    pass


class UploadTooLarge(UploadError):
    status = 413


class UploadWrongType(UploadError):
    status = 415


class UploadEmpty(UploadError):
    pass


class WrongOffset(Conflict):
    """The chunk does not start where the upload stands; ``offset`` says where that is."""

    def __init__(self, offset: int):
        super().__init__()
        self.offset = offset


class UploadIncomplete(UploadError):
    pass


def _now() -> datetime:
    return datetime.now(UTC)


def _chunk_key(token: str, offset: int) -> str:
    return f"{PREFIX}/{token}/{offset:012d}"


def create(factory, actor, filename: str | None, size: int, now: datetime | None = None) -> Upload:
    """A new upload of ``size`` bytes for ``actor`` at ``factory``."""
    if size <= 0:
        raise UploadEmpty()
    if size > MAX_FILE_BYTES:
        raise UploadTooLarge()
    now = now or _now()
    upload = Upload(token=secrets.token_urlsafe(24), factory_id=factory.id, user_id=actor.id,
                    filename=display_name(filename), size=size, received=0, created_at=now, updated_at=now)
    db.session.add(upload)
    db.session.flush()
    return upload


def find(factory, actor, token: str, lock: bool = False) -> Upload | None:
    """The upload if it is this user's at this factory; None otherwise (the caller says 404)."""
    query = select(Upload).where(Upload.token == token, Upload.factory_id == factory.id,
                                 Upload.user_id == actor.id)
    if lock:
        query = query.with_for_update()  # two machines taking the same chunk: one waits
    return db.session.scalar(query)


def append(upload: Upload, offset: int, data: bytes, now: datetime | None = None) -> int:
    """Add a chunk that starts at ``offset``; returns the new offset. Idempotent: a chunk that
    was stored already is acknowledged with the current offset and not stored again."""
    if len(data) > MAX_CHUNK:
        raise UploadTooLarge()
    if offset < 0 or offset > upload.received:
        raise WrongOffset(upload.received)
    end = offset + len(data)
    if end > upload.size:
        raise UploadTooLarge()
    if end <= upload.received:
        return upload.received  # a resent chunk: it is here already
    new = data[upload.received - offset:]
    if upload.received == 0 and detect_type(new[:_HEAD]) is None:
        raise UploadWrongType()
    # Stored under the offset it starts at: a retry after a lost answer writes the same key.
    storage().put(_chunk_key(upload.token, upload.received), io.BytesIO(new))
    upload.received = end
    upload.updated_at = now or _now()
    db.session.flush()
    return upload.received


def _chain(upload: Upload) -> list[str]:
    """The chunk keys from 0 to the received offset, in order. A key left by a request whose
    transaction failed is off this chain and ignored (its offset is rewritten by the retry)."""
    store = storage()
    by_offset = {}
    for key in store.keys(f"{PREFIX}/{upload.token}/"):
        try:
            by_offset[int(key.rsplit("/", 1)[1])] = key
        except ValueError:
            continue
    chain, offset = [], 0
    while offset < upload.received:
        key = by_offset.get(offset)
        size = store.size(key) if key else None
        if not size:
            raise UploadIncomplete()
        chain.append(key)
        offset += size
    if offset != upload.received:
        raise UploadIncomplete()
    return chain


def assembled(upload: Upload) -> BinaryIO:
    """The whole file, streamed chunk by chunk into a temporary file (spilled to disk past
    1 MB), ready for the plain upload's checks."""
    if not upload.complete:
        raise UploadIncomplete()
    out = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)
    store = storage()
    for key in _chain(upload):
        stream = store.open(key)
        if stream is None:
            raise UploadIncomplete()
        with stream:
            while block := stream.read(_COPY):
                out.write(block)
    if out.tell() != upload.size:
        raise UploadIncomplete()
    out.seek(0)
    return out


def finished(factory, actor, tokens) -> tuple[list[Upload], list[tuple[str, BinaryIO]]]:
    """The user's finished uploads among ``tokens`` (unknown, foreign and unfinished ones are
    left out), with each file as a (name, stream) pair for the plain upload's checks."""
    uploads, files = [], []
    for token in dict.fromkeys(t for t in tokens if t):
        upload = find(factory, actor, token)
        if upload is None or not upload.complete:
            continue
        try:
            files.append((upload.filename, assembled(upload)))
        except UploadIncomplete:
            continue
        uploads.append(upload)
    return uploads, files


def unfinished(factory, actor, tokens) -> list[Upload]:
    """The user's uploads among ``tokens`` that have not arrived in full."""
    found = (find(factory, actor, token) for token in dict.fromkeys(t for t in tokens if t))
    return [upload for upload in found if upload is not None and not upload.complete]


def consume(uploads: list[Upload]) -> list[str]:
    """Forget uploads whose files were attached; returns their tokens, for ``remove_chunks``
    after the commit (a chunk left by a failed removal goes with ``prune``)."""
    tokens = [upload.token for upload in uploads]
    for upload in uploads:
        db.session.delete(upload)
    db.session.flush()
    return tokens


def cancel(upload: Upload) -> str:
    db.session.delete(upload)
    db.session.flush()
    return upload.token


def remove_chunks(tokens) -> None:
    store = storage()
    for token in tokens:
        for key in list(store.keys(f"{PREFIX}/{token}/")):
            store.delete(key)


def _tokens_in_storage() -> Iterator[str]:
    seen = set()
    for key in storage().keys(f"{PREFIX}/"):
        parts = key.split("/")
        if len(parts) == 3 and parts[1] not in seen:
            seen.add(parts[1])
            yield parts[1]


def prune(now: datetime | None = None, older_than: timedelta = ABANDONED_AFTER) -> int:
    """Remove uploads nobody added to for ``older_than``, and chunks no upload owns any more.
    Commits; returns how many uploads were removed."""
    cutoff = (now or _now()) - older_than
    old = list(db.session.scalars(select(Upload.token).where(Upload.updated_at < cutoff)))
    if old:
        db.session.execute(delete(Upload).where(Upload.token.in_(old)))
    db.session.commit()
    # Storage first, rows second: a chunk is written only after its row was committed, so a
    # chunk listed here whose row is missing below has no owner (not one created meanwhile).
    stored = list(_tokens_in_storage())
    live = set(db.session.scalars(select(Upload.token)))
    db.session.commit()
    remove_chunks([token for token in stored if token not in live])
    return len(old)
