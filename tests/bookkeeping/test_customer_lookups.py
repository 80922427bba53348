"""Customers are looked up in batches before they are created: at most one read per 20
customers (Exact Online `or`-chained filters, one Octopus relations list, Yuki's contact list
page by page), counted by the simulators over HTTP; the matching rules stay as strict as the
single lookups'."""

from __future__ import annotations

import pytest

from bookkeeping.connectors.base import InvoiceRejected
from bookkeeping.connectors.exact_online.customers import CHAIN, MAX_QUERY, chains, query_length
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.simulators.exact_online.reads import MAX_QUERY_STRING
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from tests.factories import CompanyFactory, CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

# The simulator's name of the read that looks customers up, per tool.
LOOKUP = {"exact_online": "GET crm/Accounts", "octopus": "GET relations", "yuki": "SearchContacts"}


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


def belgian_vat_number(n: int) -> str:
    """A valid Belgian VAT number (the last two digits are 97 - first eight mod 97)."""
    first = 4000000 + n * 1031
    return f"BE{first:08d}{97 - first % 97:02d}"


def customers_with_invoices(company, count, **fields):
    customers = []
    for n in range(count):
        # Names of their own: Yuki's upsert merges contacts of the same name (and type).
        customer = CustomerFactory(
            company=company, name=f"Customer {n:03d}", vat_number=belgian_vat_number(n), **fields
        )
        make_booked_invoice(company, number=f"2026-{n + 1:04d}", customer=customer)
        customers.append(customer)
    return customers


def unlimited(sim):
    """The call limits lifted: 100 invoices take more than Exact Online's 60 calls a minute."""
    with sim.lock:
        for name in ("minutely_limit", "daily_limit"):
            if hasattr(sim, name):
                setattr(sim, name, 10**9)


def lookups(sim, key):
    return [call for call in sim.calls if call.operation == LOOKUP[key]]


def test_the_vat_numbers_of_these_tests_are_valid():
    number = belgian_vat_number(7)
    digits = number[2:]
    assert len(digits) == 10
    assert int(digits[-2:]) == 97 - int(digits[:8]) % 97


def test_100_new_customers_cost_at_most_5_lookup_reads(tool, acme, alice):
    key, sim, integration = tool
    unlimited(sim)
    customers_with_invoices(acme, 100)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.customers_created == 100
    assert sim.customer_count() == 100
    # Before and after the creates: Yuki's create names no contact, so the created ones are
    # found again in the same batched way.
    assert len(lookups(sim, key)) <= 5
    if key == "octopus":  # one relations list per run
        assert len(lookups(sim, key)) == 1
    assert ExternalRecord.objects.filter(kind="customer", remote_id="").count() == 0


def test_customers_the_tool_holds_are_linked_not_created_again(tool, acme, alice):
    key, sim, integration = tool
    customers = customers_with_invoices(acme, 25)
    connector = get_connector(integration)
    held = {c.pk: connector.push_customer(c) for c in customers[:3]}
    sim.reset_calls()

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.customers_created == 22
    assert sim.customer_count() == 25
    for pk, ref in held.items():
        record = ExternalRecord.objects.get(customer_id=pk, integration=integration)
        assert record.remote_id == ref.remote_id
    assert len(lookups(sim, key)) <= 4  # 25 customers: 2 reads (Yuki: 2 before, 2 after)


def test_a_customer_of_the_same_vat_number_is_linked_from_the_batch(tool, acme, alice):
    key, sim, integration = tool
    elsewhere = CustomerFactory(
        company=CompanyFactory(), name="Ferris Bakery", code="C7001", vat_number="BE0403170701"
    )
    held = get_connector(integration).push_customer(elsewhere)
    ours = CustomerFactory(
        company=acme, name="Ferris Bakery NV", code="C0002", vat_number="BE 0403.170.701"
    )
    make_booked_invoice(acme, number="2026-0001", customer=ours)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.customers_created == 0
    assert ExternalRecord.objects.get(customer=ours).remote_id == held.remote_id


def test_a_customer_whose_code_only_resembles_ours_is_not_linked(tool, acme, alice):
    """A code that contains ours, no VAT number: another customer, created anew. (Not of the
    same name: Yuki's upsert itself merges contacts of the same type and name.)"""
    key, sim, integration = tool
    elsewhere = CustomerFactory(company=CompanyFactory(), name="Ferris Bakery Gent", code="C00010")
    held = get_connector(integration).push_customer(elsewhere)
    ours = CustomerFactory(company=acme, name="Ferris Bakery", code="C0001")
    make_booked_invoice(acme, number="2026-0001", customer=ours)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.customers_created == 1
    assert sim.customer_count() == 2
    assert ExternalRecord.objects.get(customer=ours).remote_id != held.remote_id


def test_an_octopus_relation_with_our_digits_under_another_country_is_not_linked(
    octopus, octopus_integration, acme, alice
):
    octopus.add_relation("Ferris Bakery", vat_nr="NL0403170701")
    ours = CustomerFactory(company=acme, name="Ferris Bakery", vat_number="BE0403170701")
    make_booked_invoice(acme, number="2026-0001", customer=ours)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.customers_created == 1
    assert octopus.customer_count() == 2


def test_a_failed_batched_lookup_falls_back_to_one_lookup_per_customer(
    exact_online, exact_online_integration, acme, alice, settings
):
    customers_with_invoices(acme, 3)
    RETRIES = settings.TOOL_HTTP_RETRIES  # noqa: N806
    exact_online.fail_next("GET", "GET crm/Accounts", status=500, times=RETRIES + 1)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.customers_created == 3
    assert exact_online.customer_count() == 3


# Exact Online: the chains and the URL limit -------------------------------------------------


def test_exact_chains_hold_at_most_40_conditions_and_stay_below_the_url_limit(acme):
    customers = [
        CustomerFactory(company=acme, code=f"LONGCODE{n:010d}", vat_number="BE0403170701")
        for n in range(100)
    ]

    found = chains(customers)

    assert sum(len(chain) for chain in found) == 200
    assert all(len(chain) <= CHAIN and query_length(chain) <= MAX_QUERY for chain in found)
    assert len(found) <= 8


def test_the_exact_simulator_refuses_a_query_string_longer_than_iis_allows(
    exact_online, exact_online_integration
):
    connector = get_connector(exact_online_integration)
    chain = " or ".join(f"Code eq '{n:018d}'" for n in range(100))

    with pytest.raises(InvoiceRejected) as refused:
        connector.request(
            "GET", connector._path("crm/Accounts"), params={"$filter": chain, "$select": "ID"}
        )

    assert refused.value.status == 404
    assert "query string is too long" in refused.value.detail
    assert len(chain) > MAX_QUERY_STRING
