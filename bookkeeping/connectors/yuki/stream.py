"""A long SOAP reply of Yuki, read as it arrives.

`OutstandingDebtorItems` answers every open item of an administration in one reply (50,000
items are some 30 MB of XML). Read whole, as `YukiAccess.call` reads a reply, it is the body and
a tree of every item at once. `StreamedReply` feeds the body to lxml in chunks as it comes off
the connection and hands the caller one element of the result document at a time, dropped from
the tree once the caller moves on: a worker then holds one item, however long the reply.

What it reads is what `call` and `xml_result` read: the first `<operation>Result` element, whose
document is its first child element, or, when it has none, its text (escaped XML: that text is
held whole, then parsed as it is read); a SOAP Fault anywhere is the fault of the call. A reply
that is not XML or stops short (a cut connection, a truncated body) is a TransientError, as an
unreadable reply of `call` is.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any, NoReturn

import requests
from lxml import etree

from bookkeeping.connectors.base import TransientError
from bookkeeping.connectors.errors import later
from bookkeeping.connectors.yuki.soap import RETRY_HINT, local_name

CHUNK = 64 * 1024  # bytes of the body parsed at a time
PARSER_OPTIONS = {"resolve_entities": False, "no_network": True, "huge_tree": True}


class StreamedReply:
    """The elements named `each` inside the result document of one reply (`stream=True`)."""

    def __init__(
        self,
        response: requests.Response,
        operation: str,
        each: str,
        on_fault: Callable[[Any], NoReturn],
    ):
        self.response = response
        self.result_name = f"{operation}Result"
        self.each = each
        self.on_fault = on_fault
        self.found = False  # whether the reply has a result element
        self.result: Any = None
        self.document: Any = None  # the result's first child element, while it is being read
        self.document_read = False

    def items(self) -> Iterator[Any]:
        """Each element named `each`, whole, in the order their ends arrive. Raises
        TransientError for a reply that cannot be read to its end."""
        parser = etree.XMLPullParser(events=("start", "end"), **PARSER_OPTIONS)
        try:
            for chunk in self.response.iter_content(CHUNK):
                parser.feed(chunk)
                yield from self._read(parser.read_events())
            parser.close()
            yield from self._read(parser.read_events())
        except (etree.XMLSyntaxError, requests.RequestException) as exc:
            raise unreadable(self.response.status_code, exc) from exc

    def _read(self, events: Iterable[tuple[str, Any]]) -> Iterator[Any]:
        for event, element in events:
            name = local_name(element)
            if event == "start":
                if name == self.result_name and self.result is None:
                    self.found, self.result = True, element
                elif self._first_child_of_result(element):
                    self.document = element
                continue
            if name == "Fault":
                self.on_fault(element)
            if name == self.each and self.document is not None:
                yield element
                drop(element)
            if element is self.document:
                self.document, self.document_read = None, True
            elif element is self.result and not self.document_read:
                yield from self._escaped((element.text or "").strip())

    def _first_child_of_result(self, element: Any) -> bool:
        return (
            self.result is not None
            and not self.document_read
            and self.document is None
            and element.getparent() is self.result
        )

    def _escaped(self, text: str) -> Iterator[Any]:
        """The elements named `each` of a result document sent as escaped XML text."""
        if not text:
            return
        source = io.BytesIO(text.encode())
        for _, element in etree.iterparse(source, events=("end",), **PARSER_OPTIONS):
            if local_name(element) == self.each:
                yield element
                drop(element)


def drop(element: Any) -> None:
    """Empties an element that has been read and removes the ones read before it (lxml's
    iterparse idiom: the element being read stays until the next one ends)."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    while parent is not None and element.getprevious() is not None:
        del parent[0]


def unreadable(status: int, exc: Exception) -> TransientError:
    return TransientError(
        later("Yuki sent a reply we could not read."),
        hint=later(RETRY_HINT),
        status=status,
        detail=f"{type(exc).__name__}: {exc}",
    )
