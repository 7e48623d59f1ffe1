"""Serving an evidence file: from outside static, under the name the user gave it, never sniffed."""

from flask import abort
from flask_babel import gettext as _

from ...domain.public.issues import MAX_FILE_BYTES, Refusal, display_name, stored_key
from ...infra.storage import send

# The types the upload check accepts (domain.public_issues.detect_type), with their extensions.
# Images are shown in the browser; anything else is a download.
_EXTENSIONS = {"image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/webp": (".webp",),
               "application/pdf": (".pdf",)}
_INLINE = frozenset({"image/png", "image/jpeg", "image/webp"})


def download_name(evidence) -> str:
    """The name the user gave, cleaned again (a row may predate the cleaning rules: a line break
    would break the header), ending as the type the content was checked as: PNG bytes named
    "setup.exe" are saved as "setup.exe.png", never as a program."""
    name = display_name(evidence.original_name)
    extensions = _EXTENSIONS.get(evidence.content_type)
    if extensions and not name.lower().endswith(extensions):
        name += extensions[0]
    return name


def send_evidence(evidence, cache_control: str, key: str | None = None):
    """The stored file as an inline image or a download (PDF); 404 if it is not stored. ``key``:
    the storage key where the row names it itself (an IP item's file); else from its stored name."""
    key = key or stored_key(evidence.stored_name)
    # Only the upload check writes these rows; a type off its list (a row written some other
    # way) is never given to the browser to render.
    known = evidence.content_type in _EXTENSIONS
    response = send(
        key,
        mimetype=evidence.content_type if known else "application/octet-stream",
        as_attachment=evidence.content_type not in _INLINE,
        download_name=download_name(evidence),
    ) if key is not None else None
    if response is None:
        abort(404)
    response.headers["Cache-Control"] = cache_control
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def refusal_message(refused) -> str:
    """Why an evidence file (a public response's or an IP item's: the same checks) was refused."""
    if refused.reason is Refusal.TOO_LARGE:
        return _("“%(name)s” is larger than %(size)d MB and was not accepted.",
                 name=refused.name, size=MAX_FILE_BYTES // (1024 * 1024))
    if refused.reason is Refusal.EMPTY:
        return _("“%(name)s” is empty and was not accepted.", name=refused.name)
    return _("“%(name)s” is not a PNG, JPEG or WebP image or a PDF document, so it was not accepted.",
             name=refused.name)
