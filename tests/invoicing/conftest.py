"""Helpers of the invoicing tests: drafts with lines, built through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from invoicing import services
from invoicing.models import Company, Customer, Invoice
from tests.factories import CustomerFactory


def line(description="Consultancy", quantity="2", price="100.00", rate="21"):
    return services.LineData(
        description=description,
        quantity=Decimal(quantity),
        unit_price=Decimal(price),
        vat_rate=Decimal(rate),
    )


def make_draft(
    company: Company,
    *,
    customer: Customer | None = None,
    lines=None,
    invoice_date: dt.date = dt.date(2026, 3, 14),
    kind: str = Invoice.Kind.INVOICE,
    credited_invoice: Invoice | None = None,
) -> Invoice:
    if credited_invoice is not None:
        customer = customer or credited_invoice.customer
    data = services.InvoiceData(
        customer=customer or CustomerFactory(company=company),
        invoice_date=invoice_date,
        kind=kind,
        credited_invoice=credited_invoice,
    )
    return services.create_invoice(company, data=data, lines=[line()] if lines is None else lines)


@pytest.fixture
def acme_customer(acme):
    return CustomerFactory(company=acme, name="Brouwerij De Klok", code="1001")


@pytest.fixture
def globex_customer(globex):
    return CustomerFactory(company=globex, name="Globex Customer", code="1001", country="NL")
