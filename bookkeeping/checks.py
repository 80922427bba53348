"""System checks: usable encryption keys always; no embedded demo secret in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register

from bookkeeping.fields import GENERATE_KEY_COMMAND, key_problems, parse_keys


@register(Tags.security)
def check_encryption_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    """Every key of FIELD_ENCRYPTION_KEY must be a Fernet key: a bad one would fail every page
    that reads an integration, so it is refused at start-up rather than at the first request."""
    return [
        Error(problem, hint=f"Generate a key with {GENERATE_KEY_COMMAND}.", id="booksync.E003")
        for problem in key_problems(settings.FIELD_ENCRYPTION_KEY)
    ]


@register(Tags.security, deploy=True)
def check_production_secrets(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    keys = parse_keys(settings.FIELD_ENCRYPTION_KEY)
    # The demo key anywhere in the list, even as an old decrypt-only key, means that stored
    # credentials may be readable by anyone with the source code.
    if not keys or settings.DEMO_FIELD_ENCRYPTION_KEY in keys:
        errors.append(
            Error(
                "FIELD_ENCRYPTION_KEY is missing or contains the demo key: tool credentials would "
                "be readable by anyone with the source code.",
                hint=f"Set FIELD_ENCRYPTION_KEY to the output of {GENERATE_KEY_COMMAND}; "
                "several keys are comma separated, newest first.",
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
