"""A JSON model field encrypted at rest with Fernet (keys: FIELD_ENCRYPTION_KEY).

FIELD_ENCRYPTION_KEY holds one key or several, comma separated, newest first (MultiFernet): the
newest encrypts, every key decrypts, so a key is rotated without downtime (add the new key in
front, run `manage.py rotate_credentials`, then drop the old key).

A value that no key can read does not crash the row: it loads as `UnreadableCredentials`, an
empty dict that keeps the stored ciphertext and is written back unchanged if the row is saved.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

GENERATE_KEY_COMMAND = (
    "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
)
EMPTY_KEY_MESSAGE = (
    f"FIELD_ENCRYPTION_KEY is empty: set it to a Fernet key ({GENERATE_KEY_COMMAND})."
)
# Names the key by its position only: the key itself is a secret.
INVALID_KEY_MESSAGE = (
    "Key {position} of FIELD_ENCRYPTION_KEY is not a valid Fernet key "
    "(32 url-safe base64-encoded bytes; several keys are separated by commas)."
)


class UnreadableCredentials(dict):
    """Stored credentials that no key of FIELD_ENCRYPTION_KEY decrypts (the key was changed).

    Empty and falsy, so code that reads credentials sees "nothing usable". It keeps the
    ciphertext: saving the row writes it back as it was, so restoring the old key still works.
    Only new credentials (a reconnect) replace it.
    """

    def __init__(self, ciphertext: str):
        super().__init__()
        self.ciphertext = ciphertext

    def __repr__(self) -> str:
        return "UnreadableCredentials()"


def parse_keys(value: str | Sequence[str]) -> list[str]:
    """The keys of FIELD_ENCRYPTION_KEY, newest first: a comma-separated string or a list."""
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item and item.strip()]


def key_problems(value: str | Sequence[str]) -> list[str]:
    """What is wrong with FIELD_ENCRYPTION_KEY, for the system checks; empty when it is usable."""
    keys = parse_keys(value)
    if not keys:
        return [EMPTY_KEY_MESSAGE]
    problems = []
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except ValueError:
            problems.append(INVALID_KEY_MESSAGE.format(position=position))
    return problems


@lru_cache(maxsize=4)
def _fernet(value: str | tuple[str, ...]) -> MultiFernet:
    problems = key_problems(value)
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
    return MultiFernet([Fernet(key.encode()) for key in parse_keys(value)])


def _current() -> MultiFernet:
    value = settings.FIELD_ENCRYPTION_KEY
    return _fernet(value if isinstance(value, str) else tuple(value))


def encrypt(value: Any) -> str:
    """The value as JSON, encrypted with the newest key."""
    return _current().encrypt(json.dumps(value).encode()).decode()


def decrypt(token: str) -> Any:
    """The value of a token, or UnreadableCredentials when no key can read it."""
    try:
        return json.loads(_current().decrypt(token.encode()))
    except (InvalidToken, ValueError):
        return UnreadableCredentials(token)


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
        if isinstance(value, UnreadableCredentials):
            return value.ciphertext  # never replace what we cannot read by an empty value
        return encrypt(value if value is not None else {})

    def value_to_string(self, obj: models.Model) -> str:
        return "<encrypted>"
