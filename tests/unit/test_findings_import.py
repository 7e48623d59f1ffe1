"""CYC-2: reading findings from CSV and XLSX files — pure, no database, no request."""

import io
import zipfile

import openpyxl
import pytest

from bwportal.domain.assessments.findings_import import (
    MAX_ROWS,
    BadPayload,
    Catalogue,
    ClusterRef,
    PointRef,
    parse_findings,
    parse_yes_no,
    rows_from_payload,
    to_payload,
)

# A small catalogue; the French labels stand for "the user's language".
PAY = ClusterRef(1, "Compensation", "Rémunération")
TIME = ClusterRef(2, "Working Time", "Temps de travail")
OVERTIME_WAGES = PointRef(11, 1, "Overtime Wages", "Salaires des heures supplémentaires", True)
PREMIUM = PointRef(12, 1, "Premium Pay", "Primes", False)
OVERTIME = PointRef(21, 2, "Overtime", "Heures supplémentaires", True)
REGULAR = PointRef(22, 2, "Regular Hours", "Heures normales", False)
CATALOGUE = Catalogue([PAY, TIME], [OVERTIME_WAGES, PREMIUM, OVERTIME, REGULAR])

HEADER = "cluster,compliance point,finding,publicly reported\n"


def parse(text: str | bytes, filename="findings.csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return parse_findings(data, filename, CATALOGUE)


def messages(items) -> list[str]:
    return [str(m) for m in items]


def xlsx(rows, title=None) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if title:
        sheet.title = title
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- matching --------------------------------------------------------------------------------


@pytest.mark.parametrize("cluster, point", [
    ("Compensation", "Premium Pay"),
    ("  compensation ", "PREMIUM   pay"),
    ("Rémunération", "Primes"),  # the labels in the user's language
    ("rémunération", "premium pay"),  # mixed
])
def test_names_match_case_and_whitespace_insensitively_in_english_or_the_users_language(cluster, point):
    result = parse(HEADER + f'"{cluster}","{point}",Night premium missing,no\n')
    assert result.ok, messages(result.rows[0].errors)
    [row] = result.rows
    assert (row.cluster, row.point, row.text, row.publicly_reported) == (PAY, PREMIUM, "Night premium missing", False)


def test_a_point_is_only_found_in_its_own_cluster():
    result = parse(HEADER + "Working Time,Premium Pay,x,\n")
    assert not result.ok
    assert messages(result.rows[0].errors) == [
        "“Premium Pay” is not a compliance point of the cluster “Temps de travail”."]


def test_an_english_name_wins_over_another_entrys_label():
    # A label that happens to equal another cluster's English name does not hide that cluster.
    odd = Catalogue([ClusterRef(1, "A", "B"), ClusterRef(2, "B", "Bee")], [])
    assert odd.find_cluster("B").id == 2 and odd.find_cluster("bee").id == 2


# --- values ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [
    ("yes", True), ("YES", True), ("true", True), ("1", True), (" True ", True),
    ("no", False), ("No", False), ("false", False), ("0", False),
    ("maybe", None), ("2", None), ("oui", None),
])
def test_yes_no_words(text, value):
    assert parse_yes_no(text) is value


def test_empty_publicly_reported_takes_the_compliance_points_default():
    result = parse(HEADER + "Compensation,Overtime Wages,a,\n"
                   "Compensation,Premium Pay,b,\nCompensation,Premium Pay,c,yes\n")
    assert result.ok
    assert [(r.publicly_reported, r.public_is_default) for r in result.rows] == [
        (True, True), (False, True), (True, False)]


def test_the_publicly_reported_column_may_be_left_out():
    result = parse("Finding,Compliance_Point,CLUSTER\nOvertime not paid,Overtime Wages,Compensation\n")
    assert result.ok and result.rows[0].publicly_reported is True


