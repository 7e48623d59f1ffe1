"""Cursor pagination: a list answers ``{"data": [...], "next_cursor": "..."}`` and a
``Link: <...>; rel="next"`` header while more follows. A cursor is opaque to clients (the
position after the last row handed out), so rows added or removed meanwhile never shift a
page, and reading the next page costs the same wherever it is."""

import base64
import binascii
import json

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_smorest import abort
from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
BAD_CURSOR = _l("This cursor is not one the API handed out. Start again without it.")


class PageArgs(Schema):
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "The next_cursor of the previous page; leave out for the first."})
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT),
                           metadata={"description": f"Rows per page, 1 to {MAX_LIMIT}."})


def page_schema(item_schema, name: str):
    """The envelope of a page of ``item_schema`` rows."""
    return Schema.from_dict({
        "data": fields.List(fields.Nested(item_schema), required=True),
        "next_cursor": fields.String(required=True, allow_none=True, metadata={
            "description": "Pass it as ?cursor= for the next page; null on the last page."}),
    }, name=name)


def encode(*values: int) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


ID_MAX = 2**31 - 1  # an id column's largest value
TXID_MAX = 2**63 - 1


def decode(cursor: str | None, *maxima: int) -> tuple[int, ...] | None:
    """The position a cursor holds (a whole number up to each of ``maxima``), None for no
    cursor; a 422 for anything the API did not hand out."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        values = None
    if not (isinstance(values, list) and len(values) == len(maxima)
            and all(type(v) is int and 0 <= v <= most for v, most in zip(values, maxima, strict=True))):
        abort(422, message=str(BAD_CURSOR), errors={"query": {"cursor": [str(BAD_CURSOR)]}})
    return tuple(values)


def keyset(rows: list, limit: int, key) -> tuple[list, str | None]:
    """(the page, the next cursor) from ``limit + 1`` rows read after the cursor."""
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(*key(rows[-1]))


def with_next_link(body: dict):
    """The answer with its Link header, for clients that follow links."""
    cursor = body.get("next_cursor")
    if not cursor:
        return body
    args = {**request.args.to_dict(), "cursor": cursor}
    url = url_for(request.endpoint, **(request.view_args or {}), **args, _external=False)
    return body, 200, {"Link": f'<{url}>; rel="next"'}
