"""What ASP.NET ASMX does before Yuki's own code runs, for the Yuki simulator.

The operations, their parameters (names with their exact case, types) and SOAP actions come from
the static WSDL files in `schemas/` (one per service, written from the shared facts), so the
WSDL that clients read and the rules the simulator applies cannot drift apart.

As ASMX (SOAP 1.1, document/literal, routing on the SOAPAction header):
- a request without a SOAPAction header, or with one that names no operation of the endpoint, is
  a soap:Client fault;
- the body element must be the operation in `http://www.theyukicompany.com/`: another element or
  another namespace cannot be read (soap:Client fault);
- parameters are matched by name and namespace, case-sensitively; XmlSerializer ignores elements
  it does not know, so `sessionID` where the operation declares `sessionId` is a MISSING
  parameter (Yuki then refuses the session, the administration, ...);
- an int, boolean, dateTime or enumeration parameter that does not parse cannot be read.

The fault texts are ASP.NET's usual English texts (System.Web.Services resources). The facts do not
quote Yuki's faults, so these texts are uncertain; the positions "(1, 1)" are not computed.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lxml import etree

from bookkeeping.simulators.yuki.common import YUKI_NS, SoapFault, local_name

SCHEMAS = Path(__file__).with_name("schemas")
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
WSDL_SOAP_NS = "http://schemas.xmlsoap.org/wsdl/soap/"
XS_NS = "http://www.w3.org/2001/XMLSchema"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True)

NO_ACTION = (
    "Unable to handle request without a valid action parameter. Please supply a valid soap action."
)
UNKNOWN_ACTION = "Server did not recognize the value of HTTP Header SOAPAction: {action}."
UNREADABLE = "Server was unable to read request. ---> There is an error in XML document (1, 1)."
READ_ERROR = UNREADABLE + " ---> {reason}"
NOT_EXPECTED = "<{name} xmlns='{namespace}'> was not expected."
BAD_VALUE = {
    "int": "Input string was not in a correct format.",
    "boolean": "The string '{value}' is not a valid Boolean value.",
    "dateTime": "The string '{value}' is not a valid AllXsd value.",
    "enum": "Instance validation error: '{value}' is not a valid value for {type}.",
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str  # string, int, boolean, dateTime, any (child XML), or an enumeration's name
    values: tuple[str, ...] = ()  # the values of an enumeration


@functools.cache
def services() -> dict[str, dict[str, tuple[Param, ...]]]:
    """Service -> operation -> its parameters, read from the WSDL files."""
    return {path.stem: _operations(etree.parse(path, PARSER)) for path in SCHEMAS.glob("*.wsdl")}


def _operations(tree: Any) -> dict[str, tuple[Param, ...]]:
    schema = tree.find(f"{{{WSDL_NS}}}types/{{{XS_NS}}}schema")
    elements = {e.get("name"): e for e in schema.findall(f"{{{XS_NS}}}element")}
    enums = {
        t.get("name"): tuple(v.get("value") for v in t.iter(f"{{{XS_NS}}}enumeration"))
        for t in schema.findall(f"{{{XS_NS}}}simpleType")
    }
    operations = {}
    for operation in tree.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation"):
        name = operation.get("name")
        params = []
        for param in elements[name].iterfind(f".//{{{XS_NS}}}sequence/{{{XS_NS}}}element"):
            kind = (param.get("type") or "any").split(":")[-1]
            params.append(Param(param.get("name"), kind, enums.get(kind, ())))
        operations[name] = tuple(params)
    return operations


def wsdl(service: str, location: str) -> bytes:
    """The service's WSDL with its address set to `location`, as ASMX writes the host asked."""
    tree = etree.parse(SCHEMAS / f"{service}.wsdl", PARSER)
    for address in tree.iter(f"{{{WSDL_SOAP_NS}}}address"):
        address.set("location", location)
    return etree.tostring(tree, xml_declaration=True, encoding="utf-8")


def help_page(service: str) -> str:
    """What ASMX shows for a plain GET: the service's operations (a short HTML page)."""
    items = "".join(f"<li>{name}</li>" for name in sorted(services()[service]))
    return f"<html><body><h1>{service}</h1><ul>{items}</ul></body></html>"


def action_of(header: str | None) -> str | None:
    """The operation a SOAPAction header names (None when there is no header)."""
    if header is None:
        return None
    return header.strip().strip('"')


def read_call(service: str, action: str | None, element: Any) -> tuple[str, dict[str, Any]]:
    """(operation, declared parameters present by exact name) of a request; SoapFault when ASMX
    refuses it. `element` is the first element of the SOAP body."""
    operations = services()[service]
    if action is None:
        raise SoapFault(NO_ACTION, "soap:Client")
    name = action.removeprefix(YUKI_NS) if action.startswith(YUKI_NS) else None
    if name not in operations:
        raise SoapFault(UNKNOWN_ACTION.format(action=action), "soap:Client")
    qname = etree.QName(element)
    if (qname.namespace, qname.localname) != (YUKI_NS, name):
        reason = NOT_EXPECTED.format(name=qname.localname, namespace=qname.namespace or "")
        raise SoapFault(READ_ERROR.format(reason=reason), "soap:Client")
    declared = {param.name: param for param in operations[name]}
    args: dict[str, Any] = {}
    for child in element:
        param = declared.get(local_name(child))
        if param is None or etree.QName(child).namespace != YUKI_NS:
            continue  # XmlSerializer skips what it does not know (a name in another case too)
        _check_value(param, child)
        args.setdefault(param.name, child)
    return name, args


def _check_value(param: Param, element: Any) -> None:
    value = (element.text or "").strip()
    if element.get(f"{{{XSI_NS}}}nil") in {"true", "1"}:
        return  # a nillable value sent as nil (modifiedAfter)
    kind = "enum" if param.values else param.type
    if kind == "int":
        ok = value.lstrip("+-").isdigit()
    elif kind == "boolean":
        ok = value in {"true", "false", "1", "0"}
    elif kind == "dateTime":
        ok = _is_datetime(value)
    elif kind == "enum":
        ok = value in param.values
    else:
        return
    if not ok:
        reason = BAD_VALUE[kind].format(value=value, type=param.type)
        raise SoapFault(READ_ERROR.format(reason=reason), "soap:Client")


def _is_datetime(value: str) -> bool:
    try:
        dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True
