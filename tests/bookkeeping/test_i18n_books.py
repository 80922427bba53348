"""The bookkeeping app in Dutch and French: what a sync stores is read in each reader's language
(our explanation and fix translated, the tool's own words quoted as the tool said them), and the
settings, the sync history, a run and the reconciliation console speak the browser's language
with Belgian amounts. Against the Octopus simulator over HTTP, through the Django test client.
"""

from __future__ import annotations

import html
import json

import pytest
from django.urls import reverse
from django.utils import translation

from bookkeeping.models import SyncIssue, SyncRun
from bookkeeping.simulators.octopus import data as sim_data
from bookkeeping.sync import sync_company
from notifications.models import Notification
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

BOOKINGS = f"/octopus-rest-api/v1/dossiers/{sim_data.DOSSIER_ID}/buysellbookings"
NBSP = "\u00a0"
# Octopus answers in the language of its Accept-Language: here, Dutch.
OCTOPUS_SAID = "Onbekende btw-code"


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in Dutch or French leaves its language active in this thread (the locale
    middleware does not switch back): the next test starts in English again."""
    yield
    translation.deactivate()


def nightly_run_with_one_refusal(octopus, acme) -> SyncRun:
    """A nightly sync of three invoices; Octopus refuses the first with its Dutch words."""
    for n in range(3):
        make_booked_invoice(acme, number=f"2026-070{n}")
    octopus.fail_next(
        "POST",
        BOOKINGS,
        status=400,
        headers={"Content-Type": "application/json"},
        body=json.dumps({"errorCode": -22, "errorMessage": OCTOPUS_SAID}),
    )
    return sync_company(acme, trigger=SyncRun.Trigger.NIGHTLY)


def read(text, language: str) -> str:
    with translation.override(language):
        return str(text)


def page(client, url: str, language: str) -> str:
    """The page's own content (the header around it is not the bookkeeping app's)."""
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    content = response.content.decode()
    main = content[content.index("<main") : content.index("</main>")]
    return html.unescape(main)


def test_a_nightly_runs_problems_are_read_in_each_readers_language(
    octopus, octopus_integration, acme, alice
):
    run = nightly_run_with_one_refusal(octopus, acme)

    issue = SyncIssue.objects.get(run=run, invoice__isnull=False)
    run = SyncRun.objects.get(pk=run.pk)  # the texts as stored, read back
    number = issue.invoice.number
    french, dutch = read(issue.message, "fr"), read(issue.message, "nl")
    assert french.startswith(f"Facture {number} : ")
    assert "Le code TVA associé au taux n'existe pas dans le dossier Octopus." in french
    assert f"Octopus a dit : {OCTOPUS_SAID}" in french  # the tool's words, untouched
    assert dutch.startswith(f"Factuur {number}: ")
    assert "De btw-code waaraan het tarief gekoppeld is, bestaat niet" in dutch
    assert f"Octopus zei: {OCTOPUS_SAID}" in dutch
    assert read(issue.message, "en").startswith(f"Invoice {number}: The VAT code")
    assert "corrigez la correspondance TVA dans les paramètres de l'intégration" in read(
        issue.hint, "fr"
    )
    assert "verbeter de btw-koppeling in de koppelingsinstellingen" in read(issue.hint, "nl")
    assert read(run.summary, "fr").startswith("Synchronisation vers Octopus : 1 facture en échec")
    assert read(run.summary, "nl").startswith("Synchronisatie naar Octopus: 1 factuur mislukt")
    assert read(run.summary, "en").startswith("Sync to Octopus: 1 invoice failed, 3 customers")


def test_the_bell_tells_a_french_admin_a_nightly_runs_errors_in_french(
    octopus, octopus_integration, acme, alice
):
    nightly_run_with_one_refusal(octopus, acme)

    note = Notification.objects.get(recipient=alice)
    assert read(note.title, "fr").startswith("Synchronisation vers Octopus : 1 facture en échec")
    assert f"Octopus a dit : {OCTOPUS_SAID}" in read(note.body, "fr")
    assert read(note.title, "nl").startswith("Synchronisatie naar Octopus: 1 factuur mislukt")


@pytest.mark.parametrize(
    ("language", "history", "run_page"),
    [
        (
            "nl",
            ["Synchronisatiegeschiedenis", "Nachtelijk", "Gedeeltelijk mislukt", "1 probleem"],
            ["Facturen geboekt", f"Octopus zei: {OCTOPUS_SAID}", "Factuur opnieuw proberen"],
        ),
        (
            "fr",
            ["Historique des synchronisations", "Nocturne", "Partiellement échouée"],
            ["Factures comptabilisées", f"Octopus a dit : {OCTOPUS_SAID}", "Réessayer la facture"],
        ),
    ],
)
def test_the_sync_history_and_a_run_speak_the_browsers_language(
    octopus, octopus_integration, acme, alice_client, language, history, run_page
):
    run = nightly_run_with_one_refusal(octopus, acme)

    listed = page(alice_client, reverse("bookkeeping:runs"), language)
    shown = page(alice_client, run.get_absolute_url(), language)

    for words in history:
        assert words in listed
    for words in run_page:
        assert words in shown
    assert "Sync history" not in listed
    assert "Invoices booked" not in shown


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("nl", ["Koppelingsinstellingen", "Verkoopdagboek", "Nachtelijke synchronisatie"]),
        ("fr", ["Paramètres de l'intégration", "Journal de ventes", "synchronisation nocturne"]),
    ],
)
def test_the_settings_page_speaks_the_browsers_language(
    octopus, octopus_integration, alice_client, language, words
):
    shown = page(alice_client, reverse("bookkeeping:settings"), language)

    for expected in words:
        assert expected in shown
    assert "Integration settings" not in shown


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "nl",
            [
                "Afstemming met Octopus",
                "Boekingsnummer in Octopus",
                f"het totaal is 1.234,56{NBSP}€, niet 1.210,00{NBSP}€",
            ],
        ),
        (
            "fr",
            [
                "Rapprochement avec Octopus",
                "Numéro de pièce dans Octopus",
                f"son total est 1.234,56{NBSP}€, pas 1.210,00{NBSP}€",
            ],
        ),
    ],
)
def test_the_reconciliation_console_speaks_the_browsers_language_with_belgian_amounts(
    octopus, octopus_integration, acme, alice, alice_client, language, words
):
    """A booking keyed by hand under the invoice's number with another total: the invoice is
    not booked, and the console says why, amounts in the reader's format."""
    invoice = make_booked_invoice(
        acme,
        number="2026-0001",
        customer=CustomerFactory(company=acme),
        lines=[("10", "100.00", "21", "")],
    )
    octopus.add_hand_keyed_booking(
        reference=invoice.number, total="1234.56", relation=invoice.customer_id
    )
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL, user=alice)

    shown = page(alice_client, reverse("bookkeeping:reconciliation"), language)

    for expected in words:
        assert expected in shown
    assert f"1.210,00{NBSP}€" in shown  # the invoice's own total in the console's card
    assert "Reconciliation with" not in shown
