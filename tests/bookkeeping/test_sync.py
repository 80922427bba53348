"""The sync service over real HTTP against the simulators, in this process (no worker)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bookkeeping.models import ExternalRecord, Integration, SyncIssue, SyncRun
from bookkeeping.sync import SyncRescheduled, claim_run, sync_company, transitions
from bookkeeping.tools import TOOLS
from invoicing.models import Invoice
from notifications.models import Notification
from tests.factories import CustomerFactory, InvoiceFactory, InvoiceLineFactory, make_booked_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture(params=list(TOOLS))
def tool(request):
    key = request.param
    return key, request.getfixturevalue(key), request.getfixturevalue(f"{key}_integration")


def book_some(company, count, *, start=1, customers=None):
    customers = customers or [CustomerFactory(company=company) for _ in range(2)]
    return [
        make_booked_invoice(company, number=f"2026-{n:04d}", customer=customers[n % len(customers)])
        for n in range(start, start + count)
    ]


def test_it_books_every_booked_invoice_once_with_the_tools_booking_number(tool, acme, alice):
    key, sim, integration = tool
    invoices = book_some(acme, 5)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert run.invoices_booked == 5
    assert run.customers_created == 2
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.sync_state == Invoice.SyncState.SYNCED
        assert invoice.booking_number
        assert len(sim.bookings(invoice.number)) == 1
    note = Notification.objects.get(recipient=alice)
    assert note.title == f"2 customers and 5 invoices synced to {integration.tool_label}"


def test_drafts_never_reach_the_tool(tool, acme, alice):
    key, sim, integration = tool
    draft = InvoiceFactory(company=acme)
    InvoiceLineFactory(invoice=draft)
    book_some(acme, 1)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.invoices_booked == 1
    assert run.drafts_skipped == 1
    assert sim.booking_count() == 1
    draft.refresh_from_db()
    assert draft.booking_number == ""


def test_a_resync_without_changes_makes_no_write_call(tool, acme, alice):
    key, sim, integration = tool
    book_some(acme, 3)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    InvoiceLineFactory(invoice=InvoiceFactory(company=acme))  # a draft
    sim.reset_calls()

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert sim.write_calls == 0
    assert str(run.summary) == "No changes: 3 invoices were already synced, 1 is a draft"
    assert Notification.objects.filter(recipient=alice).first().title == str(run.summary)


def test_a_rejected_invoice_does_not_stop_the_others(tool, acme, alice):
    key, sim, integration = tool
    customer = CustomerFactory(company=acme)
    good = book_some(acme, 2, customers=[customer])
    bad = make_booked_invoice(
        acme, number="2026-0100", customer=customer, lines=[("1", "10.00", "21", "999999")]
    )

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.PARTIALLY_FAILED
    assert run.invoices_booked == 2
    assert run.invoices_failed == 1
    bad.refresh_from_db()
    assert bad.sync_state == Invoice.SyncState.FAILED
    assert bad.booking_number == ""
    assert sim.bookings("2026-0100") == []
    issue = SyncIssue.objects.get(invoice=bad)
    assert "2026-0100" in str(issue.message)
    assert str(issue.hint)
    assert all(len(sim.bookings(i.number)) == 1 for i in good)
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.ERROR
    assert "2026-0100" in note.body


def test_an_unmapped_vat_rate_is_reported_with_a_link_to_the_settings(tool, acme, alice):
    key, sim, integration = tool
    invoice = make_booked_invoice(acme, number="2026-0200", lines=[("1", "10.00", "9", "")])

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.FAILED
    issue = SyncIssue.objects.get(invoice=invoice)
    assert "9%" in str(issue.message)
    assert issue.link == "/bookkeeping/settings/#id_vat_9_00"  # the very row of 9 %
    note = Notification.objects.get(recipient=alice)
    assert note.link == "/bookkeeping/settings/#id_vat_9_00"
    assert note.title == f"Sync to {integration.tool_label}: 1 invoice failed, 1 customer synced"

    integration.vat_mapping["9.00"] = integration.vat_mapping["6.00"]
    integration.save()
    retry = sync_company(acme, trigger=SyncRun.Trigger.RETRY, user=alice, invoice_ids=[invoice.pk])
    invoice.refresh_from_db()
    assert retry.status == SyncRun.Status.SUCCEEDED
    assert invoice.booking_number
    assert SyncIssue.objects.get(invoice=invoice).resolved


def test_a_crash_between_the_call_and_the_save_books_nothing_twice(tool, acme, alice, monkeypatch):
    key, sim, integration = tool
    invoices = book_some(acme, 3)
    real_save = transitions.save_booking
    calls = {"n": 0}

    def crash_on_second(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt("worker killed")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(transitions, "save_booking", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    monkeypatch.setattr(transitions, "save_booking", real_save)
    SyncRun.objects.filter(status=SyncRun.Status.RUNNING).update(
        heartbeat_at=SyncRun.objects.first().started_at.replace(year=2000)
    )

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    for invoice in invoices:
        invoice.refresh_from_db()
        [booking] = sim.bookings(invoice.number)
        assert invoice.booking_number
    assert (
        ExternalRecord.objects.filter(state=ExternalRecord.State.SYNCED, kind="invoice").count()
        == 3
    )


def test_a_second_sync_joins_the_running_one(tool, acme, alice, bob):
    key, sim, integration = tool
    first, started = claim_run(integration, trigger=SyncRun.Trigger.MANUAL, user=alice)
    second, started_again = claim_run(integration, trigger=SyncRun.Trigger.NIGHTLY, user=bob)

    assert started
    assert not started_again
    assert second.pk == first.pk
    assert SyncRun.objects.filter(status=SyncRun.Status.RUNNING).count() == 1
    second.refresh_from_db()
    assert bob.pk in second.watcher_ids


def test_a_stale_run_is_taken_over(tool, acme, alice, settings):
    key, sim, integration = tool
    stale, _ = claim_run(integration, trigger=SyncRun.Trigger.MANUAL, user=alice)
    SyncRun.objects.filter(pk=stale.pk).update(heartbeat_at=stale.started_at.replace(year=2000))

    fresh, started = claim_run(integration, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert started
    assert fresh.pk != stale.pk
    stale.refresh_from_db()
    assert stale.status == SyncRun.Status.FAILED


def test_revoked_access_ends_the_run_with_reconnect_needed(tool, acme, alice):
    key, sim, integration = tool
    book_some(acme, 2)
    sim.revoke()
    sim.expire_tokens()

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.FAILED
    assert sim.booking_count() == 0
    integration.refresh_from_db()
    assert integration.status == Integration.Status.RECONNECT_NEEDED
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.ERROR
    assert "Integration settings" in note.body
    assert note.link == "/bookkeeping/settings/#step-connect"


def test_an_expired_token_is_renewed_during_the_run(tool, acme, alice):
    key, sim, integration = tool
    book_some(acme, 2)
    sim.expire_tokens()

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert sim.booking_count() == 2


@pytest.mark.parametrize("key", ["exact_online", "octopus"])  # Yuki has a daily quota only
def test_a_short_rate_limit_is_waited_for_inside_the_run(request, key, acme, alice):
    sim = request.getfixturevalue(key)
    request.getfixturevalue(f"{key}_integration")
    book_some(acme, 2)
    sim.fail_next(kind="status", status=429, headers={"Retry-After": "1"}, method="POST")

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert sim.booking_count() == 2


def test_nightly_runs_notify_nobody_when_all_went_well(tool, acme, alice, bob):
    key, sim, integration = tool
    book_some(acme, 2)

    sync_company(acme, trigger=SyncRun.Trigger.NIGHTLY)

    assert not Notification.objects.exists()


def test_nightly_runs_with_errors_notify_every_company_admin(tool, acme, alice, bob):
    key, sim, integration = tool
    make_booked_invoice(acme, number="2026-0300", lines=[("1", "10.00", "21", "999999")])

    sync_company(acme, trigger=SyncRun.Trigger.NIGHTLY)

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["alice"]


def test_edits_of_a_synced_octopus_invoice_are_pushed(octopus, octopus_integration, acme, alice):
    [invoice] = book_some(acme, 1)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    invoice.refresh_from_db()
    number = invoice.booking_number
    line = invoice.lines.first()
    line.unit_price = Decimal("120.00")
    line.save()
    Invoice.objects.filter(pk=invoice.pk).update(sync_state=Invoice.SyncState.CHANGED)

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.invoices_updated == 1
    assert str(run.summary) == "1 invoice updated in Octopus"
    invoice.refresh_from_db()
    assert invoice.booking_number == number
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    [booking] = octopus.bookings(invoice.number)
    assert len(octopus.bookings(invoice.number)) == 1


def test_a_closed_octopus_period_is_a_clear_issue(octopus, octopus_integration, acme, alice):
    invoice = make_booked_invoice(acme, number="2026-0400")
    octopus.close_period(int(invoice.invoice_date.strftime("%Y%m")))

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.FAILED
    issue = SyncIssue.objects.get(invoice=invoice)
    assert issue.kind == SyncIssue.Kind.CLOSED_PERIOD
    assert "Book year period is closed" in str(issue.message)
    assert "Octopus" in str(issue.hint)


def test_a_long_wait_pauses_the_run_and_says_when_it_goes_on(yuki, yuki_integration, acme, alice):
    book_some(acme, 2)
    yuki.fail_next(kind="429", times=100)  # Yuki's daily quota is used up

    with pytest.raises(SyncRescheduled) as excinfo:
        sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    run = excinfo.value.run
    run.refresh_from_db()
    assert run.status == SyncRun.Status.RESCHEDULED
    assert excinfo.value.retry_after > 60
    assert yuki.booking_count() == 0
    note = Notification.objects.get(recipient=alice)
    assert note.level == Notification.Level.WARNING
    assert note.title.startswith("Sync to Yuki paused:")
    assert "daily" in note.title


def test_a_task_delivered_again_after_its_run_ended_does_nothing(
    exact_online, exact_online_integration, acme, alice
):
    book_some(acme, 2)
    run, _ = claim_run(exact_online_integration, trigger=SyncRun.Trigger.MANUAL, user=alice)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice, run=run)
    exact_online.reset_calls()

    again = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice, run=run)

    assert again.pk == run.pk
    assert SyncRun.objects.count() == 1
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert exact_online.calls == []


def test_a_customer_whose_create_reply_was_lost_is_found_not_created_twice(
    exact_online, exact_online_integration, acme, alice
):
    book_some(acme, 2, customers=[CustomerFactory(company=acme)])
    exact_online.fail_next("POST", "/api/v1/123456/crm/Accounts", kind="reset")

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED
    assert exact_online.customer_count() == 1
    assert exact_online.booking_count() == 2
