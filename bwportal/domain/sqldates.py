"""Date arithmetic inside SQL, the same on PostgreSQL and SQLite, so that figures over
thousands of factories are counted by the database (GROUP BY) rather than row by row here.

The date rules themselves stay in their domain modules (reports.deadlines, ip.status), each
with its SQL twin beside the Python function and a test that holds the two to the same answers.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Date, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal


class add_days(FunctionElement):  # noqa: N801 - reads as the SQL function it stands for
    """``date + n days`` (n a Python int)."""

    type = Date()
    inherit_cache = True
    name = "add_days"
    _traverse_internals = [*FunctionElement._traverse_internals, ("days", InternalTraversal.dp_plain_obj)]

    def __init__(self, value, days: int):
        self.days = int(days)
        super().__init__(value)


@compiles(add_days)
def _add_days(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"({compiler.process(value, **kw)} + {element.days:d})"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)}, '{element.days:+d} days')"


class local_date(FunctionElement):  # noqa: N801
    """The date of a stored instant (timestamptz) in a time zone: a programme's local day.

    SQLite knows no time zones: it applies the zone's offset of today, which is exact for
    every zone without summer time (all of the programmes' today) and off by an hour around
    a change otherwise; PostgreSQL is exact."""

    type = Date()
    inherit_cache = True
    name = "local_date"
    _traverse_internals = [*FunctionElement._traverse_internals, ("timezone", InternalTraversal.dp_plain_obj)]

    def __init__(self, value, timezone: str):
        ZoneInfo(timezone)  # an unknown zone fails here, and the name is safe to write into SQL
        self.timezone = timezone
        super().__init__(value)


@compiles(local_date)
def _local_date(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"CAST(({compiler.process(value, **kw)} AT TIME ZONE '{element.timezone}') AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    offset = datetime.now(UTC).astimezone(ZoneInfo(element.timezone)).utcoffset()
    minutes = int(offset.total_seconds() // 60)
    return f"date({compiler.process(value, **kw)}, '{minutes:+d} minutes')"


class month_of(FunctionElement):  # noqa: N801
    """'YYYY-MM' of a date."""

    type = String()
    inherit_cache = True
    name = "month_of"


@compiles(month_of)
def _month_of(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"to_char({compiler.process(value, **kw)}, 'YYYY-MM')"


@compiles(month_of, "sqlite")
def _month_of_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"strftime('%Y-%m', {compiler.process(value, **kw)})"


class date_of(FunctionElement):  # noqa: N801
    """The date part of a timestamp, as Python's ``datetime.date()`` of the value read back."""

    type = Date()
    inherit_cache = True
    name = "date_of"


@compiles(date_of)
def _date_of(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"CAST({compiler.process(value, **kw)} AS DATE)"


@compiles(date_of, "sqlite")
def _date_of_sqlite(element, compiler, **kw):
    (value,) = list(element.clauses)
    return f"date({compiler.process(value, **kw)})"
