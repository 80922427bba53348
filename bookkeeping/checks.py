"""Deploy checks: the embedded demo secrets must not reach production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    if settings.FIELD_ENCRYPTION_KEY in ("", settings.DEMO_FIELD_ENCRYPTION_KEY):
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEY is missing or is the demo key: tool credentials would be "
                "readable by anyone with the source code.",
                hint="Set FIELD_ENCRYPTION_KEY to the output of "
                "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'.",
                id="booksync.E001",
            )
        )
    if settings.SECRET_KEY == settings.DEMO_SECRET_KEY:
        errors.append(
            Error(
                "SECRET_KEY is the embedded demo key.",
                hint="Set SECRET_KEY to a long random value.",
                id="booksync.E002",
            )
        )
    return errors
