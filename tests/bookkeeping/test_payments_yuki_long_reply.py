"""Yuki answers every open item of the administration in one `OutstandingDebtorItems` reply,
however long. Booksync reads that reply as it arrives, one item at a time; these tests hold it to
the statuses a short reply gives, through the simulator over HTTP: thousands of open items of
bookings Booksync never sent, items of one invoice far apart in the reply, both XML styles, and
replies that are cut short, carry a fault or lack their result."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookkeeping import payments
from bookkeeping.connectors.base import QuotaExceeded, TransientError
from bookkeeping.connectors.registry import get_connector
from bookkeeping.connectors.yuki.soap import RETRY_HINT
from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

Status = Invoice.PaymentStatus
OTHERS = 3_000  # open items of bookings that are not Booksync's (keyed in Yuki by hand)
OPERATION = "OutstandingDebtorItems"
ENVELOPE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>{}'
    "</soap:Body></soap:Envelope>"
)


def sync(company, user):
    run = sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)
    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    return run


def status_of(invoice: Invoice) -> tuple[str, Decimal | None]:
    invoice.refresh_from_db()
    return invoice.payment_status, invoice.open_amount


def connector_of(integration):
    """The connector with the session the sync saved (the fixture's row predates it)."""
    integration.refresh_from_db()
    return get_connector(integration)


def four_synced_invoices(yuki, acme, alice) -> list[Invoice]:
    """Paid, partly paid, unpaid, and split in two items (295.00 EUR each), then thousands of
    other open items, and the second item of the split invoice at the very end of the reply."""
    customer = CustomerFactory(company=acme, code="C0042")
    invoices = [
        make_booked_invoice(acme, number=f"2026-000{n}", customer=customer) for n in (1, 2, 3, 4)
    ]
    sync(acme, alice)
    yuki.pay("2026-0001")
    yuki.pay("2026-0002", "100.00")
    yuki.pay("2026-0004", "200.00")
    for n in range(OTHERS):
        yuki.add_hand_keyed_invoice(reference=f"2025-{n:05d}", total="10.00", contact_code="C0042")
    yuki.add_hand_keyed_invoice(reference="2026-0004", total="50.00", contact_code="C0042")
    yuki.reset_calls()
    return invoices


def assert_statuses(invoices: list[Invoice]) -> None:
    paid, partly, unpaid, split = invoices
    assert status_of(paid) == (Status.PAID, Decimal("0.00"))
    assert status_of(partly) == (Status.PARTLY_PAID, Decimal("195.00"))
    assert status_of(unpaid) == (Status.OPEN, Decimal("295.00"))
    assert status_of(split) == (Status.PARTLY_PAID, Decimal("145.00"))  # 95.00 + 50.00


@pytest.mark.parametrize("style", ["child", "escaped"])
def test_a_reply_of_thousands_of_open_items_gives_each_invoice_its_status(
    yuki, yuki_integration, acme, alice, style
):
    invoices = four_synced_invoices(yuki, acme, alice)
    yuki.xml_results = style
    connector = connector_of(yuki_integration)

    refresh = payments.refresh_payments(yuki_integration, connector)

    assert_statuses(invoices)
    assert (refresh.invoices, refresh.paid, refresh.calls) == (4, 1, 1)
    assert yuki.count(operation=OPERATION) == 1
    every = connector.read_payments(None)
    assert len(every.totals) == OTHERS + 3  # every open reference; 2026-0001 is paid
    assert every.open_amount("2025-02999") == Decimal("10.00")
    assert every.open_amount("2026-0001") == 0


def test_a_read_of_some_references_keeps_their_items_only(yuki, yuki_integration, acme, alice):
    four_synced_invoices(yuki, acme, alice)

    read = connector_of(yuki_integration).read_payments(["2026-0004", "2026-0001", "2026-9999"])

    assert sorted(item.open_amount for item in read.open_items["2026-0004"]) == [
        Decimal("50.00"),
        Decimal("95.00"),
    ]
    assert list(read.open_items) == ["2026-0004"]  # none of the 3,000 others is kept
    assert read.totals is None


def test_a_reply_cut_short_is_asked_again_and_counted_once(yuki, yuki_integration, acme, alice):
    """The first reply stops halfway, after the items of the four invoices: the second one is
    read from the start, and no item of the first is counted twice."""
    invoices = four_synced_invoices(yuki, acme, alice)
    yuki.fail_next("POST", OPERATION, kind="malformed")

    refresh = payments.refresh_payments(yuki_integration, connector_of(yuki_integration))

    assert_statuses(invoices)
    assert refresh.calls == 2
    assert yuki.count(operation=OPERATION) == 2


def test_a_reply_that_stays_cut_short_leaves_the_run_and_its_bookings_alone(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    yuki.fail_next("POST", OPERATION, kind="malformed", times=100)

    run = sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.booking_number
    assert run.invoices_booked == 1
    assert invoice.payment_status == Status.UNKNOWN
    with pytest.raises(TransientError) as excinfo:
        connector_of(yuki_integration).read_payments(None)
    assert str(excinfo.value.message) == "Yuki sent a reply we could not read."
    assert str(excinfo.value.hint) == RETRY_HINT


def test_a_fault_in_a_reply_is_the_error_it_names(yuki, yuki_integration, acme, alice):
    fault = (
        "<soap:Fault><faultcode>soap:Server</faultcode><faultstring>The daily limit of "
        "1000 calls has been exceeded.</faultstring></soap:Fault>"
    )
    yuki.fail_next("POST", OPERATION, status=200, body=ENVELOPE.format(fault))

    with pytest.raises(QuotaExceeded) as excinfo:
        connector_of(yuki_integration).read_payments(None)

    assert "daily limit" in excinfo.value.detail


def test_a_reply_without_its_result_is_no_list_of_paid_invoices(
    yuki, yuki_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    sync(acme, alice)
    yuki.pay("2026-0001")
    empty = f'<{OPERATION}Response xmlns="http://www.theyukicompany.com/"/>'
    yuki.fail_next("POST", OPERATION, status=200, body=ENVELOPE.format(empty))

    with pytest.raises(TransientError) as excinfo:
        payments.refresh_payments(yuki_integration, connector_of(yuki_integration))

    assert "missing its result" in str(excinfo.value.message)
    assert status_of(invoice) == (Status.OPEN, Decimal("295.00"))  # as the sync read it


def open_items_reply(*items: tuple[str, str]) -> str:
    listed = "".join(
        f"<Item><Reference>{reference}</Reference><OpenAmount>{amount}</OpenAmount>"
        f"<OriginalAmount>295.00</OriginalAmount></Item>"
        for reference, amount in items
    )
    return ENVELOPE.format(
        f'<{OPERATION}Response xmlns="http://www.theyukicompany.com/"><{OPERATION}Result>'
        f"<OutstandingDebtorItems>{listed}</OutstandingDebtorItems>"
        f"</{OPERATION}Result></{OPERATION}Response>"
    )


def test_an_open_item_whose_amount_cannot_be_read_never_makes_its_invoice_paid(
    yuki, yuki_integration, acme, alice
):
    customer = CustomerFactory(company=acme)
    unreadable, absurd, unpaid = (
        make_booked_invoice(acme, number=f"2026-000{n}", customer=customer) for n in (1, 2, 3)
    )
    sync(acme, alice)
    reply = open_items_reply(
        ("2026-0001", "n/a"), ("2026-0002", "99999999999999.00"), ("2026-0003", "295.00")
    )
    yuki.fail_next("POST", OPERATION, status=200, body=reply)

    payments.refresh_payments(yuki_integration, connector_of(yuki_integration))

    assert status_of(unreadable) == (Status.UNKNOWN, None)
    assert status_of(absurd) == (Status.UNKNOWN, None)
    assert status_of(unpaid) == (Status.OPEN, Decimal("295.00"))
    yuki.fail_next("POST", OPERATION, status=200, body=reply)
    some = connector_of(yuki_integration).read_payments(["2026-0001", "2026-0003"])
    assert some.unreadable == {"2026-0001"}
