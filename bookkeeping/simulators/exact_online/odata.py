"""OData v2 as Exact Online serves it, for the simulator: `$filter`, `$select`, `$expand`,
`$orderby`, `$top`, `$skip`/`$skiptoken`, `$inlinecount` and the row shapes.

Strict where Exact is: a property the entity type does not have (in `$filter`, `$select`,
`$orderby`, `$expand`) and an operator or function OData v2 lacks are a `QueryError` (Exact
answers 400 with its error body; the wording follows WCF Data Services, on which Exact's API
runs [I]). Literals are typed: `guid'…'`, `datetime'…'`, `12L` (Int64), numbers, `'strings'`
with `''` as the escape, `true`/`false`/`null`. A comparison of a property with a literal of
another type never matches (`ID eq '<guid>'` without `guid` finds nothing). Exact may answer such
a comparison with a 400 ("Operator 'eq' incompatible with operand types") [I]: lenient here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bookkeeping.simulators.exact_online.schema import DATETIME, GUID, INT64, Entity

Row = dict[str, Any]
Predicate = Callable[[Row], bool]
Operand = Callable[[Row], Any]

TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<typed>(?:guid|datetime)'[^']*')"
    r"|(?P<long>-?\d+L)|(?P<number>-?\d+(?:\.\d+)?[mMdD]?)|(?P<punct>[(),])"
    r"|(?P<word>[A-Za-z_]\w*))"
)
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "ne": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "ge": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "le": lambda a, b: a <= b,
}
STRING_FUNCTIONS: dict[str, Callable[[str], str]] = {
    "trim": str.strip,
    "tolower": str.lower,
    "toupper": str.upper,
}
TEST_FUNCTIONS: dict[str, Callable[[str, str], bool]] = {
    "substringof": lambda needle, haystack: needle in haystack,
    "startswith": lambda text, prefix: text.startswith(prefix),
    "endswith": lambda text, suffix: text.endswith(suffix),
}
DATE = re.compile(r"/Date\((-?\d+)\)/")


class QueryError(ValueError):
    """A query Exact refuses with a 400."""


class Guid(str):
    """An Edm.Guid value (a `guid'…'` literal or a GUID property), lower case."""


def no_property(name: str, entity: Entity, position: int = 0) -> QueryError:
    return QueryError(
        f"No property '{name}' exists in type '{entity.type}' at position {position}."
    )


def typed(value: Any, kind: str) -> Any:
    """A row's value as its OData type: GUIDs as Guid, dates as datetimes."""
    if value is None or value == "":
        return None if kind in (GUID, DATETIME) else value
    if kind == GUID:
        return Guid(str(value).lower())
    if kind == DATETIME:
        return to_datetime(value)
    return value


def to_datetime(value: Any) -> dt.datetime | None:
    match = DATE.match(str(value))
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, tz=dt.UTC).replace(tzinfo=None)
    try:
        return dt.datetime.fromisoformat(str(value).rstrip("Z")).replace(tzinfo=None)
    except ValueError:
        return None


def literal(kind: str, value: str) -> Any:
    if kind == "string":
        return value[1:-1].replace("''", "'")
    if kind == "long":
        return int(value[:-1])
    if kind == "number":
        value = value.rstrip("mMdD")
        return float(value) if "." in value else int(value)
    prefix, text = value.split("'", 1)
    if prefix == "guid":
        return Guid(text[:-1].lower())
    parsed = to_datetime(text[:-1])
    if parsed is None:
        raise QueryError(f"Unrecognized 'Edm.DateTime' literal '{value}'.")
    return parsed


def kind_of(value: Any) -> str:
    if isinstance(value, Guid):
        return "guid"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def compare(operator: str, left: Any, right: Any) -> bool:
    if left is None or right is None:
        both = left is None and right is None
        return both if operator == "eq" else (not both if operator == "ne" else False)
    if kind_of(left) != kind_of(right):
        return operator == "ne"
    return COMPARISONS[operator](left, right)


def tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens: list[tuple[str, str, int]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"Syntax error at position {position}.")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind), match.start(kind)))
        position = match.end()
    return tokens


class FilterParser:
    """Recursive descent: or > and > not/comparison > operand."""

    def __init__(self, text: str, entity: Entity):
        self.tokens = tokenize(text)
        self.entity = entity
        self.position = 0

    def parse(self) -> Predicate:
        predicate = self._or()
        if self.position != len(self.tokens):
            raise QueryError(f"Syntax error at position {self._peek()[2]}.")
        return predicate

    def _peek(self) -> tuple[str, str, int]:
        return self.tokens[self.position] if self.position < len(self.tokens) else ("", "", 0)

    def _take(self) -> tuple[str, str, int]:
        token = self._peek()
        if not token[0]:
            raise QueryError("Expression expected at the end of $filter.")
        self.position += 1
        return token

    def _expect(self, value: str) -> None:
        kind, text, position = self._take()
        if text != value:
            raise QueryError(f"'{value}' expected at position {position}.")

    def _or(self) -> Predicate:
        left = self._and()
        while self._peek()[1] == "or":
            self._take()
            right = self._and()
            left = (lambda a, b: lambda row: a(row) or b(row))(left, right)
        return left

    def _and(self) -> Predicate:
        left = self._unary()
        while self._peek()[1] == "and":
            self._take()
            right = self._unary()
            left = (lambda a, b: lambda row: a(row) and b(row))(left, right)
        return left

    def _unary(self) -> Predicate:
        kind, value, _ = self._peek()
        if value == "not":
            self._take()
            inner = self._unary()
            return lambda row: not inner(row)
        if value == "(":
            self._take()
            inner = self._or()
            self._expect(")")
            return inner
        if kind == "word" and value in TEST_FUNCTIONS:
            self._take()
            test = TEST_FUNCTIONS[value]
            first, second = self._arguments(2)
            return lambda row: test(str(first(row) or ""), str(second(row) or ""))
        left = self._operand()
        _, operator, position = self._take()
        if operator not in COMPARISONS:
            raise QueryError(f"Operator '{operator}' at position {position} is not supported.")
        right = self._operand()
        return lambda row: compare(operator, left(row), right(row))

    def _arguments(self, count: int) -> list[Operand]:
        self._expect("(")
        arguments = [self._operand()]
        while len(arguments) < count:
            self._expect(",")
            arguments.append(self._operand())
        self._expect(")")
        return arguments

    def _operand(self) -> Operand:
        kind, value, position = self._take()
        if kind in ("string", "typed", "long", "number"):
            constant = literal(kind, value)
            return lambda row: constant
        if kind == "word" and value in ("true", "false", "null"):
            constant = {"true": True, "false": False, "null": None}[value]
            return lambda row: constant
        if kind == "word" and value in STRING_FUNCTIONS:
            function = STRING_FUNCTIONS[value]
            (inner,) = self._arguments(1)
            return lambda row: function(str(inner(row) or ""))
        if kind == "word" and self._peek()[1] == "(":
            raise QueryError(f"Unknown function '{value}' at position {position}.")
        if kind == "word":
            if value not in self.entity.properties:
                raise no_property(value, self.entity, position)
            property_type = self.entity.properties[value]
            return lambda row: typed(row.get(value), property_type)
        raise QueryError(f"Expression expected at position {position}.")


def names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def check_names(wanted: list[str], entity: Entity, *, navigation_only: bool = False) -> None:
    known = set(entity.navigation) if navigation_only else {*entity.properties, *entity.navigation}
    for name in wanted:
        if name != "*" and name not in known:
            raise no_property(name, entity)


