"""A gate of a simulator: holds the requests that match it until the test releases them, so that
a test sees an intermediate state without depending on timing (`Simulator.hold`)."""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bookkeeping.simulators.base import SimRequest, Simulator

logger = logging.getLogger(__name__)


class Gate:
    """Holds the requests that match it, after the first `after`, inside the simulator's request
    handler until the test releases them. Made by `Simulator.hold()`.

    A held request blocks only its own connection: the server is threaded, so every other request
    is answered meanwhile. `release()` lets the held requests (and all later ones) through to the
    simulator as usual; `drop()` closes their connections without carrying them out, which is
    what `reset()`, `stop()` and the fixtures' teardown do, so that no thread hangs and no
    request of a finished test changes the next test's state.
    """

    def __init__(self, simulator: Simulator, method: str, pattern: str, after: int, limit: float):
        self.simulator = simulator
        self.method = method.upper()
        self.pattern = pattern
        self.after = after
        self.limit = limit
        self.seen = 0  # matching requests so far, held or not
        self.held = 0  # requests blocked right now
        self.passed = 0  # requests let through after being held
        self.state = "closed"  # "closed", "released" or "dropped"
        self._condition = threading.Condition()

    def __repr__(self) -> str:
        return (
            f"<Gate {self.method or '*'} {self.pattern or '*'} after={self.after} "
            f"{self.state} seen={self.seen} held={self.held}>"
        )

    def __enter__(self) -> Gate:
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Leaving a `with sim.hold(...)` block drops what is still held (a failed test)."""
        self.drop()

    def matches(self, request: SimRequest, operation: str) -> bool:
        if self.method and self.method != request.method:
            return False
        if not self.pattern:
            return True
        return operation == self.pattern or re.search(self.pattern, request.path) is not None

    def wait_until_held(self, timeout: float = 30.0, count: int = 1) -> None:
        """Returns once `count` requests are blocked on the gate; TimeoutError after `timeout`."""
        with self._condition:
            if not self._condition.wait_for(lambda: self.held >= count, timeout):
                raise TimeoutError(f"no {count} request(s) held within {timeout} s: {self!r}")

    def wait_until_passed(self, timeout: float = 30.0, count: int = 1) -> None:
        """Returns once `count` held requests were released and carried out by the simulator."""
        with self._condition:
            if not self._condition.wait_for(lambda: self.passed >= count, timeout):
                raise TimeoutError(f"no {count} held request(s) passed in {timeout} s: {self!r}")

    def release(self) -> None:
        """Lets the held requests and every later one through."""
        self._open("released")

    def drop(self) -> None:
        """Closes the connections of the held requests without carrying them out; later
        matching requests pass."""
        self._open("dropped")

    def _open(self, state: str) -> None:
        with self._condition:
            if self.state == "closed":
                self.state = state
            self._condition.notify_all()
        with self.simulator.lock:
            if self in self.simulator.gates:
                self.simulator.gates.remove(self)

    def _enter(self) -> str:
        """Called by the handler thread of a matching request: "free" (not held), "released"
        (held, then let through) or "dropped" (held, then to be closed without a reply). Blocks
        while the gate is closed."""
        with self._condition:
            self.seen += 1
            if self.seen <= self.after or self.state != "closed":
                return "free"
            self.held += 1
            self._condition.notify_all()
            opened = self._condition.wait_for(lambda: self.state != "closed", self.limit)
            self.held -= 1
            if not opened:
                logger.warning(
                    "%s: held longer than %s s, dropped: %r", self.simulator.name, self.limit, self
                )
                return "dropped"
            return self.state

    def _passed(self) -> None:
        with self._condition:
            self.passed += 1
            self._condition.notify_all()
