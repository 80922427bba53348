"""Numbers under concurrency, on the real PostgreSQL: no gaps, no duplicates."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import close_old_connections, connection

from invoicing import services
from invoicing.models import Invoice, NumberSequence
from tests.invoicing.conftest import make_draft

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run_together(jobs: list[Callable[[], object]]) -> list[object]:
    """Run the jobs in threads released at the same instant; results or exceptions, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = jobs[index]()
        except Exception as exc:  # noqa: BLE001 (the test inspects it)
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(jobs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    close_old_connections()
    return results


def test_two_users_booking_at_the_same_moment_get_consecutive_numbers(
    require_postgres, acme, alice, bob
):
    first, second = make_draft(acme), make_draft(acme)
    results = _run_together(
        [
            lambda: services.book_invoice(first, user=alice),
            lambda: services.book_invoice(second, user=bob),
        ]
    )
    assert all(isinstance(result, Invoice) for result in results), results
    numbers = sorted(Invoice.objects.filter(company=acme).values_list("number", flat=True))
    assert numbers == ["2026-0001", "2026-0002"]
    assert NumberSequence.objects.get(company=acme, kind="invoice", year=2026).last_number == 2


def test_many_bookings_at_once_leave_no_gap_and_no_duplicate(require_postgres, acme, alice):
    # Credit notes credit booked invoices: book four of the twelve invoices beforehand.
    credited = [services.book_invoice(make_draft(acme), user=alice) for _ in range(4)]
    drafts = [make_draft(acme) for _ in range(8)]
    credit_notes = [
        make_draft(acme, kind=Invoice.Kind.CREDIT_NOTE, credited_invoice=invoice)
        for invoice in credited
    ]
    results = _run_together(
        [
            (lambda invoice=invoice: services.book_invoice(invoice, user=alice))
            for invoice in drafts + credit_notes
        ]
    )
    assert all(isinstance(result, Invoice) for result in results), results
    invoices = list(
        Invoice.objects.filter(company=acme, kind="invoice").values_list("number", flat=True)
    )
    credits = list(
        Invoice.objects.filter(company=acme, kind="credit_note").values_list("number", flat=True)
    )
    assert sorted(invoices) == [f"2026-{n:04d}" for n in range(1, 13)]
    assert sorted(credits) == [f"CN-2026-{n:04d}" for n in range(1, 5)]


def test_the_same_draft_booked_twice_at_once_is_booked_once(require_postgres, acme, alice, bob):
    draft = make_draft(acme)
    results = _run_together(
        [
            lambda: services.book_invoice(draft, user=alice),
            lambda: services.book_invoice(draft, user=bob),
        ]
    )
    booked = [r for r in results if isinstance(r, Invoice)]
    refused = [r for r in results if isinstance(r, services.BookingRefused)]
    assert len(booked) == 1
    assert len(refused) == 1
    assert "already booked" in str(refused[0])
    assert NumberSequence.objects.get(company=acme).last_number == 1


def test_two_credit_notes_booked_at_once_never_credit_more_than_the_invoice(
    require_postgres, acme, alice, bob
):
    invoice = services.book_invoice(make_draft(acme), user=alice)
    notes = [
        make_draft(acme, kind=Invoice.Kind.CREDIT_NOTE, credited_invoice=invoice) for _ in range(2)
    ]
    results = _run_together(
        [
            lambda: services.book_invoice(notes[0], user=alice),
            lambda: services.book_invoice(notes[1], user=bob),
        ]
    )
    refused = [str(r) for r in results if isinstance(r, services.BookingRefused)]
    assert refused == [services.CREDIT_NOTHING_LEFT.format(number=invoice.number)], results
    assert Invoice.objects.filter(kind="credit_note", status="booked").count() == 1
