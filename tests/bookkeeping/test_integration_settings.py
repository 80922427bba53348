"""The integration settings page, over real HTTP to the tool simulators (no mocks).

alice (admin of Acme, Belgium) connects each tool; bob (member of Acme) and charlie (admin of
Globex, the Netherlands) must never reach or see Acme's integration.
"""

from __future__ import annotations

import re
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse

from bookkeeping.models import Integration, SyncRun
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.simulators.exact_online import data as exact_data
from tests.factories import InvoiceFactory, InvoiceLineFactory

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("bookkeeping:settings")
POST_URLS = [
    reverse(name)
    for name in (
        "bookkeeping:choose_tool",
        "bookkeeping:connect",
        "bookkeeping:choose_target",
        "bookkeeping:save_mapping",
        "bookkeeping:test_connection",
        "bookkeeping:toggle_nightly",
        "bookkeeping:disconnect",
        "bookkeeping:refresh_lists",
    )
]


@pytest.fixture
def tool_settings(settings):
    """The server-side settings of the tools: the simulators' registered app and software house."""
    settings.EXACT_ONLINE_CLIENT_ID = exact_data.DEMO_CLIENT_ID
    settings.EXACT_ONLINE_CLIENT_SECRET = exact_data.DEMO_CLIENT_SECRET
    settings.OCTOPUS_SOFTWARE_HOUSE_UUID = octopus_data.SOFTWARE_HOUSE_UUID
    return settings


def texts(response) -> list[str]:
    """The messages shown on the page the client landed on."""
    return [str(message) for message in response.context["messages"]]


def active(company) -> Integration:
    return Integration.objects.get(company=company, is_active=True)


def pick_tool(client: Client, tool: str, *, confirm: bool = False):
    data = {"tool": tool}
    if confirm:
        data["confirm"] = "True"
    return client.post(reverse("bookkeeping:choose_tool"), data, follow=True)


def start_exact_oauth(client: Client) -> str:
    """Picks Exact Online, presses Connect, and returns the consent URL it redirects to."""
    pick_tool(client, "exact_online")
    response = client.post(reverse("bookkeeping:connect"))
    assert response.status_code == 302
    return response["Location"]


def grant_at_simulator(consent_url: str, *, action: str = "grant") -> str:
    """Opens the simulator's consent page like a browser and presses a button; returns the
    Location the simulator sends the browser back to."""
    page = requests.get(consent_url, timeout=10)
    assert page.status_code == 200
    assert "Grant access" in page.text
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    form = {key: value.replace("&amp;", "&") for key, value in form.items() if key != "action"}
    action_url = urlsplit(consent_url)._replace(path="/api/oauth2/auth", query="").geturl()
    reply = requests.post(
        action_url, data=form | {"action": action}, allow_redirects=False, timeout=10
    )
    assert reply.status_code == 302
    return reply.headers["Location"]


def callback_path(location: str) -> str:
    parts = urlsplit(location)
    assert parts.path == reverse("bookkeeping:oauth_callback")
    return f"{parts.path}?{parts.query}"


# Picking the tool ---------------------------------------------------------------------------------


def test_it_offers_all_three_tools_to_a_belgian_company(alice_client):
    response = alice_client.get(SETTINGS_URL)

    assert response.status_code == 200
    content = response.content.decode()
    for key in ("exact_online", "octopus", "yuki"):
        assert f'name="tool" value="{key}"' in content


def test_it_offers_no_octopus_to_a_dutch_company(charlie_client):
    response = charlie_client.get(SETTINGS_URL)

    content = response.content.decode()
    assert 'value="exact_online"' in content
    assert 'value="yuki"' in content
    assert 'value="octopus"' not in content
    response = pick_tool(charlie_client, "octopus")
    assert "Pick one of the bookkeeping tools offered." in texts(response)
    assert not Integration.objects.exists()


