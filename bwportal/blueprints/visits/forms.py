from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ...domain.annexes.visits import visit_date_problem
from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import MaxLength

MAX_DESCRIPTION = 5000
NOT_IN_LIST = _l("Please choose one of the options in the list.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    return None if value in ("", None) else int(value)


class VisitDetailsForm(PortalForm):
    """A visit's date and description, for the visit of one cycle (set with ``frame``)."""

    visit_date = DayField(_l("Date of the visit"),
                          validators=[InputRequired(_l("Please enter the date of the visit."))])
    description = TextAreaField(
        _l("Description"),
        filters=[strip],
        validators=[DataRequired(_l("Please describe the visit.")), MaxLength(MAX_DESCRIPTION)],
    )

    def frame(self, cycles, today, cycle=None) -> None:
        """``cycles``: the factory's, newest first; ``today`` where the factory is."""
        self.cycles = list(cycles)
        self.today = today
        self._cycle = cycle

    def chosen_cycle(self):
        return self._cycle

    def validate_visit_date(self, field):
        cycle = self.chosen_cycle()
        if cycle is None or field.data is None:
            return
        problem = visit_date_problem(field.data, cycle, self.cycles, self.today)
        if problem:
            raise ValidationError(problem)


class VisitForm(VisitDetailsForm):
    cycle_id = SelectField(_l("Cycle"), validators=[InputRequired(_l("Please choose the cycle."))],
                           coerce=optional_id, choices=[],
                           invalid_value_message=NOT_IN_LIST, invalid_choice_message=NOT_IN_LIST)

    def frame(self, cycles, today, cycle=None) -> None:
        super().frame(cycles, today)
        self.cycle_id.choices = [
            SelectChoice(c.id, gettext("Cycle %(number)s, from %(date)s", number=c.number,
                                       date=format_date(c.start_date, "medium")))
            for c in self.cycles
        ]

    def chosen_cycle(self):
        return next((c for c in self.cycles if c.id == self.cycle_id.data), None)
