"""Serving an evidence file: from outside static, under the name the user gave it, never sniffed."""

from flask import abort, current_app, send_file

from ...domain.public.issues import display_name, stored_path

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


def send_evidence(evidence, cache_control: str):
    """The stored file as an inline image or a download (PDF); 404 if it is not on disk."""
    path = stored_path(current_app.config["UPLOAD_DIR"], evidence.stored_name)
    if path is None:
        abort(404)
    # Only the upload check writes these rows; a type off its list (a row written some other
    # way) is never given to the browser to render.
    known = evidence.content_type in _EXTENSIONS
    response = send_file(
        path,
        mimetype=evidence.content_type if known else "application/octet-stream",
        as_attachment=evidence.content_type not in _INLINE,
        download_name=download_name(evidence),
        max_age=0,
    )
    response.headers["Cache-Control"] = cache_control
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def send_stored(stream, evidence, cache_control: str):
    """A file from the storage (bwportal.infra.storage), sent as ``send_evidence`` sends one
    from disk: inline only for the allowed image types, never sniffed."""
    known = evidence.content_type in _EXTENSIONS
    response = send_file(
        stream,
        mimetype=evidence.content_type if known else "application/octet-stream",
        as_attachment=evidence.content_type not in _INLINE,
        download_name=download_name(evidence),
        max_age=0,
        conditional=False,
    )
    response.headers["Cache-Control"] = cache_control
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
