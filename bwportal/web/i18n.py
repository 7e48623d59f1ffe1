"""Languages: which locale a request uses, and the helpers templates need."""

from datetime import date, datetime
from functools import lru_cache

import flask_babel
from babel import Locale, dates, numbers
from babel.support import NullTranslations
from flask import current_app, g, request, session
from flask_babel import Domain, get_locale, to_user_timezone
from flask_babel import _get_current_context as babel_context  # where Flask-Babel keeps the locale
from flask_babel import _get_format as babel_format  # the app's pattern for "short", "medium"...
from flask_login import current_user

from ..extensions import babel


def select_locale() -> str:
    supported = current_app.config["LOCALES"]
    if current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    if session.get("locale") in supported:
        return session["locale"]
    # A page may suggest a language for visitors who have not chosen (an invitation's).
    if g.get("page_locale") in supported:
        return g.page_locale
    # TEN-2: a signed-in user who never chose gets the programme's language.
    if current_user.is_authenticated and current_user.home_programme is not None:
        if current_user.home_programme.default_locale in supported:
            return current_user.home_programme.default_locale
    return request.accept_languages.best_match(supported) or supported[0]


def select_timezone() -> str:
    if current_user.is_authenticated and current_user.home_programme is not None:
        return current_user.home_programme.timezone
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def text_direction() -> str:
    return get_locale().text_direction  # "rtl" for Arabic


def committee_short(programme) -> str:
    """The programme's committee name in the reader's language (issue 19), else its default."""
    return programme.committee_short_in(get_locale())


def committee_long(programme) -> str:
    return programme.committee_long_in(get_locale())


def language_choices() -> list[tuple[str, str]]:
    """(code, name in its own language) for every supported locale, e.g. ("km", "ខ្មែរ")."""
    return [
        (code, Locale.parse(code).get_display_name(code).capitalize())
        for code in current_app.config["LOCALES"]
    ]


class RequestCachedDomain(Domain):
    """Flask-Babel's message domain, remembering the translations it found for the locale in
    use until the locale changes (force_locale, a new request). Flask-Babel looks the
    locale and the catalogue up again for every string: a page of 40 IP items asks ~800
    times, which was a quarter of its server time."""

    def get_translations(self):
        ctx = babel_context()
        if ctx is None:
            return NullTranslations()
        locale = getattr(ctx, "babel_locale", None)
        cached = getattr(ctx, "bw_translations", None)
        if locale is not None and cached is not None and cached[0] is locale and cached[1] is self:
            return cached[2]
        translations = super().get_translations()
        ctx.bw_translations = (ctx.babel_locale, self, translations)
        return translations


# Numbers and dates in the page's language, as Flask-Babel's ``numberformat`` and ``dateformat``
# write them, each worked out once per (value, pattern, locale): the text depends on nothing
# else. Babel parses the locale's pattern again for every number (30 us): the programme
# dashboard's table of 300 advisors wrote 1,600 of them, a quarter of its server time.

@lru_cache(maxsize=8192, typed=True)
def _decimal(number, locale: Locale) -> str:
    return numbers.format_decimal(number, locale=locale)


@lru_cache(maxsize=8192)
def _date(value: date, pattern: str, locale: Locale) -> str:
    return dates.format_date(value, pattern, locale=locale)


def format_number(number) -> str:
    """``flask_babel.format_number``."""
    try:
        return _decimal(number, get_locale())
    except TypeError:  # not hashable
        return flask_babel.format_number(number)


def format_date(value=None, format=None, rebase=True) -> str:
    """``flask_babel.format_date``: a datetime is taken in the user's time zone, then its day."""
    if not isinstance(value, date):
        return flask_babel.format_date(value, format, rebase)
    if isinstance(value, datetime):
        value = (to_user_timezone(value) if rebase else value).date()
    return _date(value, babel_format("date", format), get_locale())


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    domain = babel.domain_instance  # one per process (extensions.RequestCachedBabel)
    # Templates ask the domain straight away, not through get_translations() -> get_domain().
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
        newstyle=True,
    )
    app.jinja_env.filters.update(numberformat=format_number, dateformat=format_date)
    app.jinja_env.globals.update(
        get_locale=get_locale, text_direction=text_direction, language_choices=language_choices,
        committee_short=committee_short, committee_long=committee_long,
    )
