"""Tenant isolation: every URL of the project, walked with another company's objects.

charlie (admin of Globex) requests every URL pattern of the project, GET and POST, with the ids of
Acme's invoices, customers, runs, issues and notifications. He gets a 404, a 405 or a page of his
own company: never a byte of Acme's data, and nothing of Acme changes. Without a login every URL
leads to the login page. A new URL pattern with an argument this walk cannot fill fails the walk.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from tests.security.conftest import (
    ACME_MARKERS,
    AcmeWorld,
    Route,
    acme_snapshot,
    project_routes,
)

pytestmark = pytest.mark.django_db

# How to fill the arguments of each URL pattern with one of Acme's objects. A pattern with an
# argument that is not listed here fails test_every_url_argument_can_be_filled.
ARGUMENT_FILLERS: dict[str, Callable[[AcmeWorld], dict[str, int]]] = {
    "invoicing:invoice_detail": lambda world: {"pk": world.invoice.pk},
    "invoicing:invoice_edit": lambda world: {"pk": world.invoice.pk},
    "invoicing:invoice_book": lambda world: {"pk": world.invoice.pk},
    "invoicing:invoice_delete": lambda world: {"pk": world.invoice.pk},
    "invoicing:customer_edit": lambda world: {"pk": world.customer.pk},
    "bookkeeping:run_detail": lambda world: {"pk": world.run.pk},
    "bookkeeping:retry_run": lambda world: {"pk": world.run.pk},
    "bookkeeping:retry_invoice": lambda world: {"pk": world.issue.pk},
    "bookkeeping:recovery_link": lambda world: {"pk": world.invoice.pk},
    "bookkeeping:recovery_mark_booked": lambda world: {"pk": world.invoice.pk},
    "bookkeeping:recovery_send_again": lambda world: {"pk": world.invoice.pk},
    "bookkeeping:recovery_never_send": lambda world: {"pk": world.invoice.pk},
    "bookkeeping:recovery_retry": lambda world: {"pk": world.invoice.pk},
    "notifications:read": lambda world: {"notification_id": world.notification.pk},
}
LOGIN_URL = reverse("login")
# Open to anybody, holding no company data: the login page, the texts of the scripts (also the
# login page needs them) and the favicon.
PUBLIC_ROUTES = {"login", "javascript-catalog", "favicon"}


def url_of(route: Route, world: AcmeWorld) -> str:
    kwargs = ARGUMENT_FILLERS[route.name](world) if route.arguments else {}
    return reverse(route.name, kwargs=kwargs)


def posted_data(world: AcmeWorld) -> dict[str, str]:
    """Form fields that name Acme's objects, as a curious user would type them."""
    return {
        "company": str(world.invoice.company_id),
        "customer": str(world.customer.pk),
        "invoice": str(world.invoice.pk),
        "tool": "yuki",
        "target": world.integration.target_id,
        "enabled": "1",
        "columns": "booking_number",
        "next": world.invoice.get_absolute_url(),
    }


def assert_no_acme_data(content: bytes, where: str) -> None:
    text = content.decode(errors="replace")
    for marker in ACME_MARKERS:
        assert marker not in text, f"{where} shows Acme's {marker!r}"


def test_every_url_argument_can_be_filled():
    routes = project_routes()
    names = {route.name for route in routes}

    unfilled = [r.route for r in routes if r.arguments and r.name not in ARGUMENT_FILLERS]

    assert not unfilled, (
        "New URL patterns with arguments: add them to ARGUMENT_FILLERS so that the tenant "
        f"isolation walk requests them with another company's object: {unfilled}"
    )
    assert set(ARGUMENT_FILLERS) <= names, "ARGUMENT_FILLERS names URLs that no longer exist"
    assert {"notifications:bell", "notifications:bell_json", "bookkeeping:progress"} <= names