def test_switching_tool_asks_confirmation_then_keeps_the_old_history(alice_client, acme):
    pick_tool(alice_client, "exact_online")
    old = active(acme)
    SyncRun.objects.create(
        integration=old, company=acme, trigger="manual", status=SyncRun.Status.SUCCEEDED
    )

    response = pick_tool(alice_client, "yuki")
    assert "Switch from Exact Online to Yuki?" in response.content.decode()
    assert active(acme).tool == "exact_online"

    response = pick_tool(alice_client, "yuki", confirm=True)
    assert "Yuki is your bookkeeping tool. Now connect it." in texts(response)
    assert active(acme).tool == "yuki"
    old.refresh_from_db()
    assert old.is_active is False
    assert old.runs.count() == 1


# Exact Online: OAuth ----------------------------------------------------------------------------


def test_it_connects_exact_online_through_the_oauth_round_trip(
    alice_client, acme, exact_online, tool_settings
):
    consent_url = start_exact_oauth(alice_client)
    assert consent_url.startswith(exact_online.url)
    query = parse_qs(urlsplit(consent_url).query)
    assert query["redirect_uri"] == ["http://testserver/bookkeeping/settings/oauth/callback/"]
    assert query["state"][0]

    location = grant_at_simulator(consent_url)
    response = alice_client.get(callback_path(location), follow=True)

    assert "Exact Online is connected. Now pick the division." in texts(response)
    content = response.content.decode()
    assert exact_data.DIVISIONS[exact_data.DEMO_DIVISION] in content
    integration = active(acme)
    assert integration.credentials["refresh_token"]
    assert integration.status == Integration.Status.NOT_CONNECTED

    response = alice_client.post(
        reverse("bookkeeping:choose_target"),
        {"target": str(exact_data.DEMO_DIVISION)},
        follow=True,
    )

    integration.refresh_from_db()
    assert integration.status == Integration.Status.CONNECTED
    assert integration.target_id == str(exact_data.DEMO_DIVISION)
    assert integration.target_name == exact_data.DIVISIONS[exact_data.DEMO_DIVISION]
    assert "Connected" in response.content.decode()
    assert integration.credentials["refresh_token"] not in response.content.decode()


@pytest.mark.parametrize("state", ["forged-state", ""])
def test_callback_is_refused_when_the_state_is_forged_or_missing(
    alice_client, acme, exact_online, tool_settings, state
):
    location = grant_at_simulator(start_exact_oauth(alice_client))
    code = parse_qs(urlsplit(location).query)["code"][0]

    response = alice_client.get(
        reverse("bookkeeping:oauth_callback"), {"code": code, "state": state}
    )

    assert response.status_code == 403
    integration = active(acme)
    assert integration.credentials == {}
    assert integration.status == Integration.Status.NOT_CONNECTED


def test_callback_is_refused_when_no_authorisation_was_started(alice_client, acme, exact_online):
    pick_tool(alice_client, "exact_online")

    response = alice_client.get(
        reverse("bookkeeping:oauth_callback"), {"code": "abc", "state": "abc"}
    )

    assert response.status_code == 403
    assert active(acme).credentials == {}


def test_a_denied_consent_shows_a_warning_and_saves_nothing(
    alice_client, acme, exact_online, tool_settings
):
    location = grant_at_simulator(start_exact_oauth(alice_client), action="deny")

    response = alice_client.get(callback_path(location), follow=True)

    assert response.redirect_chain[-1][0] == SETTINGS_URL
    assert "You did not give Booksync access to Exact Online." in texts(response)
    assert active(acme).credentials == {}


# Octopus and Yuki: typed credentials ------------------------------------------------------------


def connect_octopus(client: Client, *, password: str = octopus_data.PASSWORD):
    pick_tool(client, "octopus")
    return client.post(
        reverse("bookkeeping:connect"),
        {"user": octopus_data.USER, "password": password},
        follow=True,
    )


