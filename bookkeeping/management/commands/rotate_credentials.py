"""`manage.py rotate_credentials`: re-encrypt every integration's credentials with the newest key.

The key rotation: put the new key in front of FIELD_ENCRYPTION_KEY ("new,old"), deploy, run this
command, then remove the old key. It names the integrations no key can read (by company slug and
tool, never a secret) and exits non-zero when there are any: those need a reconnect.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from bookkeeping.models import Integration

ROTATED_LINE = "{count} integration(s) re-encrypted with the newest key."
UNREADABLE_LINE = (
    "Cannot read the credentials of {slug} ({tool}) with any key: restore the old key and run "
    "this command again, or reconnect the integration."
)
FAILED_MESSAGE = "{count} integration(s) could not be read."


class Command(BaseCommand):
    help = "Re-encrypt all integration credentials with the newest FIELD_ENCRYPTION_KEY."

    def handle(self, *args: Any, **options: Any) -> None:
        rotated, unreadable = 0, []
        for pk in Integration.objects.order_by("pk").values_list("pk", flat=True):
            integration = _rotate(pk)
            if integration is None:
                continue  # deleted meanwhile
            if integration.credentials_unreadable:
                unreadable.append(integration)
            else:
                rotated += 1
        self.stdout.write(ROTATED_LINE.format(count=rotated))
        for integration in unreadable:
            self.stderr.write(
                UNREADABLE_LINE.format(slug=integration.company.slug, tool=integration.tool_label)
            )
        if unreadable:
            raise CommandError(FAILED_MESSAGE.format(count=len(unreadable)))


def _rotate(pk: int) -> Integration | None:
    """Decrypts one row under its lock and saves it encrypted with the newest key (what
    MultiFernet.rotate does), so a token refresh by a worker at the same time is never lost.
    Unreadable credentials are left as they are."""
    with transaction.atomic():
        integration = (
            Integration.objects.select_for_update(of=("self",))
            .select_related("company")
            .filter(pk=pk)
            .first()
        )
        if integration is not None and not integration.credentials_unreadable:
            Integration.objects.filter(pk=pk).update(credentials=integration.credentials)
    return integration
