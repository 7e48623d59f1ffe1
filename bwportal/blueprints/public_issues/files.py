"""Serving an evidence file: from outside static, under the name the user gave it, never sniffed."""

from flask import abort, current_app, send_file

from ...domain.public_issues import stored_path


def send_evidence(evidence, cache_control: str):
    """The stored file as a download (PDF) or inline image; 404 if it is not on disk."""
    path = stored_path(current_app.config["UPLOAD_DIR"], evidence.stored_name)
    if path is None:
        abort(404)
    response = send_file(
        path,
        mimetype=evidence.content_type,
        as_attachment=evidence.content_type == "application/pdf",
        download_name=evidence.original_name,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache_control
    response.headers.pop("Expires", None)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
