"""The XML documents the Yuki simulator accepts: SalesInvoices (ProcessSalesInvoices) and Contact
(UpdateContact), validated with lxml against the XSDs in `schemas/`, written from the facts.

An element the schema does not know is refused, as Yuki validates the whole document before it
processes anything. The error texts are libxml2's: Yuki's own validation messages are not
documented (the facts say only that the response holds "a detailed validation message").
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any

from lxml import etree

from bookkeeping.simulators.yuki.asmx import PARSER, SCHEMAS

# Seen in a public client's fixture (dedene/yuki-cli), not in the facts: accepted, not required.
CONTACT_NS = "urn:xmlns:http://www.theyukicompany.com:contact"
NAMESPACE = re.compile(r"\{[^}]*\}")


@functools.cache
def schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(SCHEMAS / f"{name}.xsd", PARSER))


def errors(document: Any, name: str) -> list[str]:
    """The schema errors of `document` against `schemas/<name>.xsd` (empty when valid)."""
    if document is None:
        return ["The xmlDoc parameter holds no XML document (s:any: send it as child XML)."]
    if name == "Contact":
        document = _without_namespace(document, CONTACT_NS)
    validator = schema(name)
    if validator.validate(etree.ElementTree(copy.deepcopy(document))):
        return []
    # Element names without their {namespace}: the messages stay readable.
    return [
        f"{NAMESPACE.sub('', error.message)} (line {error.line})" for error in validator.error_log
    ]


def _without_namespace(document: Any, namespace: str) -> Any:
    """A copy of the document with `namespace` taken off its elements (other namespaces stay)."""
    if etree.QName(document).namespace != namespace:
        return document
    document = copy.deepcopy(document)
    for element in document.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace == namespace:
            element.tag = etree.QName(element).localname
    etree.cleanup_namespaces(document)
    return document
