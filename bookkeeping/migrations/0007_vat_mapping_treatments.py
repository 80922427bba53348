"""Existing integrations keep booking as before treatments existed: a 0 % line that became
intra-community or export (invoicing 0008) went to the code of "0.00", so that code is copied to
the treatment rows its company's lines use. The admin should then check those rows: the settings
page proposes the tool's intra-community and export codes (README "VAT treatments")."""

from django.db import migrations

ZERO_KEYS = ("0.00", "0")
TREATMENT_KEYS = ("intra_goods", "intra_services", "export", "reverse_charge", "exempt")


def copy_zero_code(apps, schema_editor):
    Integration = apps.get_model("bookkeeping", "Integration")
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    for integration in Integration.objects.exclude(vat_mapping={}):
        mapping = dict(integration.vat_mapping or {})
        zero = next((mapping[key] for key in ZERO_KEYS if mapping.get(key)), "")
        if not zero:
            continue
        used = InvoiceLine.objects.filter(
            invoice__company_id=integration.company_id, vat_treatment__in=TREATMENT_KEYS
        ).values_list("vat_treatment", flat=True)
        missing = {key for key in used.distinct() if not mapping.get(key)}
        if missing:
            mapping.update(dict.fromkeys(missing, zero))
            integration.vat_mapping = mapping
            integration.save(update_fields=["vat_mapping"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookkeeping", "0006_books_read_back"),
        ("invoicing", "0009_line_vat_treatment"),
    ]

    operations = [
        migrations.RunPython(copy_zero_code, migrations.RunPython.noop, elidable=True),
    ]
