"""Texts written now and read later, each reader in his own language.

A sync run in the night writes notifications and issues that a Dutch owner and a French accountant
read the next morning. So what is stored is not the English sentence but its message id and its
parameters; the sentence is translated when it is shown, in the language active for that request.

    title = later("%(count)s invoices synced to %(tool)s", count=3, tool="Yuki")
    title = later_plural("%(count)s invoice synced", "%(count)s invoices synced", 3)
    note = later("Exact Online said: %(said)s", said=quoted(reply))   # the tool's words, untouched
    total = later("Total %(amount)s", amount=money(Decimal("12.30")))

Store them in a `StoredTextField` (below): reading the field gives a `StoredText` whose `str()`
is the sentence in the active language. Plain strings stored earlier (or the tool's own messages)
read back unchanged. `makemessages` collects the message ids: `later` and `later_plural` are
keywords of xgettext (see invoicing/management/commands/makemessages.py).
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext

from config.formats import format_money

_TAG = "__text__"


class StoredText:
    """A translatable sentence with its parameters; `str()` translates it now."""

    __slots__ = ("msgid", "plural", "count", "params")

    def __init__(
        self, msgid: str, params: dict[str, Any], plural: str = "", count: int | None = None
    ):
        self.msgid, self.plural, self.count = _msgid(msgid), _msgid(plural), count
        self.params = params

    def __str__(self) -> str:
        values = {name: _render(value) for name, value in self.params.items()}
        if self.plural:
            template = ngettext(self.msgid, self.plural, self.count or 0)
            values.setdefault("count", self.count)
        else:
            template = gettext(self.msgid)
        try:
            return template % values if values else template.replace("%%", "%")
        except (KeyError, ValueError, TypeError):
            # A translation with a wrong placeholder never hides the message: fall back to English,
            # and to the bare sentence when the stored parameters do not fit it either.
            english = self.plural if self.plural and self.count != 1 else self.msgid
            try:
                return english % values
            except (KeyError, ValueError, TypeError):
                return english

    def __repr__(self) -> str:
        return f"StoredText({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, StoredText):
            return self.to_json() == other.to_json()
        if isinstance(other, str):  # read as text: what the reader sees now
            return str(self) == other
        return NotImplemented

    # Read like the text it renders to, in the active language ("x" in text, text + "!", ...).
    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __add__(self, other: object) -> str:
        return str(self) + str(other)

    def __radd__(self, other: object) -> str:
        return str(other) + str(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name in StoredText.__slots__:
            raise AttributeError(name)
        return getattr(str(self), name)  # startswith, splitlines, upper, ...

    def __hash__(self) -> int:
        return hash(json.dumps(self.to_json(), sort_keys=True))

    def __bool__(self) -> bool:
        return bool(self.msgid)

    def __len__(self) -> int:
        return len(str(self))

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {_TAG: self.msgid, "params": _encode(self.params)}
        if self.plural:
            data.update(plural=self.plural, count=self.count)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StoredText:
        return cls(
            data[_TAG],
            _decode(params if isinstance(params := data.get("params"), dict) else {}),
            plural=str(data.get("plural") or ""),
            count=data.get("count") if isinstance(data.get("count"), int) else None,
        )


class Money:
    """An amount shown in the reader's format (1.234,56 € in Dutch and French)."""

    __slots__ = ("amount", "currency")

    def __init__(self, amount: Decimal | str, currency: str = "EUR"):
        self.amount, self.currency = Decimal(str(amount)), currency

    def __str__(self) -> str:
        return format_money(self.amount, self.currency)


class Quoted(str):
    """Words of somebody else (a tool's reply, a name): shown as they are, never translated."""


def later(msgid: str, /, **params: Any) -> StoredText:
    return StoredText(msgid, params)


def later_plural(singular: str, plural: str, count: int, /, **params: Any) -> StoredText:
    return StoredText(singular, params, plural=plural, count=count)


def money(amount: Decimal | str, currency: str = "EUR") -> Money:
    return Money(amount, currency)


def quoted(text: str) -> Quoted:
    return Quoted(text)


def render(value: Any) -> str:
    """The text in the active language, whatever was stored (a StoredText, a plain string)."""
    return _render(value)


def _render(value: Any) -> str:
    return "" if value is None else str(value)


def _msgid(text: Any) -> str:
    """The message id of a text marked with gettext_lazy (a label of a choice, a constant), so
    that it is stored untranslated and translated when read; any other text as it is."""
    args = getattr(text, "_args", None) if isinstance(text, Promise) else None
    if args and len(args) == 1 and isinstance(args[0], str):
        return args[0]
    return str(text)


def _encode(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Promise):  # a label marked with gettext_lazy: read in its language
            args = getattr(value, "_args", None)
            value = StoredText(value, {}) if args and len(args) == 1 else str(value)
        if isinstance(value, StoredText):
            out[name] = value.to_json()
        elif isinstance(value, Money):
            out[name] = {"money": str(value.amount), "currency": value.currency}
        elif isinstance(value, bool | int):
            out[name] = value
        else:
            out[name] = str(value)
    return out


def _decode(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, dict) and _TAG in value:
            out[name] = StoredText.from_json(value)
        elif isinstance(value, dict) and "money" in value:
            try:
                out[name] = Money(value["money"], value.get("currency") or "EUR")
            except (InvalidOperation, TypeError):
                out[name] = str(value.get("money"))
        else:
            out[name] = value
    return out


def load(raw: str | None) -> StoredText | str:
    """What a StoredTextField holds: a StoredText, or the plain text stored before or quoted."""
    if not raw:
        return ""
    if raw.startswith("{") and f'"{_TAG}"' in raw:
        try:
            data = json.loads(raw)
            if isinstance(data, dict) and isinstance(data.get(_TAG), str):
                return StoredText.from_json(data)
        except (ValueError, TypeError, KeyError, InvalidOperation):
            pass
    return raw


def dump(value: Any) -> str:
    if isinstance(value, StoredText):
        return json.dumps(value.to_json(), ensure_ascii=False, separators=(",", ":"))
    return "" if value is None else str(value)


class StoredTextField(models.TextField):
    """A text column that keeps a StoredText as its message id and parameters (JSON), so each
    reader sees it in his language; plain strings are kept and read back as they are."""

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> StoredText | str:
        return load(value)

    def to_python(self, value: Any) -> StoredText | str:
        if isinstance(value, StoredText):
            return value
        return load(value) if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> str:
        return dump(value)

    def value_to_string(self, obj: models.Model) -> str:
        return dump(self.value_from_object(obj))
