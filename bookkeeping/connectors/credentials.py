"""The credentials of a connector's integration: read, and renewed under a row lock."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from bookkeeping.models import Integration


class StoredCredentials:
    """The part of a connector that reads and saves its integration's (encrypted) credentials."""

    integration: Integration

    @property
    def credentials(self) -> dict[str, Any]:
        return self.integration.credentials

    @contextmanager
    def locked_credentials(self) -> Iterator[dict[str, Any]]:
        """The freshest credentials under a row lock; changes made to the dict are saved
        (encrypted) in the same transaction, so two workers never renew the same token chain."""
        from bookkeeping.models import Integration

        with transaction.atomic():
            row = Integration.objects.select_for_update().get(pk=self.integration.pk)
            credentials = dict(row.credentials)
            yield credentials
            if credentials != row.credentials:
                Integration.objects.filter(pk=row.pk).update(credentials=credentials)
            self.integration.credentials = credentials
