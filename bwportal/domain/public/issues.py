"""Publicly reported findings and the factory's responses to them (PUB-1, PUB-2).

Rules kept here:
- Only a publicly reported finding gets a response, one per finding; its text is required.
- Evidence files are accepted by their content (magic bytes), never by name or by the type
  the browser claims: PNG, JPEG, WebP and PDF; at most ``MAX_FILE_BYTES`` each and
  ``MAX_FILES`` per response.
- A file is stored under a random name in ``<upload dir>/evidence/``; the name the user gave
  is kept only for display and downloads.
- Editing the text or adding a file after the EA verified the response makes it Unverified
  again. Only a response with text can be verified, and only the version the EA has read.
- Files of a verified response cannot be removed.

Operations add to the session and flush; the caller commits, once.
"""

import enum
import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

from flask_babel import gettext
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...infra.storage import BadKey, check_key, storage
from ...models import Cluster, CompliancePoint, EvidenceFile, Finding, PublicResponse
from .. import audit
from ..errors import DomainError

MAX_TEXT = 10_000
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 10
MAX_NAME = 255
EVIDENCE_DIR = "evidence"
_CHUNK = 64 * 1024


class PublicIssueError(DomainError):
    """A change the rules refuse."""


class StaleResponse(PublicIssueError):
    """Someone saved the response since the form was opened."""


class NothingToVerify(PublicIssueError):
    """A response without text cannot be verified."""


class FileLocked(PublicIssueError):
    """Files of a verified response stay as the EA verified them."""


class TooManyFiles(PublicIssueError):
    pass


class EmptyText(PublicIssueError):
    pass


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PublicIssue:
    finding: Finding
    response: PublicResponse | None

    @property
    def item(self):
        return self.finding.ip_item


def _with_responses(*conditions):
    """Publicly reported findings with their responses (None: not answered yet)."""
    return (select(Finding, PublicResponse)
            .join(Cluster, Cluster.id == Finding.cluster_id)
            .join(CompliancePoint, CompliancePoint.id == Finding.compliance_point_id)
            .outerjoin(PublicResponse, PublicResponse.finding_id == Finding.id)
            .where(Finding.publicly_reported, *conditions))


def public_findings(cycle_id: int) -> list[PublicIssue]:
    """The cycle's publicly reported findings in catalogue order, each with its response."""
    rows = db.session.execute(
        _with_responses(Finding.cycle_id == cycle_id)
        .options(selectinload(Finding.ip_item))
        .order_by(Cluster.position, CompliancePoint.position, Finding.id)
    ).all()
    return [PublicIssue(finding, response) for finding, response in rows]


def public_findings_query(cycle_id: int) -> Select:
    """The cycle's publicly reported findings in catalogue order (the id last: pages of it
    never overlap); ``issues_of`` a page of them gives each its response."""
    return (select(Finding)
            .join(Cluster, Cluster.id == Finding.cluster_id)
            .join(CompliancePoint, CompliancePoint.id == Finding.compliance_point_id)
            .where(Finding.cycle_id == cycle_id, Finding.publicly_reported)
            .options(selectinload(Finding.ip_item))
            .order_by(Cluster.position, CompliancePoint.position, Finding.id))


def issues_of(findings) -> list[PublicIssue]:
    """``findings`` each with its response (None: not answered yet), in one query."""
    findings = list(findings)
    responses = {r.finding_id: r for r in db.session.scalars(
        select(PublicResponse).where(PublicResponse.finding_id.in_([f.id for f in findings])))} if findings else {}
    return [PublicIssue(finding, responses.get(finding.id)) for finding in findings]


def public_findings_after(factory_id: int, after_id: int, limit: int, *conditions) -> list[PublicIssue]:
    """Up to ``limit`` of the factory's publicly reported findings (of every cycle, each
    with its response), by id after ``after_id``: the API's pages."""
    rows = db.session.execute(
        _with_responses(Finding.factory_id == factory_id, Finding.id > after_id, *conditions)
        .order_by(Finding.id).limit(limit)
    ).all()
    return [PublicIssue(finding, response) for finding, response in rows]


def response_for(finding_id: int) -> PublicResponse | None:
    return db.session.scalar(select(PublicResponse).where(PublicResponse.finding_id == finding_id))


