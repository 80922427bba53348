"""Paid or not, on Octopus: the facts do not give the response of its open-items report
(bookkeeping-apis-2.md 2b, [NF]), so Booksync does not read payments from Octopus; a sync leaves
the payment status "unknown" and asks Octopus nothing about payments (over real HTTP against the
simulator, with the database and the sync as they run)."""

from __future__ import annotations

import pytest

from bookkeeping import payments
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import make_booked_invoice

pytestmark = pytest.mark.django_db

PAYMENT_PATHS = ("reports", "balancings", "openitems", "outstandings", "payments")


def test_a_sync_on_octopus_leaves_the_payment_status_unknown_and_asks_nothing_about_it(
    octopus, octopus_integration, acme, alice
):
    invoice = make_booked_invoice(acme, number="2026-0001")

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    assert run.status == SyncRun.Status.SUCCEEDED, str(run.summary)
    invoice.refresh_from_db()
    assert invoice.sync_state == Invoice.SyncState.SYNCED
    assert invoice.payment_status == Invoice.PaymentStatus.UNKNOWN
    assert (invoice.open_amount, invoice.paid_at, invoice.payment_read_at) == (None, None, None)
    assert octopus.calls  # the sync did talk to Octopus
    assert not [call for call in octopus.calls if any(part in call.path for part in PAYMENT_PATHS)]


def test_a_payment_refresh_on_octopus_says_it_is_not_supported_and_costs_no_call(
    octopus, octopus_integration, acme, alice
):
    make_booked_invoice(acme, number="2026-0001")
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    octopus.reset_calls()

    refresh = payments.refresh_payments(octopus_integration, get_connector(octopus_integration))

    assert refresh == payments.PaymentRefresh(supported=False)
    assert octopus.calls == []
    assert payments.NOT_REPORTED % {"label": "Octopus"} == (
        "Octopus does not report payments to Booksync: the payment status stays unknown."
    )
