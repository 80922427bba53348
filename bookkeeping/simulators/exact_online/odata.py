"""Just enough OData v2 for the Exact Online simulator: `$filter`, `$select`, `$top`, paging.

`$filter` understands what Exact integrations send: `eq`/`ne` comparisons joined by `and`/`or`,
parentheses, `trim(Field)`, `substringof('x', Field)`, string literals with `''` escapes,
`guid'...'`, `datetime'...'`, numbers and `true`/`false`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Row = dict[str, Any]
Predicate = Callable[[Row], bool]

PAGE_SIZE = 60

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<typed>(?:guid|datetime)'[^']*')"
    r"|(?P<number>-?\d+(?:\.\d+)?)|(?P<punct>[(),])|(?P<word>[A-Za-z_][\w/]*))"
)


class FilterError(ValueError):
    """A `$filter` the simulator cannot read (Exact answers 400)."""


def tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise FilterError(f"Syntax error at position {position} in $filter")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class FilterParser:
    """Recursive descent: or-expression > and-expression > comparison > operand."""

    def __init__(self, text: str):
        self.tokens = tokenize(text)
        self.position = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.position != len(self.tokens):
            raise FilterError("Unexpected text at the end of $filter")
        return predicate

    def _peek(self) -> tuple[str, str]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "")

    def _take(self) -> tuple[str, str]:
        token = self._peek()
        if not token[0]:
            raise FilterError("Unexpected end of $filter")
        self.position += 1
        return token

    def _expect(self, value: str) -> None:
        if self._take()[1] != value:
            raise FilterError(f"Expected {value!r} in $filter")

    def _or(self) -> Predicate:
        left = self._and()
        while self._peek()[1].lower() == "or":
            self._take()
            right = self._and()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._comparison()
        while self._peek()[1].lower() == "and":
            self._take()
            right = self._comparison()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def _comparison(self) -> Predicate:
        if self._peek()[1] == "(":
            self._take()
            inner = self._or()
            self._expect(")")
            return inner
        if self._peek()[1].lower() == "substringof":
            self._take()
            self._expect("(")
            needle = self._operand()
            self._expect(",")
            haystack = self._operand()
            self._expect(")")
            return lambda row: str(needle(row)).lower() in str(haystack(row) or "").lower()
        left = self._operand()
        operator = self._take()[1].lower()
        right = self._operand()
        if operator == "eq":
            return lambda row: same(left(row), right(row))
        if operator == "ne":
            return lambda row: not same(left(row), right(row))
        raise FilterError(f"Operator {operator!r} is not supported")

    def _operand(self) -> Callable[[Row], Any]:
        kind, value = self._take()
        if kind == "string":
            literal = value[1:-1].replace("''", "'")
            return lambda row: literal
        if kind == "typed":
            literal = value.split("'", 1)[1][:-1]
            return lambda row: literal
        if kind == "number":
            number = float(value) if "." in value else int(value)
            return lambda row: number
        if kind == "word" and value.lower() in ("true", "false", "null"):
            constant = {"true": True, "false": False, "null": None}[value.lower()]
            return lambda row: constant
        if kind == "word" and value.lower() == "trim":
            self._expect("(")
            inner = self._operand()
            self._expect(")")
            return lambda row: str(inner(row) or "").strip()
        if kind == "word":
            return lambda row: row.get(value)
        raise FilterError(f"Unexpected {value!r} in $filter")


def same(left: Any, right: Any) -> bool:
    """OData equality, lenient about GUID case and numbers sent as strings."""
    if isinstance(left, str) and isinstance(right, str):
        return left == right or (len(left) == 36 and left.lower() == right.lower())
    if isinstance(left, bool) or isinstance(right, bool):
        return left == right
    if isinstance(left, int | float) and isinstance(right, int | float | str):
        try:
            return float(left) == float(right)
        except ValueError:
            return False
    if isinstance(right, int | float) and isinstance(left, str):
        return same(right, left)
    return left == right


def parse_filter(text: str) -> Predicate:
    if not text.strip():
        return lambda row: True
    return FilterParser(text).parse()


def select(row: Row, fields: str) -> Row:
    """The row with only the `$select`ed fields (all of them for an empty `$select`)."""
    wanted = [name.strip() for name in fields.split(",") if name.strip()]
    if not wanted:
        return dict(row)
    return {name: row.get(name) for name in wanted}


def query_rows(rows: list[Row], query: dict[str, str]) -> tuple[list[Row], int | None]:
    """(page of rows, offset of the next page or None) for `$filter`, `$top`, `$skip(token)`."""
    predicate = parse_filter(query.get("$filter", ""))
    matching = [row for row in rows if predicate(row)]
    skip = int(query.get("$skiptoken") or query.get("$skip") or 0)
    if query.get("$top"):
        matching = matching[: int(query["$top"])]
    page = matching[skip : skip + PAGE_SIZE]
    next_offset = skip + PAGE_SIZE if skip + PAGE_SIZE < len(matching) else None
    fields = query.get("$select", "")
    return [select(row, fields) for row in page], next_offset
