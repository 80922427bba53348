"""One commit per invoice: the save of invoice n's booking and the "pushing" mark of invoice n+1
are one transaction (the intent before the call still commits before the call)."""

from __future__ import annotations

import pytest
from django.db import connection

from bookkeeping.models import ExternalRecord, SyncRun
from bookkeeping.sync import sync_company
from bookkeeping.tools import TOOLS
from tests.factories import CustomerFactory, make_booked_invoice

# Real commits: the test is not wrapped in a transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


@pytest.fixture
def commits(monkeypatch):
    """Counts the transactions committed on the default connection (atomic blocks)."""
    counted = {"n": 0}
    real_commit = connection.commit

    def commit():
        counted["n"] += 1
        return real_commit()

    monkeypatch.setattr(connection, "commit", commit)
    return counted


def sync_and_count(company, user, commits, numbers):
    customer = CustomerFactory(company=company)
    for number in numbers:
        make_booked_invoice(company, number=number, customer=customer)
    before = commits["n"]
    run = sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)
    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    return commits["n"] - before


def test_a_sync_commits_once_per_invoice(tool, acme, alice, commits):
    key, sim, integration = tool
    few = sync_and_count(acme, alice, commits, [f"2026-{n:04d}" for n in range(1, 4)])
    many = sync_and_count(acme, alice, commits, [f"2026-{n:04d}" for n in range(4, 19)])

    # 15 invoices against 3: what grows with the invoices is one commit each (the save of one
    # booking with the mark of the next); the two commits a run has per invoice otherwise
    # (the intent, then the booking) would make it 24.
    assert many - few <= 15 - 3
    assert ExternalRecord.objects.filter(kind="invoice", state="synced").count() == 18
    assert sim.booking_count() == 18


def test_yuki_books_a_backlog_in_batches_of_100_each_marked_with_the_last_save(
    yuki, yuki_integration, acme, alice, commits
):
    customer = CustomerFactory(company=acme)
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in range(1, 251)
    ]
    before = commits["n"]

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert run.invoices_booked == 250
    assert [c.operation for c in yuki.calls if c.write].count("ProcessSalesInvoices") == 3
    assert all(len(yuki.bookings(invoice.number)) == 1 for invoice in invoices)
    # 250 saves, the first batch's mark, and a few of the run itself: never a second commit
    # per invoice.
    assert commits["n"] - before <= 250 + 20


def test_a_refused_question_about_an_invoice_in_flight_does_not_end_the_run(
    exact_online, exact_online_integration, acme, alice
):
    """The invoices an earlier push may have reached are asked about before the batches; a
    refusal of that question is asked again batch by batch instead of ending the run."""
    customer = CustomerFactory(company=acme)
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in (1, 2, 3)
    ]
    ExternalRecord.objects.create(  # a worker died after marking it, before the call
        integration=exact_online_integration,
        invoice=invoices[0],
        kind=ExternalRecord.Kind.INVOICE,
        state=ExternalRecord.State.PUSHING,
        attempts=1,
    )
    exact_online.fail_next("GET", "GET salesentry/SalesEntries", status=400)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert all(len(exact_online.bookings(invoice.number)) == 1 for invoice in invoices)


def ownership_reads(queries):
    return sum(
        1
        for query in queries
        if query["sql"].startswith("SELECT") and 'FROM "bookkeeping_syncrun"' in query["sql"]
    )


def statements(queries):
    """The statements sent to the database (savepoints are no round trip worth counting)."""
    return [query for query in queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE"))]


def sync_and_capture(company, user, numbers):
    from django.test.utils import CaptureQueriesContext

    customer = CustomerFactory(company=company)
    for number in numbers:
        make_booked_invoice(company, number=number, customer=customer)
    with CaptureQueriesContext(connection) as captured:
        run = sync_company(company, trigger=SyncRun.Trigger.MANUAL, user=user)
    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    return captured.captured_queries


@pytest.mark.parametrize("key", ["exact_online", "octopus"])
def test_the_push_after_a_saved_booking_costs_no_ownership_check(key, acme, alice, request):
    """Saving a booking proves the run still owns its integration (its heartbeat is written in
    the same transaction), so the push of the next invoice needs no read of its own."""
    request.getfixturevalue(f"{key}_integration")
    few = sync_and_capture(acme, alice, [f"2026-{n:04d}" for n in range(1, 4)])
    many = sync_and_capture(acme, alice, [f"2026-{n:04d}" for n in range(4, 19)])

    assert ownership_reads(many) - ownership_reads(few) <= 1
    # What grows with the invoices: BEGIN, the booking (invoice, record and the run's counters)
    # and COMMIT, 5 statements, and every tenth invoice the intent of the next ten (invoices
    # and records, 2). Marking only the next invoice with each save made it 7; a read of the
    # run before each push, 8.
    assert (len(statements(many)) - len(statements(few))) / 12 <= 6


@pytest.mark.parametrize("key", ["exact_online", "octopus"])
def test_invoices_marked_ahead_by_a_run_that_stopped_are_asked_about_then_booked_once(
    key, acme, alice, request
):
    """The save of a booking marks the next few invoices as pushing. A run that stops right
    after (here: taken over while its next call waited on the tool) leaves them marked; the
    next run asks the tool about each before it sends anything, and books each once."""
    import threading

    from tests.bookkeeping.test_sync_trust import BOOKING_CALL

    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    customer = CustomerFactory(company=acme)
    invoices = [
        make_booked_invoice(acme, number=f"2026-{n:04d}", customer=customer) for n in range(1, 15)
    ]
    method, path = BOOKING_CALL[key]
    gate = sim.hold(method, path, after=1)
    worker = threading.Thread(
        target=lambda: sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    )
    worker.start()
    gate.wait_until_held()
    marked = ExternalRecord.objects.filter(kind="invoice", state="pushing").count()
    SyncRun.objects.filter(status=SyncRun.Status.RUNNING).update(status=SyncRun.Status.FAILED)
    gate.drop()
    worker.join(timeout=60)
    assert not worker.is_alive()
    assert marked == 10  # the invoice on its way and the nine after it
    assert sim.booking_count() == 1
    reads_before = sim.read_calls

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, run.summary
    assert all(len(sim.bookings(invoice.number)) == 1 for invoice in invoices)
    assert sim.read_calls - reads_before >= 10  # each marked invoice was asked about
