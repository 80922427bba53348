"""Secrets: tool credentials and tokens are encrypted at rest and never shown or logged.

Each tool is connected through the settings pages against its simulator (Exact Online through the
OAuth round trip), then synced, then made to fail: error replies that echo our secrets, expired
tokens, revoked credentials. Every secret value involved (the typed password or access key, the
tokens the tool issued) is then looked for in the raw database column, in every log record (all
loggers at DEBUG), in notifications, sync issues and runs, in the pages a user sees and in the
admin. None may appear.
"""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import urlsplit

import pytest
import requests
from django.db import connection
from django.test import Client
from django.urls import reverse

from bookkeeping.models import Integration, SyncIssue, SyncRun
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.simulators.exact_online import data as exact_data
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from notifications.models import Notification
from tests.factories import CustomerFactory, UserFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

TOOLS = ["exact_online", "octopus", "yuki"]
SECRET_KEYS = ("access_token", "refresh_token", "password", "access_key", "session_id")
# What each tool needs besides the credentials to book (the simulators' seeded choices).
MAPPINGS = {
    "exact_online": {
        "target_id": str(exact_data.DEMO_DIVISION),
        "sales_journal": exact_data.SALES_JOURNAL,
        "credit_note_journal": exact_data.CREDIT_NOTE_JOURNAL,
        "default_revenue_account": exact_data.REVENUE_ACCOUNT,
        "vat_mapping": dict(exact_data.VAT_MAPPING),
    },
    "octopus": {
        "target_id": str(octopus_data.DOSSIER_ID),
        "sales_journal": octopus_data.SALES_JOURNAL,
        "credit_note_journal": octopus_data.CREDIT_NOTE_JOURNAL,
        "default_revenue_account": str(octopus_data.REVENUE_ACCOUNT),
        "vat_mapping": dict(octopus_data.VAT_MAPPING),
    },
    "yuki": {
        "target_id": yuki_data.ADMINISTRATION_ID,
        "sales_journal": "sales",
        "credit_note_journal": "sales",
        "default_revenue_account": yuki_data.DEFAULT_GL_ACCOUNT,
        "vat_mapping": dict(yuki_data.VAT_MAPPING),
    },
}


# The call that books an invoice, by (method, path prefix or SOAP operation).
WRITE_CALLS = {
    "exact_online": ("POST", f"/api/v1/{exact_data.DEMO_DIVISION}/salesentry/SalesEntries"),
    "octopus": (
        "POST",
        f"{octopus_data.API_PREFIX}/dossiers/{octopus_data.DOSSIER_ID}/buysellbookings",
    ),
    "yuki": ("POST", "ProcessSalesInvoices"),
}


@pytest.fixture
def tool_settings(settings):
    settings.EXACT_ONLINE_CLIENT_ID = exact_data.DEMO_CLIENT_ID
    settings.EXACT_ONLINE_CLIENT_SECRET = exact_data.DEMO_CLIENT_SECRET
    settings.OCTOPUS_SOFTWARE_HOUSE_UUID = octopus_data.SOFTWARE_HOUSE_UUID
    return settings


@pytest.fixture(params=TOOLS)
def tool(request, tool_settings):
    return request.param, request.getfixturevalue(request.param)


@pytest.fixture
def all_logs(caplog):
    """Every logger of the process at DEBUG (also those the settings quiet, like urllib3)."""
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


# Connecting through the pages -------------------------------------------------------------------


def exact_oauth_round_trip(client: Client) -> None:
    """Connect pressed, consent granted at the simulator like a browser, back to the callback."""
    response = client.post(reverse("bookkeeping:connect"))
    assert response.status_code == 302
    consent_url = response["Location"]
    page = requests.get(consent_url, timeout=10)
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page.text))
    form = {key: value.replace("&amp;", "&") for key, value in form.items() if key != "action"}
    action = urlsplit(consent_url)._replace(path="/api/oauth2/auth", query="").geturl()
    reply = requests.post(
        action, data=form | {"action": "grant"}, allow_redirects=False, timeout=10
    )
    back = urlsplit(reply.headers["Location"])
    client.get(f"{back.path}?{back.query}")


