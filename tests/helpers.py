"""Small helpers shared by tests."""

from babel.messages.pofile import read_po

from bwportal.cli.i18n import TRANSLATIONS


def translated(locale: str, msgid: str) -> str:
    """The catalogue's translation of ``msgid``; fails if it is missing or left in English."""
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        text = read_po(fh, locale=locale)[msgid].string
    assert text and text != msgid, f"{msgid!r} is not translated in {locale}"
    return text
