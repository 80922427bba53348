"""Browser tests: the Debian Chromium driven by Playwright against Django's live server.

The live server, the simulators and a real Celery worker run in this process and share the test
database, so pressing Sync in the page really runs in the background. Screenshots of each
scenario's key moment go to a temporary folder, or to BOOKSYNC_SCREENSHOTS (for example
`docs/screenshots`) when it is set; a failed test keeps its Playwright trace under test-results/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from config.celery import app
from tests.integration.conftest import celery_worker, wait_for  # noqa: F401

# Playwright's sync API runs an event loop in this thread; the test thread still uses the ORM.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1280, "height": 800}
PASSWORD = "password"  # tests.factories.UserFactory


def chromium_executable() -> str | None:
    """PLAYWRIGHT_CHROMIUM_EXECUTABLE, else the Debian package's /usr/bin/chromium."""
    configured = os.environ.get("PLAYWRIGHT_CHROMIUM_EXECUTABLE")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", shutil.which("chromium") or ""):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_configure(config: pytest.Config) -> None:
    """A failed browser test keeps its trace (test-results/), unless told otherwise."""
    if getattr(config.option, "tracing", "off") == "off":
        config.option.tracing = "retain-on-failure"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # pytest-base-url (brought by pytest-playwright) still declares a fixture the old way.
    quiet = pytest.mark.filterwarnings("ignore:Session-scoped fixtures defined as instance methods")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(quiet)
    if chromium_executable() or REQUIRE_SERVICES:
        return
    skip = pytest.mark.skip(
        reason="no Chromium: install the Debian package `chromium` "
        "or set PLAYWRIGHT_CHROMIUM_EXECUTABLE"
    )
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    executable = chromium_executable()
    if executable is None:
        pytest.fail("REQUIRE_SERVICES=1 but no Chromium found (/usr/bin/chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": VIEWPORT, "locale": "en-GB"}


@pytest.fixture(autouse=True)
def _page_timeouts(request: pytest.FixtureRequest) -> None:
    if "page" in request.fixturenames:
        request.getfixturevalue("page").set_default_timeout(15_000)


@pytest.fixture(scope="session", autouse=True)
def _own_broker_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The file-system broker gets a folder of its own, so tests running in other processes
    neither take our tasks nor have theirs purged. Redis keeps its configured database."""
    if not django_settings.CELERY_BROKER_URL.startswith("filesystem://"):
        yield
        return
    root = tmp_path_factory.mktemp("broker")
    options = dict(app.conf.broker_transport_options)
    folders = {
        "data_folder_in": root / "queue",
        "data_folder_out": root / "queue",
        "processed_folder": root / "processed",
        "control_folder": root / "control",
    }
    for folder in folders.values():
        folder.mkdir(exist_ok=True)
    _use_transport_options({**options, **{key: str(path) for key, path in folders.items()}})
    yield
    _use_transport_options(options)


def _use_transport_options(options: dict[str, Any]) -> None:
    """New connections and producers use `options`; the pools made before are left alone."""
    app.conf.broker_transport_options = options
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    configured = os.environ.get("BOOKSYNC_SCREENSHOTS")
    if not configured:
        return tmp_path_factory.mktemp("screenshots")
    folder = Path(configured)
    if not folder.is_absolute():
        folder = Path(django_settings.BASE_DIR) / folder
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(page, screenshot_dir: Path) -> Callable[[str], Path]:
    """shoot("overview") saves the viewport as overview.png; returns its path."""

    def _shoot(name: str) -> Path:
        path = screenshot_dir / f"{name}.png"
        page.wait_for_load_state("load")
        page.screenshot(path=str(path), animations="disabled", caret="initial")
        return path

    return _shoot


@pytest.fixture
def login(page, live_server) -> Callable[[str], Any]:
    """login("alice") opens the login page, logs in as a new user would, lands on the overview."""

    def _login(username: str, password: str = PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("User name").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/invoices/")
        return page

    return _login
