"""Fields whose every message is ours, so every locale's catalogue can carry it."""

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectMultipleField, widgets
from wtforms.validators import StopValidation


class WholeNumberField(IntegerField):
    """An integer input whose parse error is translated by our catalogues."""

    widget = widgets.NumberInput(min=0, step=1)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = (valuelist[0] or "").strip()
        if raw == "":
            self.data = None
            self.raw_data = [""]  # blanks are empty: InputRequired refuses them
            return
        try:
            self.data = int(raw)
        except ValueError:
            self.data = None
            raise ValueError(_l("Please enter a whole number, such as 120.")) from None

    def pre_validate(self, form):
        # Text that is not a number needs one message, not a range error as well.
        if self.process_errors:
            raise StopValidation()


class CheckboxListField(SelectMultipleField):
    """Several ticks from a list, shown as checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# The largest id PostgreSQL's integer columns hold; a number past it can name no row.
ID_MAX = 2**31 - 1


def db_int(value) -> int:
    """``int(value)`` for a number the database can be asked about (an id, a page number); a
    larger one is a ValueError, so ``request.args.get(name, type=db_int)`` gives the default
    instead of a 500 ("integer out of range")."""
    number = int(value)
    if not -ID_MAX <= number <= ID_MAX:
        raise ValueError(value)
    return number


def MaxLength(limit: int):  # noqa: N802 - reads like the WTForms validators it sits among
    """Length(max=…) with our own, translated message."""
    from wtforms.validators import Length

    return Length(max=limit, message=_l("Please keep this to %(max)d characters or fewer."))
