"""SOAP 1.1 plumbing of the Yuki connector: envelopes and replies, built and read with lxml."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from lxml import etree

from bookkeeping.connectors.base import TransientError
from bookkeeping.connectors.errors import later, noop
from bookkeeping.connectors.outgoing import tool_text

SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
YUKI_NS = "http://www.theyukicompany.com/"
INVOICES_NS = "urn:xmlns:http://www.theyukicompany.com:salesinvoices"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
RETRY_HINT = noop("This is usually temporary; the next sync tries again.")


def seconds_until_midnight_utc(now: dt.datetime | None = None) -> float:
    """Seconds until Yuki's daily call quota starts again (midnight UTC)."""
    now = now or dt.datetime.now(dt.UTC)
    midnight = (now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(1.0, (midnight - now).total_seconds())


def local_name(element: Any) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def descendants(document: Any, name: str) -> list[Any]:
    """The descendants named `name` (any namespace); none when there is no document."""
    return [] if document is None else [n for n in document.iter() if local_name(n) == name]


def find_text(element: Any, name: str) -> str:
    """Text of the first descendant named `name`, in any namespace, case-insensitively."""
    name = name.lower()
    node = next((n for n in element.iter() if local_name(n).lower() == name), None)
    return "" if node is None else (node.text or "").strip()


def vat_key(number: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", number.upper())


def to_decimal(text: str) -> Decimal | None:
    """A decimal of a reply ("121.00", "-121,00"), or None when absent or unreadable."""
    try:
        value = Decimal(text.strip().replace(",", "."))
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def plain_number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def parse_xml(content: bytes, *, status: int | None = None) -> Any:
    """Parsed XML; an unreadable reply is a TransientError (the call may be repeated)."""
    try:
        return etree.fromstring(content, PARSER)
    except etree.XMLSyntaxError as exc:
        raise TransientError(
            later("Yuki sent a reply we could not read."),
            hint=later(RETRY_HINT),
            status=status,
            detail=content.decode(errors="replace"),
        ) from exc


def envelope(operation: str, params: Sequence[tuple[str, Any]]) -> bytes:
    """A SOAP 1.1 request; parameters are text or an XML element (an `s:any` document)."""
    envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS, "yuki": YUKI_NS})
    body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
    node = etree.SubElement(body, f"{{{YUKI_NS}}}{operation}")
    for name, value in params:
        param = etree.SubElement(node, f"{{{YUKI_NS}}}{name}")
        if isinstance(value, etree._Element):
            param.append(value)
        else:
            param.text = tool_text(value)
    return etree.tostring(envelope, xml_declaration=True, encoding="utf-8")


def xml_result(result: Any) -> Any:
    """The XML document inside a result: child elements, or escaped XML text."""
    if result is None:
        return None
    child = next((node for node in result if isinstance(node.tag, str)), None)
    if child is not None:
        return child
    text = (result.text or "").strip()
    return parse_xml(text.encode()) if text else None
