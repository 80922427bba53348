"""Roles and CSRF: members never touch the integration; no state changes without a CSRF token.

The URLs come from the URL configuration, so a settings URL or a form added later is covered
without editing this file. The OAuth `state` checks themselves are tested in depth in
tests/bookkeeping/test_integration_settings.py; here a short check that a forged state saves
nothing.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bookkeeping.models import Integration
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.views.integration import OAUTH_SESSION_KEY
from tests.security.conftest import ACME_TARGET, acme_snapshot, project_routes
from tests.security.test_tenant_isolation import posted_data, url_of

pytestmark = pytest.mark.django_db

SETTINGS_PREFIX = "bookkeeping/settings/"


def settings_routes():
    routes = [route for route in project_routes() if route.route.startswith(SETTINGS_PREFIX)]
    assert len(routes) >= 10  # the page, tool, connect, callback, target, mapping, test, ...
    return routes


def integration_row(integration: Integration) -> dict:
    return Integration.objects.filter(pk=integration.pk).values().get()


def member_data(world) -> dict[str, str]:
    """What a member would post to connect, change or disconnect the integration."""
    return posted_data(world) | {
        "access_key": yuki_data.ACCESS_KEY,
        "user": "bob",
        "password": "bob-password",
        "sales_journal": "other",
        "credit_note_journal": "other",
        "default_revenue_account": "9999",
        "confirm": "True",
        "enabled": "1",
        "code": "abc",
        "state": "abc",
    }


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_get_404_on_every_settings_url_and_change_nothing(
    method, acme_world, acme, bob_client
):
    before = acme_snapshot(acme)
    row = integration_row(acme_world.integration)

    for route in settings_routes():
        url = reverse(route.name)
        if method == "post":
            response = bob_client.post(url, member_data(acme_world))
        else:
            response = bob_client.get(url, member_data(acme_world))
        assert response.status_code == 404, f"{method.upper()} {url}: {response.status_code}"
        content = response.content.decode()
        assert ACME_TARGET not in content
        assert "acme-access-key" not in content

    assert integration_row(acme_world.integration) == row
    assert acme_snapshot(acme) == before


def test_the_same_requests_work_for_the_company_admin(acme_world, alice_client):
    """The 404s above come from the role: alice, admin of Acme, reaches the same URLs."""
    response = alice_client.post(reverse("bookkeeping:toggle_nightly"), {"enabled": "1"})
    assert response.status_code == 302
    acme_world.integration.refresh_from_db()
    assert acme_world.integration.nightly_sync is True

    response = alice_client.get(reverse("bookkeeping:settings"))
    assert response.status_code == 200
    assert ACME_TARGET in response.content.decode()


def test_members_see_no_settings_link_nor_connection_details(acme_world, bob_client):
    response = bob_client.get(reverse("invoicing:overview"))

    content = response.content.decode()
    assert response.status_code == 200
    assert reverse("bookkeeping:settings") not in content
    assert ACME_TARGET not in content


# CSRF -----------------------------------------------------------------------------------------


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(acme_world, acme, alice):
    before = acme_snapshot(acme)
    client = Client(enforce_csrf_checks=True)

    for route in project_routes():
        client.force_login(alice)
        url = url_of(route, acme_world)
        response = client.post(url, posted_data(acme_world))
        assert response.status_code == 403, f"POST {url} ({route.name}): {response.status_code}"
        # JavaScript sends the header; a wrong one is refused as well.
        response = client.post(url, posted_data(acme_world), HTTP_X_CSRFTOKEN="forged" * 6)
        assert response.status_code == 403, f"POST {url} ({route.name}) with a forged header"

    assert acme_snapshot(acme) == before


def test_anonymous_posts_without_a_token_are_refused_too(acme_world):
    client = Client(enforce_csrf_checks=True)

    for route in project_routes():
        response = client.post(url_of(route, acme_world), {"username": "alice"})
        assert response.status_code == 403, route.name


def test_a_post_with_the_token_of_the_page_goes_through(acme_world, alice):
    """The refusals above come from the missing token, not from something else."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get(reverse("invoicing:overview"))
    token = client.cookies["csrftoken"].value

    response = client.post(
        reverse("bookkeeping:toggle_nightly"), {"enabled": "1", "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    acme_world.integration.refresh_from_db()
    assert acme_world.integration.nightly_sync is True


@pytest.mark.parametrize("state", ["", "forged-state"])
def test_the_oauth_callback_saves_nothing_for_a_missing_or_forged_state(
    acme_world, alice_client, state
):
    Integration.objects.filter(pk=acme_world.integration.pk).update(
        tool="exact_online", status=Integration.Status.NOT_CONNECTED, credentials={}
    )
    session = alice_client.session
    session[OAUTH_SESSION_KEY] = {
        "state": "the-real-state",
        "company_id": acme_world.run.company_id,
    }
    session.save()
    row = integration_row(acme_world.integration)

    response = alice_client.get(
        reverse("bookkeeping:oauth_callback"), {"code": "stolen-code", "state": state}
    )

    assert response.status_code == 403
    assert integration_row(acme_world.integration) == row
    acme_world.integration.refresh_from_db()
    assert acme_world.integration.credentials == {}