def test_every_filler_gives_the_arguments_its_url_needs(acme_world):
    for route in project_routes():
        if route.arguments:
            assert set(ARGUMENT_FILLERS[route.name](acme_world)) == set(route.arguments), route


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_company_never_sees_or_changes_acme_data_on_any_url(
    method, acme_world, acme, charlie
):
    before = acme_snapshot(acme)
    client = Client()
    checked = 0

    for route in project_routes():
        client.force_login(charlie)  # the walk passes the logout URL too
        url = url_of(route, acme_world)
        send = getattr(client, method)
        first = send(url, posted_data(acme_world)) if method == "post" else send(url)
        where = f"{method.upper()} {url} ({route.name})"
        assert first.status_code != 500, where
        if route.arguments:
            # Another company's object does not exist for charlie.
            assert first.status_code in (404, 405), f"{where}: {first.status_code}"
        assert_no_acme_data(first.content, where)
        if first.status_code in (301, 302):
            final = client.get(first["Location"])
            assert final.status_code != 500, where
            assert_no_acme_data(final.content, f"{where} -> {first['Location']}")
        checked += 1

    assert checked == len(project_routes()) > 30
    assert acme_snapshot(acme) == before


def test_the_walk_would_see_acme_data_if_it_leaked(acme_world, alice_client):
    """The markers are on Acme's own pages: the walk above would notice them."""
    for route in project_routes():
        if not route.arguments:
            continue
        url = url_of(route, acme_world)
        response = alice_client.get(url)
        if response.status_code == 405:
            assert alice_client.post(url).status_code != 404, route.name
            continue
        assert response.status_code == 200, route.name
        text = response.content.decode()
        assert any(marker in text for marker in ACME_MARKERS), route.name


def test_the_json_and_partial_endpoints_only_speak_of_the_own_company(
    acme_world, charlie_client, alice_client
):
    progress = charlie_client.get(reverse("bookkeeping:progress")).json()
    bell = charlie_client.get(reverse("notifications:bell_json")).json()
    partial = charlie_client.get(reverse("notifications:bell"))

    assert progress == {"running": False, "run": None}
    assert bell == {"unread_count": 0, "notifications": []}
    assert_no_acme_data(partial.content, "bell partial")
    # Acme's admin sees them: the endpoints are not simply empty.
    assert alice_client.get(reverse("bookkeeping:progress")).json()["run"] == acme_world.run.pk
    alice_bell = alice_client.get(reverse("notifications:bell_json")).json()
    assert [n["id"] for n in alice_bell["notifications"]] == [acme_world.notification.pk]


def test_a_notification_of_a_former_company_stays_out_of_the_bell(
    acme_world, acme, charlie, charlie_client
):
    """charlie once worked in Acme: what he received there is not shown while he is in Globex."""
    from notifications.models import Notification

    old = Notification.objects.create(
        recipient=charlie, company=acme, title=acme_world.notification.title
    )

    bell = charlie_client.get(reverse("notifications:bell_json")).json()
    listing = charlie_client.get(reverse("notifications:list"))
    read = charlie_client.post(reverse("notifications:read", args=[old.pk]))

    assert bell["notifications"] == []
    assert_no_acme_data(listing.content, "notification list")
    assert read.status_code == 404


@pytest.mark.parametrize("method", ["get", "post"])
def test_without_login_every_url_leads_to_the_login_page(method, acme_world, acme, client):
    before = acme_snapshot(acme)

    for route in project_routes():
        if route.name in PUBLIC_ROUTES:
            continue
        url = url_of(route, acme_world)
        response = getattr(client, method)(url, follow=True)
        where = f"{method.upper()} {url} ({route.name})"
        if response.redirect_chain:
            assert response.redirect_chain[-1][0].startswith(LOGIN_URL), where
            assert response.request["PATH_INFO"] == LOGIN_URL, where
        else:
            # A method the URL does not take is refused before anything else.
            assert response.status_code == 405, f"{where}: {response.status_code}"
        assert_no_acme_data(response.content, where)

    assert acme_snapshot(acme) == before


def test_without_login_each_url_reaches_the_login_page_with_the_method_it_takes(acme_world, client):
    for route in project_routes():
        if route.name in PUBLIC_ROUTES:
            continue
        url = url_of(route, acme_world)
        landed = [
            getattr(client, method)(url, follow=True).request["PATH_INFO"]
            for method in ("get", "post")
        ]
        assert LOGIN_URL in landed, f"{url} ({route.name}) never shows the login page"


def test_the_login_page_itself_is_open(client):
    response = client.get(LOGIN_URL)

    assert response.status_code == 200
    assert 'name="password"' in response.content.decode()
