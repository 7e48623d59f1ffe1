from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from ...config import LOCALES
from ...domain.programmes.catalogues import MAX_COURSE_DAYS, MAX_QUESTION_TEXT
from ...forms.base import PortalForm
from ...forms.fields import MaxLength, WholeNumberField


class CatalogueEntryForm(PortalForm):
    name = StringField(_l("Name (English)"), validators=[InputRequired(_l("Please enter a name.")), MaxLength(200)])
    active = BooleanField(_l("In use"), default=True)
    cluster_id = SelectField(_l("Cluster"), coerce=int, validate_choice=True)
    publicly_reported = BooleanField(_l("Publicly reported"))
    needs_worker_interviews = BooleanField(_l("Needs worker interviews before completion"))
    days = WholeNumberField(_l("Length in days"), validators=[
        InputRequired(_l("Please enter the length in days.")),
        NumberRange(min=1, max=MAX_COURSE_DAYS,
                    message=_l("Please enter a whole number of days from 1 to %(max)d.", max=MAX_COURSE_DAYS))])


def translation_field_name(locale: str) -> str:
    return f"name_{locale}"


# One optional text field per locale: the admin's own wording, overriding the catalogue's.
for _locale in LOCALES:
    if _locale != "en":
        setattr(CatalogueEntryForm, translation_field_name(_locale),
                StringField(_locale, validators=[MaxLength(200)]))


def hidden_field_name(question_key: str) -> str:
    return f"{question_key}__hidden"


def wording_field_name(question_key: str, locale: str) -> str:
    return f"{question_key}__{locale}"


def question_form(section, data: dict | None = None) -> PortalForm:
    """A form for one report section: per question "hidden for this programme" and the
    programme's own wording in every language (empty: the portal's translation)."""

    class QuestionsForm(PortalForm):
        pass

    for q in section.questions:
        setattr(QuestionsForm, hidden_field_name(q.key), BooleanField(_l("Hidden for this programme")))
        for code in LOCALES:
            setattr(QuestionsForm, wording_field_name(q.key, code),
                    TextAreaField(code, validators=[MaxLength(MAX_QUESTION_TEXT)]))
    return QuestionsForm(data=data or {})
