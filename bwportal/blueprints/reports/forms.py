from flask_babel import lazy_gettext as _l
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired

from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import MaxLength


class NewReportForm(PortalForm):
    cycle_id = SelectField(_l("Cycle"), coerce=int, validate_choice=True)
    # Defaults to the programme's today, set by the view (the server's day may be another).
    report_date = DayField(_l("Report date"), validators=[InputRequired(_l("Please enter the report date."))])


class SendBackForm(PortalForm):
    comment = TextAreaField(_l("What the factory should change"), validators=[
        InputRequired(_l("Please say what the factory should change.")), MaxLength(10_000)])


class SectionCommentForm(PortalForm):
    body = TextAreaField(_l("Comment for the factory"), validators=[
        InputRequired(_l("Please write a comment.")), MaxLength(10_000)])
