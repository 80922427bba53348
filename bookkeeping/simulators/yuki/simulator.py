"""A local Yuki: the SOAP 1.1 web services (`/ws/<Service>.asmx`) as the facts file describes them.

Served: the general operations (Authenticate, Administrations, Domains, GetCurrentDomain) on every
endpoint, `Contact.asmx` SearchContacts / UpdateContact, `Sales.asmx` ProcessSalesInvoices /
SalesInvoiceSchemaPath, `Accounting.asmx` CheckOutstandingItem and `AccountingInfo.asmx`
GetGLAccountScheme. Calls are dispatched on the SOAPAction header, or on the body element when the
header is absent or names no operation of the endpoint. Sessions last 24 hours; every call counts
toward the domain's daily quota; faults are SOAP 1.1 faults with HTTP 500.

Knobs for tests: `daily_limit`, `xml_results` ("child" or "escaped": how XML results come back),
`empty_auth_result` (an unknown key gives an empty AuthenticateResult instead of a fault),
`max_failures` (Yuki stops a batch after 6 incorrect invoices).
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from lxml import etree

from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.simulators.yuki.common import (
    ACCESS_KEY,
    ADMINISTRATION_ID,
    ADMINISTRATION_NAME,
    DAILY_LIMIT,
    DOMAIN_ID,
    GENERAL,
    GL_ACCOUNTS,
    INVALID_KEY,
    INVALID_SESSION,
    PAGE_SIZE,
    SERVICES,
    SESSION_SECONDS,
    SOAP_NS,
    WRITES,
    YUKI_NS,
    SoapFault,
    local_name,
    normalised,
)
from bookkeeping.simulators.yuki.sales import import_sales_invoices


class YukiSimulator(Simulator):
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
            self.daily_limit = 1000
            self.quota_used: dict[tuple[str, dt.date], int] = {}
            self.xml_results = "child"
            self.empty_auth_result = False
            self.max_failures = 6

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
        known = GENERAL | SERVICES.get(service, set())
        action = request.header("SOAPAction").strip().strip('"').rstrip("/").rsplit("/", 1)[-1]
        if action in known:
            return action
        element = self._body_element(request)
        return local_name(element) if element is not None else action

    def handle(self, request: SimRequest) -> SimResponse:
        service = self._service(request)
        if service not in SERVICES:
            return SimResponse.text("Not Found", 404, "text/html")
        if request.method != "POST":
            return SimResponse.text("Request format is invalid.", 500)
        element = self._body_element(request)
        if element is None:
            return self._fault("Server was unable to read request.", "soap:Client")
        name = self._operation_name(request, service)
        if name not in GENERAL | SERVICES[service]:
            return self._fault(
                f"Server did not recognize the value of SOAPAction: {name}.", "soap:Client"
            )
        args = {local_name(c).lower(): c for c in element}
        try:
            with self.lock:
                self._count_quota(name, args)
                result = getattr(self, f"_op_{name}")(args)
        except SoapFault as fault:
            return self._fault(fault.message, fault.code)
        return self._envelope(name, result)

    def _count_quota(self, name: str, args: dict[str, Any]) -> None:
        key = (DOMAIN_ID, dt.datetime.now(dt.UTC).date())
        used = self.quota_used.get(key, 0) + 1
        self.quota_used[key] = used
        if used > self.daily_limit:
            raise SoapFault(DAILY_LIMIT.format(limit=self.daily_limit))

    def _session(self, args: dict[str, Any]) -> None:
        element = args.get("sessionid")
        session_id = (element.text or "").strip() if element is not None else ""
        expires = self.sessions.get(session_id)
        if expires is None or expires < time.time():
            self.sessions.pop(session_id, None)
            raise SoapFault(INVALID_SESSION)

    @staticmethod
    def _arg(args: dict[str, Any], name: str) -> str:
        element = args.get(name.lower())
        return (element.text or "").strip() if element is not None else ""

    @staticmethod
    def _xml_arg(args: dict[str, Any], name: str) -> Any:
        """A document parameter: child XML (s:any) or escaped XML text; None when unreadable."""
        element = args.get(name.lower())
        if element is None:
            return None
        children = [c for c in element if isinstance(c.tag, str)]
        if children:
            return children[0]
        try:
            return etree.fromstring((element.text or "").strip().encode())
        except etree.XMLSyntaxError:
            return None

    # Responses ---------------------------------------------------------------------------------

    def _envelope(self, name: str, result: Any) -> SimResponse:
        envelope = etree.Element(f"{{{SOAP_NS}}}Envelope", nsmap={"soap": SOAP_NS})
        body = etree.SubElement(envelope, f"{{{SOAP_NS}}}Body")
        response = etree.SubElement(body, f"{{{YUKI_NS}}}{name}Response", nsmap={None: YUKI_NS})
        holder = etree.SubElement(response, f"{{{YUKI_NS}}}{name}Result")
        if isinstance(result, str):
            holder.text = result
        elif result is not None and self.xml_results == "escaped":
            holder.text = etree.tostring(result, encoding="unicode")
        elif result is not None:
            holder.append(result)
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

    def _op_GetCurrentDomain(self, args: dict[str, Any]) -> str:
        self._session(args)
        return DOMAIN_ID

    def _check_administration(self, administration_id: str) -> None:
        if administration_id.lower() != ADMINISTRATION_ID:
            raise SoapFault(f"Administration '{administration_id}' not found or no access.")

    def _check_domain(self, domain_id: str) -> None:
        if domain_id.lower() != DOMAIN_ID:
            raise SoapFault(f"Domain '{domain_id}' not found or no access.")

    # Contacts ------------------------------------------------------------------------------------

    def _op_SearchContacts(self, args: dict[str, Any]) -> Any:
        self._session(args)
        self._check_domain(self._arg(args, "domainID"))
        option = self._arg(args, "searchOption") or "All"
        value = normalised(self._arg(args, "searchValue"))
        page = int(self._arg(args, "pageNumber") or 1)
        fields = {"Code": ("Code",), "VATNumber": ("VATNumber",), "Name": ("Name",)}.get(
            option, ("Code", "Name", "VATNumber", "City", "EMailWork")
        )
        found = [
            contact
            for contact in self.contacts.values()
            if not value or any(value in normalised(contact.get(f, "")) for f in fields)
        ]
        root = etree.Element("Contacts")
        for contact in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
            element = etree.SubElement(root, "Contact", ID=contact["ID"])
            for key, text in contact.items():
                if key != "ID":
                    etree.SubElement(element, key).text = text
        return root

    def _op_UpdateContact(self, args: dict[str, Any]) -> Any:
        self._session(args)
        self._check_domain(self._arg(args, "domainID"))
        document = self._xml_arg(args, "xmlDoc")
        if document is None or local_name(document) != "Contact":
            raise SoapFault("The XML document is not a valid Contact document.", "soap:Client")
        fields = {local_name(c): (c.text or "").strip() for c in document if local_name(c)}
        contact = self._match_contact(fields)
        if contact is None:
            if not fields.get("FullName"):
                raise SoapFault("Contact validation failed: FullName is required.", "soap:Client")
            contact = self.new_contact(
                fields.get("Code", ""), fields["FullName"], fields.get("Type", "2")
            )
        for key, value in fields.items():
            if key not in {"ID", "FullName"} and value:
                contact[key] = value
        if fields.get("FullName"):
            contact["Name"] = fields["FullName"]
        root = etree.Element("ContactResponse")
        etree.SubElement(root, "TimeStamp").text = dt.datetime.now(dt.UTC).isoformat()
        etree.SubElement(root, "Succeeded").text = "true"
        return root

    def _match_contact(self, fields: dict[str, str]) -> dict[str, str] | None:
        if fields.get("ID"):
            if fields["ID"] not in self.contacts:
                raise SoapFault(f"Contact with ID '{fields['ID']}' does not exist.", "soap:Client")
            return self.contacts[fields["ID"]]
        ordered = list(self.contacts.values())[::-1]  # the most recent first
        if fields.get("Code"):
            match = next((c for c in ordered if c.get("Code") == fields["Code"]), None)
            if match is not None:
                return match
        name = normalised(fields.get("FullName", ""))
        return next(
            (
                c
                for c in ordered
                if name and normalised(c["Name"]) == name and c["Type"] == fields.get("Type", "2")
            ),
            None,
        )

    def new_contact(self, code: str, name: str, kind: str) -> dict[str, str]:
        contact_id = str(uuid.uuid4())
        self.contacts[contact_id] = {
            "ID": contact_id, "Type": kind, "HID": str(len(self.contacts) + 1),
            "Code": code, "Name": name, "IsCustomer": "true", "IsSupplier": "false",
        }  # fmt: skip
        return self.contacts[contact_id]

    # Reference data and outstanding items --------------------------------------------------------

    def _op_GetGLAccountScheme(self, args: dict[str, Any]) -> Any:
        self._session(args)
        self._check_administration(self._arg(args, "administrationID"))
        root = etree.Element("GLAccountScheme")
        for code, description in GL_ACCOUNTS.items():
            element = etree.SubElement(root, "GLAccount")
            etree.SubElement(element, "Code").text = code
            etree.SubElement(element, "Description").text = description
            etree.SubElement(element, "Type").text = "Revenue"
        return root

    def _op_CheckOutstandingItem(self, args: dict[str, Any]) -> Any:
        self._session(args)
        reference = self._arg(args, "Reference")
        root = etree.Element("OutstandingItems")
        for invoice in self.invoices:
            # Matched by the whole reference, as a reference (not a free-text search). Several
            # items may answer one number (Yuki's WSDL documentation says so).
            if invoice["processed"] and reference and reference == invoice["reference"]:
                item = etree.SubElement(root, "Item", ID=invoice["documentid"])
                for tag in ("Reference", "Date", "DocumentId", "OpenAmount", "OriginalAmount"):
                    etree.SubElement(item, tag).text = str(invoice[tag.lower()])
                contact = self.contacts.get(invoice["contact_id"], {})
                etree.SubElement(item, "Contact").text = contact.get("Name", "")
                etree.SubElement(item, "ContactID").text = invoice["contact_id"]
                etree.SubElement(item, "ContactCode").text = contact.get("Code", "")
        return root

    def _op_SalesInvoiceSchemaPath(self, args: dict[str, Any]) -> str:
        return "http://www.yukiworks.nl/schemas/SalesInvoices.xsd"

    # Sales invoices ------------------------------------------------------------------------------

    def _op_ProcessSalesInvoices(self, args: dict[str, Any]) -> Any:
        self._session(args)
        self._check_administration(self._arg(args, "administrationId"))
        return import_sales_invoices(self, self._xml_arg(args, "xmlDoc"))
