"""A real Celery worker for the integration tests, on the configured broker (Redis in CI)."""

from __future__ import annotations

import os
import time

import pytest
from celery.contrib.testing.worker import start_worker

from config.celery import app


def broker_reachable() -> bool:
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception:
        return False
    return True


@pytest.fixture
def celery_worker(settings, transactional_db):
    """A worker thread consuming the real broker; the queue is purged first."""
    if not broker_reachable():
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"REQUIRE_SERVICES=1 but the broker {settings.CELERY_BROKER_URL} is down")
        pytest.skip(f"broker {settings.CELERY_BROKER_URL} not reachable")
    app.control.purge()
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield worker


def wait_for(predicate, *, timeout: float = 60.0, interval: float = 0.2):
    """Polls until predicate() is truthy; returns its value or fails the test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout} s waiting for {predicate.__doc__ or predicate}")