def text_from_ip(item) -> str:
    """The IP item's actions needed and progress, as a response text (PUB-2)."""
    parts = []
    if (item.actions_needed or "").strip():
        parts.append(f"{gettext('Description of actions needed')}:\n{item.actions_needed.strip()}")
    progress = (item.progress or "").strip()
    if item.no_progress:
        parts.append(f"{gettext('Progress')}: {gettext('No progress has been made')}" +
                     (f"\n{progress}" if progress else ""))
    elif progress:
        parts.append(f"{gettext('Progress')}:\n{progress}")
    return "\n\n".join(parts)


def with_ip_text(current: str, ip_text: str) -> str:
    """The response text after "Copy from the Improvement Plan": the IP's text, added after
    what is already typed (nothing typed is lost), and not twice."""
    current = (current or "").rstrip()
    if not ip_text or ip_text in current:
        return current
    return f"{current}\n\n{ip_text}" if current.strip() else ip_text


def public_annex(cycle_id: int) -> list[dict]:
    """The publicly reported issues of a cycle with the factory's responses, as plain data
    for the PR1 snapshot (PR-8). Catalogue names in English, as the snapshot keeps them."""
    return [{
        "cluster": issue.finding.cluster.name,
        "compliance_point": issue.finding.compliance_point.name,
        "finding": issue.finding.text,
        "response": issue.response.text if issue.response else "",
        "verified": bool(issue.response and issue.response.verified),
        "files": [f.original_name for f in issue.response.files] if issue.response else [],
        "translations": _translations(issue.finding),
    } for issue in public_findings(cycle_id)]


def _translations(finding) -> dict:
    """The programme's own wording of the finding's cluster and point, as the snapshot keeps it."""
    rows = {"cluster": finding.cluster, "compliance_point": finding.compliance_point}
    return {key: dict(row.name_translations) for key, row in rows.items() if row.name_translations}


# --- uploads ---------------------------------------------------------------------------------


