"""A day (no time) input whose messages are ours, so every locale's catalogue can carry them."""

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import StopValidation

# The browser's date picker sends the first; people typing by hand write the others (DOMAIN: dd-mm-yyyy).
DAY_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


# A day the portal can be about (issue 17 item 9): a release date of 9999-12-31 was accepted
# and then broke every page and sweep that counts days from it.
DAY_MIN = date(2000, 1, 1)
YEARS_AHEAD = 10


def day_max(today: date | None = None) -> date:
    today = today or date.today()
    return today.replace(year=today.year + YEARS_AHEAD, day=28 if today.month == 2 and today.day == 29 else today.day)


def sane_day(day: date | None) -> bool:
    """Whether ``day`` lies in the range every form and import accepts."""
    return day is None or DAY_MIN <= day <= day_max()


class DayField(DateField):
    """``<input type="date">``; empty is None (so ``Optional()`` works), anything else must be a date."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=list(DAY_FORMATS), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        self.data = None
        if not raw:
            self.raw_data = [""]  # blanks are empty: InputRequired refuses them (" " was a 500)
            return
        for fmt in self.strptime_format:
            try:
                self.data = datetime.strptime(raw, fmt).date()
                break
            except ValueError:
                continue
        else:
            raise ValueError(_l("Please enter a date, such as 2026-03-31."))
        if not sane_day(self.data):
            raise ValueError(_l("Please enter a date between %(first)s and %(last)s.",
                                first=DAY_MIN.isoformat(), last=day_max().isoformat()))

    def pre_validate(self, form):
        # Text that is not a date needs one message, not "required" or a range error as well.
        if self.process_errors:
            raise StopValidation()
