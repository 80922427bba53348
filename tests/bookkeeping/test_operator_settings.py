"""A missing operator setting (client id, software house, base URL) is a plain sentence, never a 500.

Every step of the settings flow shows "Booksync is not configured for <tool>: ask your
administrator to set <SETTING>." and loses nothing; the sync's notification says the same.
The client re-raises any view exception, so a 500 fails these tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from bookkeeping.connectors.octopus.auth import SOFTWARE_HOUSE_REFUSED_MESSAGE
from bookkeeping.connectors.registry import NOT_CONFIGURED_MESSAGE
from bookkeeping.models import Integration, SyncRun
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.simulators.exact_online import data as exact_data
from bookkeeping.sync import sync_company
from notifications.models import Notification
from tests.bookkeeping.test_integration_settings import (
    callback_path,
    grant_at_simulator,
    start_exact_oauth,
    texts,
)
from tests.factories import make_booked_invoice

pytestmark = pytest.mark.django_db

SETTINGS_URL = reverse("bookkeeping:settings")


@dataclass(frozen=True)
class Missing:
    tool: str
    label: str
    setting: str
    # The setting's value (the test proves it never reaches a page); "" when it is a URL.
    secret: str = ""

    @property
    def sentence(self) -> str:
        return NOT_CONFIGURED_MESSAGE % {"tool": self.label, "setting": self.setting}


MISSING = [
    Missing("octopus", "Octopus", "OCTOPUS_SOFTWARE_HOUSE_UUID", octopus_data.SOFTWARE_HOUSE_UUID),
    Missing("octopus", "Octopus", "OCTOPUS_BASE_URL"),
    Missing("exact_online", "Exact Online", "EXACT_ONLINE_CLIENT_ID", exact_data.DEMO_CLIENT_ID),
    Missing(
        "exact_online", "Exact Online", "EXACT_ONLINE_CLIENT_SECRET", exact_data.DEMO_CLIENT_SECRET
    ),
    Missing("exact_online", "Exact Online", "EXACT_ONLINE_BASE_URL"),
    Missing("yuki", "Yuki", "YUKI_BASE_URL"),
]

CREDENTIALS = {
    "octopus": {"user": octopus_data.USER, "password": octopus_data.PASSWORD},
    "yuki": {"access_key": yuki_data.ACCESS_KEY},
}


def mapping_data(integration: Integration) -> dict[str, str]:
    return {
        "sales_journal": integration.sales_journal,
        "credit_note_journal": integration.credit_note_journal,
        "default_revenue_account": integration.default_revenue_account,
        "default_cost_centre": integration.default_cost_centre,
    } | {f"vat_{rate.replace('.', '_')}": code for rate, code in integration.vat_mapping.items()}


def row(integration: Integration) -> dict:
    """What a failed step must leave as it was: every column (credentials decrypted) but the
    times (choosing the target again is a new connection)."""
    values = Integration.objects.filter(pk=integration.pk).values().get()
    values.pop("updated_at")
    values.pop("connected_at")
    return values


STEPS = {
    "page": lambda client, integration: client.get(SETTINGS_URL),
    "pick tool": lambda client, integration: client.post(
        reverse("bookkeeping:choose_tool"), {"tool": integration.tool}, follow=True
    ),
    "connect": lambda client, integration: client.post(
        reverse("bookkeeping:connect"), CREDENTIALS.get(integration.tool, {}), follow=True
    ),
    "choose target": lambda client, integration: client.post(
        reverse("bookkeeping:choose_target"), {"target": integration.target_id}, follow=True
    ),
    "refresh lists": lambda client, integration: client.post(
        reverse("bookkeeping:refresh_lists"), follow=True
    ),
    "save mapping": lambda client, integration: client.post(
        reverse("bookkeeping:save_mapping"), mapping_data(integration), follow=True
    ),
    "test connection": lambda client, integration: client.post(
        reverse("bookkeeping:test_connection"), follow=True
    ),
}


@pytest.mark.parametrize("step", list(STEPS))
@pytest.mark.parametrize("missing", MISSING, ids=lambda m: m.setting)
def test_every_step_says_which_setting_is_missing_and_loses_nothing(
    request, alice_client, acme, missing, step
):
    integration = request.getfixturevalue(f"{missing.tool}_integration")
    before = row(integration)
    setattr(request.getfixturevalue("settings"), missing.setting, "")

    response = STEPS[step](alice_client, integration)

    assert response.status_code == 200
    assert texts(response).count(missing.sentence) == 1
    assert row(integration) == before
    if missing.secret:
        assert missing.secret not in response.content.decode()


def test_the_oauth_callback_says_which_setting_is_missing(alice_client, acme, exact_online):
    location = grant_at_simulator(start_exact_oauth(alice_client))
    exact_online_settings = Missing(
        "exact_online", "Exact Online", "EXACT_ONLINE_CLIENT_SECRET", exact_data.DEMO_CLIENT_SECRET
    )
    from django.conf import settings

    settings.EXACT_ONLINE_CLIENT_SECRET = ""  # restored by the exact_online fixture's `settings`

    response = alice_client.get(callback_path(location), follow=True)

    assert response.status_code == 200
    assert exact_online_settings.sentence in texts(response)
    integration = Integration.objects.get(company=acme, is_active=True)
    assert integration.credentials == {}
    assert str(integration.last_error) == ""


def test_a_software_house_octopus_does_not_know_is_a_plain_sentence(
    alice_client, acme, octopus_integration, settings
):
    settings.OCTOPUS_SOFTWARE_HOUSE_UUID = "00000000-0000-0000-0000-000000000000"

    response = alice_client.post(reverse("bookkeeping:test_connection"), follow=True)

    assert response.status_code == 200
    assert SOFTWARE_HOUSE_REFUSED_MESSAGE % {"setting": "OCTOPUS_SOFTWARE_HOUSE_UUID"} in texts(
        response
    )
    assert Integration.objects.get(pk=octopus_integration.pk).is_connected


@pytest.fixture
def sync_without_software_house(acme, alice, octopus_integration, settings) -> SyncRun:
    make_booked_invoice(acme, number="2026-0001")
    settings.OCTOPUS_SOFTWARE_HOUSE_UUID = ""
    # The sync re-raises what it does not expect, after it closed the run and notified.
    with pytest.raises(ImproperlyConfigured, match="OCTOPUS_SOFTWARE_HOUSE_UUID"):
        sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    return SyncRun.objects.get(company=acme)


def test_the_sync_run_and_the_page_the_bell_links_to_name_the_missing_setting(
    alice_client, alice, sync_without_software_house
):
    run = sync_without_software_house
    sentence = MISSING[0].sentence

    assert run.status == SyncRun.Status.FAILED
    assert sentence in str(run.error)
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.ERROR
    page = alice_client.get(note.link).content.decode()
    assert sentence in page
    assert octopus_data.SOFTWARE_HOUSE_UUID not in page


def test_the_sync_notification_names_the_missing_setting(alice, sync_without_software_house):
    note = Notification.objects.get(recipient=alice)

    assert MISSING[0].sentence in note.title + note.body
