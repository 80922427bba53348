"""Stored texts read in the reader's language, and money in the reader's format."""

from __future__ import annotations

from decimal import Decimal

from django.utils import translation

from config.formats import format_money
from config.texts import StoredText, dump, later, later_plural, load, money, quoted


def test_money_follows_the_readers_language():
    with translation.override("en"):
        assert format_money(Decimal("14578.75")) == "€14,578.75"
        assert format_money(Decimal("-3.5")) == "-€3.50"
    for language in ("nl", "fr"):
        with translation.override(language):
            assert format_money(Decimal("14578.75")) == "14.578,75\u00a0€"


def test_a_stored_text_keeps_its_parameters_and_is_formatted_when_read():
    text = later("Total %(amount)s for %(who)s", amount=money("1234.5"), who=quoted("Kanaal B.V."))
    stored = dump(text)
    assert "Total %(amount)s" in stored
    read = load(stored)
    assert isinstance(read, StoredText)
    with translation.override("nl"):
        assert str(read) == "Total 1.234,50\u00a0€ for Kanaal B.V."
    with translation.override("en"):
        assert str(read) == "Total €1,234.50 for Kanaal B.V."


def test_plain_text_stored_before_reads_back_unchanged():
    assert load("Exact Online said: {not json") == "Exact Online said: {not json"
    assert load('{"__text__": 3}') == '{"__text__": 3}'
    assert load("") == ""


def test_plurals_and_nested_texts():
    inner = later_plural("%(count)s invoice", "%(count)s invoices", 1)
    outer = load(dump(later("Synced: %(what)s", what=inner)))
    assert str(outer) == "Synced: 1 invoice"
    assert str(load(dump(later_plural("%(count)s invoice", "%(count)s invoices", 4)))) == (
        "4 invoices"
    )


def test_labels_marked_lazily_are_stored_untranslated_and_read_in_the_readers_language():
    from django.utils.translation import gettext_lazy

    from invoicing.models import Invoice

    with translation.override("fr"):
        stored = dump(later("%(what)s: done", what=Invoice.SyncState.SYNCED.label))
        also = dump(later(gettext_lazy("Synced")))
    assert "Synced" in stored
    assert "Synced" in also
    with translation.override("nl"):
        assert str(load(stored)).startswith("Gesynchroniseerd")
        assert str(load(also)) == "Gesynchroniseerd"


def test_stored_texts_damaged_in_the_database_still_read_as_text():
    """Rows edited by hand or cut short never make a page fail: they read as what is left."""
    missing_parameter = load('{"__text__": "Invoice %(number)s failed", "params": {}}')
    assert str(missing_parameter) == "Invoice %(number)s failed"
    odd_parameters = load('{"__text__": "Synced %(count)s", "params": [1, 2], "count": "x"}')
    assert str(odd_parameters) == "Synced %(count)s"
    cut_short = '{"__text__": "Invoice %(number)s failed", "par'
    assert load(cut_short) == cut_short
