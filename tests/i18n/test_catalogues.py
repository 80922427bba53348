"""The Dutch and French catalogues are complete and their compiled .mo says what the .po says.

A new string marked in the code shows up empty in the .po after `make messages`: this test then
names it until it is translated. A .po edited without `compilemessages` leaves a stale .mo (the
one Django reads): that is named too.
"""

from __future__ import annotations

import gettext
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ("django", "djangojs")
CATALOGUES = [
    LOCALE / language / "LC_MESSAGES" / f"{domain}.po"
    for language in LANGUAGES
    for domain in DOMAINS
    if domain == "django" or (LOCALE / language / "LC_MESSAGES" / f"{domain}.po").exists()
]


def name(path: Path) -> str:
    return str(path.relative_to(LOCALE))


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_language_has_a_catalogue(language):
    assert (LOCALE / language / "LC_MESSAGES" / "django.po").exists()


@pytest.mark.parametrize("po_path", CATALOGUES, ids=name)
def test_the_catalogue_has_no_untranslated_or_fuzzy_entry(po_path):
    catalogue = polib.pofile(str(po_path))

    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert [entry.msgid for entry in catalogue.obsolete_entries()] == []


@pytest.mark.parametrize("po_path", CATALOGUES, ids=name)
def test_the_compiled_catalogue_says_what_the_po_says(po_path):
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{name(mo_path)} missing: run make messages"
    with mo_path.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)

    stale = []
    for entry in polib.pofile(str(po_path)).translated_entries():
        if entry.msgid_plural:
            got = [
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                if entry.msgctxt
                else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                for n in (1, 5)
            ]
            wanted = [_plural(entry, po_path, n) for n in (1, 5)]
        else:
            got = [
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt
                else compiled.gettext(entry.msgid)
            ]
            wanted = [entry.msgstr]
        if got != wanted:
            stale.append(entry.msgid)
    assert stale == [], f"{name(mo_path)} is older than its .po: run make messages"


def _plural(entry: polib.POEntry, po_path: Path, n: int) -> str:
    """The form the catalogue's own Plural-Forms picks for `n` (nl: n != 1, fr: n > 1)."""
    rule = polib.pofile(str(po_path)).metadata["Plural-Forms"].split("plural=")[1].rstrip(";")
    index = gettext.c2py(rule)(n)
    return entry.msgstr_plural[index]


def test_the_catalogues_use_the_words_of_belgian_bookkeepers():
    nl = polib.pofile(str(LOCALE / "nl/LC_MESSAGES/django.po"))
    fr = polib.pofile(str(LOCALE / "fr/LC_MESSAGES/django.po"))

    assert nl.find("Booking number").msgstr == "Boekingsnummer"
    assert fr.find("Booking number").msgstr == "Numéro de pièce"
    assert nl.find("Credit note").msgstr == "Creditnota"
    assert fr.find("Credit note").msgstr == "Note de crédit"
    assert nl.find("VAT").msgstr == "Btw"
    assert fr.find("VAT").msgstr == "TVA"
