"""What the pages say about payment: the invoice page's status, open amount and time of the last
read, and the sentence of a tool that does not report payments (there and in the overview)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from bookkeeping.connectors.base import Connector
from bookkeeping.connectors.registry import connector_class
from bookkeeping.payments import NOT_REPORTED
from bookkeeping.templatetags.bookkeeping_tags import reports_payments
from bookkeeping.tools import TOOLS
from invoicing import services
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice
from tests.invoicing.conftest import make_draft

pytestmark = pytest.mark.django_db

Status = Invoice.PaymentStatus
READ_AT = timezone.make_aware(dt.datetime(2026, 11, 27, 10, 42))  # Europe/Brussels


def payment_text(page: str) -> str:
    """The Payment fact of the invoice page, tags stripped and spaces collapsed."""
    found = re.search(r"<dd data-payment>(.*?)</dd>", page, re.DOTALL)
    assert found, "the invoice page shows no payment status"
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


@pytest.fixture
def reporting_exact_online(monkeypatch):
    """Exact Online's connector with a `read_payments` of its own (it is being written: the
    pages must not wait for it)."""
    cls = connector_class("exact_online")
    if cls.read_payments is Connector.read_payments:
        monkeypatch.setattr(cls, "read_payments", lambda self, references: None)
    return cls


@pytest.fixture
def invoice(acme):
    customer = CustomerFactory(company=acme, name="Brouwerij De Klok")
    return make_booked_invoice(acme, number="2026-0042", customer=customer)


def set_payment(invoice, status, open_amount, **fields):
    Invoice.objects.filter(pk=invoice.pk).update(
        payment_status=status, open_amount=open_amount, payment_read_at=READ_AT, **fields
    )


def test_the_invoice_page_shows_status_open_amount_and_when_it_was_read(
    alice_client, invoice, exact_online_integration, reporting_exact_online
):
    set_payment(invoice, Status.PARTLY_PAID, Decimal("40.00"))
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert payment_text(page) == (
        "Partly paid · €40.00 open Read from Exact Online on 27/11/2026 10:42"
    )


def test_a_paid_invoice_says_when_it_was_paid(
    alice_client, invoice, exact_online_integration, reporting_exact_online
):
    set_payment(invoice, Status.PAID, Decimal("0.00"), paid_at=dt.date(2026, 11, 20))
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert payment_text(page) == (
        "Paid · paid on 20/11/2026 Read from Exact Online on 27/11/2026 10:42"
    )


def test_an_invoice_not_read_yet_says_so(
    alice_client, invoice, exact_online_integration, reporting_exact_online
):
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert payment_text(page) == (
        "Unknown Not read from Exact Online yet: a sync reads it once the invoice is booked there."
    )


def test_octopus_says_it_does_not_report_payments_instead_of_unknown(
    alice_client, alice, invoice, octopus_integration
):
    sentence = NOT_REPORTED % {"label": "Octopus"}
    assert sentence.startswith("Octopus does not report payments to Booksync")

    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert payment_text(page) == sentence

    services.save_overview_columns(alice, columns=["payment"])
    overview = alice_client.get("/invoices/").content.decode()
    cell = re.search(r'<td data-column="payment"[^>]*>(.*?)</td>', overview, re.DOTALL).group(1)
    assert " ".join(re.sub(r"<[^>]+>", " ", cell).split()) == (
        "Octopus does not report payments to Booksync"
    )
    assert "Unknown" not in cell


def test_without_an_integration_the_status_is_unknown(alice_client, invoice):
    page = alice_client.get(invoice.get_absolute_url()).content.decode()
    assert payment_text(page) == "Unknown"


def test_a_draft_shows_no_payment_status(alice_client, acme, exact_online_integration):
    draft = make_draft(acme)
    page = alice_client.get(draft.get_absolute_url()).content.decode()
    assert "data-payment" not in page


@pytest.mark.parametrize("key", list(TOOLS))
def test_a_tool_reports_payments_when_its_connector_reads_them(key):
    class Row:
        tool = key

    cls = connector_class(key)
    assert reports_payments(Row()) is (cls.read_payments is not Connector.read_payments)


def test_octopus_does_not_report_payments():
    class Row:
        tool = "octopus"

    assert reports_payments(Row()) is False
