"""The plumbing every tool simulator shares: a threaded local HTTP server, a call log, latency,
fault injection and gates.

A simulator speaks its tool's real API (paths, envelopes, errors) so that a connector cannot tell
it from the real service. Tests, the demo and the benchmarks start one with `start()` on a free
port of 127.0.0.1 and point the connector's base URL at `url`.

A test that must see an intermediate state (a run half done, a worker killed mid-call) holds the
simulator on a gate instead of slowing it down: `gate = sim.hold("POST", "SalesEntries",
after=1)`, then `gate.wait_until_held()`, look, `gate.release()`. No test depends on timing.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from bookkeeping.simulators.gate import Gate

logger = logging.getLogger(__name__)

FAULT_KINDS = ("429", "500", "503", "timeout", "reset", "malformed")


@dataclass
class SimRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    query_length: int = 0  # characters of the query string as sent (percent-encoded)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)


@dataclass
class SimResponse:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> SimResponse:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/plain") -> SimResponse:
        return cls(status, text.encode(), {"Content-Type": f"{content_type}; charset=utf-8"})


@dataclass
class Call:
    method: str
    path: str
    operation: str
    write: bool
    status: int = 0


@dataclass
class Fault:
    kind: str  # one of FAULT_KINDS, or "status" with `status`
    method: str = ""
    path: str = ""  # a prefix of the path (or the SOAP operation for Yuki)
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    times: int = 1


class Simulator:
    """Base class of the tool simulators. Subclasses implement `handle()` and `operation()`."""

    name = "simulator"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, latency_ms: float = 0):
        self.host = host
        self.port = port
        self.latency_ms = latency_ms
        self.lock = threading.RLock()
        self.calls: list[Call] = []
        self.faults: list[Fault] = []
        self.fault_rate = 0.0
        self.fault_kinds: tuple[str, ...] = FAULT_KINDS
        self.fault_spared: tuple[str, ...] = ()
        self.faults_injected: Counter[str] = Counter()
        self.timeout_seconds = 3.0
        self.gates: list[Gate] = []
        self._random = random.Random(1234)  # noqa: S311 (fault injection, not cryptography)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.reset()  # subclasses seed their data there

    # Life cycle ----------------------------------------------------------------------------

    def start(self) -> Simulator:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body are two writes: without TCP_NODELAY the body waits for the
            # client's delayed ACK, about 40 ms a call on Linux.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                simulator._serve(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("%s: %s", simulator.name, format % args)

        self._server = ThreadingHTTPServer((self.host, self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=self.name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.drop_holds()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def serve_forever(self) -> None:
        self.start()
        assert self._thread is not None
        self._thread.join()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # Test knobs ----------------------------------------------------------------------------

    def fail_next(
        self,
        method: str = "",
        path: str = "",
        *,
        status: int = 500,
        kind: str = "status",
        headers: dict[str, str] | None = None,
        body: str = "",
        times: int = 1,
    ) -> None:
        """Answer the next `times` matching calls with a fault instead of the real reply.

        kind: "status" (the given status, headers and body), "timeout" (the call is carried out
        but the reply comes after `timeout_seconds`), "reset" (carried out, then the connection
        is closed without a reply), "malformed" (carried out, the reply is cut in half), or one
        of "429", "500", "503" with the tool's own body and headers.
        """
        with self.lock:
            self.faults.append(
                Fault(kind, method.upper(), path, status, dict(headers or {}), body, times)
            )

    def set_fault_rate(
        self,
        rate: float,
        kinds: tuple[str, ...] = FAULT_KINDS,
        seed: int = 1234,
        *,
        spare: tuple[str, ...] = (),
    ) -> None:
        """Inject a random fault of `kinds` into this share of the calls (0 turns it off).

        Calls whose path starts with one of `spare` are never faulted at random.
        """
        with self.lock:
            self.fault_rate = rate
            self.fault_kinds = kinds
            self.fault_spared = spare
            self._random.seed(seed)

    def hold(
        self, method: str = "", path: str = "", *, after: int = 0, limit: float = 120.0
    ) -> Gate:
        """Blocks the requests matching `method` (any when empty) and `path` (a regular expression
        searched in the path, or the operation's name: "ProcessSalesInvoices" for Yuki; any when
        empty), after the first `after` of them, until the returned gate is released.

        `limit` is a safety net: a request held that long is dropped, so no thread hangs for good.
        """
        gate = Gate(self, method, path, after, limit)
        with self.lock:
            self.gates.append(gate)
        return gate

    def drop_holds(self) -> None:
        """Opens every gate, dropping the requests it holds (see `Gate.drop`)."""
        with self.lock:
            gates = list(self.gates)
        for gate in gates:
            gate.drop()

    def reset(self) -> None:
        """Back to a fresh simulator: the requests held on gates are dropped, and the calls, the
        injected faults, the fault rate and its kinds are cleared. Subclasses call this first,
        then seed their data again (under `self.lock`)."""
        self.drop_holds()
        with self.lock:
            self.calls.clear()
            self.faults.clear()
            self.fault_rate = 0.0
            self.fault_kinds = FAULT_KINDS
            self.fault_spared = ()
            self.faults_injected.clear()
            self._random.seed(1234)

    # The test API every simulator implements -----------------------------------------------

    def bookings(self, reference: str) -> list[dict[str, Any]]:
        """Copies of the bookings whose reference (our invoice number) is `reference`."""
        raise NotImplementedError(f"{type(self).__name__}.bookings")

    def vat_codes_of(self, reference: str) -> list[str]:
        """The VAT code of each line of the booking of `reference`, in order."""
        raise NotImplementedError(f"{type(self).__name__}.vat_codes_of")

    def booking_count(self) -> int:
        """How many bookings the tool holds (seeded ones excluded where the tool has them)."""
        raise NotImplementedError(f"{type(self).__name__}.booking_count")

    def customer_count(self) -> int:
        """How many customers we created in the tool (seeded ones excluded)."""
        raise NotImplementedError(f"{type(self).__name__}.customer_count")

    def revoke(self) -> None:
        """Our access is withdrawn for good: renewing it fails, as after a user revoked it."""
        raise NotImplementedError(f"{type(self).__name__}.revoke")

    def expire_tokens(self) -> None:
        """Every token or session issued so far stops working; renewing it still works."""
        raise NotImplementedError(f"{type(self).__name__}.expire_tokens")

    def reset_calls(self) -> None:
        with self.lock:
            self.calls.clear()

    def count(self, *, write: bool | None = None, operation: str | None = None) -> int:
        with self.lock:
            return sum(
                1
                for call in self.calls
                if (write is None or call.write == write)
                and (operation is None or call.operation == operation)
            )

    @property
    def write_calls(self) -> int:
        return self.count(write=True)

    @property
    def read_calls(self) -> int:
        return self.count(write=False)

    # For subclasses --------------------------------------------------------------------------

    def handle(self, request: SimRequest) -> SimResponse:
        raise NotImplementedError

    def operation(self, request: SimRequest) -> tuple[str, bool]:
        """(operation name, is it a write?) of a request, for the call log."""
        return f"{request.method} {request.path}", request.method != "GET"

    def fault_response(self, kind: str) -> SimResponse:
        """The tool's own reply for the generic fault kinds "429", "500" and "503"."""
        status = int(kind)
        return SimResponse.text(f"Simulated {status}", status=status)

    # Serving -------------------------------------------------------------------------------

    def _take_fault(self, request: SimRequest, operation: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method and fault.method != request.method:
                    continue
                if fault.path and not (
                    request.path.startswith(fault.path) or operation == fault.path
                ):
                    continue
                fault.times -= 1
                if fault.times <= 0:
                    self.faults.remove(fault)
                return fault
            spared = request.path.startswith(self.fault_spared)
            if self.fault_rate and not spared and self._random.random() < self.fault_rate:
                return Fault(self._random.choice(self.fault_kinds))
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        request = SimRequest(
            method=handler.command,
            path=parts.path,
            query={
                key: values[-1]
                for key, values in parse_qs(parts.query, keep_blank_values=True).items()
            },
            headers={key.lower(): value for key, value in handler.headers.items()},
            body=body,
            query_length=len(parts.query),
        )
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        operation, write = self.operation(request)
        call = Call(request.method, request.path, operation, write)
        with self.lock:
            self.calls.append(call)
            gate = next((g for g in self.gates if g.matches(request, operation)), None)
        passage = gate._enter() if gate is not None else "free"
        if passage == "dropped":
            self._reset(handler)
            return
        fault = self._take_fault(request, operation)
        if fault is not None:
            self.faults_injected[fault.kind] += 1
        if fault is not None and fault.kind == "status":
            response = SimResponse(fault.status, fault.body.encode(), fault.headers)
        elif fault is not None and fault.kind in ("429", "500", "503"):
            response = self.fault_response(fault.kind)
        else:
            try:
                response = self.handle(request)
            except Exception:
                logger.exception("%s failed on %s %s", self.name, request.method, request.path)
                response = SimResponse.text("Internal simulator error", status=500)
        call.status = response.status
        if gate is not None and passage == "released":
            gate._passed()
        if fault is not None and fault.kind == "reset":
            self._reset(handler)
            return
        if fault is not None and fault.kind == "timeout":
            time.sleep(self.timeout_seconds)
        if fault is not None and fault.kind == "malformed":
            response.body = response.body[: max(1, len(response.body) // 2)] or b"{"
        self._write(handler, response)

    @staticmethod
    def _reset(handler: BaseHTTPRequestHandler) -> None:
        handler.close_connection = True
        try:
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            handler.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    @staticmethod
    def _write(handler: BaseHTTPRequestHandler, response: SimResponse) -> None:
        try:
            handler.send_response(response.status)
            for key, value in response.headers.items():
                handler.send_header(key, value)
            handler.send_header("Content-Length", str(len(response.body)))
            handler.end_headers()
            handler.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True
