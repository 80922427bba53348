"""A real Celery worker for the integration tests, on the configured broker (Redis in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]


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


def relax_rate_limits(sim: Any) -> None:
    """These tests are about crashes and faults, not quotas: room for thousands of calls."""
    for name in ("minutely_limit", "daily_limit", "daily_quota"):
        if hasattr(sim, name):
            setattr(sim, name, 1_000_000)


# Worker processes ----------------------------------------------------------------------------

WORKER_LOG = ROOT / "var" / "test-worker.log"


def worker_process(settings) -> subprocess.Popen:
    """A real `celery worker` process on the test database and broker, with the tool URLs of the
    test; its output is appended to var/test-worker.log (shown when a wait times out)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "EXACT_ONLINE_BASE_URL": settings.EXACT_ONLINE_BASE_URL,
        "EXACT_ONLINE_CLIENT_ID": settings.EXACT_ONLINE_CLIENT_ID,
        "EXACT_ONLINE_CLIENT_SECRET": settings.EXACT_ONLINE_CLIENT_SECRET,
        "OCTOPUS_BASE_URL": settings.OCTOPUS_BASE_URL,
        "OCTOPUS_SOFTWARE_HOUSE_UUID": settings.OCTOPUS_SOFTWARE_HOUSE_UUID,
        "YUKI_BASE_URL": settings.YUKI_BASE_URL,
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo"]
    command += ["--concurrency=1", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    WORKER_LOG.parent.mkdir(exist_ok=True)
    with WORKER_LOG.open("ab") as log:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
