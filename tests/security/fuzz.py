"""Pieces of the form fuzzer (tests/security/test_fuzz_forms.py): the forms of a page read with
the standard library's HTML parser, one hypothesis strategy per kind of field, and the checks
every answer must pass."""

import functools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import urlsplit

from hypothesis import strategies as st

# --- reading forms -------------------------------------------------------------------------

TEXT_TYPES = {"text", "search", "email", "tel", "url", "textarea", "number", "date", "datetime-local", "month",
              "time", "week", "color", "range"}
NOT_SENT = {"submit", "button", "reset", "image"}


@dataclass
class Field:
    name: str
    kind: str  # an <input> type, "textarea" or "select"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    required: bool = False


@dataclass
class Form:
    action: str
    method: str
    enctype: str
    fields: dict[str, Field] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # named submit buttons
    other_actions: list[str] = field(default_factory=list)  # a button's formaction posts it elsewhere

    def add(self, new: Field) -> None:
        known = self.fields.get(new.name)
        if known is None:
            self.fields[new.name] = new
        elif new.kind in ("checkbox", "radio"):  # a group: every value is an option
            known.options.append(new.value)
            known.multiple = known.multiple or new.kind == "checkbox"
            if new.value and not known.value:
                known.value = new.value


class FormParser(HTMLParser):
    """Every <form> of a page with its fields (inputs, textareas, selects and their options)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = Form(action=a.get("action", ""), method=a.get("method", "get").lower(),
                              enctype=a.get("enctype", ""))
            self.forms.append(self._form)
            return
        if self._form is None or ("disabled" in a and tag != "option"):
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in NOT_SENT:
                if kind == "submit":
                    self._form.buttons.append((a["name"], a.get("value", "")))
                return
            value = a.get("value", "on" if kind in ("checkbox", "radio") else "")
            new = Field(a["name"], kind, value, required="required" in a)
            if kind in ("checkbox", "radio"):
                new.options = [value]
                new.multiple = kind == "checkbox"
                new.value = value if "checked" in a else ""
            self._form.add(new)
        elif tag == "button" and a.get("type", "submit") == "submit":
            if a.get("name"):
                self._form.buttons.append((a["name"], a.get("value", "")))
            if a.get("formaction"):
                self._form.other_actions.append(a["formaction"])
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "", required="required" in a)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "", multiple="multiple" in a, required="required" in a)
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # The HTML parser of a browser drops one newline right after <textarea>.
            value = self._textarea.value
            self._textarea.value = value[2:] if value.startswith("\r\n") else value[1:] if value[:1] == "\n" \
                else value
            if self._form is not None:
                self._form.add(self._textarea)
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._close_option()
        elif tag == "select" and self._select is not None:
            if self._option is not None:
                self._close_option()
            if self._form is not None:
                self._form.add(self._select)
            self._select = None

    def _close_option(self):
        value = self._option["value"] if self._option["value"] is not None else self._option["text"].strip()
        self._select.options.append(value)
        if self._option["selected"] and not self._select.value:
            self._select.value = value
        self._option = None


def forms_of(html: str) -> list[Form]:
    parser = FormParser()
    parser.feed(html)
    parser.close()
    for form in parser.forms:
        for f in form.fields.values():
            if f.kind == "select" and not f.value and f.options and not f.multiple:
                f.value = f.options[0]  # what a browser sends for an untouched select
    return parser.forms


def action_path(action: str, page_url: str) -> str:
    """A form's action as a path (an empty action posts to the page itself)."""
    return urlsplit(action).path or urlsplit(page_url).path


def posting_to(forms: list[Form], path: str, page_url: str) -> list[Form]:
    """The POST forms that send to ``path``, by their action or a button's formaction."""
    return [form for form in forms if form.method == "post" and path in
            {action_path(a, page_url) for a in [form.action, *form.other_actions]}]


# --- hostile input -------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
# Markup that must never come back as markup: the raw text in a page means it was not escaped.
MARKERS = (SCRIPT, "<img src=x onerror=alert(2)>", "<svg onload=alert(3)>")
# A template that evaluated user input would print this number.
TEMPLATE_PRODUCT = str(91919 * 3)

