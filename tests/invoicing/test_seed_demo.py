"""`manage.py seed_demo`: what DESIGN §7 promises, and nothing more on a second run."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from stdnum.eu import vat

from invoicing import services
from invoicing.models import Company, Customer, Invoice, InvoiceLine, Membership, NumberSequence

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "users": get_user_model().objects.count(),
        "companies": Company.objects.count(),
        "memberships": Membership.objects.count(),
        "customers": Customer.objects.count(),
        "invoices": Invoice.objects.count(),
        "lines": InvoiceLine.objects.count(),
    }


def seed(invoices: int = 7) -> str:
    out = StringIO()
    call_command("seed_demo", "--invoices", str(invoices), stdout=out)
    return out.getvalue()


def test_it_creates_the_demo_user_companies_customers_and_invoices():
    output = seed(7)
    user = get_user_model().objects.get(username="demo")
    assert user.check_password("demo")
    assert user.is_staff
    slugs = {"demo-exact": "NL", "demo-octopus": "BE", "demo-yuki": "NL"}
    for slug, country in slugs.items():
        company = Company.objects.get(slug=slug)
        assert company.country == country
        assert Membership.objects.get(user=user, company=company).is_admin
        customers = Customer.objects.filter(company=company)
        assert customers.count() >= 10
        home = customers.filter(country=country)
        assert all(vat.is_valid(c.vat_number) and c.vat_number[:2] == country for c in home)
        # Customers abroad: EU businesses with a valid VAT number, and one outside the EU.
        abroad = customers.exclude(country=country)
        assert {c.country for c in abroad} >= {"BE" if country == "NL" else "DE", "GB"}
        assert all(vat.is_valid(c.vat_number) for c in abroad if c.country != "GB")
        invoices = Invoice.objects.filter(company=company)
        assert invoices.filter(status="draft").count() == 5
        booked = invoices.filter(status="booked").order_by("number")
        assert [i.number for i in booked] == [f"2026-{n:04d}" for n in range(1, 8)]
        assert not booked.exclude(sync_state="not_synced").exists()
        assert not booked.exclude(booking_number="").exists()
        assert all(i.invoice_date.year == 2026 and i.booked_at for i in booked)
        assert (
            NumberSequence.objects.get(company=company, kind="invoice", year=2026).last_number == 7
        )
        rates = set(
            InvoiceLine.objects.filter(invoice__company=company).values_list("vat_rate", flat=True)
        )
        allowed = {"BE": {21, 12, 6, 0}, "NL": {21, 9, 0}}[country]
        assert {int(rate) for rate in rates} <= allowed
        assert len(rates) > 1
    assert "demo-octopus" in output
    assert "log in as demo / demo" in output


def test_stored_totals_match_the_lines():
    seed(4)
    for invoice in Invoice.objects.prefetch_related("lines"):
        lines = list(invoice.lines.all())
        assert lines
        expected = services.vat_breakdown(lines)
        assert invoice.subtotal == sum(base for _, base, _ in expected)
        assert invoice.total == invoice.subtotal + sum(v for _, _, v in expected)


def test_running_it_twice_changes_nothing():
    seed(7)
    before = counts()
    output = seed(7)
    assert counts() == before
    assert "0 new booked invoices" in output


def test_asking_for_more_invoices_adds_the_missing_ones_after_the_last_number(alice):
    seed(3)
    seed(5)
    company = Company.objects.get(slug="demo-exact")
    numbers = sorted(
        Invoice.objects.filter(company=company, status="booked").values_list("number", flat=True)
    )
    assert numbers == [f"2026-{n:04d}" for n in range(1, 6)]
    # Booking after the seed continues the sequence without a gap.
    draft = Invoice.objects.filter(company=company, status="draft").first()
    assert services.book_invoice(draft, user=alice).number == "2026-0006"


def test_the_demo_user_can_open_the_overview(client):
    seed(2)
    client.force_login(get_user_model().objects.get(username="demo"))
    page = client.get("/invoices/").content.decode()
    assert "2026-0002" in page