_SIGNATURES = (
    (lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"), "image/png", "png"),
    (lambda head: head.startswith(b"\xff\xd8\xff"), "image/jpeg", "jpg"),
    (lambda head: len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP", "image/webp", "webp"),
    (lambda head: head.startswith(b"%PDF-"), "application/pdf", "pdf"),
)
_HEAD = 16


def detect_type(head: bytes) -> tuple[str, str] | None:
    """(content type, file extension) from a file's first bytes, or None if not allowed."""
    for matches, content_type, ext in _SIGNATURES:
        if matches(head):
            return content_type, ext
    return None


# Characters that would make a shown name lie (bidi overrides) or break a header.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def display_name(filename: str | None) -> str:
    """The name a user gave a file, safe to show and to offer as a download name:
    no folders, no control or direction characters, at most 255 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cc" and ch not in _BIDI).strip()
    if name in ("", ".", ".."):
        name = "file"
    return name[:MAX_NAME]


class Refusal(enum.Enum):
    TYPE = "type"
    TOO_LARGE = "too_large"
    EMPTY = "empty"


@dataclass
class CheckedFile:
    name: str  # for display only
    content_type: str
    ext: str
    size: int
    stream: BinaryIO


@dataclass(frozen=True)
class RefusedFile:
    name: str
    reason: Refusal


def _seekable(stream) -> BinaryIO:
    try:
        stream.seek(0)
        return stream
    except (AttributeError, OSError, io.UnsupportedOperation):
        return io.BytesIO(stream.read(MAX_FILE_BYTES + 1))


def check_file(filename: str | None, stream) -> CheckedFile | RefusedFile:
    """Look at an uploaded file's bytes: its type by content, and its size (read, not trusted)."""
    name = display_name(filename)
    stream = _seekable(stream)
    head = stream.read(_HEAD)
    size = len(head)
    while size <= MAX_FILE_BYTES:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        size += len(chunk)
    stream.seek(0)
    if size == 0:
        return RefusedFile(name, Refusal.EMPTY)
    if size > MAX_FILE_BYTES:
        return RefusedFile(name, Refusal.TOO_LARGE)
    detected = detect_type(head)
    if detected is None:
        return RefusedFile(name, Refusal.TYPE)
    return CheckedFile(name, detected[0], detected[1], size, stream)


def check_files(uploads) -> tuple[list[CheckedFile], list[RefusedFile]]:
    """``uploads``: (filename, stream) pairs; empty file inputs are to be left out by the caller."""
    accepted, refused = [], []
    for filename, stream in uploads:
        result = check_file(filename, stream)
        (refused if isinstance(result, RefusedFile) else accepted).append(result)
    return accepted, refused


def stored_key(stored_name: str) -> str | None:
    """The storage key of an evidence file (under evidence/), or None for a name that could
    reach anywhere else (a row written some other way)."""
    try:
        key = check_key(f"{EVIDENCE_DIR}/{stored_name}")
    except BadKey:
        return None
    return key if key.count("/") == 1 else None


def _store(checked: CheckedFile) -> str:
    """Keep the file (through infra.storage) under a new random name; returns that name."""
    name = f"{secrets.token_urlsafe(24)}.{checked.ext}"  # 192 random bits: never an existing one
    checked.stream.seek(0)
    storage().put(stored_key(name), checked.stream, checked.content_type)
    return name


def discard(stored_names) -> None:
    """Remove stored files (after a failed save, or once their rows are deleted)."""
    for name in stored_names:
        key = stored_key(name)
        if key is not None:
            storage().delete(key)


# --- changes ---------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _needs_verification_again(response: PublicResponse) -> None:
    """Rule: an edited response (text or a new file) is Unverified until the EA verifies it again."""
    response.verified_at = None
    response.verified_by_id = None


def save_response(finding: Finding, actor, text: str, expected_version: int | None,
                  files: list[CheckedFile], now: datetime | None = None):
    """Create or update the response to ``finding`` and attach ``files``.

    ``expected_version`` is the version the form was opened with (None: there was no
    response yet). Returns (response, stored file names); on any error nothing is stored.
    """
    if not finding.publicly_reported:
        raise PublicIssueError("not publicly reported")
    text = (text or "").strip()
    if not text:
        raise EmptyText()
    response = response_for(finding.id)
    if response is None:
        response = PublicResponse(factory_id=finding.factory_id, finding=finding, text="")
        db.session.add(response)
    elif expected_version != response.version:
        raise StaleResponse()
    if len(response.files) + len(files) > MAX_FILES:
        raise TooManyFiles()
    now = now or _now()
    edited = response.text != text or bool(files)
    response.text = text
    stored = []
    try:
        for checked in files:
            name = _store(checked)
            stored.append(name)
            db.session.add(EvidenceFile(
                factory_id=finding.factory_id, response=response, stored_name=name,
                original_name=checked.name, content_type=checked.content_type, size=checked.size,
                uploaded_by_id=getattr(actor, "id", None), uploaded_at=now,
            ))
        if edited:
            response.updated_by_id = getattr(actor, "id", None)
            response.updated_at = now
            if response.verified:
                _needs_verification_again(response)
        db.session.flush()
    except Exception:
        discard(stored)
        raise
    return response, stored


def verify(response: PublicResponse, actor, expected_version: int | None, now: datetime | None = None) -> None:
    """The EA verifies the response as read (``expected_version``); it must have text."""
    if expected_version != response.version:
        raise StaleResponse()
    if not (response.text or "").strip():
        raise NothingToVerify()
    if response.verified:
        return
    response.verified_at = now or _now()
    response.verified_by_id = actor.id
    _audit(actor, "public_response.verify", response, response.finding, {"version": response.version})
    db.session.flush()


def unverify(response: PublicResponse, actor=None) -> None:
    if not response.verified:
        return
    _needs_verification_again(response)
    if actor is not None:
        _audit(actor, "public_response.unverify", response, response.finding, {"version": response.version})
    db.session.flush()


def _audit(actor, action: str, obj, finding: Finding, changes: dict | None = None) -> None:
    factory = finding.cycle.factory
    audit.for_factory(actor, action, obj, factory, label=f"{factory.name}: {finding.text[:200]}", changes=changes)


def record_download(actor, evidence: EvidenceFile) -> None:
    """A signed-in user downloaded an evidence file (the caller commits before sending it)."""
    finding = evidence.response.finding
    _audit(actor, "evidence.download", evidence, finding,
           {"file": evidence.original_name, "size": evidence.size, "verified": evidence.response.verified})


def delete_file(evidence: EvidenceFile) -> str:
    """Remove an evidence file of an unverified response; returns its stored name, for the
    caller to remove from disk after the commit."""
    if evidence.response.verified:
        raise FileLocked()
    name = evidence.stored_name
    db.session.delete(evidence)
    db.session.flush()
    return name
