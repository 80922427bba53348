"""Credentials that no encryption key can read (FIELD_ENCRYPTION_KEY was changed).

They never crash a page or a sync: the integration shows "Reconnect needed" with the reason, a
sync ends with that reason and marks the integration, and reconnecting stores new credentials
with the newest key. Real database, Django test client, simulators over HTTP.
"""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.db import connection
from django.urls import reverse

from bookkeeping.models import (
    RECONNECT_HINT,
    UNREADABLE_CREDENTIALS_MESSAGE,
    Integration,
    SyncIssue,
    SyncRun,
)
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from notifications.models import Notification
from tests.bookkeeping.test_integration_settings import (
    callback_path,
    grant_at_simulator,
    texts,
)
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

NEW_KEY = Fernet.generate_key().decode()


def unreadable_text(tool_label: str) -> str:
    return (
        f"{UNREADABLE_CREDENTIALS_MESSAGE % {'tool': tool_label}} "
        f"{RECONNECT_HINT % {'tool': tool_label}}"
    )


def stored_ciphertext(integration: Integration) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM bookkeeping_integration WHERE id = %s", [integration.pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def key_changed(settings):
    """The operator replaced FIELD_ENCRYPTION_KEY by a new key, without the old one."""
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY
    return settings


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


# Pages ------------------------------------------------------------------------------------------


@pytest.fixture
def history(acme, alice, yuki_integration):
    """A synced invoice, a run with an issue and an error notification pointing at the invoice."""
    invoice = make_booked_invoice(acme, number="2026-0001", customer=CustomerFactory(company=acme))
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number="BK-1", sync_state=Invoice.SyncState.SYNCED
    )
    run = SyncRun.objects.create(
        integration=yuki_integration,
        company=acme,
        trigger=SyncRun.Trigger.MANUAL,
        started_by=alice,
        status=SyncRun.Status.PARTIALLY_FAILED,
    )
    SyncIssue.objects.create(run=run, invoice=invoice, kind="rejected", message="Refused")
    Notification.objects.create(
        recipient=alice,
        company=acme,
        source=f"sync-run:{run.pk}",
        level=Notification.Level.ERROR,
        title="1 invoice failed",
        link=invoice.get_absolute_url(),
    )
    return invoice, run


def test_every_page_answers_200_after_the_key_was_changed(alice_client, history, key_changed):
    invoice, run = history
    urls = [
        reverse("invoicing:overview"),
        reverse("bookkeeping:settings"),
        reverse("bookkeeping:runs"),
        reverse("bookkeeping:run_detail", args=[run.pk]),
        reverse("bookkeeping:progress"),
        invoice.get_absolute_url(),
        reverse("notifications:list"),
    ]

    for url in urls:
        assert alice_client.get(url).status_code == 200, url


def test_the_settings_page_and_the_overview_say_reconnect_needed_and_why(
    alice_client, acme, yuki_integration, yuki, key_changed
):
    settings_page = alice_client.get(reverse("bookkeeping:settings")).content.decode()
    overview = alice_client.get(reverse("invoicing:overview")).content.decode()

    for content in (settings_page, overview):
        assert unreadable_text("Yuki") in content
    assert "Reconnect needed" in settings_page
    assert "Reconnect</button>" in settings_page
    assert yuki.calls == []  # nothing is asked of the tool with credentials we cannot send


def test_loading_and_saving_the_row_never_overwrites_the_stored_credentials(
    acme, yuki_integration, settings
):
    old_key = settings.FIELD_ENCRYPTION_KEY
    original = stored_ciphertext(yuki_integration)
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY

    integration = Integration.objects.get(pk=yuki_integration.pk)
    assert integration.credentials_unreadable
    assert integration.needs_reconnect
    assert not integration.credentials
    integration.nightly_sync = True
    integration.save()
    integration.save(update_fields=["credentials", "updated_at"])
    integration.full_clean()

    assert stored_ciphertext(integration) == original
    settings.FIELD_ENCRYPTION_KEY = old_key  # the old key restored: all readable again
    assert Integration.objects.get(pk=integration.pk).credentials == yuki_integration.credentials


