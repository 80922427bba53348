"""Helpers for the bookkeeping app's stored texts (config/texts.py), read in the reader's language.

A message id kept in a constant is marked with `noop` (gettext_noop) so that makemessages
collects it; it is translated when shown, through `later(CONSTANT, ...)`.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop as noop

from config.texts import StoredText, later, later_plural, money, quoted

__all__ = [
    "describe_error",
    "joined",
    "later",
    "later_plural",
    "money",
    "noop",
    "quoted",
    "text_of",
]


def joined(*texts: Any, sep: str = " ") -> StoredText | str:
    """Texts shown one after the other, each in the reader's language; empty ones left out.
    The message id is only placeholders: it needs no translation."""
    parts = [text for text in texts if text]
    if not parts:
        return ""
    msgid = sep.join(f"%(p{index})s" for index in range(len(parts)))
    return StoredText(msgid, {f"p{index}": part for index, part in enumerate(parts)})


def text_of(value: Any) -> str:
    """The text as read now (a StoredText in the active language, a plain string as it is)."""
    return "" if value is None else str(value)


def describe_error(exc: Any) -> StoredText | str:
    """A connector error's message and hint, as one line for the user (read in his language)."""
    message = exc.message.strip() if isinstance(exc.message, str) else exc.message
    if exc.hint and isinstance(message, str) and message and message[-1] not in ".!?":
        message += "."
    return joined(message, exc.hint)
