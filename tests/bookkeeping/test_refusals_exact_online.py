"""Every documented Exact Online refusal reaches the user with its own meaning, fix and link:
the simulator answers it (Exact's error body and status) for one customer or invoice of a sync of
three, the others book."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from bookkeeping.connectors.base import CREDIT_NOTE_JOURNAL, SALES_JOURNAL, Fix
from bookkeeping.connectors.exact_online.refusals import (
    CUSTOMER_REFUSALS,
    DEFAULT_HINT,
    ENTRY_REFUSALS,
    JOURNAL,
    VAT,
    Refusal,
    find_refusal,
)
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.reporting import setting_anchor
from bookkeeping.simulators.exact_online import data
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

DIVISION = f"/api/v1/{data.DEMO_DIVISION}"


def cases(table: tuple[Refusal, ...]) -> list:
    """One case per pattern (English and Dutch) of every entry of the table."""
    return [
        pytest.param(refusal, pattern, id=f"{pattern}")
        for refusal in table
        for pattern in refusal.patterns
    ]


def exact_error(text: str) -> str:
    return json.dumps({"error": {"code": "", "message": {"lang": "", "value": text}}})


def three_invoices(acme, *, kind=Invoice.Kind.INVOICE) -> list[Invoice]:
    return [
        make_booked_invoice(
            acme, number=f"2026-{n:04d}", customer=CustomerFactory(company=acme), kind=kind
        )
        for n in (1, 2, 3)
    ]


def expected_link(refusal: Refusal, invoice: Invoice | None, customer=None) -> str:
    if refusal.place == Fix.SETTINGS:
        field = refusal.field
        if field == JOURNAL:
            field = CREDIT_NOTE_JOURNAL if invoice.kind == "credit_note" else SALES_JOURNAL
        elif field == VAT:
            field = f"vat-{invoice.lines.first().vat_rate:.2f}"
        return f"{reverse('bookkeeping:settings')}#{setting_anchor(field)}"
    if refusal.place == Fix.CUSTOMER or invoice is None:
        return (customer or invoice.customer).get_absolute_url()
    return invoice.get_absolute_url()


def test_every_pattern_finds_its_own_entry_first():
    """No pattern is shadowed by an earlier entry of its table (the first match wins)."""
    for table in (CUSTOMER_REFUSALS, ENTRY_REFUSALS):
        for refusal in table:
            assert refusal.source
            for pattern in refusal.patterns:
                assert find_refusal(f"Error: {pattern} []", table) is refusal, pattern


def test_a_customer_refusal_and_an_entry_refusal_with_the_same_words_have_their_own_fix():
    text = "Gegeven bestaat reeds."
    customer, entry = find_refusal(text, CUSTOMER_REFUSALS), find_refusal(text, ENTRY_REFUSALS)
    assert customer.place == Fix.CUSTOMER
    assert entry.place == Fix.TOOL
    assert customer.fix != entry.fix


@pytest.mark.parametrize(("refusal", "pattern"), cases(ENTRY_REFUSALS))
def test_a_refused_sales_entry_gets_its_meaning_fix_and_link(
    refusal, pattern, exact_online, exact_online_integration, acme, alice
):
    invoices = three_invoices(acme)
    text = f"{pattern} [2026-0001]"
    exact_online.fail_next(
        "POST", f"{DIVISION}/salesentry/SalesEntries", status=500, body=exact_error(text)
    )

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.invoices_booked == 2
    assert exact_online.booking_count() == 2
    issue = SyncIssue.objects.get(run=run)
    refused = issue.invoice
    assert refused in invoices
    assert text in str(issue.message)
    assert refusal.meaning in str(issue.message)
    assert str(issue.hint) == refusal.fix
    assert issue.fix == refusal.place
    assert issue.link == expected_link(refusal, refused)
    assert (issue.kind == SyncIssue.Kind.CLOSED_PERIOD) == refusal.closed_period


def test_a_credit_notes_journal_refusal_links_to_the_credit_note_journal(
    exact_online, exact_online_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0009", kind=Invoice.Kind.CREDIT_NOTE)
    exact_online.fail_next(
        "POST",
        f"{DIVISION}/salesentry/SalesEntries",
        status=500,
        body=exact_error("Invalid: Journal (type)."),
    )

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert issue.link.endswith(f"#{setting_anchor(CREDIT_NOTE_JOURNAL)}")


@pytest.mark.parametrize(("refusal", "pattern"), cases(CUSTOMER_REFUSALS))
def test_a_refused_customer_gets_its_meaning_fix_and_link(
    refusal, pattern, exact_online, exact_online_integration, acme, alice
):
    invoices = three_invoices(acme)
    text = f"{pattern} [x]"
    exact_online.fail_next("POST", f"{DIVISION}/crm/Accounts", status=500, body=exact_error(text))

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.invoices_booked == 2
    assert exact_online.booking_count() == 2
    issue = SyncIssue.objects.get(run=run, customer__isnull=False)
    assert issue.customer in {invoice.customer for invoice in invoices}
    assert text in str(issue.message)
    assert refusal.meaning in str(issue.message)
    assert str(issue.hint) == refusal.fix
    assert issue.fix == refusal.place
    assert issue.link == expected_link(refusal, None, issue.customer)


@pytest.mark.parametrize(
    ("path", "status"),
    [("salesentry/SalesEntries", 500), ("salesentry/SalesEntries", 400), ("crm/Accounts", 500)],
)
def test_an_undocumented_refusal_gets_the_default_hint_with_exacts_words(
    path, status, exact_online, exact_online_integration, acme, alice
):
    three_invoices(acme)
    text = "Iets onverwachts: Veld X (Y)."
    exact_online.fail_next("POST", f"{DIVISION}/{path}", status=status, body=exact_error(text))

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.invoices_booked == 2
    issue = SyncIssue.objects.filter(run=run, code=text).get()
    assert text in str(issue.message)
    assert str(issue.hint) == DEFAULT_HINT
    record = issue.invoice or issue.customer
    assert issue.link == record.get_absolute_url()


def test_a_customer_gone_from_exact_online_is_created_again_by_the_retry(
    exact_online, exact_online_integration, acme, alice
):
    customer = CustomerFactory(company=acme, name="Brouwerij De Klok")
    first = make_booked_invoice(acme, number="2026-0001", customer=customer)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    later = make_booked_invoice(acme, number="2026-0002", customer=customer)
    division = data.DEMO_DIVISION
    with exact_online.lock:  # someone deleted the relation in Exact Online
        accounts = exact_online.tables[division]["crm/Accounts"]
        accounts[:] = [row for row in accounts if row.get("Name") != "Brouwerij De Klok"]

    refused = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    issue = SyncIssue.objects.get(run=refused, invoice=later)
    assert "Not found: Customer" in str(issue.message)
    assert str(issue.hint).startswith("Retry the invoice: Booksync creates the customer")
    retried = sync_company(acme, trigger=SyncRun.Trigger.RETRY, user=alice, invoice_ids=[later.pk])

    assert retried.status == SyncRun.Status.SUCCEEDED, str(retried.summary)
    assert retried.customers_created == 1
    assert len(exact_online.bookings("2026-0002")) == 1
    first.refresh_from_db()
    assert first.booking_number
