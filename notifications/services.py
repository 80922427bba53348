"""Notifications: create them, read them for the bell, mark them read.

This module holds the rules of the bell. It imports nothing of the other apps: a company is passed in
as a model instance (or ``None``), and what a notification is about as a ``source`` key that the
caller chooses ("sync-run:42").

The rule users rely on: an unread error notification stays at the top of the bell until it is read,
however many newer notifications arrive after it (DESIGN §1.4).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.text import Truncator

from config.texts import StoredText
from notifications.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser
    from django.db.models import Model

# A plain-text title is cut to this length (a stored text is a sentence of ours: short).
TITLE_MAX_LENGTH = 200
LINK_MAX_LENGTH = Notification._meta.get_field("link").max_length
BELL_SIZE = 10


def notify(
    *,
    recipients: Iterable[AbstractBaseUser],
    company: Model | None,
    level: str,
    title: StoredText | str,
    body: StoredText | str = "",
    link: str = "",
    source: str = "",
) -> list[Notification]:
    """Create one notification per recipient, in one query, and return them.

    ``title`` and ``body`` are plain strings or stored texts (``config.texts.later(...)``), which
    each recipient reads in his own language. ``recipients`` is any iterable of users; a user
    listed twice gets one notification. ``level``
    is one of ``Notification.Level`` ("info", "success", "warning", "error"). A title longer than
    the field is shortened with an ellipsis; a link longer than the field, or an unknown level,
    raises ``ValueError`` (a programming mistake, not something to store half-way). ``source`` says
    what the notifications are about ("sync-run:42"), to find them again. Calling it twice
    creates the notifications twice: the caller decides when to notify.
    """
    if level not in Notification.Level.values:
        raise ValueError(
            f"Unknown notification level {level!r}; use one of {Notification.Level.values}"
        )
    if len(link) > LINK_MAX_LENGTH:
        raise ValueError(
            f"Notification link longer than {LINK_MAX_LENGTH} characters: {link[:80]}..."
        )
    title = _short(title)
    unique_users = {user.pk: user for user in recipients}
    notifications = [
        Notification(
            recipient=user,
            company=company,
            source=source,
            level=level,
            title=title,
            body=body,
            link=link,
        )
        for user in unique_users.values()
    ]
    for notification in notifications:
        notification.full_clean(exclude=["recipient", "company"], validate_unique=False)
    return Notification.objects.bulk_create(notifications)


def _short(title: Any) -> StoredText | str:
    if isinstance(title, StoredText):
        return title
    return Truncator(str(title).strip()).chars(TITLE_MAX_LENGTH)


def notifications_for(user: AbstractBaseUser, company: Model | None) -> QuerySet[Notification]:
    """All notifications of ``user`` in ``company``, newest first."""
    return Notification.objects.filter(recipient=user, company=company).order_by(
        "-created_at", "-id"
    )


def unread_for(user: AbstractBaseUser, company: Model | None) -> QuerySet[Notification]:
    """The unread notifications of ``user`` in ``company``, newest first."""
    return notifications_for(user, company).filter(read_at__isnull=True)


def latest_for(
    user: AbstractBaseUser, company: Model | None, limit: int = BELL_SIZE
) -> list[Notification]:
    """What the bell shows: at most ``limit`` notifications of ``user`` in ``company``.

    Unread errors come first (newest first among them), then all the others newest first. So an
    error stays on top until it is read, whatever arrives after it.
    """
    pinned = Case(
        When(level=Notification.Level.ERROR, read_at__isnull=True, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    queryset = notifications_for(user, company).annotate(pinned=pinned)
    return list(queryset.order_by("pinned", "-created_at", "-id")[:limit])


def mark_read(
    user: AbstractBaseUser, notification_id: int, *, company: Model | None = None
) -> Notification:
    """Mark one of ``user``'s notifications read and return it.

    Only the user's own notification (and, when ``company`` is given, only one of that company):
    any other id raises ``Notification.DoesNotExist``, which views turn into a 404. Marking a read
    notification again keeps its first read time.
    """
    queryset = Notification.objects.filter(recipient=user)
    if company is not None:
        queryset = queryset.filter(company=company)
    notification = queryset.get(pk=notification_id)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def mark_all_read(user: AbstractBaseUser, company: Model | None) -> int:
    """Mark every unread notification of ``user`` in ``company`` read; return how many changed."""
    return unread_for(user, company).update(read_at=timezone.now())