def order(rows: list[Row], text: str, entity: Entity) -> list[Row]:
    for clause in reversed(names(text)):
        name, _, direction = clause.partition(" ")
        direction = direction.strip().lower() or "asc"
        if name not in entity.properties:
            raise no_property(name, entity)
        if direction not in ("asc", "desc"):
            raise QueryError(f"Syntax error in $orderby at '{clause}'.")
        kind = entity.properties[name]

        def key(row: Row, name: str = name, kind: str = kind) -> tuple[bool, Any]:
            value = typed(row.get(name), kind)
            return (value is not None, value if value is not None else 0)

        rows = sorted(rows, key=key, reverse=direction == "desc")
    return rows


def integer(query: dict[str, str], name: str) -> int | None:
    text = query.get(name)
    if text in (None, ""):
        return None
    if not text.isdigit():
        raise QueryError(f"Incorrect format for {name} argument '{text}'.")
    return int(text)


@dataclass
class Page:
    rows: list[Row]
    next_skip: int | None
    count: int


def matching(rows: list[Row], entity: Entity, query: dict[str, str]) -> list[Row]:
    """The rows `$filter` keeps, in `$orderby` order."""
    text = query.get("$filter", "")
    if text.strip():
        predicate = FilterParser(text, entity).parse()
        rows = [row for row in rows if predicate(row)]
    return order(list(rows), query.get("$orderby", ""), entity)


def query_rows(rows: list[Row], entity: Entity, query: dict[str, str]) -> Page:
    """One page of a collection GET, before shaping."""
    check_names(names(query.get("$select", "")), entity)
    check_names(names(query.get("$expand", "")), entity, navigation_only=True)
    if query.get("$inlinecount", "none") not in ("none", "allpages"):
        raise QueryError("Invalid value for $inlinecount.")
    found = matching(rows, entity, query)
    count = len(found)
    skip = integer(query, "$skiptoken") or integer(query, "$skip") or 0
    top = integer(query, "$top")
    if top is not None:
        found = found[: skip + top]
    page = found[skip : skip + entity.page_size]
    next_skip = skip + entity.page_size if skip + entity.page_size < len(found) else None
    return Page(page, next_skip, count)


def key_literal(value: Any, kind: str) -> str:
    if kind == GUID:
        return f"guid'{value}'"
    if kind == INT64:
        return f"{value}L"
    return str(value) if isinstance(value, int) else f"'{value}'"


def entity_uri(row: Row, entity: Entity, set_url: str) -> str:
    key = entity.key
    return f"{set_url}({key_literal(row.get(key), entity.properties[key])})"


def shape(row: Row, entity: Entity, set_url: str, query: dict[str, str], related: Any) -> Row:
    """A row as Exact sends it. With `$select`: those properties only. Without: `__metadata` and
    every property (null when empty); navigation properties are `__deferred` links unless
    `$expand`ed. `related(name)` gives (entity, set url) of a navigation property."""
    selected = [name for name in names(query.get("$select", "")) if name != "*"]
    expanded = set(names(query.get("$expand", "")))
    uri = entity_uri(row, entity, set_url)
    if selected:
        fields = selected
        shaped: Row = {}
    else:
        fields = [*entity.properties, *entity.navigation]
        shaped = {"__metadata": {"uri": uri, "type": entity.type}}
    for name in fields:
        if name not in entity.navigation:
            value = row.get(name)
            shaped[name] = None if value == "" else value
        elif name in expanded:
            target, target_url = related(name)
            children = (row.get(name) or {}).get("results", [])
            shaped[name] = {
                "results": [shape(child, target, target_url, {}, related) for child in children]
            }
        else:
            shaped[name] = {"__deferred": {"uri": f"{uri}/{name}"}}
    return shaped


def parse_key(text: str) -> Any:
    """The value of a `(guid'…')` / `(123)` / `('x')` key segment; QueryError when unreadable."""
    tokens = tokenize(text.strip()[1:-1]) if text.startswith("(") and text.endswith(")") else []
    if len(tokens) != 1 or tokens[0][0] not in ("string", "typed", "long", "number"):
        raise QueryError("Bad Request - Error in query syntax.")
    return literal(tokens[0][0], tokens[0][1])
