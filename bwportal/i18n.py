"""Languages: which locale a request uses, and the helpers templates need."""

from babel import Locale
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from .extensions import babel


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


def language_choices() -> list[tuple[str, str]]:
    """(code, name in its own language) for every supported locale, e.g. ("km", "ខ្មែរ")."""
    return [
        (code, Locale.parse(code).get_display_name(code).capitalize())
        for code in current_app.config["LOCALES"]
    ]


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.globals.update(
        get_locale=get_locale, text_direction=text_direction, language_choices=language_choices
    )
