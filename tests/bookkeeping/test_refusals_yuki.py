"""Every refusal Yuki is known to give reaches the user with its own meaning, fix and link.

Each entry of bookkeeping/connectors/yuki/refusals.py is answered by the simulator for one invoice
of a batch of three, in English and in Dutch, while the other two book.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookkeeping.connectors.errors import CONNECTION, REVENUE_ACCOUNT, Fix
from bookkeeping.connectors.yuki.refusals import DEFAULT_HINT, REFUSALS, VAT_ROW, explain
from bookkeeping.forms import vat_field_name
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.sync import sync_company
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

CASES = [
    pytest.param(refusal, example, id=f"{refusal.key}-{language}")
    for refusal in REFUSALS
    for language, example in zip(("en", "nl"), refusal.examples, strict=True)
]


def three_invoices(acme):
    customer = CustomerFactory(company=acme, name="Ferris Bakery", code="C0042")
    return [make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in (1, 2, 3)]


def expected_link(refusal, invoice) -> str:
    """Where the entry's place is, written out: the settings row, the customer, the invoice."""
    settings = reverse("bookkeeping:settings")
    if refusal.field == CONNECTION:
        return f"{settings}#step-connect"
    if refusal.field == REVENUE_ACCOUNT:
        return f"{settings}#id_default_revenue_account"
    if refusal.field == VAT_ROW:
        rate = f"{invoice.lines.first().vat_rate:.2f}"
        return f"{settings}#id_{vat_field_name(rate)}"
    if refusal.place == Fix.CUSTOMER:
        return invoice.customer.get_absolute_url()
    return invoice.get_absolute_url()


def test_every_entry_has_a_source_a_meaning_a_fix_and_an_english_and_a_dutch_wording():
    assert len({refusal.key for refusal in REFUSALS}) == len(REFUSALS)
    for refusal in REFUSALS:
        assert all((refusal.source, refusal.meaning, refusal.fix))
        assert len(refusal.examples) == 2
        for example in refusal.examples:  # the table's order lets each wording reach its entry
            assert explain(example) is refusal
        if refusal.place != Fix.SETTINGS:
            assert not refusal.field


@pytest.mark.parametrize(("refusal", "example"), CASES)
def test_a_known_refusal_of_one_invoice_gets_its_own_fix_and_link(
    refusal, example, yuki, yuki_integration, acme, alice
):
    first, refused, third = three_invoices(acme)
    words = example.format(ref=refused.number, account="8999", vat="99")
    yuki.refuse_next_invoice(refused.number, words)

    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert yuki.bookings(first.number)
    assert yuki.bookings(third.number)
    assert yuki.bookings(refused.number) == []
    issue = SyncIssue.objects.get(invoice=refused)
    assert words in str(issue.message)
    assert refusal.meaning in str(issue.message)
    assert str(issue.hint) == refusal.fix
    assert issue.fix == refusal.place
    assert issue.link == expected_link(refusal, refused)
    assert not SyncIssue.objects.filter(invoice__in=[first, third]).exists()


def test_an_administration_that_takes_digits_only_points_at_the_digits_only_option(
    yuki, yuki_integration, acme, alice
):
    yuki.digits_only_references = True
    invoices = three_invoices(acme)

    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert yuki.booking_count() == 0
    issues = SyncIssue.objects.filter(invoice__in=invoices)
    assert issues.count() == 3
    for issue in issues:
        assert "only digits are allowed" in str(issue.message)
        assert "Send only the digits of the invoice number" in str(issue.hint)
        assert "step 2 (Connect Yuki)" in str(issue.hint)
        assert issue.link == f"{reverse('bookkeeping:settings')}#step-connect"

    # The fix the hint names passes: with the option on, the same invoices book.
    yuki_integration.refresh_from_db()
    yuki_integration.credentials = {**yuki_integration.credentials, "digits_only_reference": True}
    yuki_integration.save(update_fields=["credentials"])
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert [len(yuki.bookings(f"2026000{n}")) for n in (1, 2, 3)] == [1, 1, 1]


def test_an_unknown_refusal_keeps_yukis_words_and_says_what_to_send_to_support(
    yuki, yuki_integration, acme, alice
):
    first, refused, third = three_invoices(acme)
    words = "Er is een onbekende fout opgetreden (code 4711)."
    yuki.refuse_next_invoice(refused.number, words)

    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert yuki.bookings(first.number)
    assert yuki.bookings(third.number)
    issue = SyncIssue.objects.get(invoice=refused)
    assert words in str(issue.message)
    assert str(issue.hint) == DEFAULT_HINT
    assert all(part in str(issue.hint) for part in ("exact words", "invoice number", "time"))
    assert issue.link == refused.get_absolute_url()


CUSTOMER_CASES = [case for case in CASES if case.values[0].place == Fix.CUSTOMER]


@pytest.mark.parametrize(("refusal", "example"), CUSTOMER_CASES)
def test_a_known_refusal_of_one_customer_gets_its_own_fix_and_the_customers_link(
    refusal, example, yuki, yuki_integration, acme, alice
):
    customers = [
        CustomerFactory(company=acme, name=f"Customer {n}", code=f"C000{n}") for n in (1, 2, 3)
    ]
    invoices = [
        make_booked_invoice(acme, number=f"2026-000{n}", customer=customer)
        for n, customer in enumerate(customers, start=1)
    ]
    refused = customers[1]
    words = example.format(ref=invoices[1].number, account="8999", vat="99")
    yuki.refuse_next_contact(refused.code, words)

    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert yuki.bookings(invoices[0].number)
    assert yuki.bookings(invoices[2].number)
    assert yuki.bookings(invoices[1].number) == []
    issue = SyncIssue.objects.filter(customer=refused).first() or SyncIssue.objects.get(
        invoice=invoices[1]
    )
    assert words in str(issue.message)
    assert refusal.meaning in str(issue.message)
    assert str(issue.hint) == refusal.fix
    assert issue.link == refused.get_absolute_url()


def test_the_digits_only_option_is_ticked_on_the_settings_page_where_the_fix_sends_you(
    yuki, yuki_integration, alice_client
):
    page = alice_client.get("/bookkeeping/settings/").content.decode()
    assert 'type="checkbox" name="digits_only_reference"' in page
    assert "Send only the digits of the invoice number" in page

    alice_client.post(
        "/bookkeeping/settings/connect/",
        {"access_key": yuki_integration.credentials["access_key"], "digits_only_reference": "on"},
    )

    yuki_integration.refresh_from_db()
    assert yuki_integration.credentials["digits_only_reference"] is True
