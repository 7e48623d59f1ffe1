"""A country programme's settings (TEN-2): committee name, default language, time zone."""

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l

from ...config import LOCALES
from .. import audit
from .factories import AdminError

SETTINGS = ("committee_short", "committee_long", "default_locale", "timezone")


def time_zones() -> list[str]:
    return sorted(available_timezones())


def update_settings(actor, programme, data: dict) -> dict:
    """Apply the settings; returns what changed. Past reports keep the committee name they
    were submitted with (report snapshots); open pages show the new one."""
    if data["default_locale"] not in LOCALES:
        raise AdminError(_l("That language is not available."), "default_locale")
    if data["timezone"] not in available_timezones():
        raise AdminError(_l("Choose a time zone from the list, such as Asia/Phnom_Penh."), "timezone")
    before = audit.values(programme, SETTINGS)
    for key in SETTINGS:
        value = data[key]
        setattr(programme, key, value.strip() if isinstance(value, str) else value)
    changed = audit.changes(before, audit.values(programme, SETTINGS))
    if changed:
        audit.record(actor, "programme.edit", programme, programme_id=programme.id, changes=changed)
    return changed
