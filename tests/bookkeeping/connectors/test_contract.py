"""The contract every connector keeps, run over real HTTP against each tool's simulator.

A new tool gets this suite for free: add its key to the registry and its fixtures.
"""

from __future__ import annotations

import pytest

from bookkeeping.connectors.base import (
    AuthError,
    InvoiceRejected,
    RateLimited,
    TransientError,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

UNKNOWN_ACCOUNT = "999999"


@pytest.fixture(params=list(TOOLS))
def tool(request):
    """(connector, simulator) of one tool, connected for Acme."""
    key = request.param
    sim = request.getfixturevalue(key)
    integration = request.getfixturevalue(f"{key}_integration")
    return get_connector(integration), sim


def push_one(connector, invoice):
    customer_ref = connector.find_customer(invoice.customer) or connector.push_customer(
        invoice.customer
    )
    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})
    return result


def test_it_finds_a_customer_only_after_it_was_pushed(tool, acme):
    connector, sim = tool
    customer = CustomerFactory(company=acme, name="Ferris Bakery", vat_number="BE0403170701")

    assert connector.find_customer(customer) is None
    created = connector.push_customer(customer)
    found = connector.find_customer(customer)

    assert found is not None
    assert found.remote_id == created.remote_id
    assert sim.customer_count() == 1


def test_it_books_an_invoice_and_finds_it_back_with_the_same_booking_number(tool, acme):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0001")

    assert connector.find_invoice(invoice) is None
    result = push_one(connector, invoice)
    found = connector.find_invoice(invoice)

    assert result.ok, result.error
    assert result.ref.number
    assert found is not None
    assert found.number == result.ref.number
    assert len(sim.bookings("2026-0001")) == 1


def test_a_second_sync_of_the_same_invoice_books_nothing_new(tool, acme, alice):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0002")
    first = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    invoice.refresh_from_db()
    booking_number = invoice.booking_number
    # Undo the save of the first sync, as a worker that died right after the tool's answer
    # leaves it: the intent is recorded, the booking is not. The second sync takes it again.
    ExternalRecord.objects.filter(invoice=invoice).update(
        state=ExternalRecord.State.PUSHING, remote_id="", remote_number=""
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number="", sync_state=Invoice.SyncState.NOT_SYNCED
    )
    writes_before = sim.write_calls

    second = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    invoice.refresh_from_db()
    assert first.invoices_booked == 1, str(first.summary)
    assert second.total == 1, str(second.summary)  # the invoice went through the sync again
    assert second.status == SyncRun.Status.SUCCEEDED, str(second.summary)
    assert booking_number
    assert invoice.booking_number == booking_number
    assert sim.write_calls == writes_before, [call for call in sim.calls if call.write]
    assert len(sim.bookings("2026-0002")) == 1


def test_it_renews_access_when_the_token_expired(tool, acme):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0003")
    assert connector.find_invoice(invoice) is None

    sim.expire_tokens()

    assert push_one(connector, invoice).ok
    assert len(sim.bookings("2026-0003")) == 1


def test_it_raises_auth_error_when_access_is_revoked(tool, acme):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0004")
    sim.revoke()
    sim.expire_tokens()

    with pytest.raises(AuthError) as excinfo:
        connector.find_invoice(invoice)

    assert str(excinfo.value.hint)


def test_it_raises_rate_limited_with_the_wait_when_the_tool_says_429(tool, acme):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0005")
    customer_ref = connector.push_customer(invoice.customer)
    sim.fail_next(kind="429", times=20)

    with pytest.raises(RateLimited) as excinfo:
        connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert excinfo.value.retry_after > 0
    assert sim.bookings("2026-0005") == []


@pytest.mark.parametrize("kind", ["500", "503", "reset"])
def test_it_raises_transient_error_after_bounded_retries(tool, acme, settings, kind):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0006")
    connector.find_invoice(invoice)  # authenticated and warmed up
    sim.reset_calls()
    sim.fail_next(kind=kind, times=100)

    with pytest.raises(TransientError):
        connector.find_invoice(invoice)

    assert 1 < len(sim.calls) <= settings.TOOL_HTTP_RETRIES + 1


def test_it_raises_transient_error_when_the_tool_does_not_answer_in_time(tool, acme, settings):
    connector, sim = tool
    invoice = make_booked_invoice(acme, number="2026-0007")
    connector.find_invoice(invoice)
    settings.TOOL_HTTP_TIMEOUT = (1.0, 0.3)
    connector = get_connector(connector.integration)
    sim.timeout_seconds = 1.0
    sim.fail_next(kind="timeout", times=100)

    with pytest.raises(TransientError):
        connector.find_invoice(invoice)


def test_it_rejects_one_invoice_with_the_tools_message_and_a_hint(tool, acme):
    connector, sim = tool
    good = make_booked_invoice(acme, number="2026-0008")
    bad = make_booked_invoice(
        acme, number="2026-0009", lines=[("1", "100.00", "21", UNKNOWN_ACCOUNT)]
    )
    customer_refs = {}
    for invoice in (good, bad):
        customer_refs[invoice.customer_id] = connector.push_customer(invoice.customer)

    results = []
    for batch in ([good, bad],) if connector.max_batch > 1 else ([good], [bad]):
        results += connector.push_invoices(batch, customer_refs=customer_refs)

    assert results[0].ok
    assert not results[1].ok
    assert isinstance(results[1].error, InvoiceRejected)
    assert "2026-0009" in str(results[1].error.message)
    assert str(results[1].error.hint)
    assert sim.bookings("2026-0009") == []
    assert len(sim.bookings("2026-0008")) == 1