def connect(client: Client, key: str) -> Integration:
    """Connects Acme to the tool through the settings pages and sets the mapping."""
    client.post(reverse("bookkeeping:choose_tool"), {"tool": key})
    if key == "exact_online":
        exact_oauth_round_trip(client)
    elif key == "octopus":
        client.post(
            reverse("bookkeeping:connect"),
            {"user": octopus_data.USER, "password": octopus_data.PASSWORD},
        )
    else:
        client.post(reverse("bookkeeping:connect"), {"access_key": yuki_data.ACCESS_KEY})
    client.post(reverse("bookkeeping:choose_target"), {"target": MAPPINGS[key]["target_id"]})
    integration = Integration.objects.get(is_active=True, tool=key)
    assert integration.status == Integration.Status.CONNECTED, str(integration.last_error)
    Integration.objects.filter(pk=integration.pk).update(
        **{k: v for k, v in MAPPINGS[key].items() if k != "target_id"}
    )
    integration.refresh_from_db()
    return integration


def book_invoices(company, count: int = 3) -> list[Invoice]:
    customer = CustomerFactory(company=company, vat_number="")
    return [
        make_booked_invoice(company, number=f"2026-{n:04d}", customer=customer)
        for n in range(1, count + 1)
    ]


# Finding the secrets ----------------------------------------------------------------------------


def seeded_secrets(key: str) -> set[str]:
    return {
        "exact_online": {exact_data.DEMO_REFRESH_TOKEN, exact_data.DEMO_CLIENT_SECRET},
        "octopus": {octopus_data.PASSWORD},
        "yuki": {yuki_data.ACCESS_KEY},
    }[key]


def issued_secrets(sim) -> set[str]:
    """The tokens, codes and sessions the simulator handed out so far."""
    found: set[str] = set()
    for name in (
        "codes",
        "access_tokens",
        "refresh_tokens",
        "tokens",
        "dossier_tokens",
        "sessions",
    ):
        found.update(str(value) for value in getattr(sim, name, ()) or ())
    return found


def stored_secrets(integration: Integration) -> set[str]:
    credentials = Integration.objects.get(pk=integration.pk).credentials
    return {str(credentials[k]) for k in SECRET_KEYS if credentials.get(k)}


def raw_credentials(integration: Integration) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM bookkeeping_integration WHERE id = %s", [integration.pk]
        )
        [stored] = cursor.fetchone()
    return stored


def assert_secret_free(text: str, secrets: set[str], where: str) -> None:
    for secret in secrets:
        if len(secret) >= 6:
            assert secret not in text, f"{where} shows the secret {secret[:4]}…"


def everything_users_see(company) -> str:
    """The texts the sync wrote for people: issues, runs, notifications, invoices, the row."""
    parts: list[str] = []
    for issue in SyncIssue.objects.filter(run__company=company):
        parts += [issue.message, issue.hint, issue.code, issue.link]
    for run in SyncRun.objects.filter(company=company):
        parts += [run.summary, run.error]
    for note in Notification.objects.filter(company=company):
        parts += [note.title, note.body, note.link]
    for invoice in Invoice.objects.filter(company=company):
        parts += [invoice.sync_message, invoice.booking_number]
    parts += [i.last_error for i in Integration.objects.filter(company=company)]
    return "\n".join(str(part) for part in parts)  # stored texts, as read now


def pages_of(client: Client, company) -> str:
    urls = [
        reverse("bookkeeping:settings"),
        reverse("bookkeeping:runs"),
        reverse("notifications:list"),
        reverse("notifications:bell_json"),
        reverse("bookkeeping:progress"),
        reverse("invoicing:overview") + "?columns=all",
    ]
    urls += [run.get_absolute_url() for run in SyncRun.objects.filter(company=company)]
    urls += [invoice.get_absolute_url() for invoice in Invoice.objects.filter(company=company)]
    return "\n".join(client.get(url).content.decode() for url in urls)


def echoing_error(key: str, secrets: set[str]) -> tuple[int, str]:
    """A failing reply that repeats our secrets, as a careless tool or proxy might."""
    secret = sorted(secrets)[0]
    if key == "exact_online":
        return 400, json.dumps(
            {
                "error": {"code": "", "message": {"lang": "", "value": "Internal failure"}},
                "access_token": secret,
                "refresh_token": secret,
                "Authorization": f"Bearer {secret}",
            }
        )
    if key == "octopus":
        return 400, json.dumps(
            {
                "errorCode": 999,
                "errorMessage": "Unexpected failure",
                "token": secret,
                "password": secret,
            }
        )
    return 500, (
        '<?xml version="1.0"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/'
        'envelope/"><soap:Body><soap:Fault><faultcode>soap:Server</faultcode><faultstring>'
        "Validation failed: the XML document is not valid.</faultstring><detail><accessKey>"
        f"{secret}</accessKey><sessionID>{secret}</sessionID></detail></soap:Fault>"
        "</soap:Body></soap:Envelope>"
    )


# At rest --------------------------------------------------------------------------------------------


