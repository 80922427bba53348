"""The Yuki simulator refuses what Yuki (ASMX) refuses: one test per strictness rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from lxml import etree

from bookkeeping.connectors.yuki import INVOICES_NS, envelope
from bookkeeping.simulators.yuki import ACCESS_KEY, ADMINISTRATION_ID, DOMAIN_ID
from bookkeeping.simulators.yuki.asmx import NO_ACTION

pytestmark = pytest.mark.django_db

YUKI = "http://www.theyukicompany.com/"
WSDL = "http://schemas.xmlsoap.org/wsdl/"
XS = "http://www.w3.org/2001/XMLSchema"


def post(yuki, service, operation, params, *, action=None, body=None):
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action is not False:
        headers["SOAPAction"] = f'"{action or YUKI + operation}"'
    data = body if body is not None else envelope(operation, params)
    return requests.post(f"{yuki.base_url}/{service}.asmx", data=data, headers=headers, timeout=5)


def session(yuki):
    reply = post(yuki, "Sales", "Authenticate", [("accessKey", ACCESS_KEY)])
    return etree.fromstring(reply.content).findtext(".//{*}AuthenticateResult")


def fault(reply):
    assert reply.status_code == 500
    return etree.fromstring(reply.content).findtext(".//faultstring")


def invoice(reference="2026-0001", lines=(("1", "100.00"),), extra=None):
    root = etree.Element(f"{{{INVOICES_NS}}}SalesInvoices", nsmap={None: INVOICES_NS})
    inv = etree.SubElement(root, f"{{{INVOICES_NS}}}SalesInvoice")
    for tag, text in (("Reference", reference), ("Process", "true"), ("Date", "2026-03-15")):
        etree.SubElement(inv, f"{{{INVOICES_NS}}}{tag}").text = text
    contact = etree.SubElement(inv, f"{{{INVOICES_NS}}}Contact")
    etree.SubElement(contact, f"{{{INVOICES_NS}}}FullName").text = "Ferris Bakery"
    rows = etree.SubElement(inv, f"{{{INVOICES_NS}}}InvoiceLines")
    for quantity, price in lines:
        line = etree.SubElement(rows, f"{{{INVOICES_NS}}}InvoiceLine")
        etree.SubElement(line, f"{{{INVOICES_NS}}}ProductQuantity").text = quantity
        product = etree.SubElement(line, f"{{{INVOICES_NS}}}Product")
        for tag, text in (("Description", "Bread"), ("SalesPrice", price),
                          ("VATPercentage", "21"), ("VATType", "1")):  # fmt: skip
            etree.SubElement(product, f"{{{INVOICES_NS}}}{tag}").text = text
    if extra is not None:
        etree.SubElement(inv, f"{{{INVOICES_NS}}}{extra}").text = "x"
    return root


def book(yuki, document, *, session_param="sessionId"):
    params = [(session_param, session(yuki)), ("administrationId", ADMINISTRATION_ID)]
    return post(yuki, "Sales", "ProcessSalesInvoices", [*params, ("xmlDoc", document)])


def outstanding(yuki, reference):
    reply = post(yuki, "Accounting", "CheckOutstandingItem",
                 [("sessionID", session(yuki)), ("Reference", reference)])  # fmt: skip
    return etree.fromstring(reply.content).findall(".//{*}Item")


@pytest.mark.parametrize(
    "query", ["Sales.asmx?WSDL", "Contact.asmx?wsdl", "Accounting.asmx?WSDL",
              "AccountingInfo.asmx?WSDL", "ChangeDigest.asmx?WSDL"],
)  # fmt: skip
def test_it_serves_each_wsdl_in_yukis_namespace_at_the_address_asked(yuki, query):
    reply = requests.get(f"{yuki.base_url}/{query}", timeout=5)

    root = etree.fromstring(reply.content)
    assert reply.status_code == 200
    assert root.get("targetNamespace") == YUKI
    address = root.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address").get("location")
    assert address == f"{yuki.base_url}/{query.split('?')[0]}"


def test_the_wsdls_keep_the_parameter_case_of_each_operation(yuki):
    def params(service, operation):
        root = etree.fromstring(requests.get(f"{yuki.base_url}/{service}.asmx?WSDL").content)
        wrapper = root.find(f".//{{{XS}}}schema/{{{XS}}}element[@name='{operation}']")
        return [e.get("name") for e in wrapper.iter(f"{{{XS}}}element")][1:]

    assert params("Sales", "ProcessSalesInvoices") == ["sessionId", "administrationId", "xmlDoc"]
    assert params("Contact", "UpdateContact") == ["sessionID", "domainID", "xmlDoc"]
    assert params("Accounting", "CheckOutstandingItem") == ["sessionID", "Reference"]
    assert params("ChangeDigest", "GetUpdatedAndDeletedTransactions")[:2] == [
        "sessionID", "administrationID"
    ]  # fmt: skip


def test_a_request_without_soapaction_is_refused(yuki):
    reply = post(yuki, "Sales", "Authenticate", [("accessKey", ACCESS_KEY)], action=False)

    assert fault(reply) == NO_ACTION
    assert yuki.sessions == {}


def test_a_soapaction_of_another_service_is_refused(yuki):
    reply = post(yuki, "Sales", "CheckOutstandingItem", [("sessionID", session(yuki))])

    assert fault(reply) == (
        "Server did not recognize the value of HTTP Header SOAPAction: "
        "http://www.theyukicompany.com/CheckOutstandingItem."
    )


def test_an_operation_in_another_namespace_is_refused(yuki):
    body = envelope("Authenticate", [("accessKey", ACCESS_KEY)]).replace(
        YUKI.encode(), b"http://tempuri.org/"
    )

    reply = post(yuki, "Sales", "Authenticate", [], body=body)

    assert "<Authenticate xmlns='http://tempuri.org/'> was not expected." in fault(reply)
    assert yuki.sessions == {}


def test_a_parameter_in_the_wrong_case_is_missing_and_books_nothing(yuki):
    reply = book(yuki, invoice(), session_param="sessionID")  # ProcessSalesInvoices: sessionId

    assert "session is invalid" in fault(reply)
    assert yuki.booking_count() == 0


def test_an_empty_datetime_parameter_cannot_be_read(yuki):
    params = [("sessionID", session(yuki)), ("domainID", DOMAIN_ID), ("searchOption", "All"),
              ("sortOrder", "Name"), ("modifiedAfter", ""), ("active", "Both"),
              ("pageNumber", "1")]  # fmt: skip

    reply = post(yuki, "Contact", "SearchContacts", params)

    assert "The string '' is not a valid AllXsd value." in fault(reply)


def test_an_enumeration_value_yuki_does_not_know_cannot_be_read(yuki):
    params = [("sessionID", session(yuki)), ("domainID", DOMAIN_ID), ("searchOption", "code"),
              ("sortOrder", "Name"), ("active", "Both"), ("pageNumber", "1")]  # fmt: skip

    reply = post(yuki, "Contact", "SearchContacts", params)

    assert "'code' is not a valid value for SearchOption." in fault(reply)


def test_an_element_the_invoice_schema_does_not_know_books_nothing(yuki):
    reply = book(yuki, invoice(extra="InvoiceNumber"))

    assert reply.status_code == 200
    assert "Element 'InvoiceNumber': This element is not expected." in reply.text
    assert "<TotalSucceeded>0</TotalSucceeded>" in reply.text
    assert yuki.booking_count() == 0


def test_an_invoice_document_sent_as_escaped_text_books_nothing(yuki):
    params = [("sessionId", session(yuki)), ("administrationId", ADMINISTRATION_ID),
              ("xmlDoc", etree.tostring(invoice(), encoding="unicode"))]  # fmt: skip

    reply = post(yuki, "Sales", "ProcessSalesInvoices", params)

    assert "send it as child XML" in reply.text
    assert yuki.booking_count() == 0


def test_an_element_the_contact_schema_does_not_know_is_refused(yuki):
    contact = etree.Element("Contact")
    etree.SubElement(contact, "FullName").text = "Ferris Bakery"
    etree.SubElement(contact, "Nickname").text = "Ferris"
    params = [("sessionID", session(yuki)), ("domainID", DOMAIN_ID), ("xmlDoc", contact)]

    reply = post(yuki, "Contact", "UpdateContact", params)

    assert "Element 'Nickname': This element is not expected." in fault(reply)
    assert yuki.customer_count() == 0


def test_vat_is_rounded_per_line(yuki):
    book(yuki, invoice(lines=[("1", "0.50"), ("1", "0.50")]))  # 0.105 + 0.105 VAT

    assert yuki.bookings("2026-0001")[0]["originalamount"] == Decimal("1.22")  # not 1.21


def test_a_duplicate_reference_is_refused_in_yukis_words_and_books_nothing(yuki):
    book(yuki, invoice())

    reply = book(yuki, invoice())

    assert "Er bestaat al een factuur met het factuurnummer '2026-0001'." in reply.text
    assert "<Succeeded>false</Succeeded>" in reply.text
    assert len(yuki.bookings("2026-0001")) == 1


def test_a_paid_item_leaves_the_outstanding_items_and_a_partly_paid_one_stays_open(yuki):
    book(yuki, invoice("2026-0001"))
    book(yuki, invoice("2026-0002"))

    yuki.pay("2026-0001")
    yuki.pay("2026-0002", amount="21.00")

    assert outstanding(yuki, "2026-0001") == []
    [item] = outstanding(yuki, "2026-0002")
    assert (item.findtext("{*}OpenAmount"), item.findtext("{*}OriginalAmount")) == (
        "100.00", "121.00"
    )  # fmt: skip


def test_a_reference_matches_exactly_not_as_a_substring(yuki):
    book(yuki, invoice("2026-0042"))

    assert outstanding(yuki, "2026-004") == []
    assert outstanding(yuki, "026-0042") == []
    assert len(outstanding(yuki, "2026-0042")) == 1
