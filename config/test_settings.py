"""Test settings: the real settings with fast hashing and no outside mail."""

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
AXES_ENABLED = True
TOOL_HTTP_BACKOFF_SECONDS = 0.01
SYNC_MAX_INLINE_WAIT_SECONDS = 2
