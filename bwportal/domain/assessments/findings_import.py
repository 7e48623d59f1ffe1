"""CYC-2: an assessment report's findings imported from a CSV or XLSX file.

``parse_findings`` is pure: it takes the file's bytes, its name and a ``Catalogue`` (the
clusters and compliance points with the names a user may write), and answers every row as
it would be saved, with its errors, plus the errors of the file as a whole. Nothing is
written. ``rows_from_payload`` checks rows carried back from the preview again, and
``save_findings`` is the one operation that writes them.

The file is refused whole when any row has an error: a report is imported complete or not
at all.

Every error is a ``Problem``: a code and its values, put into words in the language of
whoever reads it, when it is read. So a file read by a worker (``work_of`` above
``INLINE_WORK``: domain.assessments.import_jobs) keeps its result as data (``to_stored``) and
its status page lists the errors in each reader's language (``from_stored``).
"""

import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ...forms.text import multi_line, single_line
from ..errors import Conflict, DomainError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 1000
MAX_TEXT = 5000
MAX_SHEET_ROWS = 10 * MAX_ROWS  # rows read from a sheet, empty ones included
MAX_COLUMNS = 50
# An XLSX is a zip: refuse one that unpacks to far more than findings need, before openpyxl
# reads it (a 69 KB file inflating to 28 MB held a web worker 23-52 s): 1,000 findings of
# 5,000 characters are 5 MB of text; no member packs tighter than a sheet of text does.
MAX_UNPACKED = 8 * 1024 * 1024
MAX_RATIO = 100
# Reading a file is work on its unpacked bytes (a workbook's XML, a CSV's text): about 0.1 s
# per 100 KB of a workbook on a busy web machine. A file with more than this is read by a
# worker, not by the web request (FINDINGS_IMPORT_INLINE_BYTES overrides it; 0: every file).
INLINE_WORK = 256 * 1024

CLUSTER, POINT, FINDING, PUBLIC = "cluster", "compliance point", "finding", "publicly reported"
COLUMNS = (CLUSTER, POINT, FINDING, PUBLIC)
REQUIRED_COLUMNS = (CLUSTER, POINT, FINDING)  # an absent "publicly reported" means every point's default

TRUE_WORDS = frozenset({"yes", "true", "1"})
FALSE_WORDS = frozenset({"no", "false", "0"})

XLSX_MAGIC = b"PK\x03\x04"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Fixed messages are lazy. A message with placeholders is translated where it is made, with
# gettext: a lazy one would reach Jinja as markup (LazyString.__html__) and a cell's text
# such as "<script>" would not be escaped.
TOO_BIG = _l("The file is larger than 2 MB. Please split it into smaller files.")
EMPTY_FILE = _l("The file is empty.")
NOT_A_TABLE = _l("This is neither a CSV file nor an Excel workbook (.xlsx). Please save it as CSV UTF-8 or .xlsx.")
NOT_UTF8 = _l(
    "The CSV file is not in UTF-8. In Excel, choose “Save as” and the type “CSV UTF-8”, then upload it again."
)
UNPACKS_TOO_BIG = _l("The workbook is too large to import. Please copy the findings into a new, smaller file.")
NO_HEADER = _l("The file has no rows.")
NO_ROWS = _l("The file has no findings below the header row.")
CLUSTER_EMPTY = _l("The cluster is empty.")
POINT_EMPTY = _l("The compliance point is empty.")
FINDING_EMPTY = _l("The finding is empty.")
NOT_IN_CATALOGUE = _l("The cluster or compliance point is no longer in the catalogue.")

