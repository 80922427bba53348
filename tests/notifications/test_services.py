"""notify() and the reading rules of the bell."""

from __future__ import annotations

import pytest

from notifications import services
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _info(user, company, title="Synced"):
    return services.notify(recipients=[user], company=company, level="info", title=title)[0]


def test_it_creates_one_notification_per_recipient(acme, alice, bob):
    created = services.notify(
        recipients=[alice, bob, alice],
        company=acme,
        level="success",
        title="2 customers and 14 invoices synced to Exact Online",
        body="Booking numbers are on the invoices.",
        link="/invoices/",
    )

    assert len(created) == 2
    assert {n.recipient for n in Notification.objects.all()} == {alice, bob}
    stored = Notification.objects.get(recipient=bob)
    assert stored.title == "2 customers and 14 invoices synced to Exact Online"
    assert stored.body == "Booking numbers are on the invoices."
    assert stored.link == "/invoices/"
    assert stored.company == acme
    assert stored.read_at is None


def test_it_creates_nothing_when_there_are_no_recipients(acme):
    assert services.notify(recipients=[], company=acme, level="info", title="Nobody") == []
    assert Notification.objects.count() == 0


def test_it_refuses_an_unknown_level(acme, alice):
    with pytest.raises(ValueError, match="Unknown notification level"):
        services.notify(recipients=[alice], company=acme, level="panic", title="x")


def test_it_shortens_a_title_too_long_for_the_field(acme, alice):
    [notification] = services.notify(
        recipients=[alice], company=acme, level="error", title="Invoice rejected " * 40
    )

    assert len(notification.title) == 200
    assert notification.title.endswith("…")


def test_unread_error_stays_on_top_when_30_newer_notifications_arrive(acme, alice):
    error = services.notify(
        recipients=[alice],
        company=acme,
        level="error",
        title="Invoice 2026-0042 was refused by Exact Online",
        body="VAT code 4 does not exist. Map 21% in Integration settings.",
        link="/bookkeeping/settings/",
    )[0]
    for index in range(30):
        _info(alice, acme, title=f"Sync {index}")

    latest = services.latest_for(alice, acme)

    assert len(latest) == 10
    assert latest[0] == error
    assert [n.title for n in latest[1:4]] == ["Sync 29", "Sync 28", "Sync 27"]

    services.mark_read(alice, error.pk)
    latest = services.latest_for(alice, acme)

    assert error not in latest
    assert latest[0].title == "Sync 29"


def test_read_error_is_ordered_by_time_like_the_others(acme, alice):
    error = services.notify(recipients=[alice], company=acme, level="error", title="Failed")[0]
    _info(alice, acme, title="Later")
    services.mark_read(alice, error.pk)

    assert [n.title for n in services.latest_for(alice, acme)] == ["Later", "Failed"]


def test_latest_for_shows_only_the_users_notifications_in_that_company(acme, globex, alice, bob):
    _info(alice, acme, title="For alice in Acme")
    _info(bob, acme, title="For bob")
    _info(alice, globex, title="For alice in Globex")

    assert [n.title for n in services.latest_for(alice, acme)] == ["For alice in Acme"]
    assert [n.title for n in services.unread_for(alice, acme)] == ["For alice in Acme"]


def test_mark_read_marks_only_that_notification(acme, alice):
    first = _info(alice, acme, title="First")
    _info(alice, acme, title="Second")

    read = services.mark_read(alice, first.pk)

    assert read.is_read
    assert [n.title for n in services.unread_for(alice, acme)] == ["Second"]


def test_mark_read_keeps_the_first_read_time(acme, alice):
    notification = _info(alice, acme)
    first_time = services.mark_read(alice, notification.pk).read_at

    assert services.mark_read(alice, notification.pk).read_at == first_time


def test_mark_read_refuses_another_users_notification(acme, alice, bob):
    notification = _info(alice, acme)

    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(bob, notification.pk)
    notification.refresh_from_db()
    assert not notification.is_read


def test_mark_read_refuses_a_notification_of_another_company_when_scoped(acme, globex, alice):
    notification = _info(alice, globex)

    with pytest.raises(Notification.DoesNotExist):
        services.mark_read(alice, notification.pk, company=acme)


def test_mark_all_read_marks_the_users_notifications_in_that_company_only(acme, globex, alice, bob):
    _info(alice, acme)
    _info(alice, acme)
    _info(alice, globex)
    _info(bob, acme)

    assert services.mark_all_read(alice, acme) == 2
    assert services.unread_for(alice, acme).count() == 0
    assert services.unread_for(alice, globex).count() == 1
    assert services.unread_for(bob, acme).count() == 1
