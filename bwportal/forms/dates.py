"""A day (no time) input whose messages are ours, so every locale's catalogue can carry them."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from wtforms import DateField
from wtforms.validators import StopValidation

# The browser's date picker sends the first; people typing by hand write the others (DOMAIN: dd-mm-yyyy).
DAY_FORMATS = ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"]


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
                return
            except ValueError:
                continue
        raise ValueError(_l("Please enter a date, such as 2026-03-31."))

    def pre_validate(self, form):
        # Text that is not a date needs one message, not "required" or a range error as well.
        if self.process_errors:
            raise StopValidation()
