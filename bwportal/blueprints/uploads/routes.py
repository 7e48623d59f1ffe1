"""Resumable uploads (issue 19): the chunk protocol over HTTP, for the browser's upload script.

    POST   /factories/<id>/uploads          name, size (form or JSON) -> 201, Location, Upload-Offset: 0
    HEAD   /factories/<id>/uploads/<token>  -> 204, Upload-Offset, Upload-Length (where to resume)
    GET    /factories/<id>/uploads/<token>  -> the same as JSON
    PATCH  /factories/<id>/uploads/<token>  Upload-Offset header, the chunk as the body
                                            -> 204, Upload-Offset (409 with it if the offset is wrong)
    DELETE /factories/<id>/uploads/<token>  -> 204

A finished upload is attached by the form it belongs to, which sends its token in an
``upload`` field. The rules are in bwportal.domain.uploads; every refusal carries a
translated message, as JSON."""

from flask import Blueprint, abort, jsonify, make_response, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain import uploads as ops
from ...domain.public.issues import MAX_FILE_BYTES
from ...web.unit_of_work import unit_of_work
from ..scoping import load_factory

bp = Blueprint("uploads", __name__, url_prefix="/factories/<int:factory_id>/uploads")


def _message(error: ops.UploadError | ops.WrongOffset) -> str:
    if isinstance(error, ops.UploadTooLarge):
        return _("The file is larger than %(size)d MB and was not accepted.", size=MAX_FILE_BYTES // (1024 * 1024))
    if isinstance(error, ops.UploadWrongType):
        return _("The file is not a PNG, JPEG or WebP image or a PDF document, so it was not accepted.")
    if isinstance(error, ops.UploadEmpty):
        return _("The file is empty and was not accepted.")
    if isinstance(error, ops.WrongOffset):
        return _("Part of the file is missing; the upload continues from where it stopped.")
    return _("The upload could not continue. Please choose the file again.")


def _refused(error, status: int | None = None, offset: int | None = None):
    response = jsonify(error=_message(error))
    response.status_code = status or error.status
    if offset is not None:
        response.headers["Upload-Offset"] = str(offset)
    return response


def _state(upload, status: int = 200):
    response = jsonify(id=upload.token, offset=upload.received, size=upload.size, name=upload.filename,
                       url=url_for("uploads.chunk", factory_id=upload.factory_id, token=upload.token))
    response.status_code = status
    return _headers(response, upload)


def _headers(response, upload):
    response.headers["Upload-Offset"] = str(upload.received)
    response.headers["Upload-Length"] = str(upload.size)
    response.headers["Cache-Control"] = "no-store"
    return response


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


@bp.post("")
@login_required
def create(factory_id: int):
    factory = load_factory(factory_id, "evidence.upload")
    data = request.get_json(silent=True) if request.is_json else request.form
    if not isinstance(data, dict) and not hasattr(data, "getlist"):
        data = {}  # a JSON list or number: nothing to read
    size = _int(data.get("size"))
    if size is None:
        return jsonify(error=_("Say the size of the file in bytes.")), 400
    try:
        with unit_of_work():
            upload = ops.create(factory, current_user, str(data.get("name") or ""), size)
    except ops.UploadError as error:
        return _refused(error)
    response = _state(upload, 201)
    response.headers["Location"] = url_for("uploads.chunk", factory_id=factory.id, token=upload.token)
    return response


def _upload(factory, token: str, lock: bool = False):
    upload = ops.find(factory, current_user, token, lock=lock)
    if upload is None:
        abort(404)  # another user's, another factory's, finished or abandoned: not there
    return upload


@bp.route("/<token>", methods=["GET", "HEAD"])
@login_required
def chunk(factory_id: int, token: str):
    factory = load_factory(factory_id, "evidence.upload")
    upload = _upload(factory, token)
    if request.method == "HEAD":
        return _headers(_empty(), upload)
    return _state(upload)


def _empty():
    return make_response("", 204)


@bp.patch("/<token>")
@login_required
def append(factory_id: int, token: str):
    factory = load_factory(factory_id, "evidence.upload")
    _upload(factory, token)  # someone else's upload is not there, whatever the request says
    offset = _int(request.headers.get("Upload-Offset"))
    if offset is None:
        return jsonify(error=_("Say where the chunk starts (Upload-Offset).")), 400
    if (request.content_length or 0) > ops.MAX_CHUNK:
        return _refused(ops.UploadTooLarge(), 413)
    data = request.get_data(cache=False)
    try:
        with unit_of_work():
            upload = _upload(factory, token, lock=True)
            ops.append(upload, offset, data)
    except ops.WrongOffset as error:
        return _refused(error, 409, error.offset)
    except ops.UploadError as error:
        return _refused(error)
    return _headers(_empty(), upload)


@bp.delete("/<token>")
@login_required
def cancel(factory_id: int, token: str):
    factory = load_factory(factory_id, "evidence.upload")
    with unit_of_work():
        removed = ops.cancel(_upload(factory, token))
    ops.remove_chunks([removed])
    return _empty()