_FIXED = {
    "too_big": TOO_BIG, "empty_file": EMPTY_FILE, "not_a_table": NOT_A_TABLE, "not_utf8": NOT_UTF8,
    "unpacks_too_big": UNPACKS_TOO_BIG, "no_header": NO_HEADER, "no_rows": NO_ROWS, "cluster_empty": CLUSTER_EMPTY,
    "point_empty": POINT_EMPTY, "finding_empty": FINDING_EMPTY, "not_in_catalogue": NOT_IN_CATALOGUE,
}
_WORDED = {
    "csv_quotes": lambda p: gettext(
        "The CSV file could not be read after row %(row)d. Please check its quotation marks.", row=p["row"]),
    "sheet_rows": lambda p: gettext(
        "The sheet has more than %(max)d rows, empty ones included. "
        "Please delete the empty rows below the findings.", max=p["max"]),
    "columns_missing": lambda p: gettext(
        "The first row must name the columns; these are missing: %(names)s. "
        "Expected: cluster, compliance point, finding, publicly reported.", names=p["names"]),
    "too_many_rows": lambda p: gettext(
        "The file has more than %(max)d findings. Please split it into smaller files.", max=p["max"]),
    "unknown_cluster": lambda p: gettext("Unknown cluster “%(value)s”.", value=p["value"]),
    "not_a_point": lambda p: gettext(
        "“%(value)s” is not a compliance point of the cluster “%(cluster)s”.", value=p["value"], cluster=p["cluster"]),
    "not_yes_no": lambda p: gettext(
        "“%(value)s” is not a yes/no value for “publicly reported”: "
        "write yes, no, true, false, 1 or 0, or leave it empty.", value=p["value"]),
    "too_long": lambda p: gettext(
        "The finding has %(length)d characters; at most %(max)d are allowed.", length=p["length"], max=p["max"]),
}


class Problem:
    """What is wrong with a file or a row: a code and its values, in words when shown.

    ``str()`` puts it in the current language. It has no ``__html__``: Jinja escapes it like
    any text, so a cell's "<script>" quoted in a message stays text."""

    __slots__ = ("code", "params")

    def __init__(self, code: str, **params):
        if code not in _FIXED and code not in _WORDED:
            raise ValueError(f"unknown problem {code!r}")
        self.code, self.params = code, params

    def __str__(self) -> str:
        fixed = _FIXED.get(self.code)
        return str(fixed) if fixed is not None else _WORDED[self.code](self.params)

    def __eq__(self, other) -> bool:
        return isinstance(other, Problem) and (self.code, self.params) == (other.code, other.params)

    __hash__ = None

    def __repr__(self) -> str:
        return f"Problem({self.code!r}, {self.params!r})"

    def to_data(self) -> list:
        return [self.code, self.params]

    @classmethod
    def from_data(cls, data) -> "Problem":
        if not (isinstance(data, list) and len(data) == 2 and isinstance(data[0], str) and isinstance(data[1], dict)):
            raise BadPayload()
        try:
            return cls(data[0], **data[1])
        except (TypeError, ValueError):
            raise BadPayload() from None


def normalize(text) -> str:
    """Case- and whitespace-insensitive form of a name, for matching."""
    return " ".join(unicodedata.normalize("NFC", str(text)).split()).casefold()


# --- the catalogue, as the import sees it ------------------------------------------------


@dataclass(frozen=True)
class ClusterRef:
    id: int
    name: str  # English, as seeded
    label: str  # in the user's language


@dataclass(frozen=True)
class PointRef:
    id: int
    cluster_id: int
    name: str
    label: str
    publicly_reported: bool  # the default when the file leaves the column empty


class Catalogue:
    """Clusters and compliance points, found by English name or by label in the user's language."""

    def __init__(self, clusters, points):
        self.clusters = {c.id: c for c in clusters}
        self.points = {p.id: p for p in points if p.cluster_id in self.clusters}
        self._clusters_by_name: dict[str, ClusterRef] = {}
        self._points_by_name: dict[tuple[int, str], PointRef] = {}
        # Labels first, then English names, so an English name always means its own entry.
        for attr in ("label", "name"):
            for c in self.clusters.values():
                self._clusters_by_name[normalize(getattr(c, attr))] = c
            for p in self.points.values():
                self._points_by_name[(p.cluster_id, normalize(getattr(p, attr)))] = p

    def find_cluster(self, text: str) -> ClusterRef | None:
        return self._clusters_by_name.get(normalize(text))

    def find_point(self, cluster: ClusterRef, text: str) -> PointRef | None:
        return self._points_by_name.get((cluster.id, normalize(text)))