def test_it_connects_octopus_and_picks_the_dossier(alice_client, acme, octopus, tool_settings):
    response = connect_octopus(alice_client)

    assert "Octopus accepted the credentials. Now pick the dossier." in texts(response)
    content = response.content.decode()
    assert octopus_data.DOSSIER_NAME in content
    assert octopus_data.PASSWORD not in content

    response = alice_client.post(
        reverse("bookkeeping:choose_target"), {"target": str(octopus_data.DOSSIER_ID)}, follow=True
    )

    integration = active(acme)
    assert integration.status == Integration.Status.CONNECTED
    assert integration.target_id == str(octopus_data.DOSSIER_ID)
    content = response.content.decode()
    assert "Default cost centre" in content
    assert "cost centres of the booking are reset by that sync" in content
    assert octopus_data.PASSWORD not in content


def test_a_wrong_octopus_password_shows_the_tool_error_in_plain_words(
    alice_client, acme, octopus, tool_settings
):
    response = connect_octopus(alice_client, password="not-the-password")

    assert response.status_code == 200
    [message] = texts(response)
    assert message.startswith("Octopus refused to log in")
    assert "Check the Octopus user and password in Integration settings." in message
    assert "not-the-password" not in response.content.decode()
    integration = active(acme)
    assert integration.credentials == {}
    assert integration.status == Integration.Status.NOT_CONNECTED
    assert str(integration.last_error) == message


def test_it_connects_yuki_and_picks_the_administration(alice_client, acme, yuki, tool_settings):
    pick_tool(alice_client, "yuki")

    response = alice_client.post(
        reverse("bookkeeping:connect"), {"access_key": yuki_data.ACCESS_KEY}, follow=True
    )

    assert "Yuki accepted the credentials. Now pick the administration." in texts(response)
    assert yuki_data.ADMINISTRATION_NAME in response.content.decode()
    response = alice_client.post(
        reverse("bookkeeping:choose_target"), {"target": yuki_data.ADMINISTRATION_ID}, follow=True
    )
    integration = active(acme)
    assert integration.status == Integration.Status.CONNECTED
    assert integration.target_name == yuki_data.ADMINISTRATION_NAME
    assert yuki_data.ACCESS_KEY not in response.content.decode()
    assert "not pushed again: make the same change in Yuki" in response.content.decode()


def test_credentials_are_unreadable_in_the_database_table(
    alice_client, acme, octopus, tool_settings
):
    connect_octopus(alice_client)
    integration_id = active(acme).pk

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM bookkeeping_integration WHERE id = %s", [integration_id]
        )
        [stored] = cursor.fetchone()

    assert stored
    assert octopus_data.PASSWORD not in stored
    assert octopus_data.USER not in stored
    assert "password" not in stored
    assert active(acme).credentials["password"] == octopus_data.PASSWORD


def test_exact_online_tokens_are_unreadable_in_the_database_table(
    alice_client, acme, exact_online, tool_settings
):
    location = grant_at_simulator(start_exact_oauth(alice_client))
    alice_client.get(callback_path(location))
    integration = active(acme)
    tokens = [integration.credentials["refresh_token"], integration.credentials["access_token"]]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM bookkeeping_integration WHERE id = %s", [integration.pk]
        )
        [stored] = cursor.fetchone()

    for token in tokens:
        assert token not in stored
    assert "token" not in stored


# Journals, VAT mapping ---------------------------------------------------------------------------


def test_the_mapping_offers_the_tool_lists_and_the_rates_the_company_uses(
    alice_client, acme, yuki_integration
):
    invoice = InvoiceFactory(company=acme)
    InvoiceLineFactory(invoice=invoice, vat_rate=Decimal("9.00"))

    response = alice_client.get(SETTINGS_URL)

    content = response.content.decode()
    for rate in ("21", "12", "9", "6", "0"):
        assert f"VAT {rate}%" in content
    for code, (label, _rate) in yuki_data.VAT_TYPES.items():
        assert f'<option value="{code}"' in content
        assert label in content


