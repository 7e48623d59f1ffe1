"""Typed text as the portal keeps it: without the control characters no keyboard types.

PostgreSQL refuses NUL in text ("A string literal cannot contain NUL"), and XML (the XLSX
export, the PDFs) refuses the other C0 controls; pasted text sometimes carries them. They are
dropped from every form field and query value when the request reads them, before any view,
form or validator sees them, so no page answers 500 for them and what is saved can be shown
and exported everywhere. Tab, line feed and carriage return stay."""

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def without_controls(value):
    return CONTROL.sub("", value) if isinstance(value, str) else value


class CleanMultiDict(ImmutableMultiDict):
    """request.args and request.form (and the field names of request.files), cleaned."""

    def __init__(self, mapping=None):
        if mapping is None:
            super().__init__()
            return
        pairs = MultiDict(mapping).items(multi=True)
        super().__init__([(without_controls(key), without_controls(value)) for key, value in pairs])


class CleanRequest(Request):
    parameter_storage_class = CleanMultiDict
