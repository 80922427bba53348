"""The benchmark's own database, the three simulators, and the settings that point at them.

Call `start_simulators()` then `setup_django()` before anything imports models: the base URLs
and the database go into the environment, so that a worker or a child process started later
sees the same ones.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bookkeeping.simulators.base import SimRequest, SimResponse
from bookkeeping.simulators.exact_online import ExactOnlineSimulator
from bookkeeping.simulators.exact_online import data as exact_data
from bookkeeping.simulators.octopus import OctopusSimulator
from bookkeeping.simulators.octopus import data as octopus_data
from bookkeeping.simulators.yuki import YukiSimulator

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var" / "bench"
UNLIMITED = 10**9


@dataclass
class Recorded:
    """One request as the simulator received it, to replay it and to count calls per target."""

    at: float
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    status: int = 0


class Recording:
    """Mixin: keeps every request (with its body and time) while `recording` is on."""

    recording = False

    def _init_recording(self) -> None:
        self.recorded: list[Recorded] = []
        self.record_lock = threading.Lock()

    def handle(self, request: SimRequest) -> SimResponse:
        response = super().handle(request)  # type: ignore[misc]
        if self.recording:
            entry = Recorded(
                time.monotonic(),
                request.method,
                request.path,
                dict(request.query),
                dict(request.headers),
                request.body,
                response.status,
            )
            with self.record_lock:
                self.recorded.append(entry)
        return response

    def start_recording(self) -> None:
        with self.record_lock:
            self.recorded.clear()
        self.recording = True

    def stop_recording(self) -> list[Recorded]:
        self.recording = False
        with self.record_lock:
            return list(self.recorded)


class BenchExact(Recording, ExactOnlineSimulator):
    """Exact Online with extra divisions (one per benchmark company) and a request log."""

    def __init__(self, **kwargs: Any):
        self._init_recording()
        super().__init__(**kwargs)

    def add_division(self, division: int) -> None:
        with self.lock:
            self.tables[division] = self._seed(division)

    def add_refresh_token(self, token: str) -> None:
        with self.lock:
            self.refresh_tokens.add(token)

    def lift_limits(self) -> None:
        with self.lock:
            self.minutely_limit = self.daily_limit = UNLIMITED


class BenchOctopus(Recording, OctopusSimulator):
    def __init__(self, **kwargs: Any):
        self._init_recording()
        super().__init__(**kwargs)

    def lift_limits(self) -> None:
        """Octopus documents no rate limit: nothing to lift."""


class BenchYuki(Recording, YukiSimulator):
    def __init__(self, **kwargs: Any):
        self._init_recording()
        super().__init__(**kwargs)

    def lift_limits(self) -> None:
        with self.lock:
            self.daily_limit = UNLIMITED


@dataclass
class Simulators:
    exact_online: BenchExact
    octopus: BenchOctopus
    yuki: BenchYuki
    slow_exact: BenchExact  # 50 ms a call, for the worker scaling
    all: list[Any] = field(default_factory=list)

    def tool(self, key: str) -> Any:
        return getattr(self, key)

    def stop(self) -> None:
        for sim in self.all:
            sim.stop()


def start_simulators(latency_ms: float = 50) -> Simulators:
    """Starts the simulators on free ports and puts their URLs and demo client settings in the
    environment (read by config.settings in this process and in every child process)."""
    sims = Simulators(
        exact_online=BenchExact().start(),
        octopus=BenchOctopus().start(),
        yuki=BenchYuki().start(),
        slow_exact=BenchExact(latency_ms=latency_ms).start(),
    )
    sims.all = [sims.exact_online, sims.octopus, sims.yuki, sims.slow_exact]
    os.environ.update(
        {
            "EXACT_ONLINE_BASE_URL": sims.exact_online.base_url,
            "EXACT_ONLINE_CLIENT_ID": exact_data.DEMO_CLIENT_ID,
            "EXACT_ONLINE_CLIENT_SECRET": exact_data.DEMO_CLIENT_SECRET,
            "OCTOPUS_BASE_URL": sims.octopus.base_url,
            "OCTOPUS_SOFTWARE_HOUSE_UUID": octopus_data.SOFTWARE_HOUSE_UUID,
            "YUKI_BASE_URL": sims.yuki.base_url,
        }
    )
    return sims


# Database and broker ---------------------------------------------------------------------------

# The production stack when it answers on this machine (CI has both): PostgreSQL and Redis.
POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
DEFAULT_POSTGRES_URL = f"postgres://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/booksync_bench"
DEFAULT_BROKER_URL = f"redis://{REDIS_HOST}:{REDIS_PORT}/13"


def answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections on host:port within `timeout` seconds."""
    import socket

    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def database_url() -> str:
    """The benchmark's database, dropped and created again by setup_django():

    - `BENCH_DB=sqlite` forces a fresh SQLite file under var/bench/;
    - a PostgreSQL DATABASE_URL gives the server; a database name without "bench" in it gets
      "_bench" appended (never a database someone else uses);
    - else PostgreSQL on 127.0.0.1:5432 (user postgres) when it answers, database booksync_bench;
    - else SQLite. `BENCH_DB=postgres` refuses to fall back to SQLite.
    """
    forced = os.environ.get("BENCH_DB", "").lower()
    if forced not in ("", "sqlite", "postgres", "postgresql"):
        sys.exit(f"BENCH_DB={forced!r}: use 'sqlite' or 'postgres'.")
    url = os.environ.get("DATABASE_URL", "")
    if forced != "sqlite":
        if is_postgres(url):
            return bench_name(url)
        if answers(POSTGRES_HOST, POSTGRES_PORT):
            return DEFAULT_POSTGRES_URL
        if forced:
            sys.exit(
                f"BENCH_DB={forced}: no PostgreSQL answers on {POSTGRES_HOST}:{POSTGRES_PORT}."
            )
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def bench_name(url: str) -> str:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" in name:
        return url
    return urlunsplit(parts._replace(path=f"/{name or 'booksync'}_bench"))


def broker_url(database: str) -> str:
    """Redis (BENCH_BROKER_URL, else DB 13 on 127.0.0.1:6379) next to PostgreSQL when it
    answers; else Kombu's file-system broker under var/bench/ (no worker process then)."""
    url = os.environ.get("BENCH_BROKER_URL", "")
    if url or not is_postgres(database):
        return url or "filesystem://"
    return DEFAULT_BROKER_URL if answers(REDIS_HOST, REDIS_PORT) else "filesystem://"


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def recreate_postgres(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop database {name!r}: use a database whose name contains 'bench'.")
    admin = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> str:
    """A fresh, migrated benchmark database at `url` (from database_url()); returns the URL,
    also put in DATABASE_URL for child processes."""
    if is_postgres(url):
        recreate_postgres(url)
    os.environ["DATABASE_URL"] = url
    # Production settings where they cost time: no query log (DEBUG off); plain HTTP for the
    # test client of the overview.
    os.environ.setdefault("DEBUG", "False")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("BROKER_DIR", str(VAR / "broker"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return url


def child_env(**extra: str) -> dict[str, str]:
    """The environment of a worker or child process: this one's, plus `extra`."""
    env = dict(os.environ)
    env.update(extra)
    env["PYTHONPATH"] = str(ROOT)
    return env
