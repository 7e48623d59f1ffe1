from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, NumberRange, Optional, Regexp

from ...forms.base import PortalForm
from ...forms.fields import CheckboxListField, MaxLength, WholeNumberField

MAX_EMPLOYEES = 1_000_000

# Digits with the separators people write: +855 12 345 678, (021) 555-0101.
PHONE_PATTERN = r"^\+?[0-9 ()./-]{6,40}$"


class EnterpriseForm(PortalForm):
    name = StringField(
        _l("Factory name"),
        validators=[InputRequired(_l("Please enter the factory name.")), MaxLength(200)],
    )
    address = TextAreaField(_l("Address"), validators=[MaxLength(2000)])
    contact_name = StringField(_l("Contact name"), validators=[MaxLength(200)])
    phone = StringField(
        _l("Phone"),
        validators=[
            Optional(),
            Regexp(PHONE_PATTERN, message=_l("Please enter a phone number with digits, such as +855 12 345 678.")),
        ],
        render_kw={"type": "tel", "autocomplete": "tel"},
    )
    email = EmailField(
        _l("E-mail"),
        validators=[
            Optional(),
            MaxLength(254),
            Email(message=_l("Please enter an e-mail address such as name@example.com."), check_deliverability=False),
        ],
    )
    ownership_info = TextAreaField(_l("Ownership information"), validators=[MaxLength(4000)])
    male_employees = WholeNumberField(
        _l("Male employees"),
        validators=[
            InputRequired(_l("Please enter the number of male employees (0 if none).")),
            NumberRange(min=0, max=MAX_EMPLOYEES, message=_l("Please enter a whole number from 0 to 1,000,000.")),
        ],
    )
    female_employees = WholeNumberField(
        _l("Female employees"),
        validators=[
            InputRequired(_l("Please enter the number of female employees (0 if none).")),
            NumberRange(min=0, max=MAX_EMPLOYEES, message=_l("Please enter a whole number from 0 to 1,000,000.")),
        ],
    )
    customers = CheckboxListField(_l("Customers (buyers)"), coerce=int, validate_choice=True)
    version = HiddenField()
