"""Evidence on IP items (issue 19, 002 §3.1): the documents and photos the factory's committee
reviewed, attached by the factory to an item with a word on the progress they show, and read
by the EA who verifies the item ("committee members have reviewed supporting documentation").

Rules kept here:
- The same checks as a public response's evidence (bwportal.domain.public.issues.check_file):
  PNG, JPEG, WebP or PDF by content, at most 5 MB each; at most ``MAX_FILES`` per item.
- Only an open item takes evidence: a Completed item keeps what it was verified with.
- Each addition is one entry of the item's timeline (who, when, the note; which files, for
  those who may open them).
- Files are kept in the storage (bwportal.infra.storage) under random keys; the name the user
  gave is for display only. Buyers and the public never get them (policy: ip.view_evidence).

Operations add to the session and flush; the caller commits, once.
"""

import secrets
from datetime import UTC, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ...extensions import db
from ...infra.storage import storage
from ...models import EventKind, IPItem, IPItemFile
from ..public.issues import MAX_FILE_BYTES, CheckedFile
from .operations import IPError, _audit, record

MAX_FILES = 20
MAX_NOTE = 5_000
PREFIX = "ip-evidence"

__all__ = ["MAX_FILE_BYTES", "MAX_FILES", "add_evidence", "files_of"]


class EvidenceRefused(IPError):
    pass


class ItemClosed(EvidenceRefused):
    def __init__(self):
        super().__init__(_l("This item is Completed: it keeps the evidence it was verified with."))


class TooManyFiles(EvidenceRefused):
    def __init__(self):
        super().__init__(_l("An Improvement Plan item can have at most %(num)d evidence files.", num=MAX_FILES))


class NothingAttached(EvidenceRefused):
    def __init__(self):
        super().__init__(_l("Please choose at least one file."))


def files_of(item: IPItem) -> list[IPItemFile]:
    return list(db.session.scalars(select(IPItemFile).where(IPItemFile.item_id == item.id)
                                   .order_by(IPItemFile.id)))


def add_evidence(item: IPItem, actor, files: list[CheckedFile], note: str = "",
                 now: datetime | None = None) -> tuple[list[IPItemFile], list[str]]:
    """Attach checked files to ``item`` with a timeline entry; returns the rows and the storage
    keys written (for the caller to remove if the commit fails). On an error nothing stays."""
    if not item.status.is_open:
        raise ItemClosed()
    if not files:
        raise NothingAttached()
    existing = db.session.scalar(select(db.func.count()).select_from(IPItemFile)
                                 .where(IPItemFile.item_id == item.id))
    if existing + len(files) > MAX_FILES:
        raise TooManyFiles()
    note = (note or "").strip()[:MAX_NOTE]
    now = now or datetime.now(UTC)
    # The note is the entry's text; the files are listed beside it (from their rows) only to
    # those who may open them: buyers read the timeline, not the evidence.
    event = record(item, EventKind.EVIDENCE, actor, body=note)
    store, keys, rows = storage(), [], []
    try:
        for checked in files:
            key = f"{PREFIX}/{secrets.token_urlsafe(24)}.{checked.ext}"
            checked.stream.seek(0)
            store.put(key, checked.stream, checked.content_type)
            keys.append(key)
            row = IPItemFile(factory_id=item.factory_id, item_id=item.id, storage_key=key,
                             original_name=checked.name, content_type=checked.content_type, size=checked.size,
                             uploaded_by_id=getattr(actor, "id", None), uploaded_at=now)
            row.event = event
            db.session.add(row)
            rows.append(row)
        db.session.flush()
    except Exception:
        discard(keys)
        raise
    return rows, keys


def discard(keys) -> None:
    """Remove stored files (after a failed save)."""
    store = storage()
    for key in keys:
        store.delete(key)


def record_download(item: IPItem, actor, evidence: IPItemFile) -> None:
    """Who read which evidence is kept, as for a public response's files."""
    _audit(item, actor, "evidence.download", {"file": evidence.original_name, "size": evidence.size})