def test_saving_the_mapping_stores_journals_account_and_vat_codes(
    alice_client, acme, octopus_integration
):
    data = {
        "sales_journal": octopus_data.SALES_JOURNAL,
        "credit_note_journal": octopus_data.CREDIT_NOTE_JOURNAL,
        "default_revenue_account": str(octopus_data.SERVICES_ACCOUNT),
        "default_cost_centre": "2",
        "vat_21_00": "21",
        "vat_12_00": "12",
        "vat_6_00": "",
        "vat_0_00": "0",
    }

    response = alice_client.post(reverse("bookkeeping:save_mapping"), data, follow=True)

    messages = texts(response)
    assert "Journals, revenue account and VAT codes saved." in messages
    assert "Invoices with VAT rate 6% cannot be synced until the rate is mapped to a VAT code." in (
        messages
    )
    integration = active(acme)
    assert integration.default_revenue_account == str(octopus_data.SERVICES_ACCOUNT)
    assert integration.default_cost_centre == "2"
    assert integration.vat_mapping == {"21.00": "21", "12.00": "12", "0.00": "0"}


def test_a_mapping_without_sales_journal_is_refused_with_the_field_marked(
    alice_client, acme, octopus_integration
):
    response = alice_client.post(
        reverse("bookkeeping:save_mapping"),
        {"sales_journal": "", "credit_note_journal": "V2", "default_revenue_account": "700000"},
    )

    assert response.status_code == 200
    assert "Some choices are missing: see the fields marked below." in texts(response)
    assert "This field is required." in response.content.decode()
    assert active(acme).sales_journal == octopus_data.SALES_JOURNAL


def test_the_mapping_falls_back_to_text_inputs_when_the_tool_fails(
    alice_client, acme, yuki_integration, yuki
):
    yuki.revoke()

    response = alice_client.get(SETTINGS_URL)

    assert response.status_code == 200
    assert texts(response)
    content = response.content.decode()
    assert 'name="sales_journal"' in content
    assert '<input type="text" name="vat_21_00"' in content
    assert "Reconnect needed" in content


# Test connection, nightly, disconnect ----------------------------------------------------------


def test_test_connection_shows_the_tool_line_when_access_works(
    alice_client, acme, exact_online_integration
):
    response = alice_client.post(reverse("bookkeeping:test_connection"), follow=True)

    [message] = texts(response)
    assert message.startswith("Connected to Exact Online")
    assert exact_data.DIVISIONS[exact_data.DEMO_DIVISION] in message
    assert active(acme).status == Integration.Status.CONNECTED


def test_test_connection_shows_the_error_and_asks_to_reconnect_when_access_is_revoked(
    alice_client, acme, exact_online_integration, exact_online
):
    exact_online.revoke()

    response = alice_client.post(reverse("bookkeeping:test_connection"), follow=True)

    [message] = texts(response)
    assert "Reconnect Exact Online in Integration settings." in message
    integration = active(acme)
    assert integration.status == Integration.Status.RECONNECT_NEEDED
    assert str(integration.last_error) == message
    content = response.content.decode()
    assert "Reconnect needed" in content
    assert "Reconnect Exact Online</button>" in content


def test_nightly_sync_switches_on_and_off(alice_client, acme, yuki_integration):
    response = alice_client.post(
        reverse("bookkeeping:toggle_nightly"), {"enabled": "1"}, follow=True
    )
    assert "Nightly sync switched on." in texts(response)
    assert active(acme).nightly_sync is True

    response = alice_client.post(
        reverse("bookkeeping:toggle_nightly"), {"enabled": "0"}, follow=True
    )
    assert "Nightly sync switched off." in texts(response)
    assert active(acme).nightly_sync is False


