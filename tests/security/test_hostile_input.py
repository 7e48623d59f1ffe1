"""Hostile or odd input that broke things (issue 17 item 9): control characters in single-line
fields and imports, dates in 9999, query numbers past PostgreSQL's integers, workbooks that
inflate, and one bad row in a sweep."""

import io
import zipfile
from datetime import date

from wtforms import StringField, TextAreaField

from bwportal.domain.assessments import findings_import
from bwportal.extensions import db
from bwportal.forms.base import PortalForm
from bwportal.forms.dates import DayField
from bwportal.infra.mail import compose
from bwportal.jobs import deadlines
from bwportal.models import Factory, OutboxMessage
from tests import factories as f


def test_a_single_line_field_keeps_one_line_in_every_form(login, world):
    """A carriage return in a factory's name reached every e-mail header naming it."""
    admin = login(world.admin)
    response = admin.post(f"/admin/factories/{world.angkor.id}", data={
        "name": "Angkor\rGarments\n\x0bLtd", "address": "Street 1\r\nPhnom Penh", "contact_name": "A\tB",
        "phone": "", "email": ""})
    assert response.status_code == 302
    db.session.expire_all()
    factory = db.session.get(Factory, world.angkor.id)
    assert factory.name == "Angkor Garments Ltd"
    assert factory.address == "Street 1\r\nPhnom Penh"  # a text area keeps its lines
    assert factory.contact_name == "A B"


def test_the_same_form_class_does_not_pile_up_filters(app):
    class One(PortalForm):
        class Meta:
            csrf = False
        name = StringField()
        note = TextAreaField()

    with app.test_request_context(method="POST", data={"name": "a\rb", "note": "a\rb"}):
        for _ in range(3):
            form = One()
            assert form.name.data == "a b" and form.note.data == "a\rb"
            assert len(form.name.filters) == 1


def test_no_e_mail_header_carries_a_line_break(app, world):
    """Old data with a carriage return in a name still makes a valid message."""
    with app.test_request_context():
        message = compose("notice", "someone@example.com\r\nBcc: evil@example.com", "en",
                          subject="PR1 overdue: Angkor\rGarments", name="Dara", body="x", url="http://x")
        assert "\r" not in message["Subject"] and "\n" not in message["Subject"]
        assert "\n" not in message["To"]
        message.as_bytes()  # would raise "Header values may not contain linefeed"


def test_dates_are_bounded(app):
    class Dated(PortalForm):
        class Meta:
            csrf = False
        day = DayField()

    for raw, ok in (("9999-12-31", False), ("1900-01-01", False), ("2026-03-31", True),
                    (date.today().isoformat(), True)):
        with app.test_request_context(method="POST", data={"day": raw}):
            form = Dated()
            assert form.validate() is ok, raw
            if not ok:
                assert "Please enter a date between" in form.day.errors[0]


def test_a_release_date_in_9999_is_refused_by_the_form(login, world):
    cycle = f.make_cycle(world.angkor, 1, date(2026, 1, 5))
    db.session.commit()
    response = login(world.admin).post(f"/factories/{world.angkor.id}/cycles/{cycle.id}/release-date",
                                       data={"report_release_date": "9999-12-31"})
    assert response.status_code == 422 and "Please enter a date between" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(type(cycle), cycle.id).report_release_date is None


def test_query_numbers_past_postgresql_integers_never_500(login, world):
    client = login(world.factory_user)
    for url in (f"/factories/{world.angkor.id}/ip?cluster=2147483648",
                f"/factories/{world.angkor.id}/ip?cluster=99999999999999999999",
                f"/factories/{world.angkor.id}/public-issues?cycle=2147483648",
                "/transparency?page=99999999999999999999"):
        assert client.get(url).status_code in (200, 404), url


def _workbook(padding: int = 0) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["cluster", "compliance point", "finding", "publicly reported"])
    sheet.append(["Compensation", "Overtime Wages", "Overtime not paid", "yes"])
    buffer = io.BytesIO()
    book.save(buffer)
    if not padding:
        return buffer.getvalue()
    # A member that inflates a thousandfold: checked before openpyxl reads anything.
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * padding)
    return buffer.getvalue()


def test_a_workbook_that_inflates_is_refused_before_it_is_read(app, world):
    data = _workbook(padding=20 * 1024 * 1024)
    assert len(data) < 200 * 1024
    with app.test_request_context():
        catalogue = findings_import.load_catalogue(world.kh.id)
        result = findings_import.parse_findings(data, "bomb.xlsx", catalogue)
        assert result.rows == [] and str(findings_import.UNPACKS_TOO_BIG) in [str(e) for e in result.errors]
        fine = findings_import.parse_findings(_workbook(), "fine.xlsx", catalogue)
        assert [row.text for row in fine.rows] == ["Overtime not paid"]


def test_an_import_drops_the_controls_xml_refuses(app, world):
    """A vertical tab in an imported finding made the IP's XLSX export answer 500 for good."""
    data = (b"cluster,compliance point,finding,publicly reported\n"
            b"Compensation\x0b,\"Overtime\rWages\",\"Overtime\x0b not\x1f paid\nat 150%\",yes\n")
    with app.test_request_context():
        result = findings_import.parse_findings(data, "f.csv", findings_import.load_catalogue(world.kh.id))
        [row] = result.rows
        assert row.text == "Overtime not paid\nat 150%" and not row.errors, row.errors


def test_the_ip_export_survives_control_characters_already_saved(login, world):
    cycle = f.make_released_cycle(world.angkor)
    f.make_ip_item(cycle, "Overtime Wages", "Old import\x0b with a vertical tab")
    db.session.commit()
    response = login(world.factory_user).get(f"/factories/{world.angkor.id}/ip/export.xlsx")
    assert response.status_code == 200


def test_one_bad_cycle_never_stops_the_deadline_sweep(world):
    """A release date of 9999-12-31 saved before the bound crashed the sweep for the programme."""
    f.make_released_cycle(world.angkor, released_days_ago=30)  # its PR1 is due today: a notice
    f.make_cycle(world.mekong, 1, date(2026, 1, 1), date(9999, 12, 31))
    db.session.commit()
    written = deadlines.sweep()
    assert sum(written.values()) > 0
    assert db.session.scalar(db.select(db.func.count(OutboxMessage.id))
                             .where(OutboxMessage.factory_id == world.angkor.id)) > 0


