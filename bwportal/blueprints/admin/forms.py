from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Regexp

from ...config import LOCALES
from ...forms.base import PortalForm
from ...forms.fields import MaxLength

NOT_IN_LIST = _l("Please choose one of the options in the list.")
EMAIL_SHAPE = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                     message=_l("Please enter an e-mail address such as name@example.com."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def optional_id(value):
    return None if value in ("", None) else int(value)


def choice(label, **kw):
    return SelectField(label, invalid_value_message=NOT_IN_LIST, invalid_choice_message=NOT_IN_LIST, **kw)


class SettingsForm(PortalForm):
    committee_short = StringField(_l("Committee name, short (PICC, LKS Bipartit, PC…)"), filters=[strip],
                                  validators=[InputRequired(_l("Please enter the committee's short name.")),
                                              MaxLength(40)])
    committee_long = StringField(_l("Committee name, in full"), filters=[strip],
                                 validators=[InputRequired(_l("Please enter the committee's full name.")),
                                             MaxLength(200)])
    default_locale = choice(_l("Default language"))
    timezone = StringField(_l("Time zone"), filters=[strip],
                           validators=[InputRequired(_l("Please enter the programme's time zone.")), MaxLength(64)])


# The committee's name in every other language (issue 19): blank falls back to the default name.
OTHER_LOCALES = tuple(loc for loc in LOCALES if loc != "en")
for _locale in OTHER_LOCALES:
    setattr(SettingsForm, f"committee_short_{_locale}",
            StringField(_l("Short name"), filters=[strip], validators=[MaxLength(40)]))
    setattr(SettingsForm, f"committee_long_{_locale}",
            StringField(_l("Name in full"), filters=[strip], validators=[MaxLength(200)]))


class FactoryForm(PortalForm):
    name = StringField(_l("Factory name"), filters=[strip],
                       validators=[InputRequired(_l("Please enter the factory's name.")), MaxLength(200)])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[MaxLength(2000)])
    contact_name = StringField(_l("Contact name"), filters=[strip], validators=[MaxLength(200)])
    phone = StringField(_l("Phone"), filters=[strip], validators=[MaxLength(40)])
    email = StringField(_l("E-mail"), filters=[strip], validators=[MaxLength(254)])
    lead_ea_id = choice(_l("Lead Enterprise Advisor"), coerce=optional_id,
                        validators=[InputRequired(_l("Please choose the lead Enterprise Advisor."))])


class AdvisorForm(PortalForm):
    ea_id = choice(_l("Enterprise Advisor"), coerce=optional_id,
                   validators=[InputRequired(_l("Please choose an Enterprise Advisor."))])


class InvitationForm(PortalForm):
    email = StringField(_l("E-mail address"), filters=[strip],
                        validators=[InputRequired(_l("Please enter the e-mail address.")), MaxLength(254),
                                    EMAIL_SHAPE])
    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(_l("Please enter the person's name.")), MaxLength(200)])
    role = choice(_l("Role"))
    locale = choice(_l("Language of the invitation"))
    buyer_organisation_id = choice(_l("Buyer organisation (for buyers)"), coerce=optional_id)
    is_account_manager = BooleanField(_l("Account manager: may invite and deactivate the factory's users"))


class UserForm(PortalForm):
    name = StringField(_l("Name"), filters=[strip],
                       validators=[InputRequired(_l("Please enter the person's name.")), MaxLength(200)])
    is_account_manager = BooleanField(_l("Account manager: may invite and deactivate the factory's users"))
