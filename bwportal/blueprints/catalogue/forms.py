from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import InputRequired

from ...config import LOCALES
from ...forms.fields import MaxLength


class CatalogueEntryForm(FlaskForm):
    name = StringField(_l("Name (English)"), validators=[InputRequired(_l("Please enter a name.")), MaxLength(200)])
    active = BooleanField(_l("In use"), default=True)
    cluster_id = SelectField(_l("Cluster"), coerce=int, validate_choice=True)
    publicly_reported = BooleanField(_l("Publicly reported"))
    needs_worker_interviews = BooleanField(_l("Needs worker interviews before completion"))


def translation_field_name(locale: str) -> str:
    return f"name_{locale}"


# One optional text field per locale: the admin's own wording, overriding the catalogue's.
for _locale in LOCALES:
    if _locale != "en":
        setattr(CatalogueEntryForm, translation_field_name(_locale),
                StringField(_locale, validators=[MaxLength(200)]))
