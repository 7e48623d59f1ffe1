"""``flask i18n update``: extract the strings and merge them into every catalogue."""

import subprocess
import sys
from pathlib import Path

import click
from babel.messages.pofile import read_po, write_po
from flask import current_app
from flask.cli import AppGroup

from ..config import ROOT

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
# The keywords our code marks strings with, besides gettext/ngettext/_.
EXTRACT_KEYWORDS = ("_l", "N_")

group = AppGroup("i18n", help="Translation catalogues.")


def pybabel(*args: str) -> None:
    pybabel_bin = Path(sys.executable).with_name("pybabel")
    subprocess.run([str(pybabel_bin), *args], check=True, cwd=ROOT)


@group.command("update")
def i18n_update():
    """Extract strings, then merge them into every locale's catalogue."""
    keywords = [arg for k in EXTRACT_KEYWORDS for arg in ("-k", k)]
    pybabel("extract", "-F", "babel.cfg", *keywords, "--no-location", "--sort-output",
            "--omit-header", "-o", str(POT), ".")
    for locale in current_app.config["LOCALES"]:
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
                    "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
    _fill_source_locale(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    click.echo("Catalogues updated; translate the empty entries, then run tests/unit/test_catalogues.py.")


def _fill_source_locale(path: Path) -> None:
    """English is the source language: its catalogue repeats each message."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id and not (message.string if isinstance(message.string, str) else all(message.string)):
            message.string = message.id if isinstance(message.id, str) else tuple(message.id)
    with path.open("wb") as fh:
        write_po(fh, catalog, sort_output=True, include_lineno=False)