@pytest.mark.parametrize("line, expected", [
    (",Overtime Wages,x,", ["The cluster is empty."]),
    ("Wages,Overtime Wages,x,", ["Unknown cluster “Wages”."]),
    ("Compensation,,x,", ["The compliance point is empty."]),
    ("Compensation,Overtime Wages,,", ["The finding is empty."]),
    ("Compensation,Overtime Wages,  ,", ["The finding is empty."]),
    ("Compensation,Overtime Wages,x,perhaps", [
        "“perhaps” is not a yes/no value for “publicly reported”: write yes, no, true, false, 1 or 0, "
        "or leave it empty."]),
    (f"Compensation,Overtime Wages,{'x' * 5001},", ["The finding has 5001 characters; at most 5000 are allowed."]),
    ("Nowhere,Nothing,,maybe", [
        "Unknown cluster “Nowhere”.", "The finding is empty.",
        "“maybe” is not a yes/no value for “publicly reported”: write yes, no, true, false, 1 or 0, "
        "or leave it empty."]),
])
def test_row_errors(line, expected):
    result = parse(HEADER + "Compensation,Overtime Wages,fine,yes\n" + line + "\n")
    assert not result.ok and not result.errors
    assert result.rows[0].errors == []
    assert result.rows[1].row == 3
    assert messages(result.rows[1].errors) == expected
    assert result.rows_with_errors == [result.rows[1]]


def test_a_finding_of_exactly_5000_characters_is_fine():
    assert parse(HEADER + f"Compensation,Overtime Wages,{'x' * 5000},\n").ok


def test_row_numbers_are_the_spreadsheets_and_empty_rows_are_skipped():
    text = "\n" + HEADER + ",,,\n" + 'Compensation,Premium Pay,"two\nlines",\n' + "\nWorking Time,Overtime,x,\n"
    result = parse(text)
    assert result.ok
    assert [r.row for r in result.rows] == [4, 6]
    assert result.rows[0].text == "two\nlines"


# --- files -----------------------------------------------------------------------------------


def test_semicolons_and_a_byte_order_mark_are_understood():
    text = "\ufeffCluster;Compliance point;Finding;Publicly reported\r\nCompensation;Premium Pay;a, b and c;0\r\n"
    result = parse(text)
    assert result.ok and result.rows[0].text == "a, b and c"


def test_tabs_are_understood():
    assert parse("cluster\tcompliance point\tfinding\nCompensation\tPremium Pay\tx\n").ok


@pytest.mark.parametrize("data, filename, message", [
    (b"", "f.csv", "The file is empty."),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "f.csv", "This is neither a CSV file nor an Excel workbook"),
    (b"%PDF-1.7\n\x00binary", "f.pdf", "This is neither a CSV file nor an Excel workbook"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "old.xls", "This is neither a CSV file nor an Excel workbook"),
    (b"cluster,compliance point,finding\n", "old.xls", "This is neither a CSV file nor an Excel workbook"),
    (b"PK\x03\x04broken", "f.xlsx", "This is neither a CSV file nor an Excel workbook"),
    ("cluster,compliance point,finding\nCompensation,Premium Pay,Caf\u00e9\n".encode("latin-1"), "f.csv",
     "The CSV file is not in UTF-8"),
    ("cluster,compliance point,finding\n".encode("utf-16"), "f.csv", "The CSV file is not in UTF-8"),
    (b"\n\n,,\n", "f.csv", "The file has no rows."),
    (b"cluster,finding\nCompensation,x\n", "f.csv", "these are missing: compliance point."),
    (b"cluster,compliance point,finding\n\n,,\n", "f.csv", "The file has no findings below the header row."),
    (b'cluster,compliance point,finding\nCompensation,Premium Pay,"' + b"x" * 200_000 + b'"\n', "f.csv",
     "The CSV file could not be read after row 1."),
])
def test_file_errors(data, filename, message):
    result = parse_findings(data, filename, CATALOGUE)
    assert not result.ok and result.rows == []
    assert len(result.errors) == 1 and message in str(result.errors[0]), messages(result.errors)


def test_a_zip_that_is_not_a_workbook_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    result = parse(out.getvalue(), "findings.docx")
    assert "neither a CSV file nor an Excel workbook" in str(result.errors[0])


def test_a_workbook_that_unpacks_to_a_huge_size_is_refused_before_it_is_read():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", " " * (31 * 1024 * 1024))
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    result = parse(data, "bomb.xlsx")
    assert "too large to import" in str(result.errors[0])


