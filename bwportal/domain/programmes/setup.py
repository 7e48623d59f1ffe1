"""Creating a country programme (TEN-2): its settings and its own copy of the standard
catalogues (domain.catalogues)."""

from zoneinfo import available_timezones

from sqlalchemy import select

from ...config import LOCALES
from ...extensions import db
from ...models import Programme
from ..errors import DomainError
from .catalogues import seed_programme_catalogue


class ProgrammeError(DomainError, ValueError):
    """Settings a programme cannot have; ``args[0]`` says why (in English: the CLI's)."""


def create_programme(*, name: str, country: str, committee_short: str, committee_long: str,
                     default_locale: str = "en", timezone: str = "UTC") -> Programme:
    name, country = (name or "").strip(), (country or "").strip().upper()
    committee_short, committee_long = (committee_short or "").strip(), (committee_long or "").strip()
    if not name or len(name) > 120:
        raise ProgrammeError("The name must have 1 to 120 characters.")
    if len(country) != 2 or not country.isalpha():
        raise ProgrammeError("The country must be a two-letter ISO 3166 code, such as KH.")
    if not committee_short or len(committee_short) > 40 or not committee_long or len(committee_long) > 200:
        raise ProgrammeError("The committee needs a short name (up to 40 characters) and a long name "
                             "(up to 200).")
    if default_locale not in LOCALES:
        raise ProgrammeError(f"The default language must be one of {', '.join(LOCALES)}.")
    if timezone not in available_timezones():
        raise ProgrammeError("The time zone must be a name from the time zone database, such as Asia/Phnom_Penh.")
    if db.session.scalar(select(Programme.id).where(Programme.name == name)) is not None:
        raise ProgrammeError(f"There is already a programme called {name}.")
    programme = Programme(name=name, country=country, committee_short=committee_short,
                          committee_long=committee_long, default_locale=default_locale, timezone=timezone,
                          question_overrides={})
    db.session.add(programme)
    db.session.flush()
    seed_programme_catalogue(programme)
    return programme
