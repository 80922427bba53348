"""Every known Octopus refusal (bookkeeping/connectors/octopus/refusals.py) reaches the user with
its meaning, its own fix and a link to where it is fixed: the simulator answers it for one
invoice (or customer) of a sync of three, the others are booked."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from bookkeeping.connectors.errors import Fix
from bookkeeping.connectors.octopus.refusals import CATALOGUE, DEFAULT_HINT, JOURNAL, VAT
from bookkeeping.models import ExternalRecord, SyncIssue, SyncRun
from bookkeeping.reporting import setting_anchor
from bookkeeping.simulators.octopus import data as sim_data
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from tests.factories import make_booked_invoice

pytestmark = pytest.mark.django_db

API = "/octopus-rest-api/v1/dossiers"
BOOKINGS = f"{API}/{sim_data.DOSSIER_ID}/buysellbookings"
RELATIONS = f"{API}/{sim_data.DOSSIER_ID}/relations"
# Octopus's words per code, English and Dutch (Accept-Language: nl). Only the codes' names are
# public; these texts follow them (see the catalogue's sources).
WORDS = {
    -21: ("Unknown account", "Onbekende rekening"),
    -50: ("Account is not a booking account", "Rekening is geen boekingsrekening"),
    -22: ("Unknown VAT code", "Onbekende btw-code"),
    -75: ("VAT code has the wrong type", "Btw-code heeft het verkeerde type"),
    -40: ("Unknown cost centre", "Onbekende kostenplaats"),
    -41: ("Cost centre is closed", "Kostenplaats is afgesloten"),
    -16: ("Unknown relation", "Onbekende relatie"),
    -7: ("Error inserting relation", "Fout bij het bewaren van de relatie"),
    -13: ("Illegal document sequence number", "Ongeldig documentnummer"),
    -9: ("Unknown bookyear", "Onbekend boekjaar"),
    -14: ("Unknown bookyear period", "Onbekende periode"),
    -15: ("Book year period is closed", "Boekjaarperiode is afgesloten"),
    -11: ("Journal is closed", "Dagboek is afgesloten"),
    -10: ("Unknown journal", "Onbekend dagboek"),
    -29: ("Journal has the wrong type", "Dagboek heeft het verkeerde type"),
    -38: ("Invalid journal", "Ongeldig dagboek"),
    -23: ("Base and VAT amount differ in sign", "Basis en btw hebben een ander teken"),
    -24: ("Error inserting booking", "Fout bij het toevoegen van de boeking"),
    -35: ("Error updating booking", "Fout bij het wijzigen van de boeking"),
    -34: ("Booking does not exist", "Boeking bestaat niet"),
    -17: ("No document date", "Geen documentdatum"),
    -18: ("No expiry date", "Geen vervaldatum"),
    -19: ("Unknown currency", "Onbekende munt"),
    -20: ("Illegal exchange rate", "Ongeldige wisselkoers"),
}
ENTRIES = [pytest.param(entry, id=entry.name) for entry in CATALOGUE]


def answer(octopus, code: int, text: str, *, times: int = 1, sent_code: int | None = None) -> None:
    """The next write answers Octopus's error body (a customer's PUT for -7, else the booking's
    POST; closed journals and periods answer 403)."""
    method, path = ("PUT", RELATIONS) if code == -7 else ("POST", BOOKINGS)
    octopus.fail_next(
        method,
        path,
        status=403 if code in (-11, -15) else 400,
        headers={"Content-Type": "application/json"},
        body=json.dumps(
            {"errorCode": code if sent_code is None else sent_code, "errorMessage": text}
        ),
        times=times,
    )


def sync_three(acme, alice):
    invoices = [make_booked_invoice(acme, number=f"2026-050{n}") for n in range(3)]
    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    for invoice in invoices:
        invoice.refresh_from_db()
    return run, invoices


def expected_link(entry, issue, invoice) -> str:
    if entry.fix == Fix.SETTINGS:
        return f"{reverse('bookkeeping:settings')}#{setting_anchor(issue.field)}"
    if entry.fix == Fix.CUSTOMER:
        return invoice.customer.get_absolute_url()
    return invoice.get_absolute_url()


def assert_one_refused(run, invoices):
    refused = [i for i in invoices if i.sync_state == Invoice.SyncState.FAILED]
    booked = [i for i in invoices if i.sync_state == Invoice.SyncState.SYNCED]
    assert len(refused) == 1, [i.sync_message for i in invoices]
    assert len(booked) == 2
    assert run.invoices_booked == 2
    return refused[0]


@pytest.mark.parametrize("entry", ENTRIES)
def test_each_known_refusal_has_its_meaning_fix_and_place(
    entry, octopus, octopus_integration, acme, alice
):
    code = entry.codes[0]
    english, _ = WORDS[code]
    answer(octopus, code, english, times=2 if code == -13 else 1)  # -13 is retried once

    run, invoices = sync_three(acme, alice)

    invoice = assert_one_refused(run, invoices)
    if code == -7:  # the customer's refusal; its invoice waits for the customer
        issue = SyncIssue.objects.get(run=run, customer=invoice.customer, invoice=None)
    else:
        issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert english in str(issue.message)
    assert entry.meaning in str(issue.message)
    assert issue.fix == entry.fix
    if entry.closed_period:
        assert issue.kind == SyncIssue.Kind.CLOSED_PERIOD
        assert str(issue.hint).startswith("Reopen period 2026/")
    else:
        expected = entry.hint % {
            "accounts": "700000",
            "vat_codes": "21, 6",
            "cost_centres": "",
            "journal": "V1",
            "number": invoice.number,
            "time": "",
        }
        assert str(issue.hint) == expected
    if entry.field == JOURNAL:
        assert issue.field == "sales_journal"
    elif entry.field == VAT:
        assert issue.field.startswith("vat-")
    elif entry.fix == Fix.SETTINGS:
        assert issue.field == entry.field
    assert issue.link == expected_link(entry, issue, invoice)
    assert entry.source


@pytest.mark.parametrize("entry", [e for e in ENTRIES if -7 not in e.values[0].codes])
def test_a_dutch_refusal_without_its_code_is_known_by_its_text(
    entry, octopus, octopus_integration, acme, alice
):
    code = entry.codes[0]
    _, dutch = WORDS[code]
    answer(octopus, code, dutch, sent_code=0)

    run, invoices = sync_three(acme, alice)

    invoice = assert_one_refused(run, invoices)
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert dutch in str(issue.message)
    assert issue.fix == entry.fix


def test_every_entry_has_words_a_source_and_a_place():
    for entry in CATALOGUE:
        assert entry.codes
        assert entry.patterns
        assert entry.source
        assert entry.meaning
        assert entry.fix in Fix
        assert all(code in WORDS for code in entry.codes)


def test_the_journal_closed_answer_is_not_a_closed_period(
    octopus, octopus_integration, acme, alice
):
    octopus.close_journal("V1")

    run, invoices = sync_three(acme, alice)

    issue = SyncIssue.objects.filter(run=run).first()
    assert issue.kind != SyncIssue.Kind.CLOSED_PERIOD
    assert "Journal is closed" in str(issue.message)
    assert "period" not in str(issue.hint)
    assert str(issue.hint).startswith("Journal V1 is closed in Octopus: reopen it there")


def test_an_unknown_relation_is_created_again_by_the_next_sync(
    octopus, octopus_integration, acme, alice
):
    invoices = [make_booked_invoice(acme, number=f"2026-060{n}") for n in range(3)]
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)
    victim = make_booked_invoice(acme, number="2026-0610", customer=invoices[0].customer)
    record = ExternalRecord.objects.get(
        integration=octopus_integration, customer=invoices[0].customer
    )
    octopus.delete_relation(int(record.remote_id))  # someone deleted the relation in Octopus

    run = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    victim.refresh_from_db()
    assert victim.sync_state == Invoice.SyncState.FAILED
    issue = SyncIssue.objects.get(run=run, invoice=victim)
    assert "Unknown relation" in str(issue.message) or "(Octopus error -16)" in str(issue.message)
    assert issue.link == victim.customer.get_absolute_url()
    assert not ExternalRecord.objects.filter(customer=victim.customer).exists()

    retry = sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    victim.refresh_from_db()
    assert victim.sync_state == Invoice.SyncState.SYNCED, victim.sync_message
    assert retry.customers_created == 1
    assert len(octopus.bookings("2026-0610")) == 1
    new_record = ExternalRecord.objects.get(customer=victim.customer)
    assert new_record.remote_id != record.remote_id


def test_an_undocumented_refusal_keeps_the_default_hint_for_support(
    octopus, octopus_integration, acme, alice
):
    octopus.fail_next(
        "POST",
        BOOKINGS,
        status=400,
        headers={"Content-Type": "application/json"},
        body=json.dumps({"errorCode": -999, "errorMessage": "Something new went wrong"}),
    )

    run, invoices = sync_three(acme, alice)

    invoice = assert_one_refused(run, invoices)
    issue = SyncIssue.objects.get(run=run, invoice=invoice)
    assert "Something new went wrong (Octopus error -999)" in str(issue.message)
    assert str(issue.hint).startswith(DEFAULT_HINT.split("%(number)s")[0])
    assert f"invoice {invoice.number} and the time 20" in str(issue.hint)
    assert issue.link == invoice.get_absolute_url()