def test_disconnect_forgets_the_credentials_and_keeps_the_history(
    alice_client, acme, yuki_integration
):
    SyncRun.objects.create(
        integration=yuki_integration, company=acme, trigger="manual", status="succeeded"
    )

    response = alice_client.post(reverse("bookkeeping:disconnect"), follow=True)

    assert "Yuki disconnected. The sync history is kept." in texts(response)
    integration = active(acme)
    assert integration.credentials == {}
    assert integration.status == Integration.Status.NOT_CONNECTED
    assert integration.runs.count() == 1


# Who may do what ----------------------------------------------------------------------------------


def test_members_get_404_on_every_settings_url(bob_client, acme, yuki_integration):
    assert bob_client.get(SETTINGS_URL).status_code == 404
    assert bob_client.get(reverse("bookkeeping:oauth_callback")).status_code == 404
    for url in POST_URLS:
        assert bob_client.post(url, {"tool": "octopus", "enabled": "1"}).status_code == 404, url
    integration = active(acme)
    assert integration.tool == "yuki"
    assert integration.credentials
    assert integration.nightly_sync is False


def test_an_admin_of_another_company_only_sees_and_changes_his_own(
    charlie_client, acme, globex, yuki_integration
):
    response = charlie_client.get(SETTINGS_URL)

    content = response.content.decode()
    assert yuki_data.ADMINISTRATION_NAME not in content
    assert "Acme" not in content
    for url in POST_URLS:
        charlie_client.post(url, {"enabled": "1"})
    integration = active(acme)
    assert integration.credentials
    assert integration.status == Integration.Status.CONNECTED
    assert integration.nightly_sync is False


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get(SETTINGS_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_csrf_is_enforced_on_every_post(alice, acme, yuki_integration):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    for url in POST_URLS:
        assert client.post(url, {"tool": "octopus", "enabled": "1"}).status_code == 403, url
    integration = active(acme)
    assert integration.tool == "yuki"
    assert integration.credentials
    assert integration.nightly_sync is False


def test_the_admin_never_shows_credentials(acme, yuki_integration):
    from tests.factories import UserFactory

    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)

    change = client.get(reverse("admin:bookkeeping_integration_change", args=[yuki_integration.pk]))
    listing = client.get(reverse("admin:bookkeeping_integration_changelist"), {"q": "acme"})

    assert change.status_code == 200
    assert listing.status_code == 200
    for response in (change, listing):
        content = response.content.decode()
        assert yuki_data.ACCESS_KEY not in content
        assert 'name="credentials"' not in content
    assert "Credentials stored" in change.content.decode()
    assert yuki_data.ADMINISTRATION_NAME in listing.content.decode()


def test_the_admin_shows_a_run_with_its_issues(acme, yuki_integration):
    from tests.factories import UserFactory

    superuser = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    run = SyncRun.objects.create(
        integration=yuki_integration, company=acme, trigger="manual", status="partially_failed"
    )
    run.issues.create(kind="rejected", message="Yuki refused invoice 2026-0007", hint="Map 6%")

    detail = client.get(reverse("admin:bookkeeping_syncrun_change", args=[run.pk]))

    assert "Yuki refused invoice 2026-0007" in detail.content.decode()
    for name in ("syncrun", "syncissue", "externalrecord"):
        listing = client.get(reverse(f"admin:bookkeeping_{name}_changelist"))
        assert listing.status_code == 200, name
    issues = client.get(reverse("admin:bookkeeping_syncissue_changelist"), {"q": "2026-0007"})
    assert "Yuki refused invoice 2026-0007" in issues.content.decode()


def test_a_list_the_tool_sends_in_a_shape_we_cannot_read_is_an_error_on_the_page_not_a_crash(
    exact_online, exact_online_integration, alice_client
):
    exact_online.fail_next(
        "GET",
        "/api/v1/123456/financial/Journals",
        kind="status",
        status=200,
        headers={"Content-Type": "application/json"},
        body='{"d": {"results": [{"Unexpected": 1}]}}',
    )

    response = alice_client.get("/bookkeeping/settings/")

    assert response.status_code == 200
    assert "Exact Online sent a reply we could not read." in response.content.decode()
