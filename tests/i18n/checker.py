"""Finds English of ours that is not marked for translation, two ways.

Pseudo language: `pseudo_catalogue()` writes, at test time, a catalogue in which every message id
of our catalogue and of Django's own is translated as itself wrapped in ⟦ ⟧. A page rendered in
that language shows each marked text inside ⟦ ⟧; `unmarked_words()` returns the words left
outside, once the data a page legitimately shows (names, numbers, tool names) is taken away.

Template scan: `unmarked_template_text()` reads a template with Django's own Lexer and returns
the words of its text outside {% translate %} and {% blocktranslate %}, tags and variables.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path

import polib
from django.template.base import Lexer, TokenType

# The pseudo language: a code Django knows (its date formats, its language info), that Booksync
# does not offer, whose words are all English: whatever shows outside ⟦ ⟧ was never marked.
PSEUDO_LANGUAGE = "en-gb"
PSEUDO_LOCALE = "en_GB"
OPEN, CLOSE = "⟦", "⟧"
# Attributes whose text a user reads or hears.
READ_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
WORD = re.compile(r"[^\W\d_]{2,}")
# Words that are never ours to translate: the product, the tools, the languages in their own
# name in the language menu, currency and country codes (checked as whole upper-case words).
ALWAYS_DATA = {
    "Booksync",
    "Exact",
    "Online",
    "Octopus",
    "Yuki",
    "English",
    "Nederlands",
    "Français",
}
CODE = re.compile(r"^[A-Z]{2,3}$")


def pseudo_catalogue(folder: Path, sources: Iterable[Path]) -> Path:
    """Write folder/en_GB/LC_MESSAGES/django.mo translating every message id of the `sources`
    (.po files) as ⟦itself⟧; return `folder`, for LOCALE_PATHS."""
    catalogue = polib.POFile()
    catalogue.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Plural-Forms": "nplurals=2; plural=(n != 1);",
    }
    seen = set()
    for source in sources:
        for entry in polib.pofile(str(source)):
            key = (entry.msgctxt, entry.msgid)
            if not entry.msgid or key in seen:
                continue
            seen.add(key)
            pseudo = polib.POEntry(msgctxt=entry.msgctxt, msgid=entry.msgid)
            if entry.msgid_plural:
                pseudo.msgid_plural = entry.msgid_plural
                pseudo.msgstr_plural = {0: wrap(entry.msgid), 1: wrap(entry.msgid_plural)}
            else:
                pseudo.msgstr = wrap(entry.msgid)
            catalogue.append(pseudo)
    target = folder / PSEUDO_LOCALE / "LC_MESSAGES"
    target.mkdir(parents=True, exist_ok=True)
    catalogue.save_as_mofile(str(target / "django.mo"))
    return folder


def wrap(text: str) -> str:
    return f"{OPEN}{text}{CLOSE}"


class _Reader(HTMLParser):
    """The text a user reads: text outside <script>/<style>, and READ_ATTRIBUTES."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.attributes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.attributes.append(value)
        self.texts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        self.texts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.texts.append(data)


def _outside_marks(text: str) -> str:
    """`text` without its ⟦...⟧ spans (nested ones too: a translated sentence with a
    translated word in it)."""
    pattern = re.compile(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}")
    # A marked text cut short by `truncatechars` loses its closing marks: up to its "…".
    truncated = re.compile(f"{OPEN}[^{CLOSE}]*…{CLOSE}?")
    while True:
        shorter = pattern.sub(" ", truncated.sub(" ", text))
        if shorter == text:
            return text
        text = shorter


def unmarked_words(html: str, data: Iterable[str] = ()) -> list[str]:
    """Words of `html` a reader sees that are outside ⟦ ⟧ and are not `data` (names of the
    fixtures, quoted tool replies) nor ALWAYS_DATA."""
    reader = _Reader()
    reader.feed(html)
    runs = ["".join(reader.texts), *reader.attributes]
    found: list[str] = []
    for run in runs:
        rest = _outside_marks(run)
        for item in sorted(data, key=len, reverse=True):
            if item:
                rest = rest.replace(item, " ")
        for word in WORD.findall(rest):
            if word not in ALWAYS_DATA and not CODE.match(word):
                found.append(word)
    return found


# Template scan -------------------------------------------------------------------------------

_HOLE = "\x00"


def unmarked_template_text(source: str) -> list[str]:
    """Words of a template's text that no translate tag covers.

    Tags and variables become holes; {% blocktranslate %}...{% endblocktranslate %} and
    {% comment %}...{% endcomment %} are dropped whole. What is left is parsed as HTML, and its
    text and READ_ATTRIBUTES must hold no word.
    """
    parts: list[str] = []
    skipping = ""
    for token in Lexer(source).tokenize():
        content = token.contents.strip()
        if skipping:
            if token.token_type == TokenType.BLOCK and content.split()[0] == skipping:
                skipping = ""
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.BLOCK and content.split()[0] in (
            "blocktranslate",
            "blocktrans",
        ):
            skipping = "end" + content.split()[0]
            parts.append(_HOLE)
        elif token.token_type == TokenType.BLOCK and content.split()[0] == "comment":
            skipping = "endcomment"
        else:
            parts.append(_HOLE)
    reader = _Reader()
    reader.feed("".join(parts))
    found = []
    for run in ["".join(reader.texts), *reader.attributes]:
        for word in WORD.findall(run.replace(_HOLE, " ")):
            if word not in ALWAYS_DATA:
                found.append(word)
    return found