HOSTILE = [
    SCRIPT,
    f"Angkor {SCRIPT} Garments",
    "\"><img src=x onerror=alert(2)>",
    "'><svg onload=alert(3)>",
    "{{ 91919*3 }}", "{% raw %}x", "${91919*3}", "#{91919*3}",
    "%s %d %(name)s {0} {name}", "%", "100%",
    "javascript:alert(1)",
    "'; DROP TABLE users; --", "\" OR 1=1 --",
    "A\x00B", "\x00", "tab\there", "line\r\nbreak", "\x1b[31mred\x1b[0m", "\x07\x08\x0b\x0c\x7f",
    "\u202eevil\u202c", "\u200f\u0645\u0631\u062d\u0628\u0627\u200e", "ស្រីពៅ ចាន់", "বাংলা", "Tiếng Việt",
    "👩🏽‍🔧🇰🇭", "\ufeffBOM", "\u0301\u0301\u0301", "\U0001f4a9" * 50,
    "../../../../etc/passwd", "C:\\Windows\\win.ini", "http://example.com/?a=<b>",
    "    ", "", "\n\n\n", "0", "-1", "null", "None", "undefined", "true",
]
LONG = [SCRIPT * 700, "x" * 10_001, "é" * 5_001, "ស" * 2_000, "a " * 60_000]

_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))  # any encodable character
_controls = st.sampled_from([chr(c) for c in (*range(0, 32), 127, 0x85, 0x200B, 0x200E, 0x200F, 0x202E, 0x2028,
                                              0xFEFF, 0xFFFF)])


@functools.cache
def hostile_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(LONG),
        st.text(_chars, max_size=60),
        st.text(st.one_of(_chars, _controls), min_size=1, max_size=40),
        st.tuples(st.text(_chars, max_size=10), st.sampled_from(HOSTILE), st.text(_controls, max_size=3))
          .map("".join),
        st.integers(200, 12_000).map(lambda n: ("<b>" + "w" * n)[:n]),
    )


NUMBERS = ["0", "1", "-1", "-0", "3.5", "1e309", "-1e309", "1e3", "NaN", "nan", "inf", "-Infinity",
           "99999999999999999999999999", "9" * 400, "-9223372036854775809", "2147483648", "abc", "12abc", "0x1F",
           "1_000", " 7 ", "٣", "७", "１２", "1,5", "+5", "--5", "", " ", "\x00", "1\x00", "½"]
DATES = ["2026-02-30", "0000-00-00", "99999-01-01", "0001-01-01", "9999-12-31", "1900-02-29", "2026-13-01",
         "2026-00-10", "31-12-2025", "31/12/2025", "12/31/2025", "2026-02-28T10:00", "tomorrow", "yesterday",
         "today", "", " ", "2026/02/28", "२०२६-०१-०१", "2026-1-1", "-2026-01-01", "\x002026-01-01", "1e309",
         "9" * 300]


@functools.cache
def number_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(NUMBERS), st.integers(-(10**30), 10**30).map(str),
                     st.floats(allow_nan=True, allow_infinity=True).map(repr), hostile_text())


@functools.cache
def date_text() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(DATES), st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
                     hostile_text())


def junk_choice(options: tuple) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(["", "999999999", "-1", "0", "abc", "None", "99999999999999999999999",
                                      "1.5", "\x00", SCRIPT]),
                     number_text(), hostile_text(),
                     st.sampled_from(options).map(lambda o: o + "x") if options else st.just("x"))


FILE_NAMES = ["photo.png", "report.pdf", "findings.csv", "findings.xlsx", "../../../evil.png", f"{SCRIPT}.png",
              "a" * 300 + ".jpg", "noextension", "ស្រីពៅ.pdf", "x.png\x00.exe", "", ".htaccess", "CON.csv"]


def csv_bytes() -> st.SearchStrategy[bytes]:
    """A CSV that looks like a findings file, with hostile cells."""
    cell = st.one_of(st.sampled_from(["Overtime Wages", "Compensation", "yes", "no", ""]), hostile_text())
    row = st.lists(cell, min_size=0, max_size=6).map(lambda cells: ",".join('"' + c.replace('"', '""') + '"'
                                                                           for c in cells))
    return st.tuples(st.sampled_from(["", "\ufeff"]), st.lists(row, max_size=6)).map(
        lambda t: (t[0] + "cluster,compliance_point,finding,publicly_reported\n" + "\n".join(t[1])).encode(
            "utf-8", "surrogatepass"))


@functools.cache
def file_upload() -> st.SearchStrategy:
    from tests.factories import public_png_bytes

    content = st.one_of(st.binary(max_size=3000), st.just(public_png_bytes()), st.just(b"%PDF-1.4\n%%EOF"),
                        st.just(b"PK\x03\x04" + b"\x00" * 40), csv_bytes(), st.just(b""))
    return st.tuples(content, st.sampled_from(FILE_NAMES)).map(lambda t: (BytesIO(t[0]), t[1]))


