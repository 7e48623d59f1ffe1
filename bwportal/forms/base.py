"""The form every page's form derives from: a single-line field keeps one line.

The request already drops the control characters no keyboard types (forms/text.py); a line
feed, carriage return or tab stays there because text areas need them. In a single-line field
(a name, a title, an e-mail address) they have no business: a carriage return in a factory's
name reached every e-mail header naming it (issue 17 item 9). Every StringField that is not a
text area (or a password) is cleaned here, once, whichever form it belongs to."""

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from .text import single_line


def _clean(value):
    return single_line(value) if isinstance(value, str) else value


class PortalForm(FlaskForm):
    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if (issubclass(field_class, StringField) and not issubclass(field_class, TextAreaField | PasswordField)):
                # Through the options: the unbound field is the class's, shared by every form made.
                options = {**options, "filters": (_clean, *(unbound_field.kwargs.get("filters") or ()))}
            return super().bind_field(form, unbound_field, options)