# The sync -------------------------------------------------------------------------------------


def test_a_sync_ends_with_the_reason_and_marks_the_integration_reconnect_needed(
    tool, acme, alice, key_changed
):
    key, sim, integration = tool
    make_booked_invoice(acme, number="2026-0001")
    sim.reset_calls()

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    label = integration.tool_label
    assert run.status == SyncRun.Status.FAILED
    assert str(run.error) == UNREADABLE_CREDENTIALS_MESSAGE % {"tool": label}
    assert sim.calls == []
    integration.refresh_from_db()
    assert integration.status == Integration.Status.RECONNECT_NEEDED
    assert str(integration.last_error) == unreadable_text(label)
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.ERROR
    assert UNREADABLE_CREDENTIALS_MESSAGE % {"tool": label} in note.body
    assert note.link == reverse("bookkeeping:settings") + "#step-connect"


def test_the_connection_test_says_why_and_marks_reconnect_needed(
    alice_client, acme, exact_online_integration, key_changed
):
    response = alice_client.post(reverse("bookkeeping:test_connection"), follow=True)

    assert texts(response) == [unreadable_text("Exact Online")]
    integration = Integration.objects.get(pk=exact_online_integration.pk)
    assert integration.status == Integration.Status.RECONNECT_NEEDED


# Reconnecting ---------------------------------------------------------------------------------


def test_reconnecting_octopus_stores_the_credentials_with_the_new_key_and_syncs_again(
    alice_client, acme, alice, octopus_integration, octopus, key_changed
):
    invoice = make_booked_invoice(acme, number="2026-0001")

    response = alice_client.post(
        reverse("bookkeeping:connect"),
        {"user": octopus_data.USER, "password": octopus_data.PASSWORD},
        follow=True,
    )
    assert "Octopus accepted the credentials. Now pick the dossier." in texts(response)
    alice_client.post(
        reverse("bookkeeping:choose_target"), {"target": str(octopus_data.DOSSIER_ID)}
    )

    integration = Integration.objects.get(pk=octopus_integration.pk)
    assert not integration.credentials_unreadable
    assert integration.status == Integration.Status.CONNECTED
    stored = Fernet(NEW_KEY.encode()).decrypt(stored_ciphertext(integration).encode())
    assert octopus_data.PASSWORD.encode() in stored
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert octopus.bookings(invoice.number)


def test_a_refused_reconnect_keeps_the_stored_credentials_as_they_were(
    alice_client, acme, octopus_integration, octopus, key_changed
):
    original = stored_ciphertext(octopus_integration)

    response = alice_client.post(
        reverse("bookkeeping:connect"),
        {"user": octopus_data.USER, "password": "not-the-password"},
        follow=True,
    )

    assert texts(response)[0].startswith("Octopus refused to log in")
    assert stored_ciphertext(octopus_integration) == original


def test_reconnecting_exact_online_through_oauth_makes_everything_work_again(
    alice_client, acme, alice, exact_online_integration, exact_online, key_changed
):
    invoice = make_booked_invoice(acme, number="2026-0001")
    alice_client.get(reverse("bookkeeping:settings"))

    consent = alice_client.post(reverse("bookkeeping:connect"))
    assert consent.status_code == 302
    location = grant_at_simulator(consent["Location"])
    response = alice_client.get(callback_path(location), follow=True)
    assert "Exact Online is connected. Now pick the division." in texts(response)
    alice_client.post(
        reverse("bookkeeping:choose_target"), {"target": exact_online_integration.target_id}
    )

    integration = Integration.objects.get(pk=exact_online_integration.pk)
    assert integration.credentials["refresh_token"]
    assert integration.status == Integration.Status.CONNECTED
    assert unreadable_text("Exact Online") not in (
        alice_client.get(reverse("bookkeeping:settings")).content.decode()
    )
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    assert run.status == SyncRun.Status.SUCCEEDED
    assert exact_online.bookings(invoice.number)
