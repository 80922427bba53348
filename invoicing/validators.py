"""The one check for invisible control characters in text that people type.

A control character (C0, DEL, C1) or a lone surrogate is never meant: it comes from a paste or a
broken client, prints as nothing or garbage, and bookkeeping tools refuse or mangle it. Multi-line
text keeps its tabs and line breaks.
"""

from __future__ import annotations

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

# {field} is a field's name, marked with gettext_noop where the validator is made and
# translated here, when the message is shown.
CONTROL_CHARACTER = _("Remove the invisible control character from the {field}.")
# Unicode categories refused: Cc (C0, DEL and C1 controls) and Cs (lone surrogates).
REFUSED_CATEGORIES = ("Cc", "Cs")
LINE_BREAKS_AND_TABS = frozenset("\t\n\r")


@deconstructible
class NoControlCharacters:
    """Refuses a value holding a control character; `field` names it in the message."""

    def __init__(self, field: str, *, multiline: bool = False) -> None:
        self.field = field
        self.multiline = multiline

    def __call__(self, value: object) -> None:
        if any(self._refused(char) for char in str(value)):
            raise ValidationError(
                CONTROL_CHARACTER.format(field=gettext(self.field)), code="control_character"
            )

    def _refused(self, char: str) -> bool:
        if self.multiline and char in LINE_BREAKS_AND_TABS:
            return False
        return unicodedata.category(char) in REFUSED_CATEGORIES

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NoControlCharacters) and (self.field, self.multiline) == (
            other.field,
            other.multiline,
        )

    def __hash__(self) -> int:
        return hash((self.field, self.multiline))


def no_control_characters(field: str, *, multiline: bool = False) -> list[NoControlCharacters]:
    """The validators of a text field named `field` (as the message says it)."""
    return [NoControlCharacters(field, multiline=multiline)]
