"""French is the default language: every message of the code must be translated, with the same
placeholders, and the catalogue must compile."""

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "mutualise" / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("babel") / "messages.pot"
    CommandLineInterface().run(["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "-k", "_l",
                                "-k", "lazy_gettext", "-o", str(pot), str(ROOT)])
    with pot.open("rb") as handle:
        catalogue = read_po(handle)
    assert len(catalogue) > 50, "extraction found (almost) nothing: check babel.cfg"
    return catalogue


@pytest.fixture(scope="module")
def french():
    with CATALOGUE.open("rb") as handle:
        return read_po(handle, locale="fr")


def _texts(value) -> tuple[str, ...]:
    """Singular and plural forms alike, as a tuple."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def _translated(message) -> bool:
    return message is not None and all(_texts(message.string))


def test_every_message_has_a_french_translation(extracted, french):
    missing = sorted(str(m.id) for m in extracted if m.id and not _translated(french.get(m.id)))
    assert missing == [], f"{len(missing)} messages lack a French translation (make translations-update)"


def test_french_translations_keep_the_placeholders(french):
    def names(texts):
        return {name for text in texts for name in PLACEHOLDER.findall(text)}

    wrong = [m.id for m in french
             if m.id and _translated(m) and names(_texts(m.id)) != names(_texts(m.string))]
    assert wrong == []


def test_no_translation_is_left_fuzzy(french):
    assert [m.id for m in french if m.id and m.fuzzy] == []
