"""What the sync promises whatever the data and whatever the tool already holds, over real HTTP
against the simulators: a bad value fails its invoice only, nothing is linked to a booking that
is not provably the invoice, and a credit note never reaches the books before its invoice."""

from __future__ import annotations

import threading

import pytest

from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import ExternalRecord, SyncIssue, SyncRun
from bookkeeping.proof import CONFLICT_CODE
from bookkeeping.reporting import CREDITED_INVOICE_MISSING
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from invoicing.models import Customer, Invoice, InvoiceLine
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

CONTROL = "\x01"


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


def stored_strings(sim) -> list[str]:
    """Every text the simulator keeps: customers, bookings and their lines."""
    found: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            found.append(value)
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(key)
                walk(item)
        elif isinstance(value, list | tuple | set):
            for item in value:
                walk(item)

    for name in ("tables", "relations", "store", "contacts", "invoices"):
        walk(getattr(sim, name, None))
    return found


def book_credit_note(invoice: Invoice, *, number: str, amount: str) -> Invoice:
    """A booked credit note of `amount` (21 % VAT) crediting `invoice`."""
    credit_note = make_booked_invoice(
        invoice.company,
        number=number,
        customer=invoice.customer,
        kind=Invoice.Kind.CREDIT_NOTE,
        lines=[("1", amount, "21", "")],
    )
    Invoice.objects.filter(pk=credit_note.pk).update(credited_invoice=invoice)
    return credit_note


def sync(company, user):
    return sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)


# A bad value fails its own invoice only ---------------------------------------------------


def test_control_characters_of_imported_data_are_removed_and_the_invoice_syncs(tool, acme, alice):
    key, sim, integration = tool
    customer = CustomerFactory(company=acme)
    invoice = make_booked_invoice(acme, number="2026-0001", customer=customer)
    # As an import would write them, around the forms.
    Customer.objects.filter(pk=customer.pk).update(
        name=f"Caf{CONTROL}é Zoë\x0b BV", city=f"Gent{CONTROL}", address=f"Kerkstraat{CONTROL} 1"
    )
    InvoiceLine.objects.filter(invoice=invoice).update(description=f"Advies{CONTROL}\x1f uren")

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert len(sim.bookings("2026-0001")) == 1
    texts = stored_strings(sim)
    assert not [text for text in texts if CONTROL in text or "\x0b" in text or "\x1f" in text]
    assert "Café Zoë BV" in texts


def test_an_imported_invoice_no_tool_can_take_fails_alone_naming_the_field(tool, acme, alice):
    key, sim, integration = tool
    good = make_booked_invoice(acme, number="2026-0001")
    without_lines = make_booked_invoice(acme, number="2026-0002")
    without_customer = make_booked_invoice(acme, number="2026-0003")
    InvoiceLine.objects.filter(invoice=without_lines).delete()
    Invoice.objects.filter(pk=without_customer.pk).update(customer=None)
    later = make_booked_invoice(acme, number="2026-0004")

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.PARTIALLY_FAILED
    assert (run.invoices_booked, run.invoices_failed) == (2, 2)
    assert len(sim.bookings(good.number)) == 1
    assert len(sim.bookings(later.number)) == 1
    issues = {issue.invoice_id: issue for issue in SyncIssue.objects.filter(run=run)}
    label = integration.tool_label
    assert str(issues[without_lines.pk].message) == (
        f"Invoice 2026-0002 cannot be sent to {label}: the lines is not usable "
        "(the invoice has none)."
    )
    assert str(issues[without_customer.pk].message).startswith(
        f"Invoice 2026-0003 cannot be sent to {label}: the customer is not usable"
    )
    assert "Correct the customer in Booksync" in str(issues[without_customer.pk].hint)
    assert sim.bookings("2026-0002") == sim.bookings("2026-0003") == []


# Nothing is linked without proof ---------------------------------------------------------------


def book_foreign_entry(integration, company, *, number: str):
    """A booking under `number` for another customer and another total, as an entry keyed by
    hand or sent by another application to the same books."""
    connector = get_connector(integration)
    stranger = CustomerFactory(company=company, name="Someone Else NV")
    other = make_booked_invoice(
        company, number=number, customer=stranger, lines=[("1", "10.00", "21", "")]
    )
    ref = connector.push_customer(stranger)
    [result] = connector.push_invoices([other], customer_refs={stranger.pk: ref})
    assert result.ok, result.error
    return result.ref


def test_a_booking_under_the_number_that_is_not_this_invoice_is_never_linked(
    tool, acme, globex, alice
):
    key, sim, integration = tool
    foreign = book_foreign_entry(integration, globex, number="2026-0001")
    invoice = make_booked_invoice(acme, number="2026-0001")
    # The intent of an earlier push was written, then the worker died before the call.
    ExternalRecord.objects.create(
        integration=integration, invoice=invoice, kind=ExternalRecord.Kind.INVOICE
    )

    run = sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.FAILED
    assert invoice.booking_number == ""
    assert len(sim.bookings("2026-0001")) == 1  # the foreign one, nothing added
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert issue.code == CONFLICT_CODE
    assert f"already holds booking {foreign.number} under its reference 2026-0001" in str(
        issue.message
    )
    assert "its total is" in str(issue.message)
    # The booking belongs to another company's customer: the message never names them.
    assert "Someone Else" not in str(issue.message)
    record = ExternalRecord.objects.get(integration=integration, invoice=invoice)
    assert record.state == ExternalRecord.State.CONFLICT

    sim.reset_calls()
    again = sync(acme, alice)

    assert sim.write_calls == 0
    assert len(sim.bookings("2026-0001")) == 1
    assert again.invoices_failed == 1


