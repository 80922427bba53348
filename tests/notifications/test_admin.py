"""The notifications admin: filter by level and read state, search."""

from __future__ import annotations

import pytest

from notifications import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_notifications(admin_client, acme, alice):
    services.notify(recipients=[alice], company=acme, level="error", title="Invoice refused")
    read = services.notify(recipients=[alice], company=acme, level="info", title="All synced")[0]
    services.mark_read(alice, read.pk)
    return admin_client


def test_it_lists_notifications(admin_client_with_notifications):
    html = admin_client_with_notifications.get(
        "/admin/notifications/notification/"
    ).content.decode()

    assert "Invoice refused" in html
    assert "All synced" in html


def test_it_filters_unread(admin_client_with_notifications):
    html = admin_client_with_notifications.get(
        "/admin/notifications/notification/?read=no"
    ).content.decode()

    assert "Invoice refused" in html
    assert "All synced" not in html


def test_it_filters_by_level_and_searches(admin_client_with_notifications):
    by_level = admin_client_with_notifications.get(
        "/admin/notifications/notification/?level__exact=info"
    ).content.decode()
    found = admin_client_with_notifications.get(
        "/admin/notifications/notification/?q=refused"
    ).content.decode()

    assert "All synced" in by_level
    assert "Invoice refused" not in by_level
    assert "Invoice refused" in found
    assert "All synced" not in found


def test_it_marks_selected_notifications_read(admin_client_with_notifications, acme, alice):
    ids = [str(n.pk) for n in services.unread_for(alice, acme)]

    admin_client_with_notifications.post(
        "/admin/notifications/notification/",
        {"action": "mark_selected_read", "_selected_action": ids},
    )

    assert services.unread_for(alice, acme).count() == 0
