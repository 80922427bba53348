"""Octopus-specific behaviour, over real HTTP against the Octopus simulator."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bookkeeping.connectors.base import (
    AuthError,
    ClosedPeriod,
    InvoiceRejected,
    TransientError,
)
from bookkeeping.connectors.octopus.auth import CREDENTIALS_HINT, TOKEN_RENEW_AFTER_SECONDS
from bookkeeping.connectors.octopus.payload import (
    CLOSED_PERIOD_HINT,
    CLOSED_PERIOD_MESSAGE,
    MISSING_VAT_HINT,
    MISSING_VAT_MESSAGE,
)
from bookkeeping.connectors.octopus.replies import JOURNAL_IN_USE_MESSAGE
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.simulators import octopus as sim_data
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice, set_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector(octopus_integration):
    return get_connector(octopus_integration)


def book(connector, invoice):
    customer_ref = connector.find_customer(invoice.customer) or connector.push_customer(
        invoice.customer
    )
    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})
    return result, customer_ref


def replace_lines(invoice, lines):
    """Edits a booked invoice: new (quantity, price, VAT %, cost centre) lines and totals."""
    set_lines(
        invoice, [(q, p, r, {"cost_centre": c}) for q, p, r, c in lines], prefix="Edited line"
    )


# Booking ---------------------------------------------------------------------------------------


def test_it_books_into_the_sales_journal_with_the_next_number_of_the_journal(
    connector, octopus, acme
):
    invoice = make_booked_invoice(acme, number="2026-0042")

    result, customer_ref = book(connector, invoice)

    assert result.ok, result.error
    assert result.ref.number == "V1/2026/42"
    assert result.ref.remote_id == "2:V1:42"
    [booking] = octopus.bookings("2026-0042")
    assert booking["bookyearPeriodeNr"] == 202611
    assert booking["comment"] == "2026-0042"
    assert booking["amount"] == 295.0  # 2 x 100 + 21% and 50 + 6%
    assert booking["relationIdentificationServiceData"]["relationKey"]["id"] == int(
        customer_ref.remote_id
    )
    assert [(line["accountKey"], line["vatCodeKey"]) for line in booking["bookingLines"]] == [
        (700000, "21"),
        (700000, "6"),
    ]
    assert octopus.journal("V1")["lastBookedDocumentNr"] == 42


def test_the_next_number_follows_a_booking_made_by_someone_else_in_octopus(
    connector, octopus, acme
):
    first, _ = book(connector, make_booked_invoice(acme, number="2026-0001"))
    manual = octopus.book_elsewhere("V1")

    second, _ = book(connector, make_booked_invoice(acme, number="2026-0002"))

    assert first.ref.number == "V1/2026/42"
    assert manual == 43
    assert second.ref.number == "V1/2026/44"


def test_it_reads_the_journal_again_and_retries_once_when_the_number_was_taken(
    connector, octopus, acme
):
    invoice = make_booked_invoice(acme, number="2026-0003")
    customer_ref = connector.push_customer(invoice.customer)
    octopus.fail_next(
        "POST",
        f"/octopus-rest-api/v1/dossiers/{sim_data.DOSSIER_ID}/buysellbookings",
        status=400,
        headers={"Content-Type": "application/json"},
        body='{"errorCode": -13, "errorMessage": "Illegal document sequence number",'
        ' "technicalInfo": ""}',
    )
    octopus.reset_calls()

    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert result.ok, result.error
    assert octopus.count(operation="GET bookyears.journals") == 2
    assert octopus.count(operation="POST buysellbookings") == 2
    assert len(octopus.bookings("2026-0003")) == 1


def test_a_credit_note_goes_into_the_credit_note_journal_with_a_negative_total(
    connector, octopus, acme
):
    credit_note = make_booked_invoice(acme, number="2026-0001", kind=Invoice.Kind.CREDIT_NOTE)

    result, _ = book(connector, credit_note)
    found = connector.find_invoice(credit_note)

    assert result.ref.number == "V2/2026/4"
    assert found is not None
    assert found.number == "V2/2026/4"
    [booking] = octopus.bookings("2026-0001")
    assert booking["journalKey"] == "V2"
    assert booking["amount"] == -295.0
    assert all(line["baseAmount"] > 0 for line in booking["bookingLines"])


def test_the_vat_of_a_rate_is_spread_over_its_lines_so_the_sums_match(connector, octopus, acme):
    lines = [("1", "0.05", "21", ""), ("1", "0.05", "21", ""), ("1", "0.05", "21", "")]
    invoice = make_booked_invoice(acme, number="2026-0010", lines=lines)

    book(connector, invoice)

    [booking] = octopus.bookings("2026-0010")
    vat = sum(Decimal(str(line["vatAmount"])) for line in booking["bookingLines"])
    assert vat == invoice.vat_total == Decimal("0.03")
    assert Decimal(str(booking["amount"])) == invoice.total


def test_it_rejects_a_vat_rate_without_mapping_before_calling_octopus(connector, octopus, acme):
    invoice = make_booked_invoice(acme, number="2026-0011", lines=[("1", "10.00", "9", "")])
    customer_ref = connector.push_customer(invoice.customer)
    writes = octopus.write_calls

    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert str(result.error.message) == MISSING_VAT_MESSAGE % {"number": "2026-0011", "rate": "9"}
    assert str(result.error.hint) == MISSING_VAT_HINT % {"rate": "9"}
    assert octopus.write_calls == writes


@pytest.mark.parametrize(
    ("cost_centre", "code", "hint_words"),
    [("77", "-40", "Cost centre 77 is not known"), ("9", "-41", "Cost centre 9 is closed")],
)
def test_it_rejects_an_unknown_or_closed_cost_centre_with_a_hint(
    connector, octopus, acme, cost_centre, code, hint_words
):
    octopus_integration = connector.integration
    octopus_integration.default_cost_centre = cost_centre
    octopus_integration.save()
    connector = get_connector(octopus_integration)
    invoice = make_booked_invoice(acme, number="2026-0012")

    result, _ = book(connector, invoice)

    assert isinstance(result.error, InvoiceRejected)
    assert result.error.code == code
    assert str(result.error.message).startswith("Invoice 2026-0012: ")
    assert hint_words in str(result.error.hint)
    assert "Integration settings" in str(result.error.hint)
    assert octopus.bookings("2026-0012") == []


# Updating a booked invoice ---------------------------------------------------------------------


def test_an_update_replaces_the_lines_and_resets_the_cost_centres_to_what_we_send(
    connector, octopus, acme
):
    invoice = make_booked_invoice(acme, number="2026-0020")
    invoice.lines.update(cost_centre="2")
    result, customer_ref = book(connector, invoice)
    assert {
        line["costCentreKey"]["id"] for line in octopus.bookings("2026-0020")[0]["bookingLines"]
    } == {2}

    replace_lines(invoice, [("3", "100.00", "21", ""), ("1", "40.00", "12", "3")])
    ref = connector.update_invoice(invoice, result.ref, customer_ref=customer_ref)

    assert ref.number == result.ref.number == "V1/2026/42"
    [booking] = octopus.bookings("2026-0020")
    assert booking["amount"] == 407.8  # 300 + 63 and 40 + 4.80
    assert [line["comment"] for line in booking["bookingLines"]] == [
        "Edited line 1",
        "Edited line 2",
    ]
    assert [line.get("costCentreKey") for line in booking["bookingLines"]] == [None, {"id": 3}]
    assert octopus.booking_count() == 1
    assert octopus.journal("V1")["lastBookedDocumentNr"] == 42


def test_it_refuses_a_push_in_a_closed_period_with_the_period_to_reopen(connector, octopus, acme):
    invoice = make_booked_invoice(acme, number="2026-0042", invoice_date=dt.date(2026, 3, 14))
    octopus.close_period(202603)

    result, _ = book(connector, invoice)

    assert isinstance(result.error, ClosedPeriod)
    assert (
        str(result.error.message) == "Invoice 2026-0042: Book year period is closed (period 202603)"
    )
    assert str(result.error.hint) == (
        "Reopen period 2026/03 in Octopus (or move 'Closed until period'/'Secured till period' "
        "below it), then retry the invoice from the sync history"
    )
    assert octopus.bookings("2026-0042") == []


def test_it_refuses_an_update_in_a_closed_period(connector, octopus, acme):
    invoice = make_booked_invoice(acme, number="2026-0043", invoice_date=dt.date(2026, 3, 14))
    result, customer_ref = book(connector, invoice)
    octopus.close_period(202604)
    replace_lines(invoice, [("1", "999.00", "21", "")])

    with pytest.raises(ClosedPeriod) as excinfo:
        connector.update_invoice(invoice, result.ref, customer_ref=customer_ref)

    assert str(excinfo.value.message) == CLOSED_PERIOD_MESSAGE % {
        "number": "2026-0043",
        "period": 202603,
    }
    assert str(excinfo.value.hint) == CLOSED_PERIOD_HINT % {"year": 2026, "month": "03"}
    assert octopus.bookings("2026-0043")[0]["amount"] == 295.0


# Access ----------------------------------------------------------------------------------------


def test_it_logs_in_again_with_both_tokens_when_they_expired(connector, octopus, acme):
    book(connector, make_booked_invoice(acme, number="2026-0030"))
    assert octopus.count(operation="authentication") == 1
    octopus.advance_clock(601)

    result, _ = book(connector, make_booked_invoice(acme, number="2026-0031"))

    assert result.ok, result.error
    assert octopus.count(operation="authentication") == 2
    assert octopus.count(operation="dossier_token") == 2
    assert len(octopus.bookings("2026-0031")) == 1


def test_a_login_that_fails_for_a_moment_is_tried_again_not_reported_as_refused(
    connector, octopus, acme
):
    invoice = make_booked_invoice(acme, number="2026-0033")
    connector.find_invoice(invoice)
    octopus.expire_tokens()
    octopus.fail_next("POST", "/octopus-rest-api/v1/authentication", kind="503")

    assert connector.find_invoice(invoice) is None
    assert octopus.count(operation="authentication") == 3


def test_a_refusal_we_cannot_read_is_temporary(connector, octopus, acme):
    invoice = make_booked_invoice(acme, number="2026-0034")
    customer_ref = connector.push_customer(invoice.customer)
    octopus.fail_next("POST", "/octopus-rest-api/v1/dossiers", kind="status", status=400, body="{")

    with pytest.raises(TransientError):
        connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})


def test_it_renews_the_tokens_before_they_expire(connector, octopus, acme):
    invoice = make_booked_invoice(acme, number="2026-0032")
    connector.find_invoice(invoice)
    connector.auth.issued_at -= TOKEN_RENEW_AFTER_SECONDS + 1

    connector.find_invoice(invoice)

    assert octopus.count(operation="dossier_token") == 2
    assert [call.status for call in octopus.calls if call.status == 401] == []


def test_it_asks_to_check_user_and_password_when_octopus_refuses_them(
    octopus_integration, octopus, acme
):
    octopus_integration.credentials = {"user": sim_data.USER, "password": "wrong"}
    octopus_integration.save()

    with pytest.raises(AuthError) as excinfo:
        get_connector(octopus_integration).list_targets()

    assert str(excinfo.value.message) == "Octopus refused to log in: Invalid login"
    assert str(excinfo.value.hint) == CREDENTIALS_HINT
    assert "wrong" not in str(excinfo.value)


def test_it_lists_the_dossier_journals_accounts_and_vat_codes(connector, octopus):
    assert [(c.code, c.label) for c in connector.list_targets()] == [("35493", "Booksync Demo BV")]
    assert [c.code for c in connector.list_journals()] == ["V1", "V2"]
    assert [c.code for c in connector.list_accounts()] == ["700000", "700100"]
    assert {c.code: c.extra["percentage"] for c in connector.list_vat_codes()} == {
        "21": 21.0,
        "12": 12.0,
        "6": 6.0,
        "0": 0.0,
        **dict.fromkeys(["ICL", "ICD", "EXP", "MC", "VRIJ"], 0.0),
    }
    assert (
        connector.test_connection() == "Connected to Octopus dossier 35493: journals V1, V2 found."
    )


# Customers -------------------------------------------------------------------------------------


def test_the_relation_upsert_matches_our_customer_id(connector, octopus, acme):
    customer = CustomerFactory(company=acme, name="Ferris Bakery", country="NL", vat_number="")
    created = connector.push_customer(customer)
    customer.name = "Ferris Bakery BV"
    customer.vat_number = "NL004495445B01"
    customer.save()

    updated = connector.push_customer(customer)

    assert updated.remote_id == created.remote_id
    assert octopus.customer_count() == 1
    relation = octopus.relations[int(created.remote_id)]
    assert relation["name"] == "Ferris Bakery BV"
    assert relation["client"] is True
    assert (relation["country"], relation["vatType"]) == ("NL", 4)
    assert relation["relationIdentificationServiceData"]["externalRelationId"] == customer.pk


def test_it_finds_a_relation_by_our_customer_id_before_the_vat_number(connector, octopus, acme):
    customer = CustomerFactory(company=acme, vat_number="BE0403170701")
    same_vat = octopus.add_relation("Made in Octopus", vat_nr="BE0403170701")
    ours = octopus.add_relation("Ours", vat_nr="BE0403170701", external_id=customer.pk)

    found = connector.find_customer(customer)

    assert found.remote_id == str(ours)
    assert found.remote_id != str(same_vat)


def test_it_finds_a_relation_made_in_octopus_by_its_vat_number(connector, octopus, acme):
    customer = CustomerFactory(company=acme, vat_number="BE 0403.170.701")
    made_in_octopus = octopus.add_relation("Acme Belgium", vat_nr="BE0403170701")

    found = connector.find_customer(customer)

    assert found is not None
    assert found.remote_id == str(made_in_octopus)
    assert octopus.write_calls == 0


def test_a_private_customer_abroad_gets_the_private_vat_type_and_a_country(
    connector, octopus, acme
):
    customer = CustomerFactory(company=acme, country="GB", vat_number="")

    ref = connector.push_customer(customer)

    relation = octopus.relations[int(ref.remote_id)]
    assert (relation["country"], relation["vatType"], relation["vatNr"]) == ("GB", 9, "")


# Strictness ------------------------------------------------------------------------------------


def test_a_journal_in_use_by_another_user_is_temporary_and_booked_once_it_is_free(
    connector, octopus, acme
):
    invoice = make_booked_invoice(acme, number="2026-0500")
    customer_ref = connector.push_customer(invoice.customer)
    octopus.lock_journal("V1")

    with pytest.raises(TransientError) as caught:
        connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})
    octopus.unlock_journal("V1")
    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert str(caught.value.message) == JOURNAL_IN_USE_MESSAGE
    assert result.ok, result.error
    assert len(octopus.bookings("2026-0500")) == 1


def test_a_sync_retries_an_invoice_whose_journal_is_in_use_instead_of_failing_it(
    octopus, octopus_integration, acme, alice, settings
):
    settings.TOOL_HTTP_BACKOFF_SECONDS = 0
    invoice = make_booked_invoice(acme, number="2026-0501")
    octopus.lock_journal("V1")

    first = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    octopus.unlock_journal("V1")
    second = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert first.status != SyncRun.Status.SUCCEEDED
    issue = SyncIssue.objects.get(run=first, invoice=invoice)
    assert str(issue.message).endswith(JOURNAL_IN_USE_MESSAGE)  # not a refusal of the invoice
    assert second.status == SyncRun.Status.SUCCEEDED
    invoice.refresh_from_db()
    assert invoice.booking_number == "V1/2026/42"
    assert len(octopus.bookings("2026-0501")) == 1


def test_many_lines_of_one_rate_are_booked_with_vat_that_fits_the_code_on_each_line(
    connector, octopus, acme
):
    octopus.require_vat_fit()
    lines = [("1", price, "21", "") for price in ["0.07"] * 9 + ["0.02"] * 9 + ["1.00"]]
    invoice = make_booked_invoice(acme, number="2026-0502", lines=lines)

    result, _ = book(connector, invoice)

    assert result.ok, result.error
    [booking] = octopus.bookings("2026-0502")
    assert sum(Decimal(str(line["vatAmount"])) for line in booking["bookingLines"]) == Decimal(
        str(invoice.vat_total)
    )
