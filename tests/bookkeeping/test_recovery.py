"""The recovery console: every open discrepancy and failed invoice, and the actions that fix them.

Through the Django test client, against connected integrations to the simulators. alice (admin
of Acme) acts; bob (member) reads but gets a 404 on every action; charlie (Globex) gets a 404 on
every action on Acme's invoices and sees none of Acme's data. The read-back mirror (BookEntry) and
the discrepancies are created directly where a reconcile is not the point.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from bookkeeping import recovery
from bookkeeping.models import (
    BookEntry,
    Discrepancy,
    ExternalRecord,
    RecoveryAction,
    SyncIssue,
    SyncRun,
)
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

CONSOLE = reverse("bookkeeping:reconciliation")
ISSUE = "Exact Online refused invoice 2026-0002: the VAT code is blocked."
HINT = "Unblock the VAT code in Exact Online, then retry."
MISSING = "Invoice 2026-0001 is synced as 90001 but Exact Online no longer holds that booking."
ACTIONS = ("recovery_link", "recovery_mark_booked", "recovery_send_again", "recovery_never_send")


# The world ------------------------------------------------------------------------------------


def booked(company, number: str, **kwargs) -> Invoice:
    return make_booked_invoice(company, number=number, **kwargs)


def fail(invoice: Invoice, integration, *, message: str = ISSUE, hint: str = HINT) -> SyncIssue:
    """The invoice failed in a run: its open issue and its failed state, as the sync leaves it."""
    run = SyncRun.objects.create(
        integration=integration,
        company_id=invoice.company_id,
        trigger=SyncRun.Trigger.MANUAL,
        status=SyncRun.Status.FAILED,
    )
    Invoice.objects.filter(pk=invoice.pk).update(
        sync_state=Invoice.SyncState.FAILED, sync_message=f"{message} {hint}"
    )
    invoice.refresh_from_db()
    return SyncIssue.objects.create(
        run=run, invoice=invoice, kind=SyncIssue.Kind.REJECTED, message=message, hint=hint
    )


def synced(invoice: Invoice, integration, *, remote_id: str, number: str) -> ExternalRecord:
    Invoice.objects.filter(pk=invoice.pk).update(
        booking_number=number, sync_state=Invoice.SyncState.SYNCED
    )
    invoice.refresh_from_db()
    return ExternalRecord.objects.create(
        integration=integration,
        invoice=invoice,
        kind=ExternalRecord.Kind.INVOICE,
        state=ExternalRecord.State.SYNCED,
        remote_id=remote_id,
        remote_number=number,
    )


def discrepancy(invoice: Invoice, integration, kind: str, message: str = "") -> Discrepancy:
    return Discrepancy.objects.create(
        integration=integration,
        invoice=invoice,
        kind=kind,
        message=message or f"{kind} of {invoice.number}",
        hint="Fix it.",
    )


def entry(integration, invoice: Invoice, *, remote_id: str, number: str, **kwargs) -> BookEntry:
    """An entry of the tool's books carrying the invoice's number as its reference."""
    values = {
        "reference": invoice.number,
        "total": Decimal(invoice.total),
        "date": invoice.invoice_date,
        "customer_name": invoice.customer.name,
    }
    return BookEntry.objects.create(
        integration=integration, remote_id=remote_id, number=number, **(values | kwargs)
    )


@pytest.fixture
def world(acme, alice, bob, exact_online_integration):
    """Acme with a missing-in-tool discrepancy, an unlinked one with an entry, a failed invoice."""
    integration = exact_online_integration
    missing = booked(acme, "2026-0001")
    synced(missing, integration, remote_id="guid-deleted", number="90001")
    discrepancy(missing, integration, Discrepancy.Kind.MISSING_IN_TOOL, MISSING)
    failed = booked(acme, "2026-0002")
    issue = fail(failed, integration)
    unlinked = booked(acme, "2026-0003")
    found = entry(integration, unlinked, remote_id="guid-found", number="90003")
    discrepancy(unlinked, integration, Discrepancy.Kind.UNLINKED_IN_TOOL)
    return {
        "integration": integration,
        "missing": missing,
        "failed": failed,
        "issue": issue,
        "unlinked": unlinked,
        "entry": found,
    }


def action_urls(world) -> list[str]:
    urls = [reverse(f"bookkeeping:{name}", args=[world["missing"].pk]) for name in ACTIONS]
    urls.append(reverse("bookkeeping:recovery_retry", args=[world["failed"].pk]))
    urls.append(reverse("bookkeeping:recovery_retry_failed"))
    return urls


def action_data(world) -> dict[str, str]:
    return {"entry": str(world["entry"].pk), "booking_number": "X-1", "reason": "Because"}


def state(company) -> dict[str, list]:
    """Everything an action may change, to prove that a refused one changed nothing."""
    return {
        "invoices": list(Invoice.objects.filter(company=company).order_by("pk").values()),
        "records": list(ExternalRecord.objects.order_by("pk").values()),
        "discrepancies": list(Discrepancy.objects.order_by("pk").values()),
        "issues": list(SyncIssue.objects.order_by("pk").values()),
        "runs": list(SyncRun.objects.order_by("pk").values("pk", "status")),
        "actions": list(RecoveryAction.objects.values()),
    }


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# Reading the console ----------------------------------------------------------------------------


def test_the_console_lists_every_open_discrepancy_and_failed_invoice_with_its_actions(
    world, alice_client
):
    closed = discrepancy(world["failed"], world["integration"], Discrepancy.Kind.AMOUNT_MISMATCH)
    Discrepancy.objects.filter(pk=closed.pk).update(closed_at=closed.opened_at)

    response = alice_client.get(CONSOLE)

    assert response.status_code == 200
    text = response.content.decode()
    assert MISSING in text
    assert ISSUE in text
    assert HINT in text
    assert "In the tool, not linked here" in text
    assert "Entry 90003" in text  # the entry that may be linked
    assert "amount_mismatch of 2026-0002" not in text  # closed
    for name in ACTIONS[1:]:
        assert reverse(f"bookkeeping:{name}", args=[world["missing"].pk]) in text
    assert reverse("bookkeeping:recovery_link", args=[world["unlinked"].pk]) in text
    assert reverse("bookkeeping:recovery_link", args=[world["missing"].pk]) not in text
    assert reverse("bookkeeping:recovery_retry", args=[world["failed"].pk]) in text
    assert "Retry every failed invoice (1)" in text


@pytest.mark.parametrize("kind", Discrepancy.Kind.values)
def test_every_kind_of_discrepancy_is_listed_with_its_message(world, alice_client, kind):
    invoice = booked(world["failed"].company, "2026-0009")
    discrepancy(invoice, world["integration"], kind, f"The {kind} of 2026-0009")

    text = alice_client.get(CONSOLE).content.decode()

    assert f"The {kind} of 2026-0009" in text
    assert str(Discrepancy.Kind(kind).label) in text
    assert reverse("bookkeeping:recovery_mark_booked", args=[invoice.pk]) in text


def test_the_console_says_so_when_the_books_agree(acme, alice_client, exact_online_integration):
    response = alice_client.get(CONSOLE)

    assert (
        "The books agree: no open discrepancy and no failed invoice." in response.content.decode()
    )


def test_members_read_the_console_but_are_offered_no_action(world, bob_client):
    response = bob_client.get(CONSOLE)

    text = response.content.decode()
    assert response.status_code == 200
    assert MISSING in text
    assert ISSUE in text
    assert "Only a company admin can act on these" in text
    for url in action_urls(world):
        assert url not in text


@pytest.mark.parametrize("method", ["get", "post"])
def test_members_get_404_on_every_action_and_nothing_changes(world, acme, bob_client, method):
    before = state(acme)

    for url in action_urls(world):
        response = getattr(bob_client, method)(url, action_data(world))
        assert response.status_code == 404, url

    assert state(acme) == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_company_gets_404_on_every_action_and_sees_nothing_of_acme(
    world, acme, charlie_client, method
):
    before = state(acme)

    for url in action_urls(world)[:-1]:  # the bulk retry is charlie's own company's
        response = getattr(charlie_client, method)(url, action_data(world))
        assert response.status_code == (404 if method == "post" else 405), url
    bulk = charlie_client.post(reverse("bookkeeping:recovery_retry_failed"), follow=True)
    console = charlie_client.get(CONSOLE)

    for response in (bulk, console):
        text = response.content.decode()
        assert "2026-000" not in text
        assert "Acme" not in text
    assert state(acme) == before


def test_every_action_needs_the_csrf_token(world, acme, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = state(acme)

    for url in action_urls(world):
        assert client.post(url, action_data(world)).status_code == 403, url

    assert state(acme) == before
    client.get(CONSOLE)
    token = client.cookies["csrftoken"].value
    url = reverse("bookkeeping:recovery_never_send", args=[world["missing"].pk])
    assert client.post(url, {"reason": "Test", "csrfmiddlewaretoken": token}).status_code == 302


# Link to an entry found in the tool --------------------------------------------------------------


def test_linking_an_entry_found_in_the_tool_makes_it_the_invoices_booking(
    world, alice, alice_client
):
    invoice, found = world["unlinked"], world["entry"]
    url = reverse("bookkeeping:recovery_link", args=[invoice.pk])

    response = alice_client.post(url, {"entry": found.pk}, follow=True)

    assert messages_of(response) == [
        "Invoice 2026-0003 is linked to booking 90003 in Exact Online."
    ]
    invoice.refresh_from_db()
    assert invoice.booking_number == "90003"
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    record = ExternalRecord.objects.get(invoice=invoice)
    assert (record.state, record.remote_id, record.remote_number) == (
        "synced",
        "guid-found",
        "90003",
    )
    assert not Discrepancy.objects.filter(invoice=invoice, closed_at__isnull=True).exists()
    action = RecoveryAction.objects.get(invoice=invoice)
    assert (action.action, action.user) == (RecoveryAction.Action.LINK, alice)
    assert 'data-recovery-invoice="2026-0003"' not in response.content.decode()  # off the console


def test_linking_a_failed_invoice_resolves_its_issue(world, alice_client):
    invoice = world["failed"]
    found = entry(world["integration"], invoice, remote_id="guid-2", number="90002")

    alice_client.post(reverse("bookkeeping:recovery_link", args=[invoice.pk]), {"entry": found.pk})

    invoice.refresh_from_db()
    world["issue"].refresh_from_db()
    assert (invoice.sync_state, invoice.booking_number) == ("synced", "90002")
    assert world["issue"].resolved is True


def test_an_entry_under_another_reference_is_never_linked(world, acme, alice_client):
    before = state(acme)
    url = reverse("bookkeeping:recovery_link", args=[world["failed"].pk])

    response = alice_client.post(url, {"entry": world["entry"].pk}, follow=True)

    assert messages_of(response) == [
        "Choose an entry of Exact Online whose reference is 2026-0002: Booksync links only an "
        "entry that carries the invoice's number."
    ]
    assert state(acme) == before


def test_yuki_entries_are_found_by_their_digits_only_reference(
    acme, alice_client, yuki_integration
):
    yuki_integration.credentials = {**yuki_integration.credentials, "digits_only_reference": True}
    yuki_integration.save(update_fields=["credentials"])
    invoice = booked(acme, "2026-0042")
    fail(invoice, yuki_integration)
    found = entry(yuki_integration, invoice, remote_id="yk-42", number="42", reference="20260042")

    page = alice_client.get(CONSOLE).content.decode()
    alice_client.post(reverse("bookkeeping:recovery_link", args=[invoice.pk]), {"entry": found.pk})

    assert f'value="{found.pk}"' in page
    invoice.refresh_from_db()
    assert invoice.booking_number == "42"


# Mark as booked by hand ---------------------------------------------------------------------------


def test_marking_as_booked_by_hand_keeps_the_typed_booking_number(world, alice, alice_client):
    invoice = world["failed"]
    url = reverse("bookkeeping:recovery_mark_booked", args=[invoice.pk])

    response = alice_client.post(url, {"booking_number": " 70077 "}, follow=True)

    assert messages_of(response) == ["Invoice 2026-0002 is marked as booked by hand as 70077."]
    invoice.refresh_from_db()
    assert (invoice.sync_state, invoice.booking_number) == ("synced", "70077")
    record = ExternalRecord.objects.get(invoice=invoice)
    assert (record.state, record.remote_number) == ("synced", "70077")
    assert record.remote_data == {"marked_by_hand": True}
    world["issue"].refresh_from_db()
    assert world["issue"].resolved is True
    action = RecoveryAction.objects.get(invoice=invoice)
    assert (action.action, action.user) == (RecoveryAction.Action.MARK_BOOKED, alice)


def test_a_booking_number_in_the_mirror_gives_the_record_its_key(world, alice_client):
    invoice = world["unlinked"]
    url = reverse("bookkeeping:recovery_mark_booked", args=[invoice.pk])

    alice_client.post(url, {"booking_number": "90003"})

    assert ExternalRecord.objects.get(invoice=invoice).remote_id == "guid-found"


def test_marking_as_booked_needs_a_booking_number(world, acme, alice_client):
    before = state(acme)
    url = reverse("bookkeeping:recovery_mark_booked", args=[world["failed"].pk])

    response = alice_client.post(url, {"booking_number": "  "}, follow=True)

    assert messages_of(response) == [
        "Type the booking number that Exact Online gave invoice 2026-0002."
    ]
    assert state(acme) == before


# Unlink and send again -----------------------------------------------------------------------------


def test_unlink_and_send_again_books_it_once_more_after_it_was_deleted_in_the_tool(
    acme,
    alice,
    alice_client,
    exact_online,
    exact_online_integration,
    django_capture_on_commit_callbacks,
):
    invoice = booked(acme, "2026-0001", customer=CustomerFactory(company=acme))
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    invoice.refresh_from_db()
    first = invoice.booking_number
    exact_online.delete_booking("2026-0001")  # someone deletes the booking in Exact Online
    missing = discrepancy(invoice, exact_online_integration, Discrepancy.Kind.MISSING_IN_TOOL)
    url = reverse("bookkeeping:recovery_send_again", args=[invoice.pk])

    with django_capture_on_commit_callbacks() as enqueued:
        response = alice_client.post(url, follow=True)

    assert messages_of(response) == [
        "Invoice 2026-0001 is unlinked and will be booked again by the sync. A sync of invoice "
        "2026-0001 started; you get a notification in the bell when it ends."
    ]
    assert len(enqueued) == 1
    invoice.refresh_from_db()
    assert (invoice.sync_state, invoice.booking_number) == ("not_synced", "")
    assert not ExternalRecord.objects.filter(invoice=invoice).exists()
    missing.refresh_from_db()
    assert missing.closed_at is not None
    run = SyncRun.objects.get(status=SyncRun.Status.RUNNING)
    assert (run.trigger, run.only_invoice_ids, run.started_by) == ("retry", [invoice.pk], alice)

    sync_company(acme, trigger=run.trigger, user=alice, run=run)  # what the worker does

    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    assert invoice.booking_number
    assert invoice.booking_number != first
    assert len(exact_online.bookings("2026-0001")) == 1
    assert RecoveryAction.objects.get(invoice=invoice).action == RecoveryAction.Action.SEND_AGAIN


# Never send ---------------------------------------------------------------------------------------


def test_never_send_excludes_the_invoice_with_the_reason_and_the_sync_skips_it(
    world, acme, alice, alice_client, exact_online
):
    invoice = world["failed"]
    url = reverse("bookkeeping:recovery_never_send", args=[invoice.pk])

    response = alice_client.post(url, {"reason": "Booked by the accountant in 2025"}, follow=True)

    assert messages_of(response) == [
        "Invoice 2026-0002 will never be sent: Booked by the accountant in 2025"
    ]
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.EXCLUDED
    assert invoice.sync_message == "Booked by the accountant in 2025"
    world["issue"].refresh_from_db()
    assert world["issue"].resolved is True
    assert RecoveryAction.objects.get(invoice=invoice).action == RecoveryAction.Action.NEVER_SEND

    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert exact_online.bookings("2026-0002") == []
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.EXCLUDED


def test_never_send_closes_the_discrepancies_of_the_invoice(world, alice_client):
    invoice = world["missing"]
    url = reverse("bookkeeping:recovery_never_send", args=[invoice.pk])

    alice_client.post(url, {"reason": "Deleted on purpose"})

    assert not Discrepancy.objects.filter(invoice=invoice, closed_at__isnull=True).exists()


def test_never_send_needs_a_reason(world, acme, alice_client):
    before = state(acme)
    url = reverse("bookkeeping:recovery_never_send", args=[world["failed"].pk])

    response = alice_client.post(url, {"reason": " "}, follow=True)

    assert messages_of(response) == [
        "Say why invoice 2026-0002 is never sent: the reason stays with the invoice."
    ]
    assert state(acme) == before


# Retry --------------------------------------------------------------------------------------------


def test_retry_syncs_that_failed_invoice_only(
    world, acme, alice, alice_client, exact_online, django_capture_on_commit_callbacks
):
    invoice = world["failed"]
    url = reverse("bookkeeping:recovery_retry", args=[invoice.pk])

    with django_capture_on_commit_callbacks() as enqueued:
        response = alice_client.post(url, follow=True)

    assert messages_of(response) == [
        "A sync of invoice 2026-0002 started; you get a notification in the bell when it ends."
    ]
    assert len(enqueued) == 1
    run = SyncRun.objects.get(status=SyncRun.Status.RUNNING)
    assert (run.trigger, run.only_invoice_ids) == ("retry", [invoice.pk])
    action = RecoveryAction.objects.get(invoice=invoice)
    assert (action.action, action.user) == (RecoveryAction.Action.RETRY, alice)

    sync_company(acme, trigger=run.trigger, user=alice, run=run)

    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    assert len(exact_online.bookings("2026-0002")) == 1
    assert exact_online.bookings("2026-0003") == []  # not this run's invoice


def test_an_invoice_that_has_not_failed_is_not_retried(world, acme, alice_client):
    before = state(acme)
    url = reverse("bookkeeping:recovery_retry", args=[world["unlinked"].pk])

    response = alice_client.post(url, follow=True)

    assert messages_of(response) == ["Invoice 2026-0003 has not failed: there is nothing to retry."]
    assert state(acme) == before


def test_the_bulk_retry_starts_one_sync_of_every_failed_invoice(
    world, acme, alice, alice_client, django_capture_on_commit_callbacks
):
    other = booked(acme, "2026-0004")
    fail(other, world["integration"])

    with django_capture_on_commit_callbacks() as enqueued:
        response = alice_client.post(reverse("bookkeeping:recovery_retry_failed"), follow=True)

    assert messages_of(response) == [
        "A sync of every failed invoice started; you get a notification in the bell when it ends."
    ]
    assert len(enqueued) == 1
    run = SyncRun.objects.get(status=SyncRun.Status.RUNNING)
    assert run.only_invoice_ids == [world["failed"].pk, other.pk]
    [action] = RecoveryAction.objects.all()
    assert action.invoice is None
    assert str(action.detail) == "Retrying 2 failed invoices: 2026-0002, 2026-0004"


def test_the_bulk_retry_says_when_nothing_failed(acme, alice_client, exact_online_integration):
    response = alice_client.post(reverse("bookkeeping:recovery_retry_failed"), follow=True)

    assert messages_of(response) == ["No invoice has failed: there is nothing to retry."]
    assert not SyncRun.objects.exists()


def test_a_retry_joins_a_running_sync_and_says_so(world, acme, alice_client):
    SyncRun.objects.create(
        integration=world["integration"], company=acme, trigger=SyncRun.Trigger.NIGHTLY
    )
    url = reverse("bookkeeping:recovery_retry", args=[world["failed"].pk])

    response = alice_client.post(url, follow=True)

    assert messages_of(response) == [
        "A sync is already running; invoice 2026-0002 waits for the next one."
    ]


# Where the console shows up -----------------------------------------------------------------------


def test_the_sync_history_shows_the_recovery_actions(world, alice, bob_client):
    recovery.never_send(
        world["missing"], integration=world["integration"], reason="Duplicate", user=alice
    )

    text = bob_client.get(reverse("bookkeeping:runs")).content.decode()

    assert "Recovery actions" in text
    assert "Invoice 2026-0001 will never be sent: Duplicate" in text
    assert "alice" in text


def test_the_overview_and_the_run_lead_to_the_console(world, bob_client):
    failed_filter = bob_client.get(reverse("invoicing:overview"), {"sync": "failed"})
    everything = bob_client.get(reverse("invoicing:overview"))
    detail = bob_client.get(reverse("bookkeeping:run_detail", args=[world["issue"].run_id]))
    invoice = bob_client.get(world["failed"].get_absolute_url())

    assert "Fix in the reconciliation console" in failed_filter.content.decode()
    assert f"{CONSOLE}#recovery-{world['failed'].pk}" in everything.content.decode()
    assert 'Fix<span class="visually-hidden"> invoice 2026-0002 in the reconciliation console' in (
        everything.content.decode()
    )
    assert "Fix in the reconciliation console" in detail.content.decode()
    assert "Fix in the reconciliation console" in invoice.content.decode()
