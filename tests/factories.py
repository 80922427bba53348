"""factory_boy factories for the models tests build."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from invoicing.models import Company, Customer, Invoice, InvoiceLine, Membership
from invoicing.money import compute_totals


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    password = factory.django.Password("password")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company
        django_get_or_create = ("slug",)

    name = factory.Faker("company")
    slug = factory.Sequence(lambda n: f"company-{n}")
    country = "BE"
    vat_number = ""
    currency = "EUR"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    company = factory.SubFactory(CompanyFactory)
    role = Membership.Role.MEMBER


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    company = factory.SubFactory(CompanyFactory)
    name = factory.Faker("company")
    code = factory.Sequence(lambda n: f"C{n:05d}")
    country = "BE"
    email = factory.Faker("company_email")
    address = factory.Faker("street_address")
    postal_code = "1000"
    city = "Brussels"


class InvoiceFactory(factory.django.DjangoModelFactory):
    """A draft invoice; add lines with InvoiceLineFactory, book with invoicing.services."""

    class Meta:
        model = Invoice

    company = factory.SubFactory(CompanyFactory)
    customer = factory.SubFactory(CustomerFactory, company=factory.SelfAttribute("..company"))
    invoice_date = factory.LazyFunction(lambda: dt.date(2026, 11, 2))
    due_date = factory.LazyAttribute(lambda o: o.invoice_date + dt.timedelta(days=30))
    currency = "EUR"


class InvoiceLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceLine

    invoice = factory.SubFactory(InvoiceFactory)
    description = factory.Faker("sentence", nb_words=3)
    quantity = Decimal("1")
    unit_price = Decimal("100.00")
    vat_rate = Decimal("21.00")
    revenue_account = ""


def make_booked_invoice(
    company: Company,
    *,
    number: str,
    customer: Customer | None = None,
    lines: list[tuple[str, str, str, str]] | None = None,
    kind: str = Invoice.Kind.INVOICE,
    invoice_date: dt.date | None = None,
) -> Invoice:
    """A booked invoice with stored totals. `lines` are (quantity, unit price, VAT %, account)."""
    lines = lines or [("2", "100.00", "21", ""), ("1", "50.00", "6", "")]
    invoice = InvoiceFactory(
        company=company,
        customer=customer or CustomerFactory(company=company),
        status=Invoice.Status.BOOKED,
        number=number,
        kind=kind,
        **({"invoice_date": invoice_date} if invoice_date else {}),
    )
    set_lines(invoice, [(q, p, r, {"revenue_account": a}) for q, p, r, a in lines])
    return invoice


def set_lines(
    invoice: Invoice, lines: list[tuple[str, str, str, dict]], *, prefix: str = "Line"
) -> None:
    """Replaces the invoice's lines by (quantity, unit price, VAT %, extra fields) and stores
    its totals, as an edit in the product would."""
    invoice.lines.all().delete()
    for position, (quantity, price, rate, extra) in enumerate(lines):
        InvoiceLineFactory(
            invoice=invoice,
            position=position,
            description=f"{prefix} {position + 1}",
            quantity=Decimal(quantity),
            unit_price=Decimal(price),
            vat_rate=Decimal(rate),
            **extra,
        )
    totals = compute_totals((Decimal(q), Decimal(p), Decimal(r)) for q, p, r, _ in lines)
    invoice.subtotal, invoice.vat_total, invoice.total = (
        totals.subtotal,
        totals.vat_total,
        totals.total,
    )
    invoice.save()
