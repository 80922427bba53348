"""Test settings: the real settings with fast hashing and no outside mail."""

import os
import tempfile
from pathlib import Path

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}
AXES_ENABLED = True
TOOL_HTTP_BACKOFF_SECONDS = 0.01
SYNC_MAX_INLINE_WAIT_SECONDS = 2

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory: the worker threads of the integration tests then wait for a lock
    # (busy timeout) instead of failing on SQLite's shared-cache table locks.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-booksync.sqlite3")}  # noqa: F405

if CELERY_BROKER_URL.startswith("filesystem://") and "BROKER_DIR" not in os.environ:  # noqa: F405
    # A broker folder per test session: parallel test runs neither take nor purge each other's
    # tasks. Worker processes that a test starts inherit it through the environment.
    os.environ["BROKER_DIR"] = tempfile.mkdtemp(prefix="booksync-test-broker-")
    BROKER_DIR = Path(os.environ["BROKER_DIR"])
    CELERY_BROKER_TRANSPORT_OPTIONS = filesystem_broker_options(BROKER_DIR)  # noqa: F405
