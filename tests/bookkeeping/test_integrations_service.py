"""The rules of bookkeeping.integrations and the demo integrations, against the simulators."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookkeeping import integrations
from bookkeeping.connectors.base import AuthError
from bookkeeping.demo import seed_demo_integrations
from bookkeeping.integrations import IntegrationRefused
from bookkeeping.models import Integration, SyncRun
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.simulators.exact_online import data as exact_data
from tests.factories import CompanyFactory, InvoiceFactory, InvoiceLineFactory

pytestmark = pytest.mark.django_db


# Picking the tool ---------------------------------------------------------------------------------


def test_it_reuses_the_earlier_integration_when_switching_back(acme):
    exact = integrations.choose_tool(acme, tool="exact_online")
    exact.target_id = "123456"
    exact.credentials = {"refresh_token": "r"}
    exact.nightly_sync = True
    exact.save()

    yuki = integrations.choose_tool(acme, tool="yuki")
    exact.refresh_from_db()
    assert exact.is_active is False
    assert exact.credentials == {}
    assert exact.nightly_sync is False

    again = integrations.choose_tool(acme, tool="exact_online")
    assert again.pk == exact.pk
    assert again.target_id == "123456"
    yuki.refresh_from_db()
    assert yuki.is_active is False
    assert Integration.objects.filter(company=acme, is_active=True).count() == 1


def test_switching_tool_is_refused_while_a_sync_runs(acme):
    exact = integrations.choose_tool(acme, tool="exact_online")
    SyncRun.objects.create(integration=exact, company=acme, trigger="manual")

    with pytest.raises(IntegrationRefused, match="A sync is running"):
        integrations.choose_tool(acme, tool="yuki")

    assert integrations.active_integration(acme).pk == exact.pk


def test_a_tool_not_offered_in_the_company_country_is_refused(globex):
    with pytest.raises(IntegrationRefused, match="not available"):
        integrations.choose_tool(globex, tool="octopus")

    assert integrations.active_integration(globex) is None


def test_it_asks_confirmation_only_when_another_tool_is_active(acme):
    assert integrations.needs_switch_confirmation(acme, tool="yuki") is False
    integrations.choose_tool(acme, tool="exact_online")

    assert integrations.needs_switch_confirmation(acme, tool="exact_online") is False
    assert integrations.needs_switch_confirmation(acme, tool="yuki") is True


# VAT rates and mapping ----------------------------------------------------------------------------


def test_vat_rates_are_the_country_rates_plus_those_the_invoices_use(acme, globex):
    invoice = InvoiceFactory(company=acme)
    InvoiceLineFactory(invoice=invoice, vat_rate=Decimal("9"))
    InvoiceLineFactory(invoice=invoice, vat_rate=Decimal("21"))

    assert integrations.vat_rates_for(acme) == ["21.00", "12.00", "9.00", "6.00", "0.00"]
    assert integrations.vat_rates_for(globex) == ["21.00", "9.00", "0.00"]


def test_saving_the_mapping_leaves_out_empty_codes(acme):
    integration = integrations.choose_tool(acme, tool="yuki")

    integrations.save_mapping(
        integration,
        sales_journal=" sales ",
        credit_note_journal="sales",
        default_revenue_account="8000",
        vat_mapping={"21.00": "1", "6": "2", "0.00": " "},
    )

    integration.refresh_from_db()
    assert integration.sales_journal == "sales"
    assert integration.vat_mapping == {"21.00": "1", "6.00": "2"}


def test_nightly_sync_needs_a_connected_integration(acme):
    integration = integrations.choose_tool(acme, tool="yuki")

    with pytest.raises(IntegrationRefused, match="Connect Yuki before"):
        integrations.set_nightly_sync(integration, enabled=True)

    integrations.set_nightly_sync(integration, enabled=False)
    assert integration.nightly_sync is False


# Against the simulators -----------------------------------------------------------------------


def test_refused_credentials_are_not_kept(acme, yuki):
    integration = integrations.choose_tool(acme, tool="yuki")

    with pytest.raises(AuthError) as caught:
        integrations.connect_with_credentials(integration, values={"access_key": "wrong-key"})

    integration.refresh_from_db()
    assert integration.credentials == {}
    assert integration.status == Integration.Status.NOT_CONNECTED
    assert str(integration.last_error).startswith(str(caught.value.message))


def test_accepted_credentials_list_the_targets(acme, yuki):
    integration = integrations.choose_tool(acme, tool="yuki")

    targets = integrations.connect_with_credentials(
        integration, values={"access_key": f" {yuki_data.ACCESS_KEY} "}
    )

    assert [(t.code, t.label) for t in targets] == [
        (yuki_data.ADMINISTRATION_ID, yuki_data.ADMINISTRATION_NAME)
    ]
    integration.refresh_from_db()
    assert integration.credentials["access_key"] == yuki_data.ACCESS_KEY


def test_a_failed_test_marks_reconnect_needed_and_a_good_one_connected(
    acme, octopus_integration, octopus
):
    octopus.revoke()

    with pytest.raises(AuthError):
        integrations.check_connection(octopus_integration)

    octopus_integration.refresh_from_db()
    assert octopus_integration.status == Integration.Status.RECONNECT_NEEDED
    assert "Octopus" in str(octopus_integration.last_error)

    octopus.reset()
    line = integrations.check_connection(octopus_integration)

    octopus_integration.refresh_from_db()
    assert line
    assert octopus_integration.status == Integration.Status.CONNECTED
    assert str(octopus_integration.last_error) == ""


def test_fetching_lists_returns_the_error_instead_of_raising(
    acme, exact_online_integration, exact_online
):
    exact_online.revoke()

    lists = integrations.fetch_lists(exact_online_integration)

    assert lists.journals == []
    assert lists.vat_codes == []
    assert isinstance(lists.error, AuthError)
    exact_online_integration.refresh_from_db()
    assert exact_online_integration.status == Integration.Status.RECONNECT_NEEDED


def test_disconnect_keeps_runs_and_choices(acme, yuki_integration):
    SyncRun.objects.create(
        integration=yuki_integration, company=acme, trigger="manual", status="succeeded"
    )

    integrations.disconnect(yuki_integration)

    yuki_integration.refresh_from_db()
    assert yuki_integration.credentials == {}
    assert yuki_integration.status == Integration.Status.NOT_CONNECTED
    assert yuki_integration.target_id == yuki_data.ADMINISTRATION_ID
    assert yuki_integration.runs.count() == 1


# The demo integrations ---------------------------------------------------------------------------


@pytest.fixture
def demo_companies(db):
    return [
        CompanyFactory(slug="demo-exact", name="Demo Exact", country="BE"),
        CompanyFactory(slug="demo-octopus", name="Demo Octopus", country="BE"),
        CompanyFactory(slug="demo-yuki", name="Demo Yuki", country="NL"),
    ]


def test_demo_integrations_connect_to_the_simulators(demo_companies, exact_online, octopus, yuki):
    seed_demo_integrations(demo_companies)

    for company in demo_companies:
        integration = integrations.active_integration(company)
        assert integration.status == Integration.Status.CONNECTED
        assert integration.nightly_sync is False
        assert integration.sales_journal
        assert integration.default_revenue_account
        assert integrations.check_connection(integration), company.slug
    exact = integrations.active_integration(demo_companies[0])
    assert exact.target_id == str(exact_data.DEMO_DIVISION)
    assert exact.vat_mapping == exact_data.VAT_MAPPING
    octopus_integration = integrations.active_integration(demo_companies[1])
    assert octopus_integration.target_id == str(octopus_data.DOSSIER_ID)


def test_seeding_again_resets_the_credentials_and_keeps_one_integration(demo_companies):
    seed_demo_integrations(demo_companies)
    exact = integrations.active_integration(demo_companies[0])
    exact.credentials = {"refresh_token": "rotated", "access_token": "a"}
    exact.nightly_sync = True
    exact.save()

    seed_demo_integrations({company.slug: company for company in demo_companies})

    assert Integration.objects.filter(company=demo_companies[0]).count() == 1
    exact.refresh_from_db()
    assert exact.credentials == {"refresh_token": exact_data.DEMO_REFRESH_TOKEN}
    assert exact.nightly_sync is False


def test_demo_leaves_a_rate_unmapped_when_the_tool_has_no_code_for_it(demo_companies):
    invoice = InvoiceFactory(company=demo_companies[2])
    InvoiceLineFactory(invoice=invoice, vat_rate=Decimal("5.5"))

    seed_demo_integrations(demo_companies)

    mapping = integrations.active_integration(demo_companies[2]).vat_mapping
    assert mapping["21.00"] == yuki_data.VAT_MAPPING["21.00"]
    assert mapping["9.00"] == "2"  # Yuki's low rate is 9% in the Netherlands
    assert "5.50" not in mapping
