"""A JSON model field encrypted at rest with Fernet (key: FIELD_ENCRYPTION_KEY)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


@lru_cache(maxsize=4)
def _fernet(key: str) -> Fernet:
    if not key:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is empty: set it to a Fernet key "
            "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')."
        )
    try:
        return Fernet(key.encode())
    except ValueError as exc:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEY is not a valid Fernet key (32 url-safe base64-encoded bytes)."
        ) from exc


def encrypt(value: Any) -> str:
    return _fernet(settings.FIELD_ENCRYPTION_KEY).encrypt(json.dumps(value).encode()).decode()


def decrypt(token: str) -> Any:
    try:
        return json.loads(_fernet(settings.FIELD_ENCRYPTION_KEY).decrypt(token.encode()))
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "Stored tool credentials cannot be decrypted with FIELD_ENCRYPTION_KEY: "
            "was the key changed? Restore it, or reconnect the integration."
        ) from exc


class EncryptedJSONField(models.TextField):
    """Stores a JSON value as a Fernet token; the database never sees the plain text."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        if value is None or value == "":
            return {}
        return decrypt(value)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value:
            return decrypt(value)
        return value if value is not None else {}

    def get_prep_value(self, value: Any) -> str:
        return encrypt(value if value is not None else {})

    def value_to_string(self, obj: models.Model) -> str:
        return "<encrypted>"