def test_a_yuki_duplicate_answer_for_another_document_is_not_taken_as_booked(
    yuki, yuki_integration, acme, globex, alice
):
    foreign = book_foreign_entry(yuki_integration, globex, number="2026-0001")
    invoice = make_booked_invoice(acme, number="2026-0001")

    run = sync(acme, alice)

    invoice.refresh_from_db()
    assert invoice.booking_number == ""
    assert invoice.sync_state == Invoice.SyncState.FAILED
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert issue.code == CONFLICT_CODE
    assert foreign.number in str(issue.message)
    assert len(yuki.bookings("2026-0001")) == 1


def test_a_credit_note_and_its_invoice_both_reach_yuki_with_digits_only_references(
    yuki, yuki_integration, acme, alice
):
    yuki_integration.credentials = {**yuki_integration.credentials, "digits_only_reference": True}
    yuki_integration.save(update_fields=["credentials"])
    customer = CustomerFactory(company=acme)
    invoice = make_booked_invoice(acme, number="2027-0001", customer=customer)
    credit_note = book_credit_note(invoice, number="CN-2027-0001", amount="50.00")

    run = sync(acme, alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    invoice.refresh_from_db()
    credit_note.refresh_from_db()
    [invoice_booking] = yuki.bookings("20270001")
    [credit_booking] = yuki.bookings("920270001")
    assert invoice.booking_number == invoice_booking["documentid"]
    assert credit_note.booking_number == credit_booking["documentid"]
    assert credit_booking["originalamount"] < 0 < invoice_booking["originalamount"]


# A credit note follows its invoice -------------------------------------------------------------


def test_a_credit_note_waits_until_the_invoice_it_credits_is_in_the_tool(tool, acme, alice):
    key, sim, integration = tool
    customer = CustomerFactory(company=acme)
    invoice = make_booked_invoice(
        acme, number="2026-0001", customer=customer, lines=[("1", "100.00", "12", "")]
    )
    credit_note = book_credit_note(invoice, number="CN-2026-0001", amount="40.00")
    mapping = dict(integration.vat_mapping)
    twelve = mapping.pop("12.00")  # the invoice is refused: its VAT rate has no code
    integration.vat_mapping = mapping
    integration.save(update_fields=["vat_mapping"])

    run = sync(acme, alice)

    assert sim.bookings("CN-2026-0001") == sim.bookings("2026-0001") == []
    issue = SyncIssue.objects.get(run=run, invoice=credit_note)
    assert str(issue.message) == CREDITED_INVOICE_MISSING % {
        "number": "CN-2026-0001",
        "credited": "2026-0001",
        "label": integration.tool_label,
    }
    assert "Fix invoice 2026-0001 first" in str(issue.hint)

    integration.vat_mapping = {**mapping, "12.00": twelve}
    integration.save(update_fields=["vat_mapping"])
    retry = sync(acme, alice)

    assert retry.status == SyncRun.Status.SUCCEEDED, str(retry.summary)
    assert len(sim.bookings("2026-0001")) == 1
    assert len(sim.bookings("CN-2026-0001")) == 1


# A run that was taken over stops ---------------------------------------------------------------

# The call that books an invoice, per tool, for a gate of the simulator.
BOOKING_CALL = {
    "exact_online": ("POST", "salesentry/SalesEntries"),
    "octopus": ("POST", "buysellbookings$"),
    "yuki": ("POST", "ProcessSalesInvoices"),
}


@pytest.mark.django_db(transaction=True)
def test_a_run_taken_over_while_it_waited_on_the_tool_stops_before_its_next_call(tool, acme, alice):
    key, sim, integration = tool
    customer = CustomerFactory(company=acme)
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in range(1, 7)
    ]
    method, path = BOOKING_CALL[key]
    gate = sim.hold(method, path, after=0 if key == "yuki" else 2)
    first: dict[str, SyncRun] = {}
    worker = threading.Thread(target=lambda: first.update(run=sync(acme, alice)))
    worker.start()
    gate.wait_until_held()
    # Presumed dead while it waited on the tool: the next claim closes it and takes over.
    paused = SyncRun.objects.get(company=acme, status=SyncRun.Status.RUNNING)
    SyncRun.objects.filter(pk=paused.pk).update(status=SyncRun.Status.FAILED)
    gate.drop()  # its call never reached the tool
    worker.join(timeout=60)
    assert not worker.is_alive()
    writes_of_the_paused_run = sim.write_calls

    taking_over = sync(acme, alice)

    assert taking_over.status == SyncRun.Status.SUCCEEDED, str(taking_over.summary)
    paused.refresh_from_db()
    assert paused.status == SyncRun.Status.FAILED  # not finished again by the paused worker
    assert first["run"].pk == paused.pk
    for invoice in invoices:
        assert len(sim.bookings(invoice.number)) == 1, invoice.number
    assert sim.write_calls > writes_of_the_paused_run
