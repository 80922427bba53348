"""The simulators' gate: a test holds a tool's write inside the simulator until it releases it,
to see an intermediate state without depending on timing. Run on all three tools."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from django.db import connection

from bookkeeping.connectors.registry import get_connector
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db(transaction=True)

# The call that books an invoice in each tool: (method, path pattern or operation name).
WRITE = {
    "exact_online": ("POST", r"/salesentry/SalesEntries$"),
    "octopus": ("POST", r"/buysellbookings$"),
    "yuki": ("POST", "ProcessSalesInvoices"),
}
# A request the gate of WRITE lets through, with the path it is sent to (raw HTTP).
WRITE_PATH = {
    "exact_online": "/api/v1/{division}/salesentry/SalesEntries",
    "octopus": "/octopus-rest-api/v1/dossiers/{division}/buysellbookings",
    "yuki": "/ws/Sales.asmx",
}
TIMEOUT = 30


@pytest.fixture(params=list(TOOLS))
def tool(request, acme):
    """(key, simulator, connector) of one tool, connected for Acme."""
    key = request.param
    sim = request.getfixturevalue(key)
    integration = request.getfixturevalue(f"{key}_integration")
    return key, sim, get_connector(integration)


def booked_invoice(acme, connector, number: str) -> tuple[Invoice, Any]:
    """A booked invoice loaded with its lines, and its customer already in the tool."""
    invoice = make_booked_invoice(acme, number=number, customer=CustomerFactory(company=acme))
    invoice = (
        Invoice.objects.select_related("customer").prefetch_related("lines").get(pk=invoice.pk)
    )
    ref = connector.find_customer(invoice.customer) or connector.push_customer(invoice.customer)
    return invoice, ref


def in_thread(target, *args) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = target(*args)
        except BaseException as exc:  # asserted by the test
            outcome["error"] = exc
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def raw_write(key: str, sim) -> requests.Response:
    """The tool's write call without credentials: refused by the tool, but it meets the gate."""
    url = sim.url + WRITE_PATH[key].format(division=1)
    headers = {"SOAPAction": "http://www.theyukicompany.com/ProcessSalesInvoices"}
    body = (
        '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/">'
        '<soap:Body><ProcessSalesInvoices xmlns="http://www.theyukicompany.com/"/></soap:Body>'
        "</soap:Envelope>"
    )
    return requests.post(url, data=body, headers=headers, timeout=TIMEOUT)


def test_a_held_write_blocks_until_released_while_other_requests_are_answered(tool, acme):
    key, sim, connector = tool
    method, pattern = WRITE[key]
    invoice, ref = booked_invoice(acme, connector, "2026-0001")

    with sim.hold(method, pattern) as gate:
        pusher, outcome = in_thread(
            lambda: connector.push_invoices([invoice], customer_refs={invoice.customer_id: ref})
        )
        gate.wait_until_held(TIMEOUT)

        # The write is in the simulator, not carried out, and its caller is still waiting ...
        assert sim.booking_count() == 0
        assert pusher.is_alive()
        # ... while another connection is answered: the server is threaded.
        other = get_connector(connector.integration)
        assert other.find_invoice(invoice) is None
        assert other.find_customer(invoice.customer) is not None
        assert pusher.is_alive()
        assert gate.held == 1

        gate.release()
        pusher.join(TIMEOUT)

    assert not pusher.is_alive()
    assert "error" not in outcome, outcome.get("error")
    [result] = outcome["value"]
    assert result.ok, result.error
    assert gate.passed == 1
    assert gate.held == 0
    assert sim.booking_count() == 1
    assert other.find_invoice(invoice).number == result.ref.number


def test_the_first_requests_pass_and_the_next_one_is_held(tool, acme):
    key, sim, connector = tool
    method, pattern = WRITE[key]
    first, ref = booked_invoice(acme, connector, "2026-0001")
    second = Invoice.objects.prefetch_related("lines").get(
        pk=make_booked_invoice(acme, number="2026-0002", customer=first.customer).pk
    )

    gate = sim.hold(method, pattern, after=1)
    [booked] = connector.push_invoices([first], customer_refs={first.customer_id: ref})
    assert booked.ok, booked.error
    assert sim.booking_count() == 1
    assert gate.held == 0

    pusher, outcome = in_thread(
        lambda: connector.push_invoices([second], customer_refs={second.customer_id: ref})
    )
    gate.wait_until_held(TIMEOUT)
    assert sim.booking_count() == 1
    gate.release()
    gate.wait_until_passed(TIMEOUT)
    pusher.join(TIMEOUT)

    assert "error" not in outcome, outcome.get("error")
    assert [result.ok for result in outcome["value"]] == [True]
    assert sim.booking_count() == 2
    assert gate.seen == 2


def test_reset_drops_a_held_request_without_carrying_it_out(tool):
    key, sim, _ = tool
    method, pattern = WRITE[key]
    gate = sim.hold(method, pattern)
    caller, outcome = in_thread(raw_write, key, sim)
    gate.wait_until_held(TIMEOUT)

    sim.reset()
    caller.join(TIMEOUT)

    assert not caller.is_alive()
    assert isinstance(outcome.get("error"), requests.ConnectionError)
    assert gate.state == "dropped"
    assert gate.passed == 0
    assert sim.gates == []
    assert sim.booking_count() == 0
    assert raw_write(key, sim).status_code < 600  # later calls are answered again


def test_waiting_for_a_hold_that_never_comes_times_out(tool):
    _, sim, _ = tool
    gate = sim.hold("DELETE", "nothing-matches-this")

    with pytest.raises(TimeoutError, match="held"):
        gate.wait_until_held(0.05)
    sim.drop_holds()
    assert sim.gates == []
