"""Before booking: the posting each tool will receive, the problems it would refuse, Book refusing
them (a company admin may book anyway, listed "not ready"), and the cached reference data.

Every tool's simulator runs over HTTP; nothing is mocked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bookkeeping.models import Integration, SyncIssue, SyncRun
from bookkeeping.sync import sync_company
from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

TOOLS = ["exact_online", "octopus", "yuki"]


@pytest.fixture(params=TOOLS)
def tool(request):
    """(simulator, integration) of each tool in turn."""
    integration = request.getfixturevalue(f"{request.param}_integration")
    return request.getfixturevalue(request.param), integration


def draft(
    company,
    *,
    rates=("21", "6"),
    date=dt.date(2026, 11, 2),
    vat_number="",
    treatments=(),
    name="Garage Lenaerts",
):
    """A draft of two lines of 100.00 (or one per rate); `treatments` give the lines theirs."""
    customer = CustomerFactory(company=company, name=name, vat_number=vat_number)
    treatments = list(treatments) or [""] * len(rates)
    lines = [
        services.LineData(
            f"Line at {rate}%",
            Decimal("1"),
            Decimal("100.00"),
            Decimal(rate),
            vat_treatment=treatment,
        )
        for rate, treatment in zip(rates, treatments, strict=True)
    ]
    data = services.InvoiceData(customer=customer, invoice_date=date)
    return services.create_invoice(company, data=data, lines=lines)


def page(client, invoice) -> str:
    return client.get(f"/invoices/{invoice.pk}/").content.decode()


def book(client, invoice, **extra):
    return client.post(f"/invoices/{invoice.pk}/book/", extra, follow=True).content.decode()


# The preview ------------------------------------------------------------------------------------


def test_the_preview_shows_journal_account_and_vat_code_per_line(tool, alice_client, acme):
    _sim, integration = tool
    invoice = draft(acme)
    html = page(alice_client, invoice)
    assert f"Before booking: what {integration.tool_label} will receive" in html
    assert 'id="readiness-ok"' in html
    assert integration.sales_journal in html.split('id="preview-journal"')[1][:200]
    rows = html.split('id="preview-lines"')[1].split("</table>")[0]
    for rate in ("21.00", "6.00"):
        assert f"<td>{integration.vat_mapping[rate]}" in rows
    assert rows.count(f"<td>{integration.default_revenue_account}") == 2
    assert "Assigned on booking: 2026-0001" in html
    assert "Garage Lenaerts: looked up in" in html
    assert "€227.00" in html


def test_the_preview_of_two_treatments_shows_each_its_own_vat_code(tool, alice_client, acme):
    _sim, integration = tool
    invoice = draft(acme, rates=("21", "0"), treatments=("standard", "exempt"))
    html = page(alice_client, invoice)
    assert 'id="readiness-ok"' in html
    rows = html.split('id="preview-lines"')[1].split("</table>")[0]
    assert f"<td>{integration.vat_mapping['21.00']}" in rows
    assert f"<td>{integration.vat_mapping['exempt']}" in rows


def test_an_unmapped_treatment_blocks_book_with_a_link_to_its_row_then_books_and_syncs(
    tool, alice_client, alice, acme
):
    sim, integration = tool
    exempt_code = integration.vat_mapping.pop("exempt")
    integration.save()
    invoice = draft(acme, rates=("21", "0"), treatments=("standard", "exempt"))
    html = page(alice_client, invoice)
    assert f"Exempt has no VAT code of {integration.tool_label}." in html
    assert 'href="/bookkeeping/settings/#id_vat_exempt"' in html
    assert "Not booked: 1 problem must be fixed first." in book(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.is_draft

    integration.vat_mapping["exempt"] = exempt_code
    integration.save()
    book(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.is_booked
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert len(sim.bookings(sim_reference(integration, invoice))) == 1


def test_a_customer_already_in_the_tool_is_named_with_its_number(tool, alice_client, alice, acme):
    _sim, integration = tool
    first = draft(acme)
    services.book_invoice(first, user=alice)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    second = draft(acme)
    Invoice.objects.filter(pk=second.pk).update(customer=first.customer)
    html = page(alice_client, Invoice.objects.get(pk=second.pk))
    assert f"Garage Lenaerts, in {integration.tool_label} as " in html
    assert "Assigned on booking: 2026-0002" in html


def test_the_octopus_preview_names_the_book_year_and_period(
    octopus_integration, alice_client, acme
):
    html = page(alice_client, draft(acme))
    assert "2026 / 202611" in html.split('id="preview-period"')[1][:100]


# Problems block Book ----------------------------------------------------------------------------


def test_an_unmapped_rate_blocks_book_with_a_link_to_the_mapping_then_books_and_syncs(
    tool, alice_client, alice, acme
):
    sim, integration = tool
    invoice = draft(acme, rates=("21", "9"))
    html = page(alice_client, invoice)
    assert f"VAT 9% has no VAT code of {integration.tool_label}." in html
    assert 'href="/bookkeeping/settings/#id_vat_9_00"' in html
    answer = book(alice_client, invoice)
    assert "Not booked: 1 problem must be fixed first." in answer
    invoice.refresh_from_db()
    assert invoice.is_draft

    integration.vat_mapping = {**integration.vat_mapping, "9.00": integration.vat_mapping["6.00"]}
    integration.save()
    assert 'id="readiness-ok"' in page(alice_client, invoice)
    answer = book(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.is_booked
    assert invoice.sync_state == Invoice.SyncState.NOT_SYNCED
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.booking_number
    assert len(sim.bookings(sim_reference(integration, invoice))) == 1


def sim_reference(integration, invoice):
    from bookkeeping.integrations import connector_for

    return connector_for(integration).reference(invoice)


def test_a_year_without_an_octopus_book_year_is_caught_before_booking(
    octopus_integration, alice_client, acme
):
    invoice = draft(acme, date=dt.date(2024, 6, 3))
    html = page(alice_client, invoice)
    assert "Octopus has no book year for 2024-06-03: the booking would be refused." in html
    assert f'href="/invoices/{invoice.pk}/edit/"' in html
    assert "Not booked" in book(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.is_draft


def test_a_closed_octopus_period_is_caught_after_a_refresh(
    octopus_integration, octopus, alice_client, acme
):
    invoice = draft(acme)
    assert 'id="readiness-ok"' in page(alice_client, invoice)
    octopus.close_period(202611)
    alice_client.post("/bookkeeping/reference/refresh/", {"next": f"/invoices/{invoice.pk}/"})
    html = page(alice_client, invoice)
    assert "Period 202611 is closed in Octopus journal V1." in html
    assert "Not booked" in book(alice_client, invoice)


def test_a_journal_missing_from_the_settings_is_caught_where_the_tool_needs_one(
    tool, alice_client, acme
):
    _sim, integration = tool
    Integration.objects.filter(pk=integration.pk).update(sales_journal="", credit_note_journal="")
    html = page(alice_client, draft(acme))
    if integration.tool == "exact_online":
        assert "No journal is chosen for this kind of invoice." in html
        assert 'href="/bookkeeping/settings/#id_sales_journal"' in html
    else:  # Octopus defaults to V1, Yuki books in the administration's own sales journal
        assert 'id="readiness-ok"' in html


def test_a_date_before_the_start_date_is_caught(tool, alice_client, acme):
    _sim, integration = tool
    integration.sync_from = dt.date(2026, 12, 1)
    integration.save()
    invoice = draft(acme)
    html = page(alice_client, invoice)
    assert "The invoice date 2026-11-02 is before the start date 2026-12-01" in html
    assert 'href="/bookkeeping/settings/#id_sync_from"' in html
    assert "Not booked" in book(alice_client, invoice)


def test_an_invalid_customer_vat_number_is_caught(yuki_integration, alice_client, acme):
    invoice = draft(acme, vat_number="BE0123456788")
    html = page(alice_client, invoice)
    assert "The VAT number BE0123456788 of Garage Lenaerts is not valid" in html
    assert f'href="/customers/{invoice.customer_id}/edit/"' in html


def test_a_currency_octopus_does_not_book_in_is_caught(octopus_integration, alice_client, acme):
    invoice = draft(acme)
    Invoice.objects.filter(pk=invoice.pk).update(currency="USD")
    html = page(alice_client, invoice)
    assert "Octopus books in EUR here, not in USD." in html


# Book anyway ------------------------------------------------------------------------------------


def test_an_admin_may_book_anyway_and_the_invoice_is_listed_not_ready(
    tool, alice_client, alice, acme
):
    _sim, integration = tool
    invoice = draft(acme, rates=("9",))
    assert "Book anyway (fix before the sync)" in page(alice_client, invoice)
    answer = book(alice_client, invoice, anyway="1")
    assert "but it is not ready" in answer
    invoice.refresh_from_db()
    assert invoice.is_booked
    assert invoice.sync_state == Invoice.SyncState.NOT_READY
    overview = alice_client.get("/invoices/?sync=not_ready").content.decode()
    assert invoice.number in overview
    assert "Not ready" in overview
    # Another customer (Yuki takes a contact of the same name for the same contact).
    other = services.book_invoice(draft(acme, name="Bakkerij Peeters"), user=None)
    assert other.number
    assert other.number not in alice_client.get("/invoices/?sync=not_ready").content.decode()

    # Fixed before the sync: the sync sends it like any other, and it is no longer "not ready".
    integration.vat_mapping = {**integration.vat_mapping, "9.00": integration.vat_mapping["6.00"]}
    integration.save()
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    assert invoice.booking_number
    assert invoice.number not in alice_client.get("/invoices/?sync=not_ready").content.decode()


def test_a_member_cannot_book_anyway(octopus_integration, bob_client, acme):
    invoice = draft(acme, rates=("9",))
    html = page(bob_client, invoice)
    assert "has no VAT code of Octopus" in html
    assert "Book anyway" not in html
    answer = book(bob_client, invoice, anyway="1")
    assert "Only a company admin can book an invoice that the bookkeeping tool would refuse." in (
        answer
    )
    invoice.refresh_from_db()
    assert invoice.is_draft


def test_book_asks_for_confirmation_in_the_browser(octopus_integration, alice_client, acme):
    html = page(alice_client, draft(acme))
    form = html.split('id="book-form"')[1].split(">")[0]
    assert "Book this invoice? Booking is final: it gets number 2026-0001" in form
    refused = page(alice_client, draft(acme, rates=("9",)))
    assert "data-confirm" not in refused.split('id="book-form"')[1].split(">")[0]


# Reference data cache ---------------------------------------------------------------------------


def test_a_second_page_view_costs_no_call_and_refresh_reads_again(tool, alice_client, acme):
    sim, _integration = tool
    invoice = draft(acme)
    sim.reset_calls()
    page(alice_client, invoice)
    one_read = len(sim.calls)
    assert one_read > 0
    page(alice_client, invoice)
    assert len(sim.calls) == one_read
    alice_client.post("/bookkeeping/reference/refresh/", {"next": f"/invoices/{invoice.pk}/"})
    refreshed = len(sim.calls) - one_read
    page(alice_client, invoice)
    assert len(sim.calls) - one_read == refreshed
    assert 0 < refreshed <= one_read


def test_refreshing_the_settings_lists_reads_the_reference_data_again(
    octopus_integration, octopus, alice_client, acme
):
    invoice = draft(acme)
    page(alice_client, invoice)
    octopus.reset_calls()
    alice_client.post("/bookkeeping/settings/lists/refresh/")
    page(alice_client, invoice)
    assert octopus.count(operation="GET bookyears") == 1


def test_an_unreachable_tool_is_said_and_does_not_block_booking(
    octopus_integration, alice_client, acme, settings
):
    settings.OCTOPUS_BASE_URL = "http://127.0.0.1:9/octopus-rest-api/v1"
    settings.TOOL_HTTP_RETRIES = 0
    invoice = draft(acme)
    html = page(alice_client, invoice)
    assert "Could not check with Octopus:" in html
    assert "Booking is not blocked by what could not be checked" in html
    book(alice_client, invoice)
    invoice.refresh_from_db()
    assert invoice.is_booked
    assert invoice.sync_state == Invoice.SyncState.NOT_SYNCED


def test_no_preview_without_a_connected_tool(alice_client, acme):
    html = page(alice_client, draft(acme))
    assert "Before booking" not in html
    assert "Book this invoice? Booking is final" in html


# The dead end of issue 15 -----------------------------------------------------------------------


def test_a_booked_invoice_without_a_book_year_says_how_to_get_out(
    octopus_integration, alice, alice_client, acme
):
    invoice = make_booked_invoice(acme, number="2024-0001", invoice_date=dt.date(2024, 6, 3))
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    issue = SyncIssue.objects.get(invoice=invoice)
    assert "Create the book year of 2024-06-03 in Octopus" in issue.hint
    assert "choose “Never send” for this invoice in the reconciliation console" in issue.hint
    assert Integration.objects.get(pk=octopus_integration.pk).is_connected
    console = alice_client.get("/bookkeeping/reconciliation/").content.decode()
    assert f"/bookkeeping/reconciliation/invoices/{invoice.pk}/never-send/" in console
    alice_client.post(
        f"/bookkeeping/reconciliation/invoices/{invoice.pk}/never-send/",
        {"reason": "No 2024 book year in Octopus; credited by a credit note"},
    )
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.EXCLUDED
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
