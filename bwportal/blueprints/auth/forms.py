from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import EqualTo, InputRequired

from ...forms.base import PortalForm
from ...forms.fields import MaxLength


class SignInForm(PortalForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Please enter your e-mail address.")), MaxLength(254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(_l("Please enter your password.")), MaxLength(1024)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(PortalForm):
    locale = SelectField(_l("Language"), validate_choice=True)
    next = HiddenField()


class AcceptInvitationForm(PortalForm):
    name = StringField(_l("Your name"), validators=[InputRequired(_l("Please enter your name.")), MaxLength(200)],
                       render_kw={"autocomplete": "name"})
    locale = SelectField(_l("Your language"), validate_choice=True,
                         invalid_choice_message=_l("Please choose one of the options in the list."))
    password = PasswordField(
        _l("Choose a password"),
        validators=[InputRequired(_l("Please choose a password.")), MaxLength(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[InputRequired(_l("Please type the password again.")),
                    EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


def _new_password_fields(label):
    password = PasswordField(
        label,
        validators=[InputRequired(_l("Please choose a password.")), MaxLength(1024)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Type the password again"),
        validators=[InputRequired(_l("Please type the password again.")),
                    EqualTo("password", _l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


class ForgotPasswordForm(PortalForm):
    email = EmailField(
        _l("E-mail address"),
        validators=[InputRequired(_l("Please enter your e-mail address.")), MaxLength(254)],
        render_kw={"autocomplete": "username", "autofocus": True},
    )


class ResetPasswordForm(PortalForm):
    password, confirm = _new_password_fields(_l("Choose a new password"))


class ChangePasswordForm(PortalForm):
    current = PasswordField(
        _l("Your current password"),
        validators=[InputRequired(_l("Please enter your current password.")), MaxLength(1024)],
        render_kw={"autocomplete": "current-password"},
    )
    password, confirm = _new_password_fields(_l("New password"))


class ApiTokenForm(PortalForm):
    """A personal access token for the read API (API-1)."""

    name = StringField(_l("Token name"), validators=[InputRequired(_l("Please give the token a name, such as the "
                                                                      "system that will use it.")), MaxLength(100)])
    days = SelectField(_l("Lifetime"), coerce=int, validate_choice=True)
