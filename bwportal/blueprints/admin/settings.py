"""Programme settings (TEN-2)."""

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.programmes.factories import AdminError
from ...domain.programmes.settings import update_settings
from ...web.i18n import language_choices
from ...web.unit_of_work import unit_of_work
from .common import bp, require_admin
from .forms import OTHER_LOCALES, SettingsForm


@bp.route("", methods=["GET", "POST"])
@login_required
def settings():
    programme = require_admin()
    form = SettingsForm(obj=programme)
    form.default_locale.choices = language_choices()
    if not form.is_submitted():
        for locale in OTHER_LOCALES:
            name = (programme.committee_names or {}).get(locale) or {}
            form[f"committee_short_{locale}"].data = name.get("short", "")
            form[f"committee_long_{locale}"].data = name.get("long", "")
    status = 200
    if form.validate_on_submit():
        names = {locale: {"short": form[f"committee_short_{locale}"].data,
                          "long": form[f"committee_long_{locale}"].data} for locale in OTHER_LOCALES}
        try:
            with unit_of_work():
                changed = update_settings(current_user, programme, {**form.data, "committee_names": names})
        except AdminError as error:
            form[error.field].errors.append(error.message)
            status = 422
        else:
            flash(_("Programme settings saved.") if changed else _("Nothing has changed."), "success")
            return redirect(url_for("admin.settings"))
    elif form.is_submitted():
        status = 422
    languages = dict(language_choices())
    return render_template("admin/settings.html", form=form, programme=programme,
                           other_locales=[(loc, languages.get(loc, loc)) for loc in OTHER_LOCALES]), status
