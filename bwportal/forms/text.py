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


# What breaks a line (one space in a single-line field), and what is not text at all (dropped):
# C0 and C1 controls, DEL.
LINE_BREAKING = re.compile("[\t\n\r\x0b\x0c\x1c-\x1f\x85\u2028\u2029]+")
NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def without_controls(value):
    return CONTROL.sub("", value) if isinstance(value, str) else value


def single_line(value: str) -> str:
    """``value`` on one line: every run of line breaks and tabs becomes one space, other
    controls go."""
    return LINE_BREAKING.sub(" ", NOT_TEXT.sub("", value))


def multi_line(value: str) -> str:
    """``value`` with only the controls text keeps (tab, line feed, carriage return)."""
    return CONTROL.sub("", NOT_TEXT.sub("", value))


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