def load_catalogue(programme_id: int) -> Catalogue:
    """The programme's active catalogue, labelled in the current language."""
    from ..programmes.catalogues import clusters_of, points_of

    clusters = clusters_of(programme_id)
    points = points_of(programme_id)
    return Catalogue(
        [ClusterRef(c.id, c.name, c.label) for c in clusters],
        [PointRef(p.id, p.cluster_id, p.name, p.label, p.publicly_reported) for p in points],
    )


# --- results -----------------------------------------------------------------------------


@dataclass
class ImportRow:
    """One finding as it will be saved, with what is wrong with it."""

    row: int  # the row number in the file (the header is usually row 1)
    cluster_text: str = ""
    point_text: str = ""
    text: str = ""
    public_text: str = ""
    cluster: ClusterRef | None = None
    point: PointRef | None = None
    publicly_reported: bool | None = None
    public_is_default: bool = False
    errors: list = field(default_factory=list)

    @property
    def cluster_label(self) -> str:
        return self.cluster.label if self.cluster else self.cluster_text

    @property
    def point_label(self) -> str:
        return self.point.label if self.point else self.point_text


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list = field(default_factory=list)  # about the file as a whole

    @property
    def rows_with_errors(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows) and not self.rows_with_errors


class BadPayload(DomainError):
    """Rows carried back from the preview are not in the shape the preview wrote."""


# --- reading the file --------------------------------------------------------------------