def test_size_and_row_limits():
    too_big = (HEADER + "Compensation,Premium Pay," + "x" * (2 * 1024 * 1024) + ",\n").encode()
    assert "larger than 2 MB" in str(parse(too_big).errors[0])
    at_limit = HEADER + "Compensation,Premium Pay,x,\n" * MAX_ROWS
    assert parse(at_limit).ok and len(parse(at_limit).rows) == MAX_ROWS
    over = parse(at_limit + "Compensation,Premium Pay,x,\n")
    assert "more than 1000 findings" in str(over.errors[0]) and over.rows == []


def test_xlsx_is_read_from_the_active_sheet_with_typed_cells():
    data = xlsx([
        ["Cluster", "Compliance point", "Finding", "Publicly reported"],
        ["Compensation", "Premium Pay", "Night premium missing", True],
        ["Working Time", "Overtime", "Sunday work", 0],
        [None, None, None, None],
        ["temps de travail", "heures normales", "  Long days  ", None],
    ])
    result = parse(data, "findings.xlsx")
    assert result.ok, (messages(result.errors), [messages(r.errors) for r in result.rows])
    assert [(r.row, r.point, r.text, r.publicly_reported) for r in result.rows] == [
        (2, PREMIUM, "Night premium missing", True),
        (3, OVERTIME, "Sunday work", False),
        (5, REGULAR, "Long days", False),
    ]


def test_xlsx_content_decides_not_the_name():
    data = xlsx([["cluster", "compliance point", "finding"], ["Compensation", "Premium Pay", "x"]])
    assert parse(data, "findings.csv").ok


def test_xlsx_row_errors_carry_the_sheet_row_number():
    data = xlsx([["cluster", "compliance point", "finding"], ["Compensation", "Premium Pay", "x"],
                 ["Compensation", "Overtime", "y"]])
    result = parse(data, "f.xlsx")
    assert [r.row for r in result.rows_with_errors] == [3]


def test_xlsx_with_too_many_sheet_rows_is_refused():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["cluster", "compliance point", "finding"])
    sheet.cell(row=10_005, column=1, value="Compensation")
    out = io.BytesIO()
    workbook.save(out)
    result = parse(out.getvalue(), "f.xlsx")
    assert "more than 10000 rows" in str(result.errors[0])


# --- carried to the confirmation -------------------------------------------------------------


def test_the_payload_round_trips():
    result = parse(HEADER + "Compensation,Overtime Wages,a,\nWorking Time,Regular Hours,b,yes\n")
    again = rows_from_payload(to_payload(result), CATALOGUE)
    assert again.ok
    assert [(r.row, r.cluster, r.point, r.text, r.publicly_reported) for r in again.rows] == [
        (2, PAY, OVERTIME_WAGES, "a", True), (3, TIME, REGULAR, "b", True)]


@pytest.mark.parametrize("items", [
    None, {}, [], "rows", [[2, 1, 11, "a"]], [[2, 1, 11, "a", "yes"]], [["2", 1, 11, "a", True]],
    [[2, True, 11, "a", True]], [[2, 1, 11, None, True]], [[2, 1, 11, "a", True]] * (MAX_ROWS + 1),
])
def test_a_payload_of_the_wrong_shape_is_refused(items):
    with pytest.raises(BadPayload):
        rows_from_payload(items, CATALOGUE)


@pytest.mark.parametrize("item, message", [
    ([2, 1, 21, "a", True], "The cluster or compliance point is no longer in the catalogue."),  # point of cluster 2
    ([2, 9, 11, "a", True], "The cluster or compliance point is no longer in the catalogue."),
    ([2, 1, 99, "a", True], "The cluster or compliance point is no longer in the catalogue."),
    ([2, 1, 11, " ", True], "The finding is empty."),
    ([2, 1, 11, "x" * 5001, True], "The finding has 5001 characters; at most 5000 are allowed."),
])
def test_payload_rows_are_checked_again(item, message):
    result = rows_from_payload([item], CATALOGUE)
    assert not result.ok and messages(result.rows[0].errors) == [message]