def test_credentials_are_encrypted_in_the_database_after_connecting_and_syncing(
    tool, acme, alice_client, alice
):
    key, sim = tool
    integration = connect(alice_client, key)
    book_invoices(acme, 2)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.error)
    secrets = seeded_secrets(key) | stored_secrets(integration) | issued_secrets(sim)
    assert stored_secrets(integration)  # there is something to protect
    stored = raw_credentials(integration)
    assert stored.startswith("gAAAAA")  # a Fernet token
    assert_secret_free(stored, secrets, "the credentials column")
    for name in (*SECRET_KEYS, "user", "token"):
        assert name not in stored


# Logs and everything shown ---------------------------------------------------------------------


@pytest.mark.slow
def test_no_secret_reaches_logs_messages_or_pages_when_the_tool_fails(
    tool, acme, alice, alice_client, all_logs
):
    key, sim = tool
    integration = connect(alice_client, key)
    invoices = book_invoices(acme, 3)
    secrets = seeded_secrets(key) | stored_secrets(integration) | issued_secrets(sim)

    # 1. The booking call fails with a reply that echoes our secrets.
    status, body = echoing_error(key, secrets)
    sim.fail_next(*WRITE_CALLS[key], status=status, body=body)
    first = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert first.invoices_failed >= 1, str(first.summary)
    # The session or token expires between runs: access is renewed.
    sim.expire_tokens()
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    secrets |= stored_secrets(integration) | issued_secrets(sim)
    # 2. The credentials are revoked: the run ends and asks for a reconnect.
    sim.revoke()
    sim.expire_tokens()
    Invoice.objects.filter(pk=invoices[0].pk).update(booking_number="", sync_state="not_synced")
    make_booked_invoice(acme, number="2026-0099", customer=invoices[0].customer)
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    alice_client.post(reverse("bookkeeping:test_connection"))

    assert run.status == SyncRun.Status.FAILED
    assert SyncIssue.objects.filter(run__company=acme).exists()
    assert Notification.objects.filter(company=acme).count() >= 2
    secrets |= stored_secrets(integration) | issued_secrets(sim)
    logged = all_logs.text + "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in all_logs.records
    )
    assert len(all_logs.records) > 10
    assert f"Sync {first.pk}: " in logged  # the refusal that echoed the secrets was logged
    assert_secret_free(logged, secrets, "the log")
    assert_secret_free(everything_users_see(acme), secrets, "the texts of the sync")
    assert_secret_free(pages_of(alice_client, acme), secrets, "the pages")


def test_no_secret_is_logged_during_the_oauth_exchange(acme, alice_client, exact_online, all_logs):
    alice_client.post(reverse("bookkeeping:choose_tool"), {"tool": "exact_online"})
    exact_oauth_round_trip(alice_client)
    integration = Integration.objects.get(company=acme, is_active=True)
    assert integration.credentials["access_token"]
    # A second authorisation whose token exchange fails with a reply echoing the secret.
    exact_online.fail_next(
        "POST",
        "/api/oauth2/token",
        status=400,
        body=json.dumps({"error": "invalid_grant", "client_secret": exact_data.DEMO_CLIENT_SECRET}),
    )
    exact_oauth_round_trip(alice_client)

    secrets = seeded_secrets("exact_online") | stored_secrets(integration)
    secrets |= issued_secrets(exact_online)
    page = alice_client.get(reverse("bookkeeping:settings")).content.decode()
    assert any("oauth2" in record.getMessage() for record in all_logs.records)
    assert_secret_free(all_logs.text, secrets, "the log")
    assert_secret_free(page, secrets, "the settings page")


# The admin ----------------------------------------------------------------------------------------


def test_the_admin_never_shows_credentials_or_tokens(tool, acme, alice, alice_client):
    key, sim = tool
    integration = connect(alice_client, key)
    book_invoices(acme, 1)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    secrets = seeded_secrets(key) | stored_secrets(integration) | issued_secrets(sim)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    admin = Client()
    admin.force_login(root)
    run = SyncRun.objects.filter(company=acme).first()

    pages = [
        admin.get(reverse("admin:bookkeeping_integration_change", args=[integration.pk])),
        admin.get(reverse("admin:bookkeeping_integration_changelist")),
        admin.get(reverse("admin:bookkeeping_integration_changelist"), {"q": "acme"}),
        admin.get(reverse("admin:bookkeeping_syncrun_change", args=[run.pk])),
        admin.get(reverse("admin:bookkeeping_externalrecord_changelist")),
    ]

    for page in pages:
        assert page.status_code == 200
        assert_secret_free(page.content.decode(), secrets, "the admin")
    assert 'name="credentials"' not in pages[0].content.decode()