class _FileError(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.message = Problem(code, **params)


def parse_findings(data: bytes, filename: str, catalogue: Catalogue) -> ImportResult:
    """Every row of the file as it would be saved, with its errors; nothing is written.

    ``filename`` only breaks a tie: the content decides whether a file is CSV or XLSX.
    """
    result = ImportResult()
    if len(data) > MAX_BYTES:
        result.errors.append(Problem("too_big"))
        return result
    if not data:
        result.errors.append(Problem("empty_file"))
        return result
    table = None
    try:
        table = _table(data, filename)
        _read_rows(table, catalogue, result)
    except _FileError as e:
        result.errors.append(e.message)
        result.rows = []
    finally:
        if table is not None:
            table.close()  # a workbook left half read is closed now, not when collected
    return result


def _table(data: bytes, filename: str):
    """An iterator over (row number, [cell, ...]) of the file's first sheet."""
    if data.startswith(XLSX_MAGIC):
        return _xlsx_rows(data)
    if data.startswith(UTF16_BOMS):
        raise _FileError("not_utf8")
    if b"\x00" in data or (filename or "").lower().endswith((".xlsx", ".xlsm", ".xls")):
        raise _FileError("not_a_table")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _FileError("not_utf8") from None
    return _csv_rows(text)


def _csv_rows(text: str):
    first_line = text.split("\n", 1)[0]
    # Excel writes ";" where the decimal mark is a comma (French, Spanish, Indonesian…).
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            yield number, cells
    except csv.Error:  # e.g. a quote left open, so that one cell swallows the rest of the file
        raise _FileError("csv_quotes", row=number) from None


def _xlsx_rows(data: bytes):
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            if sum(info.file_size for info in members) > MAX_UNPACKED or any(
                    info.file_size > MAX_RATIO * max(info.compress_size, 1024) for info in members):
                raise _FileError("unpacks_too_big")
            if "xl/workbook.xml" not in archive.namelist():
                raise _FileError("not_a_table")
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _FileError:
        raise
    except Exception:  # noqa: BLE001 - a damaged or foreign zip: the file is not ours to read
        raise _FileError("not_a_table") from None
    try:
        sheet = workbook.active or workbook.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
            if number > MAX_SHEET_ROWS:
                raise _FileError("sheet_rows", max=MAX_SHEET_ROWS)
            yield number, list(cells)
    except _FileError:
        raise
    except Exception:  # noqa: BLE001 - damaged sheet XML
        raise _FileError("not_a_table") from None
    finally:
        workbook.close()


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    # The one place a file's text enters: no control character XML or e-mail refuses.
    return multi_line(str(value)).strip()


def _header_key(text: str) -> str:
    """"Compliance_Point", "compliance-point" and "Publicly reported?" name their columns too."""
    return normalize(text.replace("_", " ").replace("-", " ").strip(" ?*:"))


def _read_rows(table, catalogue: Catalogue, result: ImportResult) -> None:
    columns: dict[str, int] | None = None
    for number, raw in table:
        cells = [_cell(v) for v in raw]
        if columns is None:
            if not any(cells):
                continue  # empty rows above the header
            columns = {}
            for index, name in enumerate(cells):
                columns.setdefault(_header_key(name), index)
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise _FileError("columns_missing", names=", ".join(missing))
            continue

        values = {name: _pick(cells, columns.get(name)) for name in COLUMNS}
        if not any(values.values()):
            continue  # an empty row
        if len(result.rows) >= MAX_ROWS:
            raise _FileError("too_many_rows", max=MAX_ROWS)
        result.rows.append(_check_row(number, values, catalogue))
    if columns is None:
        raise _FileError("no_header")
    if not result.rows:
        raise _FileError("no_rows")


def _pick(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def parse_yes_no(text: str) -> bool | None:
    """True, False, or None when ``text`` is not one of the yes/no words."""
    word = normalize(text)
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def _check_row(number: int, values: dict[str, str], catalogue: Catalogue) -> ImportRow:
    row = ImportRow(number, single_line(values[CLUSTER]), single_line(values[POINT]), values[FINDING],
                    single_line(values[PUBLIC]))
    if not row.cluster_text:
        row.errors.append(Problem("cluster_empty"))
    else:
        row.cluster = catalogue.find_cluster(row.cluster_text)
        if row.cluster is None:
            row.errors.append(Problem("unknown_cluster", value=row.cluster_text))
    if not row.point_text:
        row.errors.append(Problem("point_empty"))
    elif row.cluster is not None:
        row.point = catalogue.find_point(row.cluster, row.point_text)
        if row.point is None:
            row.errors.append(Problem("not_a_point", value=row.point_text, cluster=row.cluster.label))
    row.errors.extend(_text_errors(row.text))
    if row.public_text:
        row.publicly_reported = parse_yes_no(row.public_text)
        if row.publicly_reported is None:
            row.errors.append(Problem("not_yes_no", value=row.public_text))
    elif row.point is not None:
        row.publicly_reported = row.point.publicly_reported
        row.public_is_default = True
    return row


def _text_errors(text: str) -> list:
    if not text.strip():
        return [Problem("finding_empty")]
    if len(text) > MAX_TEXT:
        return [Problem("too_long", length=len(text), max=MAX_TEXT)]
    return []


# --- carried from the preview to the confirmation ----------------------------------------


def to_payload(result: ImportResult) -> list:
    """The checked rows in a plain form to sign and carry in the confirmation form."""
    return [[r.row, r.cluster.id, r.point.id, r.text, bool(r.publicly_reported)] for r in result.rows]


def rows_from_payload(items, catalogue: Catalogue) -> ImportResult:
    """Rows carried back from the preview, checked again against today's catalogue.

    Raises BadPayload when ``items`` is not what ``to_payload`` wrote.
    """
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ROWS:
        raise BadPayload()
    result = ImportResult()
    for item in items:
        if not (isinstance(item, list) and len(item) == 5):
            raise BadPayload()
        number, cluster_id, point_id, text, public = item
        if not (_is_int(number) and _is_int(cluster_id) and _is_int(point_id)
                and isinstance(text, str) and isinstance(public, bool)):
            raise BadPayload()
        cluster = catalogue.clusters.get(cluster_id)
        point = catalogue.points.get(point_id)
        row = ImportRow(number, text=text, cluster=cluster, point=point, publicly_reported=public)
        if cluster is None or point is None or point.cluster_id != cluster.id:
            row.errors.append(Problem("not_in_catalogue"))
        row.errors.extend(_text_errors(text))
        result.rows.append(row)
    return result


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# --- read by a worker: how much work, and the result kept as data ------------------------


def work_of(data: bytes) -> int:
    """The bytes reading ``data`` means: a workbook's unpacked size (from its zip directory,
    nothing inflated), else the file's own size."""
    if data.startswith(XLSX_MAGIC):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return sum(info.file_size for info in archive.infolist())
        except Exception:  # noqa: BLE001 - not a zip after all: parse_findings says so, at once
            return len(data)
    return len(data)


def to_stored(result: ImportResult) -> dict:
    """The result as JSON data, with its problems as codes (worded when shown). A result
    without errors keeps the rows as ``to_payload`` writes them; the rows of a refused file
    keep what the file said, for the reader to find them in it."""
    if result.ok:
        return {"rows": to_payload(result), "defaults": [r.row for r in result.rows if r.public_is_default]}
    return {"errors": [p.to_data() for p in result.errors],
            "refused": [[r.row, r.cluster_text, r.point_text, r.text, r.public_text,
                         [p.to_data() for p in r.errors]] for r in result.rows]}


def from_stored(stored, catalogue: Catalogue) -> ImportResult:
    """``to_stored``'s data as an ImportResult again, in the current language: rows to save
    checked against today's catalogue (``rows_from_payload``), or the file's problems."""
    if not isinstance(stored, dict):
        raise BadPayload()
    if "rows" in stored:
        result = rows_from_payload(stored["rows"], catalogue)
        defaults = stored.get("defaults") or []
        for row in result.rows:
            row.public_is_default = row.row in defaults
        return result
    errors, refused = stored.get("errors"), stored.get("refused")
    if not (isinstance(errors, list) and isinstance(refused, list) and len(refused) <= MAX_ROWS):
        raise BadPayload()
    result = ImportResult(errors=[Problem.from_data(e) for e in errors])
    for item in refused:
        if not (isinstance(item, list) and len(item) == 6 and _is_int(item[0]) and isinstance(item[5], list)
                and all(isinstance(v, str) for v in item[1:5])):
            raise BadPayload()
        result.rows.append(ImportRow(item[0], *item[1:5], errors=[Problem.from_data(e) for e in item[5]]))
    return result


# --- the operation -----------------------------------------------------------------------


class FindingsChanged(Conflict):
    """The report's findings changed since the preview (a second click, the back button, a colleague)."""


def save_findings(cycle, rows: list[ImportRow], expected_count: int | None = None) -> list:
    """Add the rows to ``cycle`` as findings; the caller commits, once, for all of them.

    One import at a time per report: the cycle's row is locked, and the number of findings the
    preview saw tells a second click (or the back button) from the first, and an import from a
    report someone changed meanwhile."""
    from sqlalchemy import func, select

    from ...extensions import db
    from ...models import Cycle, Finding

    if any(r.errors for r in rows):
        raise ValueError("refusing to save rows with errors")
    if expected_count is not None:
        db.session.execute(select(Cycle.id).where(Cycle.id == cycle.id).with_for_update())
        if expected_count != db.session.scalar(select(func.count(Finding.id)).where(Finding.cycle_id == cycle.id)):
            raise FindingsChanged()
    findings = [
        Finding(factory_id=cycle.factory_id, cycle_id=cycle.id, cluster_id=r.cluster.id,
                compliance_point_id=r.point.id, text=r.text, publicly_reported=bool(r.publicly_reported))
        for r in rows
    ]
    db.session.add_all(findings)
    db.session.flush()
    return findings
