"""Dates as the programme lives them: deadlines and "today" fall on the programme's local days."""

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def today_in(timezone: str, now: datetime | None = None) -> date:
    """Today's date in a programme's time zone (deadlines fall on local days)."""
    return local_day(timezone, now or datetime.now(UTC))


def local_day(timezone: str, moment: datetime) -> date:
    """The date of ``moment`` (with its zone) in a programme's time zone."""
    return moment.astimezone(ZoneInfo(timezone)).date()


def factory_today(factory, now: datetime | None = None) -> date:
    """Today where the factory is: its programme's time zone."""
    return today_in(factory.programme.timezone, now)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day (31 Jan + 1 month: 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
