from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from ...domain.annexes.training import MAX_CREDIT_DAYS, MAX_PARTICIPANTS
from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import MaxLength, WholeNumberField

NOT_IN_LIST = _l("Please choose one of the options in the list.")
MAX_SEATS = 10_000


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    return None if value in ("", None) else int(value)


class RegistrationForm(PortalForm):
    """The factory asks to register (or the EA registers it): how many take part, and a note."""

    participants = WholeNumberField(
        _l("Participants"),
        validators=[InputRequired(_l("Please enter the number of participants.")),
                    NumberRange(min=1, max=MAX_PARTICIPANTS,
                                message=_l("Please enter a number of participants from 1 to 200."))],
    )
    note = TextAreaField(_l("Note (optional)"), filters=[strip], validators=[MaxLength(2000)])


class CreditsForm(PortalForm):
    credit_days = WholeNumberField(
        _l("Credit days for this cycle"),
        validators=[InputRequired(_l("Please enter the number of days (0 if none).")),
                    NumberRange(min=0, max=MAX_CREDIT_DAYS,
                                message=_l("Please enter a whole number of days from 0 to 365."))],
    )


class SessionForm(PortalForm):
    course_id = SelectField(_l("Course"), coerce=optional_id, choices=[],
                            validators=[InputRequired(_l("Please choose a course."))],
                            invalid_value_message=NOT_IN_LIST, invalid_choice_message=NOT_IN_LIST)
    starts_on = DayField(_l("Date"), validators=[InputRequired(_l("Please enter the date of the session."))])
    location = StringField(_l("Location"), filters=[strip], validators=[MaxLength(200)])
    seats = WholeNumberField(
        _l("Seats (optional)"),
        validators=[Optional(), NumberRange(min=1, max=MAX_SEATS,
                                            message=_l("Please enter a whole number from 1 to 10,000."))],
    )
