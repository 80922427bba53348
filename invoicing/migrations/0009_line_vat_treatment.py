"""Each invoice line gets a VAT treatment; existing lines get the one their rate and customer
imply (invoicing.vat.default_treatment): a charged rate is standard or reduced, a 0 % line to an
EU business abroad is intra-community (services), to a customer outside the EU an export, any
other 0 % line zero-rated."""

from decimal import Decimal

from django.db import migrations, models

from invoicing.vat import VAT_RATES, customer_treatment


def set_treatments(apps, schema_editor):
    """In a few UPDATEs per company (bench databases hold many lines)."""
    Company = apps.get_model("invoicing", "Company")
    Customer = apps.get_model("invoicing", "Customer")
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    for company in Company.objects.all():
        lines = InvoiceLine.objects.filter(invoice__company=company)
        top = max(Decimal(rate) for rate in VAT_RATES.get(company.country, VAT_RATES["BE"]))
        lines.filter(vat_rate__gte=top).update(vat_treatment="standard")
        lines.filter(vat_rate__gt=0, vat_rate__lt=top).update(vat_treatment="reduced")
        lines.filter(vat_rate=0).update(vat_treatment="zero")
        customers = Customer.objects.filter(company=company, invoices__lines__vat_rate=0)
        for customer in customers.distinct():
            implied = customer_treatment(
                company_country=company.country,
                country=customer.country,
                vat_number=customer.vat_number,
            )
            if implied:
                lines.filter(invoice__customer=customer, vat_rate=0).update(vat_treatment=implied)


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0008_user_language_and_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoiceline",
            name="vat_treatment",
            field=models.CharField(
                choices=[
                    ("standard", "Standard rate"),
                    ("reduced", "Reduced rate"),
                    ("zero", "Zero rate"),
                    ("exempt", "Exempt"),
                    ("intra_goods", "Intra-community supply of goods"),
                    ("intra_services", "Intra-community services"),
                    ("export", "Export outside the EU"),
                    ("reverse_charge", "Domestic reverse charge"),
                ],
                db_default="standard",
                default="standard",
                max_length=20,
                verbose_name="VAT treatment",
            ),
        ),
        migrations.RunPython(set_treatments, migrations.RunPython.noop, elidable=True),
    ]
