"""Yuki specifics: one batched import call, per-invoice results, sessions, quota, XML variants."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

from bookkeeping.connectors.base import (
    AuthError,
    QuotaExceeded,
    RateLimited,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.connectors.yuki import (
    INVOICES_NS,
    KEY_HINT,
    QUOTA_MESSAGE,
    YukiConnector,
    envelope,
)
from bookkeeping.models import Integration
from bookkeeping.simulators.yuki import ACCESS_KEY, ADMINISTRATION_ID, ADMINISTRATION_NAME
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

ONE_LINE = [("1", "100.00", "21", "")]
INVALID_SESSION_FAULT = (
    '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soap:Body><soap:Fault><faultcode>soap:Server</faultcode>"
    "<faultstring>The session is invalid or has expired.</faultstring></soap:Fault></soap:Body>"
    "</soap:Envelope>"
)


@pytest.fixture
def connector(yuki_integration) -> YukiConnector:
    return get_connector(yuki_integration)


def booked(acme, count, *, customer=None, start=1, lines=ONE_LINE, kind=Invoice.Kind.INVOICE):
    customer = customer or CustomerFactory(company=acme, name="Ferris Bakery", code="C0042")
    return [
        make_booked_invoice(
            acme, number=f"2026-{start + i:04d}", customer=customer, lines=lines, kind=kind
        )
        for i in range(count)
    ]


def push(connector, invoices):
    refs = {invoice.customer_id: None for invoice in invoices}
    return connector.push_invoices(invoices, customer_refs=refs)


def test_it_books_a_batch_of_100_in_one_call_and_rejects_only_the_bad_invoice(
    connector, yuki, acme
):
    invoices = booked(acme, 99)
    bad = make_booked_invoice(
        acme, number="2026-0500", customer=invoices[0].customer, lines=[("1", "10", "21", "9999")]
    )
    invoices.insert(40, bad)

    results = push(connector, invoices)

    assert yuki.count(operation="ProcessSalesInvoices") == 1
    assert yuki.write_calls == 1
    assert [result.invoice_id for result in results] == [invoice.pk for invoice in invoices]
    assert sum(result.ok for result in results) == 99
    assert yuki.booking_count() == 99
    error = results[40].error
    assert str(error.message).startswith(
        "Yuki refused invoice 2026-0500: GL account '9999' does not exist in administration "
        f"'{ADMINISTRATION_NAME}'. — "
    )
    assert "G/L account" in str(error.hint)
    assert yuki.bookings("2026-0500") == []


def test_the_booking_number_is_the_document_id_and_find_invoice_returns_it(connector, yuki, acme):
    [invoice] = booked(acme, 1)

    [result] = push(connector, [invoice])
    found = connector.find_invoice(invoice)

    assert result.ref.number == yuki.bookings("2026-0001")[0]["documentid"]
    assert (found.remote_id, found.number) == (result.ref.remote_id, result.ref.number)


def test_a_duplicate_reference_is_already_booked_not_an_error(connector, yuki, acme):
    [invoice] = booked(acme, 1)
    [first] = push(connector, [invoice])

    [again] = push(connector, [invoice])

    assert again.ok
    assert again.already_booked
    assert again.error is None
    assert again.ref.number == first.ref.number
    assert len(yuki.bookings("2026-0001")) == 1


def test_it_raises_quota_exceeded_with_a_clear_message_when_the_daily_limit_is_used_up(
    connector, yuki, acme
):
    [invoice] = booked(acme, 1)
    connector.find_invoice(invoice)
    yuki.daily_limit = yuki.count()
    yuki.reset_calls()

    with pytest.raises(QuotaExceeded) as excinfo:
        push(connector, [invoice])

    assert isinstance(excinfo.value, RateLimited)
    assert str(excinfo.value.message) == QUOTA_MESSAGE
    assert "after midnight" in str(excinfo.value.message)
    assert 0 < excinfo.value.retry_after <= 24 * 3600
    assert len(yuki.calls) == 1
    assert yuki.bookings("2026-0001") == []


@pytest.mark.parametrize("style", ["child", "escaped"])
def test_it_reads_xml_results_sent_as_child_elements_or_as_escaped_text(
    connector, yuki, acme, style
):
    yuki.xml_results = style
    customer = CustomerFactory(company=acme, name="Ferris Bakery", code="C0042")
    invoices = booked(acme, 2, customer=customer)

    assert [t.code for t in connector.list_targets()] == [ADMINISTRATION_ID]
    created = connector.push_customer(customer)
    results = push(connector, invoices)
    found = connector.find_invoice(invoices[1])

    assert connector.find_customer(customer) == created
    assert all(result.ok for result in results)
    assert found.number == results[1].ref.number
    assert {a.code for a in connector.list_accounts()} >= {"8000", "8010", "8100"}


@pytest.mark.parametrize(
    ("style", "marker"), [("child", "<Administrations"), ("escaped", "&lt;Administrations")]
)
def test_the_simulator_answers_in_the_style_it_is_told(connector, yuki, style, marker):
    yuki.xml_results = style
    session_id = connector.session_id()

    reply = requests.post(
        f"{yuki.base_url}/Sales.asmx",
        data=envelope("Administrations", [("sessionID", session_id)]),
        headers={
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": '"http://www.theyukicompany.com/Administrations"',
        },
        timeout=5,
    )

    assert reply.status_code == 200
    assert marker in reply.text


def test_it_authenticates_again_once_when_the_session_expired(connector, yuki, acme):
    [invoice] = booked(acme, 1)
    connector.find_invoice(invoice)
    old_session = connector.credentials["session_id"]
    yuki.expire_tokens()
    yuki.reset_calls()

    assert connector.find_invoice(invoice) is None

    assert yuki.count(operation="Authenticate") == 1
    assert yuki.count(operation="CheckOutstandingItem") == 2
    saved = Integration.objects.get(pk=connector.integration.pk).credentials
    assert saved["session_id"] != old_session


def test_it_stops_with_auth_error_when_the_new_session_is_refused_too(connector, yuki, acme):
    [invoice] = booked(acme, 1)
    connector.find_invoice(invoice)
    yuki.reset_calls()
    yuki.fail_next(path="CheckOutstandingItem", status=500, body=INVALID_SESSION_FAULT, times=5)

    with pytest.raises(AuthError):
        connector.find_invoice(invoice)

    assert yuki.count(operation="Authenticate") == 1
    assert yuki.count(operation="CheckOutstandingItem") == 2


@pytest.mark.parametrize("empty_result", [False, True])
def test_a_refused_access_key_is_an_auth_error_with_a_hint(connector, yuki, acme, empty_result):
    yuki.empty_auth_result = empty_result
    yuki.revoke()

    with pytest.raises(AuthError) as excinfo:
        connector.list_targets()

    assert str(excinfo.value.message) == "Yuki did not accept the web-service access key."
    assert str(excinfo.value.hint) == KEY_HINT
    assert ACCESS_KEY not in str(excinfo.value)


def test_it_finds_a_contact_by_code_before_creating_one(connector, yuki, acme):
    customer = CustomerFactory(company=acme, name="Ferris Bakery", code="C0042")
    [invoice] = booked(acme, 1, customer=customer)
    push(connector, [invoice])  # the import creates the contact with our code
    yuki.reset_calls()

    found = connector.find_customer(customer)

    assert found is not None
    assert found.number == "C0042"
    assert yuki.write_calls == 0
    assert yuki.customer_count() == 1


def test_it_finds_a_contact_by_vat_number_when_the_code_differs(connector, yuki, acme):
    first = CustomerFactory(
        company=acme, name="Ferris Bakery", code="C0001", vat_number="BE0403170701"
    )
    created = connector.push_customer(first)
    other = CustomerFactory(
        company=acme, name="Ferris Bakery NV", code="C0002", vat_number="BE 0403.170.701"
    )

    assert connector.find_customer(other) == created


def test_push_customer_twice_updates_the_same_contact(connector, yuki, acme):
    customer = CustomerFactory(company=acme, name="Ferris Bakery", code="C0042")

    first = connector.push_customer(customer)
    second = connector.push_customer(customer)

    assert first.remote_id == second.remote_id
    assert yuki.customer_count() == 1


def test_a_rate_without_vat_type_is_refused_before_any_call(connector, yuki, acme):
    [invoice] = booked(acme, 1, lines=[("1", "100.00", "9", "")])

    [result] = push(connector, [invoice])

    assert str(result.error.message) == "Invoice 2026-0001: VAT rate 9% has no VAT type in Yuki"
    assert str(result.error.hint) == "Map 9% to a VAT type in Integration settings"
    assert yuki.calls == []


def test_a_credit_note_is_booked_with_negative_quantities(connector, yuki, acme):
    [note] = booked(acme, 1, kind=Invoice.Kind.CREDIT_NOTE, lines=[("2", "50.00", "21", "8010")])

    [result] = push(connector, [note])

    assert result.ok
    assert yuki.bookings("2026-0001")[0]["originalamount"] == -121


def test_the_import_stops_after_six_refused_invoices(connector, yuki, acme):
    bad = booked(acme, 7, lines=[("1", "10.00", "21", "9999")])
    good = booked(acme, 2, customer=bad[0].customer, start=100)

    results = push(connector, bad + good)

    assert [r.error.code for r in results] == ["rejected"] * 6 + ["not_processed"] * 3
    assert "stopped after 6 incorrect invoices" in str(results[8].error.message)
    assert "sent again by the next sync" in str(results[8].error.hint)
    assert yuki.booking_count() == 0


def test_a_document_that_fails_validation_books_nothing(connector, yuki, acme):
    [invoice] = booked(acme, 1)
    document = etree.Element(f"{{{INVOICES_NS}}}SalesInvoices", nsmap={None: INVOICES_NS})
    document.append(connector.sales_invoice(invoice))
    broken = etree.SubElement(document, f"{{{INVOICES_NS}}}SalesInvoice")
    etree.SubElement(broken, f"{{{INVOICES_NS}}}Reference").text = "2026-0002"
    params = [("sessionId", connector.session_id()), ("administrationId", ADMINISTRATION_ID)]

    reply = requests.post(
        f"{yuki.base_url}/Sales.asmx",
        data=envelope("ProcessSalesInvoices", [*params, ("xmlDoc", document)]),
        headers={"SOAPAction": '"http://www.theyukicompany.com/ProcessSalesInvoices"'},
        timeout=5,
    )

    assert reply.status_code == 200
    assert "XML validation failed; nothing was processed" in reply.text
    assert (
        "Element 'SalesInvoice': Missing child element(s). Expected is one of ( Date, Contact, "
        "InvoiceLines," in reply.text
    )
    assert yuki.booking_count() == 0


def test_the_reference_keeps_only_digits_when_the_administration_needs_it(
    yuki_integration, yuki, acme
):
    yuki_integration.credentials = {**yuki_integration.credentials, "digits_only_reference": True}
    yuki_integration.save()
    connector = get_connector(yuki_integration)
    [invoice] = booked(acme, 1)

    [result] = push(connector, [invoice])

    assert result.ok
    assert len(yuki.bookings("20260001")) == 1
    assert connector.find_invoice(invoice) == result.ref
