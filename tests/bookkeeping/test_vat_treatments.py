"""VAT treatments reach each tool with their own VAT codes (real HTTP to the simulators), the
settings propose the mapping from the tool's codes, and an unmapped treatment fails only its
invoice, with a link to its row of the mapping."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from bookkeeping import integrations
from bookkeeping.connectors.documents import UNMAPPED_TREATMENT, UNMAPPED_TREATMENT_HINT
from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from bookkeeping.vat_codes import mapping_keys, propose, unmapped_lines, vat_code_for
from invoicing.models import Company, Invoice, InvoiceLine
from tests.factories import CustomerFactory, make_booked_invoice, set_lines

pytestmark = pytest.mark.django_db


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


def book_with_treatments(company, number, lines):
    """A booked invoice of (amount, rate, treatment) lines for a customer in Germany."""
    customer = CustomerFactory(company=company, country="DE", vat_number="DE136695976")
    invoice = make_booked_invoice(company, number=number, customer=customer)
    set_lines(
        invoice,
        [("1", amount, rate, {"vat_treatment": treatment}) for amount, rate, treatment in lines],
    )
    return invoice


def test_intra_community_and_export_lines_reach_the_tool_with_their_own_vat_codes(
    tool, acme, alice
):
    key, sim, integration = tool
    mapping = integration.vat_mapping
    invoice = book_with_treatments(
        acme,
        "2026-0300",
        [
            ("100.00", "21", "standard"),
            ("200.00", "0", "intra_goods"),
            ("300.00", "0", "intra_services"),
            ("400.00", "0", "export"),
            ("50.00", "0", "zero"),
        ],
    )

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert sim.vat_codes_of(invoice.number) == [
        mapping["21.00"],
        mapping["intra_goods"],
        mapping["intra_services"],
        mapping["export"],
        mapping["0.00"],
    ]
    # Each treatment has a code of its own in the tool, apart from the 0 % rate's
    # (Yuki has one VAT type for intra-community goods and services).
    assert mapping["export"] != mapping["0.00"]
    assert mapping["intra_goods"] != mapping["0.00"]


def test_an_unmapped_treatment_fails_that_invoice_alone_with_a_link_to_its_mapping_row(
    tool, acme, alice
):
    key, sim, integration = tool
    del integration.vat_mapping["export"]
    integration.save()
    export = book_with_treatments(acme, "2026-0301", [("400.00", "0", "export")])
    taxed = book_with_treatments(acme, "2026-0302", [("100.00", "21", "standard")])
    assert [u.label for u in unmapped_lines(integration, export)] == ["Export outside the EU"]
    assert unmapped_lines(integration, taxed) == []

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.PARTIALLY_FAILED
    assert len(sim.bookings(taxed.number)) == 1
    assert sim.bookings(export.number) == []
    issue = SyncIssue.objects.get(invoice=export)
    assert issue.message == UNMAPPED_TREATMENT % {
        "number": "2026-0301",
        "treatment": "Export outside the EU",
        "label": integration.tool_label,
    }
    assert issue.hint == UNMAPPED_TREATMENT_HINT % {"treatment": "Export outside the EU"}
    assert issue.link == "/bookkeeping/settings/#id_vat_export"

    integration.vat_mapping["export"] = TOOL_EXPORT_CODES[key]
    integration.save()
    retry = sync_company(acme, trigger=SyncRun.Trigger.RETRY, user=alice, invoice_ids=[export.pk])

    assert retry.status == SyncRun.Status.SUCCEEDED
    export.refresh_from_db()
    assert export.sync_state == Invoice.SyncState.SYNCED
    assert sim.vat_codes_of(export.number) == [TOOL_EXPORT_CODES[key]]
    assert SyncIssue.objects.get(invoice=export).resolved


# The export code of each simulator's VAT code list.
TOOL_EXPORT_CODES = {"exact_online": "EX", "octopus": "EXP", "yuki": "6"}

# What the settings propose from each simulator's list, for the rows of a Belgian company.
PROPOSALS = {
    "exact_online": {
        **{"21.00": "3", "12.00": "2", "6.00": "1", "0.00": "0"},
        **{"intra_goods": "IC", "intra_services": "ICD", "export": "EX"},
        **{"reverse_charge": "MC", "exempt": "VR"},
    },
    "octopus": {
        **{"21.00": "21", "12.00": "12", "6.00": "6", "0.00": "0"},
        **{"intra_goods": "ICL", "intra_services": "ICD", "export": "EXP"},
        **{"reverse_charge": "MC", "exempt": "VRIJ"},
    },
    "yuki": {
        **{"21.00": "1", "12.00": "17", "6.00": "2", "0.00": "3"},
        **{"intra_goods": "7", "intra_services": "7", "export": "6"},
        **{"reverse_charge": "5", "exempt": "4"},
    },
}


def test_the_mapping_is_proposed_from_the_tools_own_vat_codes(tool, acme):
    key, sim, integration = tool

    lists = integrations.fetch_lists(integration)
    keys = mapping_keys(integrations.vat_rates_for(acme))

    assert lists.error is None
    assert propose(keys, lists.vat_codes) == PROPOSALS[key]


def test_the_settings_page_shows_the_proposal_for_rows_not_mapped_yet(
    tool, acme, alice, alice_client
):
    key, sim, integration = tool
    integration.vat_mapping = {"21.00": PROPOSALS[key]["21.00"]}
    integration.save()

    page = alice_client.get("/bookkeeping/settings/").content.decode()

    assert 'id="id_vat_export_proposed"' in page
    assert 'id="id_vat_21_00_proposed"' not in page  # saved already: nothing to propose
    form = page[page.index('name="vat_export"') :]
    selected = f'<option value="{TOOL_EXPORT_CODES[key]}" selected>'
    assert selected in form[: form.index("</select>")]

    alice_client.post(
        "/bookkeeping/settings/mapping/",
        {
            "sales_journal": integration.sales_journal,
            "credit_note_journal": integration.credit_note_journal,
            "default_revenue_account": integration.default_revenue_account,
            **{f"vat_{k.replace('.', '_')}": code for k, code in PROPOSALS[key].items()},
        },
    )
    integration.refresh_from_db()
    assert integration.vat_mapping == PROPOSALS[key]


def test_an_old_mapping_keyed_by_rates_as_users_wrote_them_still_maps_the_rated_lines(
    exact_online_integration, acme
):
    invoice = book_with_treatments(
        acme, "2026-0310", [("10.00", "21", "standard"), ("10.00", "0", "intra_goods")]
    )
    exact_online_integration.vat_mapping = {"21": "3", "0": "0"}
    first, second = invoice.lines.all()

    assert vat_code_for(exact_online_integration, first) == "3"
    assert vat_code_for(exact_online_integration, second) is None  # not the 0 % rate's code


def test_the_demo_syncs_everything_its_intra_community_and_export_lines_included(
    exact_online, octopus, yuki
):
    exact_online.minutely_limit = 1000  # 30 invoices in one run; the limit has its own tests
    call_command("seed_demo", invoices=30, stdout=io.StringIO())
    lines = InvoiceLine.objects.filter(invoice__status=Invoice.Status.BOOKED)
    for treatment in ("intra_services", "export", "standard", "reduced"):
        assert lines.filter(vat_treatment=treatment).exists(), treatment

    for company in Company.objects.filter(slug__startswith="demo-"):
        run = sync_company(company, trigger=SyncRun.Trigger.MANUAL)
        assert run.status == SyncRun.Status.SUCCEEDED, (company.slug, run.summary)
        assert run.invoices_booked == 30
