"""Ids and numbers from URLs, forms and query strings of bookkeeping and notifications.

30-digit numbers (beyond any integer column), negative numbers and text give a 404 or a form
error, never a 500: the test client re-raises any view exception. Run on SQLite and PostgreSQL
(DATABASE_URL=postgres://...).
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from bookkeeping.models import Integration
from tests.security.conftest import project_routes

pytestmark = pytest.mark.django_db

HUGE = "9" * 30
BAD_IDS = [HUGE, "9223372036854775808", "2147483648", "-1", "0", "abc", "1e3", "%20"]
BAD_NUMBERS = [*BAD_IDS, "", "1.5", "-0"]
APPS = ("bookkeeping:", "notifications:")


def routes_with_an_id() -> list:
    return [route for route in project_routes() if route.name.startswith(APPS) and route.arguments]


def fill(route_text: str, value: str) -> str:
    """The route with every <converter:name> replaced by `value`."""
    import re

    return "/" + re.sub(r"<[^>]+>", value, route_text)


def test_every_id_route_of_bookkeeping_and_notifications_is_covered():
    names = {route.name for route in routes_with_an_id()}

    assert {
        "bookkeeping:run_detail",
        "bookkeeping:retry_run",
        "bookkeeping:retry_invoice",
        "notifications:read",
    } <= names


@pytest.mark.parametrize("value", BAD_IDS)
def test_a_bad_id_in_a_url_is_a_404(alice_client, acme_world, value):
    for route in routes_with_an_id():
        url = fill(route.route, value)
        for method in (alice_client.get, alice_client.post):
            response = method(url)
            assert response.status_code in (404, 405), (url, response.status_code)
        json = alice_client.post(url, HTTP_ACCEPT="application/json")
        assert json.status_code in (404, 405), url


@pytest.mark.parametrize("value", BAD_NUMBERS)
@pytest.mark.parametrize("name", ["bookkeeping:runs", "notifications:list"])
def test_a_bad_page_number_shows_a_page(alice_client, acme_world, name, value):
    response = alice_client.get(reverse(name), {"page": value})

    assert response.status_code == 200


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_the_json_endpoints_ignore_stray_ids(alice_client, acme_world, value):
    for name in ("bookkeeping:progress", "notifications:bell_json", "notifications:bell"):
        response = alice_client.get(reverse(name), {"run": value, "id": value, "page": value})
        assert response.status_code == 200, name


@pytest.fixture
def without_lists(acme_world, yuki):
    """Acme's Yuki integration with the tool out of reach: the settings show text inputs."""
    yuki.revoke()
    return acme_world.integration


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_bad_code_in_the_mapping_form_is_a_form_error(alice_client, without_lists, value):
    before = Integration.objects.filter(pk=without_lists.pk).values().get()
    data = {
        "sales_journal": value,
        "credit_note_journal": value,
        "default_revenue_account": value,
        "vat_21_00": value,
    }

    response = alice_client.post(reverse("bookkeeping:save_mapping"), data)

    assert response.status_code in (200, 302)
    integration = Integration.objects.get(pk=without_lists.pk)
    if len(value) > 20:
        assert response.status_code == 200
        assert "Ensure this value has at most 20 characters" in response.content.decode()
        assert integration.sales_journal == before["sales_journal"]


@pytest.mark.parametrize("value", [*BAD_NUMBERS, "9" * 70])
def test_a_bad_target_id_is_a_form_error_or_stored_as_text(alice_client, without_lists, value):
    response = alice_client.post(reverse("bookkeeping:choose_target"), {"target": value})

    assert response.status_code == 302
    settings_page = alice_client.get(reverse("bookkeeping:settings"))
    assert settings_page.status_code == 200


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_a_bad_nightly_switch_value_is_handled(alice_client, acme_world, value):
    response = alice_client.post(reverse("bookkeeping:toggle_nightly"), {"enabled": value})

    assert response.status_code == 302
