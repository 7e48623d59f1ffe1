from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from ...domain.assessments.findings_import import MAX_TEXT
from ...forms.base import PortalForm
from ...forms.dates import DayField
from ...forms.fields import MaxLength, WholeNumberField

NOT_IN_LIST = _l("Please choose one of the options in the list.")
RELEASE_BEFORE_ASSESSMENT = _l("The report cannot be released before the assessment date.")
RELEASE_WITHOUT_ASSESSMENT = _l("Please enter the assessment date first: a report is released after its assessment.")
ASSESSMENT_BEFORE_START = _l("The assessment cannot be before the start of the cycle.")


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    """An id from a <select>; the empty first option is None."""
    return None if value in ("", None) else int(value)


def choice_field(label, required_message=None):
    validators = [InputRequired(required_message)] if required_message else []
    return SelectField(label, validators=validators, coerce=optional_id, choices=[],
                       invalid_value_message=NOT_IN_LIST, invalid_choice_message=NOT_IN_LIST)


class StartCycleForm(PortalForm):
    """A new cycle begins with its advisory period (CYC-1): its number and start date."""

    number = WholeNumberField(
        _l("Cycle number"),
        validators=[
            InputRequired(_l("Please enter the cycle number.")),
            NumberRange(min=1, max=999, message=_l("Please enter a whole number from 1 to 999.")),
        ],
    )
    start_date = DayField(
        _l("Start of the cycle"), validators=[InputRequired(_l("Please enter the date the cycle starts."))]
    )

    @property
    def assessment(self) -> dict:
        """What the form says of the assessment: nothing, for who may only start a cycle."""
        return {}


class CycleForm(StartCycleForm):
    """Assessors and programme admins may record the assessment with the cycle (an earlier
    cycle entered late), or leave it for later."""

    assessment_date = DayField(_l("Assessment date"), validators=[Optional()])
    report_release_date = DayField(_l("Report release date"), validators=[Optional()])
    lead_assessor_id = choice_field(_l("Lead assessor"))

    def set_assessors(self, assessors) -> None:
        self.lead_assessor_id.choices = assessor_choices(assessors)

    @property
    def assessment(self) -> dict:
        return {"assessment_date": self.assessment_date.data, "report_release_date": self.report_release_date.data,
                "lead_assessor_id": self.lead_assessor_id.data}

    def validate_assessment_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(ASSESSMENT_BEFORE_START)

    def validate_report_release_date(self, field):
        if field.data and not self.assessment_date.data:
            raise ValidationError(RELEASE_WITHOUT_ASSESSMENT)
        if field.data and self.assessment_date.data and field.data < self.assessment_date.data:
            raise ValidationError(RELEASE_BEFORE_ASSESSMENT)


def assessor_choices(assessors) -> list:
    return [SelectChoice("", _l("— None —"))] + [SelectChoice(a.id, a.name) for a in assessors]


class AssessmentForm(PortalForm):
    """The cycle's assessment, recorded once it took place."""

    assessment_date = DayField(
        _l("Assessment date"), validators=[InputRequired(_l("Please enter the assessment date."))]
    )
    lead_assessor_id = choice_field(_l("Lead assessor"))

    def set_assessors(self, assessors) -> None:
        self.lead_assessor_id.choices = assessor_choices(assessors)


class ReleaseDateForm(PortalForm):
    report_release_date = DayField(_l("Report release date"), validators=[Optional()])

    def __init__(self, cycle, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._assessment_date = cycle.assessment_date

    def validate_report_release_date(self, field):
        if field.data and self._assessment_date is None:
            raise ValidationError(RELEASE_WITHOUT_ASSESSMENT)
        if field.data and field.data < self._assessment_date:
            raise ValidationError(RELEASE_BEFORE_ASSESSMENT)


class FindingForm(PortalForm):
    cluster_id = choice_field(_l("Cluster"), _l("Please choose a cluster."))
    compliance_point_id = choice_field(_l("Compliance point"), _l("Please choose a compliance point."))
    text = TextAreaField(
        _l("Finding"),
        filters=[strip],
        validators=[DataRequired(_l("Please write the finding.")), MaxLength(MAX_TEXT)],
    )
    publicly_reported = BooleanField(_l("Publicly reported"))

    def set_catalogue(self, catalogue) -> None:
        """``catalogue``: [(cluster, [compliance point, …]), …] as domain.assessments.active_catalogue."""
        self.points = {p.id: p for _c, points in catalogue for p in points}
        self.cluster_id.choices = [SelectChoice("", _l("— Choose a cluster —"))] + [
            SelectChoice(c.id, c.label) for c, _points in catalogue
        ]
        self.compliance_point_id.choices = [SelectChoice("", _l("— Choose a compliance point —"))] + [
            SelectChoice(p.id, gettext("%(point)s (publicly reported)", point=p.label) if p.publicly_reported
                         else p.label, optgroup=c.label)
            for c, points in catalogue
            for p in points
        ]

    @property
    def point(self):
        return self.points.get(self.compliance_point_id.data)

    def validate_compliance_point_id(self, field):
        point = self.point
        if point is not None and self.cluster_id.data is not None and point.cluster_id != self.cluster_id.data:
            raise ValidationError(_l("This compliance point is not in the chosen cluster."))


class ImportForm(PortalForm):
    file = FileField(
        _l("CSV or Excel (.xlsx) file"),
        validators=[FileRequired(_l("Please choose a file to upload."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,"
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )


class ConfirmImportForm(PortalForm):
    payload = HiddenField()
