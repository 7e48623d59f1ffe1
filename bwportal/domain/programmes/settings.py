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
    names = _committee_names(data.get("committee_names", programme.committee_names or {}))
    before = audit.values(programme, (*SETTINGS, "committee_names"))
    for key in SETTINGS:
        value = data[key]
        setattr(programme, key, value.strip() if isinstance(value, str) else value)
    programme.committee_names = names
    changed = audit.changes(before, audit.values(programme, (*SETTINGS, "committee_names")))
    if changed:
        audit.record(actor, "programme.edit", programme, programme_id=programme.id, changes=changed)
    return changed


def _committee_names(names: dict) -> dict:
    """The committee's name per language (issue 19): known languages only, blank ones left out
    (they fall back to the default name), lengths as for the default name."""
    kept = {}
    for locale, name in (names or {}).items():
        if locale not in LOCALES or not isinstance(name, dict):
            raise AdminError(_l("That language is not available."), "default_locale")
        short, long = (str(name.get("short") or "").strip(), str(name.get("long") or "").strip())
        if len(short) > 40 or len(long) > 200:
            raise AdminError(_l("The committee's name is too long."), f"committee_short_{locale}")
        if short or long:
            kept[locale] = {k: v for k, v in (("short", short), ("long", long)) if v}
    return kept
