"""I18N-1: lang and dir on <html>, strings from the catalogues, dates per locale."""

from datetime import UTC, datetime

import pytest

from bwportal.extensions import db
from tests.conftest import sign_in


def page_as(client, user, locale, path):
    user.locale = locale
    db.session.commit()
    sign_in(client, user)
    return client.get(path).get_data(as_text=True)


def test_khmer_page_has_khmer_navigation_lang_and_dir(client, world):
    html = page_as(client, world.factory_user, "km", "/home")
    assert '<html lang="km" dir="ltr">' in html
    assert "My Organization" not in html
    assert "ចាកចេញ" in html  # "Sign out"


def test_arabic_page_is_right_to_left_and_in_arabic(client, world):
    html = page_as(client, world.factory_user, "ar", f"/factories/{world.angkor.id}/organization/edit")
    assert '<html lang="ar" dir="rtl">' in html
    assert "حفظ" in html  # "Save"
    assert "Save</button>" not in html


def test_accept_language_is_used_before_sign_in(client):
    html = client.get("/sign-in", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="vi"' in html
    assert "Sign in</h1>" not in html


@pytest.mark.parametrize("locale, expected", [
    ("en", "Mar 14, 2025"),
    ("vi", "14 thg 3, 2025"),
    ("km", "14 មីនា 2025"),
])
def test_dates_are_formatted_per_locale(client, world, locale, expected):
    world.angkor.updated_at = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    world.angkor.updated_by_id = world.factory_user.id
    html = page_as(client, world.factory_user, locale, f"/factories/{world.angkor.id}/organization")
    assert expected in html


def test_every_locale_renders_the_sign_in_page(client, app):
    for locale in app.config["LOCALES"]:
        client.post("/language", data={"locale": locale, "next": "/sign-in"})
        html = client.get("/sign-in").get_data(as_text=True)
        assert f'<html lang="{locale}"' in html
        if locale != "en":
            assert "Skip to content" not in html, locale


def test_programme_language_is_the_default_for_a_user_who_never_chose(client, world):
    assert world.factory_id_user.locale is None
    sign_in(client, world.factory_id_user)  # Bandung Textiles, Indonesia programme (id)
    assert '<html lang="id"' in client.get("/home", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_translations_follow_the_locale_within_a_request(app):
    """The translations are looked up once per locale, not once per string (bwportal/i18n.py):
    a forced locale (an e-mail in its recipient's language, a PDF in its reader's) must still
    get its own, in Python and in templates, and the request's come back after it."""
    from flask import render_template_string
    from flask_babel import force_locale, gettext

    from tests.helpers import translated

    template = '{{ _("Sign out") }}'
    with app.test_request_context(headers={"Accept-Language": "km"}):
        before = (gettext("Sign out"), render_template_string(template))
        with force_locale("ar"):
            forced = (gettext("Sign out"), render_template_string(template))
            with force_locale("vi"):
                nested = (gettext("Sign out"), render_template_string(template))
        after = (gettext("Sign out"), render_template_string(template))
    assert before == after == (translated("km", "Sign out"),) * 2
    assert forced == (translated("ar", "Sign out"),) * 2
    assert nested == (translated("vi", "Sign out"),) * 2
