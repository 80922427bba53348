"""A fourth bookkeeping tool, defined here and nowhere else, with a tiny simulator: registering it
is all it takes for the settings page to offer it, the demo to seed it, the contract suite to run
against it and a sync to book an invoice in it."""

from __future__ import annotations

import inspect
import itertools
import secrets
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, NoReturn

import pytest
import requests
from django.core.management import call_command
from django.db import transaction

from bookkeeping.connectors.base import (
    AuthError,
    BookingFacts,
    Connector,
    InvoiceRejected,
    PushResult,
    RemoteRef,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import Integration, SyncRun
from bookkeeping.simulators.base import SimRequest, SimResponse, Simulator
from bookkeeping.sync import sync_company
from bookkeeping.tools import DemoCompany, Tool, register, unregister
from invoicing.models import Company, Invoice
from tests.bookkeeping.connectors import test_contract
from tests.factories import make_booked_invoice

pytestmark = pytest.mark.django_db

API_KEY = "ledgerly-demo-key"
REFUSED_ACCOUNT = "999999"


class LedgerlySimulator(Simulator):
    """Ledgerly's JSON API: a token for an API key, customers and entries by reference."""

    name = "Ledgerly"

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.reset()

    @property
    def base_url(self) -> str:
        return self.url

    def reset(self) -> None:
        super().reset()
        with self.lock:
            self.faults.clear()
            self.tokens: set[str] = set()
            self.api_keys = {API_KEY}
            self.customers: list[dict[str, Any]] = []
            self.entries: list[dict[str, Any]] = []

    # The test API every simulator offers.
    def bookings(self, reference: str) -> list[dict[str, Any]]:
        return [dict(entry) for entry in self.entries if entry["reference"] == reference]

    def booking_count(self) -> int:
        return len(self.entries)

    def customer_count(self) -> int:
        return len(self.customers)

    def revoke(self) -> None:
        self.api_keys.clear()

    def expire_tokens(self) -> None:
        self.tokens.clear()

    def operation(self, request: SimRequest) -> tuple[str, bool]:
        return (
            f"{request.method} {request.path}",
            request.method == "POST" and request.path != "/token",
        )

    def handle(self, request: SimRequest) -> SimResponse:
        if request.path == "/token":
            if request.json().get("api_key") not in self.api_keys:
                return SimResponse.json({"error": "unknown API key"}, status=401)
            token = secrets.token_hex(8)
            self.tokens.add(token)
            return SimResponse.json({"token": token})
        if request.header("authorization").removeprefix("Bearer ") not in self.tokens:
            return SimResponse.json({"error": "token expired"}, status=401)
        table = {"/customers": self.customers, "/entries": self.entries}.get(request.path)
        if table is None:
            return SimResponse.json({"error": "not found"}, status=404)
        if request.method == "GET":
            key, value = next(iter(request.query.items()))
            return SimResponse.json([row for row in table if row.get(key) == value])
        body = request.json()
        if REFUSED_ACCOUNT in {line.get("account") for line in body.get("lines", [])}:
            return SimResponse.json({"error": f"Account {REFUSED_ACCOUNT} does not exist"}, 422)
        row = {**body, "id": str(len(table) + 1), "number": f"L-{len(table) + 1:05d}"}
        table.append(row)
        return SimResponse.json(row, status=201)


class LedgerlyConnector(Connector):
    """Ledgerly: an API key for a token, customers by code, entries by reference."""

    key = "ledgerly"
    label = "Ledgerly"
    base_url_setting = "LEDGERLY_BASE_URL"
    credential_fields = (("api_key", "API key", True),)
    target_label = "ledger"

    def __init__(self, integration: Integration):
        super().__init__(integration)
        self.token = ""
        self.logging_in = False

    def before_request(self) -> None:
        if not self.token and not self.logging_in:
            self.reauthenticate()

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        if not self.logging_in:
            kwargs["headers"] = {"Authorization": f"Bearer {self.token}"}

    def reauthenticate(self) -> None:
        if self.logging_in:  # the token call itself was refused
            raise AuthError("Ledgerly refused the API key.", hint="Enter it again.")
        self.logging_in = True
        try:
            reply = self.request(
                "POST", "/token", json={"api_key": self.credentials.get("api_key", "")}
            )
        except AuthError as exc:
            raise AuthError("Ledgerly refused the API key.", hint="Enter it again.") from exc
        finally:
            self.logging_in = False
        self.token = self.json(reply)["token"]

    def raise_for_response(self, response: requests.Response) -> NoReturn:
        raise InvoiceRejected(
            f"Ledgerly refused it: {response.json().get('error')}",
            hint="Correct the account on the invoice lines.",
            status=response.status_code,
        )

    def list_targets(self) -> list:
        return []

    def test_connection(self) -> str:
        self.request("GET", "/customers", params={"code": ""})
        return "Connected to Ledgerly."

    def find_customer(self, customer: Any) -> RemoteRef | None:
        rows = self.json(self.request("GET", "/customers", params={"code": customer.code}))
        return RemoteRef(rows[0]["id"], customer.code) if rows else None

    def push_customer(self, customer: Any) -> RemoteRef:
        body = {"code": customer.code, "name": customer.name}
        row = self.json(self.request("POST", "/customers", json=body))
        return RemoteRef(row["id"], customer.code)

    def find_invoice(self, invoice: Invoice) -> RemoteRef | None:
        rows = self.json(self.request("GET", "/entries", params={"reference": invoice.number}))
        for row in rows:
            total = Decimal(row["total"])
            facts = BookingFacts(row["reference"], customer_id=row["customer"], total=total)
            return RemoteRef(row["id"], row["number"], facts=facts)
        return None

    def push_invoices(
        self, invoices: Sequence[Invoice], *, customer_refs: Mapping[int, RemoteRef]
    ) -> list[PushResult]:
        results = []
        for invoice in invoices:
            lines = [{"account": line.revenue_account} for line in invoice.lines.all()]
            body = {
                "reference": invoice.number,
                "customer": customer_refs[invoice.customer_id].remote_id,
                "total": str(invoice.total),
                "lines": lines,
            }
            try:
                row = self.json(self.request("POST", "/entries", json=body))
            except InvoiceRejected as exc:
                error = InvoiceRejected(f"Invoice {invoice.number}: {exc.message}", hint=exc.hint)
                results.append(PushResult(invoice.pk, error=error))
            else:
                results.append(PushResult(invoice.pk, ref=RemoteRef(row["id"], row["number"])))
        return results


def demo_connection() -> dict[str, Any]:
    return {"credentials": {"api_key": API_KEY}, "vat_mapping": {}, "vat_codes": {}}


LEDGERLY = Tool(
    key="ledgerly",
    label="Ledgerly",
    countries=("BE",),
    pushes_edits=False,
    after_sync="Edits after a sync are not sent to Ledgerly.",
    connector=f"{__name__}.LedgerlyConnector",
    simulator=f"{__name__}.LedgerlySimulator",
    simulator_port=8799,
    simulator_path="",
    demo_connection=f"{__name__}.demo_connection",
    demo_company=DemoCompany("demo-ledgerly", "Ledgerly Demo BV", "BE", "BE0403170701", "Gent"),
    base_url_setting="LEDGERLY_BASE_URL",
    settings={"LEDGERLY_BASE_URL": "https://api.ledgerly.example"},
    cli_name="ledgerly",
)


@pytest.fixture
def ledgerly(settings):
    register(LEDGERLY)
    sim = LedgerlySimulator().start()
    settings.LEDGERLY_BASE_URL = sim.base_url
    yield sim
    sim.stop()
    unregister(LEDGERLY.key)


@pytest.fixture
def ledgerly_integration(ledgerly, acme):
    integration = Integration(
        company=acme,
        tool="ledgerly",
        status=Integration.Status.CONNECTED,
        credentials={"api_key": API_KEY},
        target_id="main",
        sales_journal="sales",
    )
    integration.full_clean()  # the registry, not a choices list, knows the tool
    integration.save()
    return integration


def test_the_settings_page_offers_the_new_tool_and_connects_it(ledgerly, alice_client, acme):
    page = alice_client.get("/bookkeeping/settings/").content.decode()

    assert 'type="radio" name="tool" value="ledgerly"' in page
    alice_client.post("/bookkeeping/settings/tool/", {"tool": "ledgerly"})
    alice_client.post("/bookkeeping/settings/connect/", {"api_key": API_KEY})
    integration = Integration.objects.get(company=acme, is_active=True)
    assert integration.tool == "ledgerly"
    assert integration.credentials == {"api_key": API_KEY}
    assert "API key" in alice_client.get("/bookkeeping/settings/").content.decode()


def test_the_demo_seeds_and_connects_the_new_tool(ledgerly):
    call_command("seed_demo", invoices=2, stdout=open("/dev/null", "w"))  # noqa: SIM115

    company = Company.objects.get(slug="demo-ledgerly")
    integration = Integration.objects.get(company=company, is_active=True)
    assert integration.tool == "ledgerly"
    assert integration.status == Integration.Status.CONNECTED
    assert integration.credentials == {"api_key": API_KEY}
    assert Invoice.objects.filter(company=company, status=Invoice.Status.BOOKED).count() == 2


def contract_cases() -> list[tuple[str, Any, dict[str, Any]]]:
    """Every test of the contract suite with each of its parameter sets."""
    cases = []
    for name, function in inspect.getmembers(test_contract, inspect.isfunction):
        if not name.startswith("test_"):
            continue
        marks = [m for m in getattr(function, "pytestmark", []) if m.name == "parametrize"]
        grids = [[(m.args[0], value) for value in m.args[1]] for m in marks]
        for combination in itertools.product(*grids):
            cases.append((name, function, dict(combination)))
    return cases


def test_the_contract_suite_passes_against_the_new_tool(
    request, ledgerly, ledgerly_integration, acme, settings
):
    timeout = settings.TOOL_HTTP_TIMEOUT
    ran = []
    for name, function, params in contract_cases():
        ledgerly.reset()
        connector = get_connector(ledgerly_integration)
        given = {"tool": (connector, ledgerly), **params}
        arguments = {
            name: given[name] if name in given else request.getfixturevalue(name)
            for name in inspect.signature(function).parameters
        }
        with transaction.atomic():  # each case on the same data it would have alone
            function(**arguments)
            transaction.set_rollback(True)
        settings.TOOL_HTTP_TIMEOUT = timeout
        ran.append(name)

    assert len(ran) >= 9


def test_a_sync_books_an_invoice_in_the_new_tool(ledgerly, ledgerly_integration, acme, alice):
    invoice = make_booked_invoice(acme, number="2026-0001", lines=[("1", "100.00", "21", "700")])

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    assert str(run.summary) == "1 customer and 1 invoice synced to Ledgerly"
    [entry] = ledgerly.bookings("2026-0001")
    invoice.refresh_from_db()
    assert invoice.booking_number == entry["number"] == "L-00001"
