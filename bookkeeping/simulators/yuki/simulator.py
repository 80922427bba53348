"""A local Yuki: the SOAP 1.1 web services (`/ws/<Service>.asmx`) as the facts file describes them.

Served: the services of the WSDLs in `schemas/` (Sales, Contact, Accounting, AccountingInfo,
ChangeDigest), each at `/ws/<Service>.asmx`, its WSDL at `?WSDL`. The general operations
(Authenticate, Administrations, AdministrationID, Domains, GetCurrentDomain, SetCurrentDomain)
answer on every endpoint. Requests pass ASMX's rules first (`asmx.py`: SOAPAction required,
operation namespace, parameter names case-sensitive, typed values); documents are validated
against their XSD (`documents.py`). Sessions last 24 hours; every call Yuki's code receives counts
toward the domain's daily quota; faults are SOAP 1.1 faults with HTTP 500.

Knobs for tests: `daily_limit`, `xml_results` ("child" or "escaped": how XML results come back),
`empty_auth_result` (an unknown key gives an empty AuthenticateResult instead of a fault),
`max_failures` (Yuki stops a batch after 6 incorrect invoices), `digits_only_references` (the
administration refuses a Reference with letters or separators), `refuse_next_invoice(reference,
message)` (the next import refuses that one invoice with Yuki's `message`, the others book),
`refuse_next_contact(code, message)` (the next UpdateContact of that contact is refused),
`pay(reference, amount=None)`,
`match_credit_note(invoice_reference, credit_note_reference)` (ledger.py);
the books behind Booksync's back (books.py): `delete_booking(reference)`,
`add_hand_keyed_invoice(reference=, total=, contact_code= | contact_name=, date=)`,
`change_amount(reference, total)`. The read-back (GetTransactionDetails,
GetUpdatedAndDeletedTransactions) answers from the booked documents (books.py).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from lxml import etree

from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.simulators.yuki import asmx
from bookkeeping.simulators.yuki.books import BooksOperations
from bookkeeping.simulators.yuki.common import (
    ACCESS_KEY,
    ADMINISTRATION_ID,
    ADMINISTRATION_NAME,
    DAILY_LIMIT,
    DOMAIN_ID,
    INVALID_KEY,
    INVALID_SESSION,
    SESSION_SECONDS,
    SOAP_NS,
    WRITES,
    YUKI_NS,
    SoapFault,
    local_name,
)
from bookkeeping.simulators.yuki.contacts import ContactOperations
from bookkeeping.simulators.yuki.ledger import LedgerOperations
from bookkeeping.simulators.yuki.sales import import_sales_invoices


class YukiSimulator(ContactOperations, LedgerOperations, BooksOperations, Simulator):
    """Yuki's SOAP web services, in memory, for one domain holding one administration."""

    name = "yuki"

    @property
    def base_url(self) -> str:
        return f"{self.url}/ws"

    def reset(self) -> None:
        """Back to the seeded state: data, sessions, quota, knobs, faults and calls."""
        super().reset()  # drops the requests held on gates
        with self.lock:
            self.access_keys = {ACCESS_KEY}
            self.sessions: dict[str, float] = {}
            self.contacts: dict[str, dict[str, str]] = {}
            self.invoices: list[dict[str, Any]] = []
            self.deleted_invoices: list[dict[str, Any]] = []
            self.daily_limit = 1000
            self.quota_used: dict[tuple[str, dt.date], int] = {}
            self.xml_results = "child"
            self.empty_auth_result = False
            self.max_failures = 6
            self.digits_only_references = False
            self.refusals: dict[str, str] = {}  # Reference -> the message its next import gets
            self.contact_refusals: dict[str, str] = {}

    def refuse_next_invoice(self, reference: str, message: str) -> None:
        """The next import of `reference` is refused with `message` (Succeeded=false), once."""
        with self.lock:
            self.refusals[reference] = message

    # Common simulator API --------------------------------------------------------------------

    def expire_tokens(self) -> None:
        with self.lock:
            self.sessions.clear()

    def revoke(self) -> None:
        with self.lock:
            self.access_keys.clear()

    def bookings(self, reference: str) -> list[dict[str, Any]]:
        with self.lock:
            return [i for i in self.invoices if i["reference"] == reference and i["processed"]]

    def vat_codes_of(self, reference: str) -> list[str]:
        [invoice] = self.bookings(reference)
        return list(invoice["vat_types"])

    def booking_count(self) -> int:
        with self.lock:
            return sum(1 for i in self.invoices if i["processed"])

    def customer_count(self) -> int:
        with self.lock:
            return len(self.contacts)

    def operation(self, request: SimRequest) -> tuple[str, bool]:
        name = self._operation_name(request, self._service(request))
        return name or f"{request.method} {request.path}", name in WRITES

    def fault_response(self, kind: str) -> SimResponse:
        if kind == "429":  # Yuki has no 429: its call quota ends in a SOAP fault
            return self._fault(DAILY_LIMIT.format(limit=self.daily_limit))
        if kind == "503":
            return SimResponse.text(
                "<html><body><h1>Service Unavailable</h1></body></html>", 503, "text/html"
            )
        return self._fault("Server was unable to process request. ---> Internal error.")

    # Dispatch ----------------------------------------------------------------------------------

    @staticmethod
    def _service(request: SimRequest) -> str:
        parts = request.path.rstrip("/").split("/")
        if len(parts) == 3 and parts[1] == "ws" and parts[2].endswith(".asmx"):
            return parts[2][: -len(".asmx")]
        return ""

    @staticmethod
    def _body_element(request: SimRequest) -> Any:
        try:
            root = etree.fromstring(
                request.body, etree.XMLParser(resolve_entities=False, no_network=True)
            )
        except etree.XMLSyntaxError:
            return None
        body = next((c for c in root if local_name(c) == "Body"), None)
        return None if body is None else next((c for c in body if local_name(c)), None)

    def _operation_name(self, request: SimRequest, service: str) -> str:
        """The operation of a request, for `calls`: the SOAPAction's, else the body element's."""
        action = asmx.action_of(request.headers.get("soapaction")) or ""
        name = action.removeprefix(YUKI_NS)
        if name in asmx.services().get(service, {}):
            return name
        element = self._body_element(request)
        return local_name(element) if element is not None else name

    def handle(self, request: SimRequest) -> SimResponse:
        service = self._service(request)
        if service not in asmx.services():
            return SimResponse.text("Not Found", 404, "text/html")
        if request.method == "GET":
            return self._metadata(request, service)
        if request.method != "POST":
            return SimResponse.text("Request format is invalid.", 500)
        element = self._body_element(request)
        if element is None:
            return self._fault(asmx.UNREADABLE, "soap:Client")
        try:
            action = asmx.action_of(request.headers.get("soapaction"))
            name, args = asmx.read_call(service, action, element)
            with self.lock:
                self._count_quota(name, args)
                result = getattr(self, f"_op_{name}", self._op_declared)(args)
        except SoapFault as fault:
            return self._fault(fault.message, fault.code)
        return self._envelope(name, result)

    def _metadata(self, request: SimRequest, service: str) -> SimResponse:
        """`?WSDL` (any case, as ASMX): the service's WSDL, addressed to the host asked; else
        the service's help page."""
        if any(key.lower() == "wsdl" for key in request.query):
            host = request.header("host") or f"{self.host}:{self.port}"
            location = f"http://{host}/ws/{service}.asmx"
            body = asmx.wsdl(service, location)
            return SimResponse(200, body, {"Content-Type": "text/xml; charset=utf-8"})
        return SimResponse.text(asmx.help_page(service), 200, "text/html")

    def _count_quota(self, name: str, args: dict[str, Any]) -> None:
        key = (DOMAIN_ID, dt.datetime.now(dt.UTC).date())
        used = self.quota_used.get(key, 0) + 1
        self.quota_used[key] = used
        if used > self.daily_limit:
            raise SoapFault(DAILY_LIMIT.format(limit=self.daily_limit))

    def _session(self, args: dict[str, Any]) -> None:
        """The session of the call; a parameter in another case was dropped by ASMX, so Yuki
        sees no session (the fault it then gives is assumed to be its invalid-session one)."""
        element = args.get("sessionID", args.get("sessionId"))
        session_id = (element.text or "").strip() if element is not None else ""
        expires = self.sessions.get(session_id)
        if expires is None or expires < time.time():
            self.sessions.pop(session_id, None)
            raise SoapFault(INVALID_SESSION)

    @staticmethod
    def _arg(args: dict[str, Any], name: str) -> str:
        element = args.get(name)  # declared names only, matched case-sensitively by asmx
        return (element.text or "").strip() if element is not None else ""

    @staticmethod
    def _xml_arg(args: dict[str, Any], name: str) -> Any:
        """A document parameter (s:any, an XmlNode in Yuki's code): its first child element. Escaped
        XML text is no document (the facts: child XML, not escaped text): None."""
        element = args.get(name)
        if element is None:
            return None
        return next((c for c in element if isinstance(c.tag, str)), None)

    # Responses ---------------------------------------------------------------------------------

    def _envelope(self, name: str, result: Any) -> SimResponse:
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
        response = etree.SubElement(body, f"{{{YUKI_NS}}}{name}Response", nsmap={None: YUKI_NS})
        holder = etree.SubElement(response, f"{{{YUKI_NS}}}{name}Result")
        if isinstance(result, str):
            holder.text = result
        elif isinstance(result, list):  # a typed result (an array): its elements, in Yuki's ns
            holder.extend(result)
        elif result is not None and self.xml_results == "escaped":
            holder.text = etree.tostring(result, encoding="unicode")
        elif result is not None:
            # As .NET writes an XmlNode result: the document keeps its own namespace, so an
            # unqualified document says xmlns="" under the response's default namespace (lxml
            # would leave it out, putting the document in Yuki's namespace).
            holder.text = marker = f"@@{uuid.uuid4()}@@"
            text = etree.tostring(result, encoding="unicode")
            if etree.QName(result).namespace is None:
                tag = etree.QName(result).localname
                text = text.replace(f"<{tag}", f'<{tag} xmlns=""', 1)
            body = self._xml(envelope, 200)
            body.body = body.body.replace(marker.encode(), text.encode())
            return body
        return self._xml(envelope, 200)

    def _fault(self, message: str, code: str = "soap:Server") -> SimResponse:
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        fault = etree.SubElement(
            etree.SubElement(envelope, f"{{{SOAP_NS}}}Body"), f"{{{SOAP_NS}}}Fault"
        )
        etree.SubElement(fault, "faultcode").text = code
        etree.SubElement(fault, "faultstring").text = message
        etree.SubElement(fault, "detail")
        return self._xml(envelope, 500)

    @staticmethod
    def _xml(envelope: Any, status: int) -> SimResponse:
        body = etree.tostring(envelope, xml_declaration=True, encoding="utf-8")
        return SimResponse(status, body, {"Content-Type": "text/xml; charset=utf-8"})

    # General operations ----------------------------------------------------------------------

    def _op_Authenticate(self, args: dict[str, Any]) -> str:
        if self._arg(args, "accessKey") not in self.access_keys:
            if self.empty_auth_result:
                return ""
            raise SoapFault(INVALID_KEY)
        session_id = str(uuid.uuid4())
        self.sessions[session_id] = time.time() + SESSION_SECONDS
        return session_id

    def _op_Administrations(self, args: dict[str, Any]) -> Any:
        self._session(args)
        root = etree.Element("Administrations")
        admin = etree.SubElement(root, "Administration", ID=ADMINISTRATION_ID)
        for tag, value in (
            ("Name", ADMINISTRATION_NAME), ("AddressLine", "Stationsplein 1"),
            ("Postcode", "1012 AB"), ("City", "Amsterdam"), ("Country", "NL"),
            ("CoCNumber", "12345678"), ("VATNumber", "NL004495445B01"),
            ("StartDate", "2020-01-01"), ("DomainID", DOMAIN_ID), ("Active", "true"),
        ):  # fmt: skip
            etree.SubElement(admin, tag).text = value
        return root

    def _op_Domains(self, args: dict[str, Any]) -> Any:
        self._session(args)
        root = etree.Element("Domains")
        domain = etree.SubElement(root, "Domain", ID=DOMAIN_ID)
        etree.SubElement(domain, "Name").text = ADMINISTRATION_NAME
        return root

    def _op_AdministrationID(self, args: dict[str, Any]) -> str:
        self._session(args)
        return (
            ADMINISTRATION_ID
            if self._arg(args, "administrationName") == ADMINISTRATION_NAME
            else ""
        )

    def _op_GetCurrentDomain(self, args: dict[str, Any]) -> str:
        self._session(args)
        return DOMAIN_ID

    def _check_administration(self, administration_id: str) -> None:
        if administration_id.lower() != ADMINISTRATION_ID:
            raise SoapFault(f"Administration '{administration_id}' not found or no access.")

    def _check_domain(self, domain_id: str) -> None:
        if domain_id.lower() != DOMAIN_ID:
            raise SoapFault(f"Domain '{domain_id}' not found or no access.")

    # Sales invoices ------------------------------------------------------------------------------

    def _op_SalesInvoiceSchemaPath(self, args: dict[str, Any]) -> str:
        return "http://www.yukiworks.nl/schemas/SalesInvoices.xsd"

    def _op_ProcessSalesInvoices(self, args: dict[str, Any]) -> Any:
        self._session(args)
        self._check_administration(self._arg(args, "administrationId"))
        return import_sales_invoices(self, self._xml_arg(args, "xmlDoc"))