@functools.cache
def valid_text(kind: str) -> st.SearchStrategy[str]:
    """Something a form should accept: hostile words that are still plain, valid text."""
    if kind == "number":
        return st.sampled_from(["1", "3", "12"])
    if kind == "date":
        return st.sampled_from([-400, -30, -1, 0, 1, 30]).map(lambda d: (date.today() + timedelta(days=d)).isoformat())
    if kind == "email":
        return st.integers(1, 10**6).map(lambda n: f"o'brien+{n}@example.com")
    if kind in ("url", "tel", "color", "range", "time", "month", "week", "datetime-local"):
        return st.just(KEEP)
    return st.sampled_from([SCRIPT, f"Angkor {SCRIPT} Garments", "\"><img src=x onerror=alert(2)>",
                            "'><svg onload=alert(3)>", "{{ 91919*3 }} %s %(name)s", "ស្រីពៅ ចាន់ & Co",
                            "\u200f\u0645\u0631\u062d\u0628\u0627 <b>bold</b>", "👩🏽‍🔧 \"quoted\" 'single'"])


MISSING = object()  # the field is left out of the post
KEEP = object()  # the value the page shows now (a hidden version, a field left as it is)


def value_for(f: Field, valid: bool = False) -> st.SearchStrategy:
    """One field's value: mostly something valid carrying hostile text, often something broken,
    sometimes the field left out altogether; with ``valid``, only what the form should accept
    (so that hostile text gets saved and shown). It depends only on the field's kind and
    options as first read, never on what the page shows now, so hypothesis can replay and
    shrink it."""
    options = tuple(o for o in f.options if o is not None)
    kind = f.kind
    if kind == "text" and "email" in f.name:  # forms that say novalidate type e-mail addresses as text
        kind = "email"
    return _valid_for(kind, options, f.multiple) if valid else _value_for(kind, options, f.multiple)


@functools.cache
def _valid_for(kind: str, options: tuple, multiple: bool) -> st.SearchStrategy:
    chosen = tuple(o for o in options if o)
    if kind in ("checkbox", "radio", "select") and chosen:
        pick = st.sampled_from(chosen)
        return st.lists(pick, unique=True, min_size=1, max_size=3) if multiple else st.one_of(pick, st.just(KEEP))
    if kind == "password":
        return st.just("a much longer pass phrase 2026")
    if kind in ("hidden", "checkbox", "radio", "select", "file"):
        return _value_for(kind, options, multiple) if kind == "file" else st.just(KEEP)
    return st.one_of(valid_text(kind), valid_text(kind), st.just(KEEP))  # KEEP: a time zone, a code…


@functools.cache
def _value_for(kind: str, options: tuple, multiple: bool) -> st.SearchStrategy:
    if kind == "file":
        return st.one_of(file_upload(), st.just(MISSING))
    if kind == "hidden":
        broken = st.one_of(number_text(), hostile_text(), st.just(MISSING))
        return st.one_of(st.just(KEEP), st.just(KEEP), st.just(KEEP), broken)
    if kind in ("checkbox", "radio", "select"):
        good = st.sampled_from(options) if options else st.just(KEEP)
        if multiple:
            good = st.lists(st.sampled_from(options), unique=True, max_size=4) if options else st.just([])
        return st.one_of(good, good, good, junk_choice(options), st.just(MISSING))
    if kind == "password":
        return st.one_of(st.just("correct horse battery"), st.just("a much longer pass phrase 2026"), hostile_text(),
                         st.just(MISSING))
    broken = {"number": number_text(), "date": date_text()}.get(kind, hostile_text())
    good = valid_text(kind)
    return st.one_of(good, good, broken, broken, st.just(KEEP), st.just(MISSING))


# --- checks --------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")  # \x85 is a line end


def normalise(value: str) -> str:
    """What may differ between the text sent and the text shown again: white space (line ends,
    runs of spaces, a newline a one-line field cannot hold) and control characters (the portal
    drops them)."""
    return " ".join(_CONTROL.sub("", value).split())


def raw_markup(body: str) -> list[str]:
    """Hostile markup found unescaped in a page or mail."""
    return [m for m in MARKERS if m in body] + ([TEMPLATE_PRODUCT] if TEMPLATE_PRODUCT in body else [])


ERROR_SIGNS = ('class="error"', 'aria-invalid="true"', 'class="flash flash-error"', 'role="alert"')


def shows_errors(body: str) -> bool:
    return any(sign in body for sign in ERROR_SIGNS)
