"""The filtered IP as CSV or XLSX (all fields, in the user's language), for factories that
work in spreadsheets."""

import csv
import io

from flask import Response
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from ...domain.ip.status import effective_status
from ...forms.text import multi_line
from .labels import FIELD_LABELS


def _columns():
    """(header, value function) for every exported column, in the reader's language."""
    def d(value):
        return format_date(value, "short") if value else ""

    return [
        (_("Item"), lambda i: i.id),
        (_("Cycle"), lambda i: i.cycle.number),
        (_("Origin"), lambda i: str(i.origin.label)),
        (_("Raised by"), lambda i: i.raised_by.label if i.raised_by else ""),
        (_("Publicly reported"), lambda i: _("Yes") if i.publicly_reported else _("No")),
        (str(FIELD_LABELS["area_of_improvement"]), lambda i: i.area_of_improvement),
        (str(FIELD_LABELS["cluster_id"]), lambda i: i.cluster.label if i.cluster else ""),
        (str(FIELD_LABELS["compliance_point_id"]), lambda i: i.compliance_point.label if i.compliance_point else ""),
        (str(FIELD_LABELS["root_cause_id"]), lambda i: i.root_cause.label if i.root_cause else ""),
        (str(FIELD_LABELS["root_cause_description"]), lambda i: i.root_cause_description),
        (str(FIELD_LABELS["actions_needed"]), lambda i: i.actions_needed),
        (str(FIELD_LABELS["lead_person"]), lambda i: i.lead_person),
        (str(FIELD_LABELS["additional_persons"]), lambda i: i.additional_persons),
        (str(FIELD_LABELS["status"]), None),  # needs today: filled in rows()
        (str(FIELD_LABELS["progress"]), lambda i: i.progress),
        (str(FIELD_LABELS["no_progress"]), lambda i: _("Yes") if i.no_progress else _("No")),
        (str(FIELD_LABELS["key_work_ahead"]), lambda i: i.key_work_ahead),
        (str(FIELD_LABELS["target_date"]), lambda i: d(i.target_date)),
        (str(FIELD_LABELS["completion_date"]), lambda i: d(i.completion_date)),
        (_("Reported remediated"), lambda i: format_datetime(i.remediation_reported_at, "short")
         if i.remediation_reported_at else ""),
    ]


def rows(items, today):
    columns = _columns()
    yield [header for header, _fn in columns]
    for item in items:
        yield [str(effective_status(item, today).label) if fn is None else _safe(fn(item)) for _h, fn in columns]


def _safe(value):
    """Spreadsheets run cells that start with = + - @ as formulas; factory text must stay text.
    XML refuses the control characters older imports let in (a vertical tab made the export
    answer 500 for good): they are dropped here too."""
    if isinstance(value, str):
        value = multi_line(value)
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def response(factory, items, today, fmt: str) -> Response:
    name = f"improvement-plan-{factory.id}-{today.isoformat()}.{fmt}"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerows(rows(items, today))
        body = "\ufeff" + buffer.getvalue()  # BOM: Excel then reads UTF-8 (Khmer, Bengali…) correctly
        mimetype = "text/csv; charset=utf-8"
    else:
        # Imported here, not at start-up: every process (the PDF worker too) would hold it.
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Improvement Plan")[:31])
        for row in rows(items, today):
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        body = buffer.getvalue()
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})
