"""The page with all notifications of the user in the current company."""

from __future__ import annotations

import pytest

from notifications import services
from notifications.views import PAGE_SIZE

pytestmark = pytest.mark.django_db


def _notify_many(user, company, count):
    for index in range(count):
        services.notify(
            recipients=[user], company=company, level="info", title=f"Sync number {index:03d}"
        )


def _page(client, url="/notifications/"):
    """The page's own content, without the bell in the header (which lists the latest too)."""
    html = client.get(url).content.decode()
    return html[html.index('class="notifications-page"') :]


def test_it_paginates_newest_first(alice_client, acme, alice):
    _notify_many(alice, acme, PAGE_SIZE + 5)

    first = _page(alice_client)
    second = _page(alice_client, "/notifications/?page=2")

    newest, oldest = f"Sync number {PAGE_SIZE + 4:03d}", "Sync number 000"
    assert newest in first
    assert oldest not in first
    assert "Page 1 of 2" in first
    assert 'href="?page=2"' in first
    assert oldest in second
    assert newest not in second
    assert second.count("Sync number") == 5


def test_it_shows_only_the_users_notifications_in_the_current_company(
    alice_client, acme, globex, alice, bob
):
    services.notify(recipients=[alice], company=acme, level="info", title="Acme for alice")
    services.notify(recipients=[bob], company=acme, level="info", title="Acme for bob")
    services.notify(recipients=[alice], company=globex, level="info", title="Globex for alice")

    html = _page(alice_client)

    assert "Acme for alice" in html
    assert "Acme for bob" not in html
    assert "Globex for alice" not in html


def test_it_offers_mark_all_as_read_with_the_unread_count(alice_client, acme, alice):
    _notify_many(alice, acme, 3)

    html = _page(alice_client)

    assert "Mark all as read (3 unread)" in html
    assert 'action="/notifications/read-all/"' in html


def test_it_says_so_when_there_is_nothing(alice_client, acme):
    html = _page(alice_client)

    assert "No notifications yet." in html


def test_it_has_the_bell_in_the_header(alice_client, acme, alice):
    services.notify(recipients=[alice], company=acme, level="error", title="Invoice refused")

    html = alice_client.get("/notifications/").content.decode()

    assert 'id="notification-bell"' in html
    assert "data-bell-count>1<" in html
