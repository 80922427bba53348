"""A client nobody here wrote: zeep builds its clients from the Yuki simulator's WSDLs over real
HTTP, authenticates, lists the administrations and books an invoice with ProcessSalesInvoices."""

from __future__ import annotations

import pytest
import zeep
from lxml import etree

from bookkeeping.simulators.yuki import ACCESS_KEY, ADMINISTRATION_ID, DOMAIN_ID

pytestmark = pytest.mark.django_db

INVOICES_NS = "urn:xmlns:http://www.theyukicompany.com:salesinvoices"
SERVICES = ["Sales", "Contact", "Accounting", "AccountingInfo", "ChangeDigest"]


def client(yuki, service: str) -> zeep.Client:
    return zeep.Client(f"{yuki.base_url}/{service}.asmx?WSDL")


def sales_invoices(reference: str) -> etree._Element:
    xml = f"""<SalesInvoices xmlns="{INVOICES_NS}"><SalesInvoice>
      <Reference>{reference}</Reference><Subject>Invoice {reference}</Subject>
      <PaymentMethod>ElectronicTransfer</PaymentMethod><Process>true</Process>
      <EmailToCustomer>false</EmailToCustomer><Date>2026-03-15</Date><DueDate>2026-04-14</DueDate>
      <Contact><ContactCode>C0042</ContactCode><FullName>ACME BV</FullName>
        <CountryCode>BE</CountryCode><ContactType>Company</ContactType></Contact>
      <InvoiceLines><InvoiceLine><Description>Consulting</Description>
        <ProductQuantity>1</ProductQuantity><Product><Description>Consulting</Description>
        <SalesPrice>100.00</SalesPrice><VATPercentage>21.00</VATPercentage>
        <VATIncluded>false</VATIncluded><VATType>1</VATType><GLAccountCode>8000</GLAccountCode>
      </Product></InvoiceLine></InvoiceLines></SalesInvoice></SalesInvoices>"""
    return etree.fromstring(xml)


def document(result) -> etree._Element:
    """The XML document of an `s:any` result as zeep returns it (the element, or in `_value_1`)."""
    if isinstance(result, etree._Element):
        return result
    return next(node for node in result._value_1 if isinstance(node, etree._Element))


@pytest.mark.parametrize("service", SERVICES)
def test_zeep_builds_a_client_from_each_wsdl(yuki, service):
    operations = client(yuki, service).service._binding._operations

    assert {"Authenticate", "Administrations"} <= set(operations)
    assert operations["Authenticate"].soapaction == "http://www.theyukicompany.com/Authenticate"


def test_zeep_authenticates_lists_administrations_and_books_an_invoice_once(yuki):
    sales = client(yuki, "Sales").service
    session_id = sales.Authenticate(accessKey=ACCESS_KEY)
    administrations = document(sales.Administrations(sessionID=session_id))
    [administration] = administrations.findall("{*}Administration")

    first = document(
        sales.ProcessSalesInvoices(
            sessionId=session_id,
            administrationId=administration.get("ID"),
            xmlDoc={"_value_1": sales_invoices("2026-0042")},
        )
    )
    again = document(
        sales.ProcessSalesInvoices(
            sessionId=session_id,
            administrationId=ADMINISTRATION_ID,
            xmlDoc={"_value_1": sales_invoices("2026-0042")},
        )
    )

    assert administration.get("ID") == ADMINISTRATION_ID
    assert administration.findtext("{*}DomainID") == DOMAIN_ID
    assert first.findtext("{*}TotalSucceeded") == "1"
    assert first.findtext("{*}Invoice/{*}Processed") == "true"
    assert again.findtext("{*}TotalSucceeded") == "0"
    assert again.findtext("{*}Invoice/{*}Succeeded") == "false"
    assert "2026-0042" in again.findtext("{*}Invoice/{*}Message")
    assert len(yuki.bookings("2026-0042")) == 1


def test_zeep_reads_contacts_and_outstanding_items(yuki):
    sales = client(yuki, "Sales").service
    session_id = sales.Authenticate(accessKey=ACCESS_KEY)
    sales.ProcessSalesInvoices(
        sessionId=session_id,
        administrationId=ADMINISTRATION_ID,
        xmlDoc={"_value_1": sales_invoices("2026-0043")},
    )

    contacts = document(
        client(yuki, "Contact").service.SearchContacts(
            sessionID=session_id, domainID=DOMAIN_ID, searchOption="Code", searchValue="C0042",
            sortOrder="Name", modifiedAfter=None, active="Both", pageNumber=1,
        )
    )  # fmt: skip
    items = document(
        client(yuki, "Accounting").service.CheckOutstandingItem(
            sessionID=session_id, Reference="2026-0043"
        )
    )

    assert [c.findtext("{*}Code") for c in contacts.findall("{*}Contact")] == ["C0042"]
    assert items.findtext("{*}Item/{*}OpenAmount") == "121.00"
