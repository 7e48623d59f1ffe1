"""I18N-1: every user-visible string is extracted, and translated in every locale."""

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bwportal.cli.i18n import EXTRACT_KEYWORDS, POT, TRANSLATIONS
from bwportal.config import LOCALES, ROOT


def read(path: Path, locale=None):
    with path.open("rb") as fh:
        return read_po(fh, locale=locale)


def ids(catalog) -> set:
    return {m.id for m in catalog if m.id}


def test_template_is_up_to_date_with_the_source():
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    keywords = dict(DEFAULT_KEYWORDS, **{k: None for k in EXTRACT_KEYWORDS})
    in_source = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        in_source.add(message)
    missing = in_source - ids(read(POT))
    assert not missing, f"run `flask --app wsgi i18n update`; not extracted: {sorted(map(str, missing))[:10]}"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale):
    catalog = read(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", locale=locale)
    assert not catalog.fuzzy, f"{locale}: the catalogue header is marked fuzzy"
    assert ids(catalog) >= ids(read(POT)), f"{locale}: messages missing; run i18n update"
    untranslated = [m.id for m in catalog if m.id and (
        not m.string or (isinstance(m.string, tuple) and not all(m.string)))]
    fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
    assert not untranslated, f"{locale}: {len(untranslated)} untranslated, e.g. {untranslated[:5]}"
    assert not fuzzy, f"{locale}: {len(fuzzy)} fuzzy, e.g. {fuzzy[:5]}"
    errors = [(m.id, str(e)) for m, errs in catalog.check() for e in errs]
    assert not errors, f"{locale}: placeholder errors {errors[:5]}"
