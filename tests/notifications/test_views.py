"""The bell's pages and endpoints, as the user meets them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from notifications import services

pytestmark = pytest.mark.django_db


def _notify(user, company, *, title="Synced", level="info", link=""):
    return services.notify(recipients=[user], company=company, level=level, title=title, link=link)[
        0
    ]


def test_anonymous_user_is_sent_to_the_login_page(client, acme, alice):
    notification = _notify(alice, acme)

    for url in ["/notifications/", "/notifications/bell/", "/notifications/bell.json"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    response = client.post(f"/notifications/{notification.pk}/read/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    notification.refresh_from_db()
    assert not notification.is_read


def test_bell_partial_shows_the_unread_count_and_titles(alice_client, acme, alice):
    _notify(alice, acme, title="2 customers and 14 invoices synced to Exact Online")
    _notify(alice, acme, title="No changes: 120 invoices were already synced")
    read = _notify(alice, acme, title="An old one")
    services.mark_read(alice, read.pk)

    response = alice_client.get("/notifications/bell/")

    html = response.content.decode()
    assert response.status_code == 200
    count = re.search(r"data-bell-count>(\d+)<", html)
    assert count is not None
    assert count.group(1) == "2"
    assert 'aria-live="polite"' in html
    assert "2 customers and 14 invoices synced to Exact Online" in html
    assert "No changes: 120 invoices were already synced" in html
    assert "An old one" in html
    assert "Mark all as read" in html
    assert 'href="/notifications/"' in html
    assert "csrfmiddlewaretoken" in html


def test_bell_partial_shows_no_count_when_all_is_read(alice_client, acme, alice):
    _notify(alice, acme, title="Done")
    services.mark_all_read(alice, acme)

    html = alice_client.get("/notifications/bell/").content.decode()

    assert "data-bell-count" not in html
    assert "Mark all as read" not in html
    assert "Done" in html


def test_bell_partial_puts_an_unread_error_first_with_the_error_style(alice_client, acme, alice):
    _notify(alice, acme, title="Invoice 2026-0042 was refused", level="error")
    for index in range(30):
        _notify(alice, acme, title=f"Sync {index} done")

    html = alice_client.get("/notifications/bell/").content.decode()

    first_item = html.index("bell__item ")
    assert "bell__item--error" in html[first_item : first_item + 80]
    assert html.index("Invoice 2026-0042 was refused") < html.index("Sync 29 done")


def test_bell_shows_only_the_users_own_notifications(bob_client, acme, alice, bob):
    _notify(alice, acme, title="For alice only")

    html = bob_client.get("/notifications/bell/").content.decode()

    assert "For alice only" not in html
    assert "No notifications yet." in html


def test_bell_partial_ignores_a_next_url_to_another_site(alice_client, acme, alice):
    _notify(alice, acme)

    html = alice_client.get("/notifications/bell/?next=https://evil.example/").content.decode()

    assert "evil.example" not in html


def test_bell_json_gives_the_count_and_the_latest(alice_client, acme, alice):
    _notify(alice, acme, title="Older")
    _notify(alice, acme, title="Refused", level="error", link="/bookkeeping/settings/")

    data = alice_client.get("/notifications/bell.json").json()

    assert data["unread_count"] == 2
    assert [n["title"] for n in data["notifications"]] == ["Refused", "Older"]
    assert data["notifications"][0]["level"] == "error"
    assert data["notifications"][0]["link"] == "/bookkeeping/settings/"


def test_reading_a_notification_marks_it_read_and_follows_its_link(alice_client, acme, alice):
    notification = _notify(alice, acme, level="error", link="/bookkeeping/settings/")

    response = alice_client.post(f"/notifications/{notification.pk}/read/", {"next": "/invoices/"})

    assert response.status_code == 302
    assert response["Location"] == "/bookkeeping/settings/"
    notification.refresh_from_db()
    assert notification.is_read


def test_reading_a_notification_without_link_goes_back_to_the_page(alice_client, acme, alice):
    notification = _notify(alice, acme)

    response = alice_client.post(
        f"/notifications/{notification.pk}/read/", {"next": "/invoices/?page=2"}
    )

    assert response["Location"] == "/invoices/?page=2"


def test_reading_never_redirects_to_another_site(alice_client, acme, alice):
    notification = _notify(alice, acme, link="https://evil.example/")

    response = alice_client.post(
        f"/notifications/{notification.pk}/read/", {"next": "//evil.example/"}
    )

    assert response["Location"] == "/notifications/"


def test_reading_answers_json_when_asked(alice_client, acme, alice):
    notification = _notify(alice, acme, link="/invoices/7/")
    _notify(alice, acme)

    response = alice_client.post(
        f"/notifications/{notification.pk}/read/", HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    assert response.json()["read"] is True
    assert response.json()["link"] == "/invoices/7/"
    assert response.json()["unread_count"] == 1


def test_reading_another_users_notification_is_not_found(bob_client, acme, alice):
    notification = _notify(alice, acme)

    response = bob_client.post(f"/notifications/{notification.pk}/read/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


def test_reading_a_notification_of_another_company_is_not_found(alice_client, globex, alice):
    notification = _notify(alice, globex)

    response = alice_client.post(f"/notifications/{notification.pk}/read/")

    assert response.status_code == 404
    notification.refresh_from_db()
    assert not notification.is_read


def test_reading_an_unknown_notification_in_json_is_not_found(alice_client, acme):
    response = alice_client.post("/notifications/999999/read/", HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert response.json() == {"error": "Notification not found."}


def test_reading_with_get_is_refused(alice_client, acme, alice):
    notification = _notify(alice, acme)

    assert alice_client.get(f"/notifications/{notification.pk}/read/").status_code == 405
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_all_read_marks_only_the_users_notifications(alice_client, acme, alice, bob):
    _notify(alice, acme)
    _notify(alice, acme)
    _notify(bob, acme)

    response = alice_client.post("/notifications/read-all/", {"next": "/invoices/"})

    assert response["Location"] == "/invoices/"
    assert services.unread_for(alice, acme).count() == 0
    assert services.unread_for(bob, acme).count() == 1


def test_mark_all_read_answers_json_when_asked(alice_client, acme, alice):
    _notify(alice, acme)
    _notify(alice, acme)

    response = alice_client.post("/notifications/read-all/", HTTP_ACCEPT="application/json")

    assert response.json() == {"marked": 2, "unread_count": 0}


@pytest.mark.parametrize("path", ["/notifications/{pk}/read/", "/notifications/read-all/"])
def test_read_endpoints_refuse_a_post_without_csrf_token(acme, alice, path):
    notification = _notify(alice, acme)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post(path.format(pk=notification.pk))

    assert response.status_code == 403
    notification.refresh_from_db()
    assert not notification.is_read


def test_read_endpoint_accepts_the_csrf_header_from_the_cookie(acme, alice):
    notification = _notify(alice, acme)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    client.get("/notifications/bell/")
    token = client.cookies["csrftoken"].value

    response = client.post(
        f"/notifications/{notification.pk}/read/",
        HTTP_X_CSRFTOKEN=token,
        HTTP_ACCEPT="application/json",
    )

    assert response.status_code == 200
    notification.refresh_from_db()
    assert notification.is_read


def test_user_without_company_gets_no_bell(client, django_user_model):
    user = django_user_model.objects.create_user("nomad", password="x")
    client.force_login(user)

    assert client.get("/notifications/bell/").status_code == 403
