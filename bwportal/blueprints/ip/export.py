"""The filtered IP as CSV or XLSX (all fields, in the user's language), for factories that
work in spreadsheets."""

import csv
import io
import tempfile

from flask import Response, request
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from werkzeug.wsgi import wrap_file

from ...domain.ip.status import effective_status
from ...forms.text import multi_line
from .labels import FIELD_LABELS


def _columns(readable: frozenset[str]):
    """(header, value function) for every exported column the reader may read
    (domain.policy.ip_readable_fields, as the API), in the reader's language."""
    def d(value):
        return format_date(value, "short") if value else ""

    def labelled(field, value):
        return field, str(FIELD_LABELS[field]), value

    columns = [
        (None, _("Item"), lambda i: i.id),
        (None, _("Cycle"), lambda i: i.cycle.number),
        (None, _("Origin"), lambda i: str(i.origin.label)),
        (None, _("Raised by"), lambda i: i.raised_by.label if i.raised_by else ""),
        (None, _("Publicly reported"), lambda i: _("Yes") if i.publicly_reported else _("No")),
        labelled("area_of_improvement", lambda i: i.area_of_improvement),
        labelled("cluster_id", lambda i: i.cluster.label if i.cluster else ""),
        labelled("compliance_point_id", lambda i: i.compliance_point.label if i.compliance_point else ""),
        labelled("root_cause_id", lambda i: i.root_cause.label if i.root_cause else ""),
        labelled("root_cause_description", lambda i: i.root_cause_description),
        labelled("actions_needed", lambda i: i.actions_needed),
        labelled("lead_person", lambda i: i.lead_person),
        labelled("additional_persons", lambda i: i.additional_persons),
        labelled("status", None),  # needs today: filled in rows()
        labelled("progress", lambda i: i.progress),
        labelled("no_progress", lambda i: _("Yes") if i.no_progress else _("No")),
        labelled("key_work_ahead", lambda i: i.key_work_ahead),
        labelled("target_date", lambda i: d(i.target_date)),
        labelled("completion_date", lambda i: d(i.completion_date)),
        # IP-8: the EA's review with the committee of an item the new assessment did not repeat
        labelled("grievance_mechanism_review", lambda i: i.grievance_mechanism_review),
        labelled("grievance_enhancement", lambda i: i.grievance_enhancement),
        (None, _("Reported remediated"), lambda i: format_datetime(i.remediation_reported_at, "short")
         if i.remediation_reported_at else ""),
    ]
    return [(header, fn) for field, header, fn in columns if field is None or field in readable]


def rows(items, today, readable: frozenset[str]):
    columns = _columns(readable)
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


# A file up to this size is built in memory; a larger one (an IP of thousands of items) spills to
# a temporary file, so an export never holds the whole file in the worker's memory.
SPOOL_BYTES = 1024 * 1024


def response(factory, items, today, fmt: str, readable: frozenset[str]) -> tuple[Response, int]:
    """The file of ``items`` (any iterable: the route passes the database's rows in batches), with
    the ``readable`` fields, and how many items it holds. The file is written to a spooled
    temporary file and sent from it in chunks."""
    name = f"improvement-plan-{factory.id}-{today.isoformat()}.{fmt}"
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
    counted = _Counter(items)
    if fmt == "csv":
        text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
        text.write("\ufeff")  # BOM: Excel then reads UTF-8 (Khmer, Bengali…) correctly
        csv.writer(text).writerows(rows(counted, today, readable))
        text.flush()
        text.detach()  # the spool stays open for sending
        mimetype = "text/csv; charset=utf-8"
    else:
        # Imported here, not at start-up: every process (the PDF worker too) would hold it.
        from openpyxl import Workbook

        # write_only: rows go to disk as they come, not into a tree of cells.
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(_("Improvement Plan")[:31])
        for row in rows(counted, today, readable):
            sheet.append(row)
        workbook.save(spool)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    size = spool.tell()
    spool.seek(0)
    answer = Response(wrap_file(request.environ, spool), mimetype=mimetype, direct_passthrough=True,
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})
    answer.content_length = size
    return answer, counted.count


class _Counter:
    """Iterates ``items`` once, counting them (the audit trail records how many left)."""

    def __init__(self, items):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item
