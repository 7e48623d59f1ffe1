"""The factory's response to a publicly reported finding (PUB-2)."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired

from ...domain.public.issues import MAX_TEXT
from ...forms.base import PortalForm
from ...forms.fields import MaxLength

ACCEPT = "image/png,image/jpeg,image/webp,application/pdf,.png,.jpg,.jpeg,.webp,.pdf"


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ResponseForm(PortalForm):
    text = TextAreaField(
        _l("The factory's response"),
        filters=[strip],
        validators=[DataRequired(_l("Please write the factory's response.")), MaxLength(MAX_TEXT)],
        render_kw={"dir": "auto", "rows": 8},
    )
    # Checked by content in the domain (domain.public_issues.check_files), not here.
    files = MultipleFileField(_l("Evidence files"), render_kw={"accept": ACCEPT})
    version = HiddenField()
