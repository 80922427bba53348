"""In the browser, in Dutch and in French: the Sync button, the progress bar the page's script
updates, and the sync history of the run, in the browser's language."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.browser.test_sync import EXACT_BOOKING, SYNC_TIMEOUT, book

pytestmark = [pytest.mark.browser, pytest.mark.integration]

WORDS = {
    "nl": {
        "button": "3 facturen synchroniseren naar Exact Online",
        "progressbar": "Voortgang van de synchronisatie",
        "progress": "Synchroniseren: 1 van 3",
        "running": "Synchronisatie bezig…",
        "done": "Alles wat geboekt is, is gesynchroniseerd",
        "history": "Synchronisatiegeschiedenis",
        "succeeded": "Geslaagd",
        "summary": "1 klant en 3 facturen gesynchroniseerd naar Exact Online",
    },
    "fr": {
        "button": "Synchroniser 3 factures vers Exact Online",
        "progressbar": "Progression de la synchronisation",
        "progress": "Synchronisation : 1 sur 3",
        "running": "Synchronisation en cours…",
        "done": "Tout ce qui est comptabilisé est synchronisé",
        "history": "Historique des synchronisations",
        "succeeded": "Réussie",
        "summary": "1 client et 3 factures synchronisés vers Exact Online",
    },
}


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_sync_and_its_history_in_the_browsers_language(
    page,
    live_server,
    login,
    acme,
    alice,
    exact_online,
    exact_online_integration,
    celery_worker,
    language,
):
    words = WORDS[language]
    book(acme, 3, customers=1)
    login("alice")
    # The language Django remembers for this browser (its cookie), as a language menu sets it.
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    page.reload()

    button = page.locator("[data-sync-button]")
    expect(button).to_have_text(words["button"])
    with exact_online.hold(*EXACT_BOOKING, after=1) as gate:
        button.click()
        gate.wait_until_held(SYNC_TIMEOUT / 1000)
        progress = page.locator("[data-sync-progress]")
        expect(progress.get_by_role("progressbar", name=words["progressbar"])).to_be_visible()
        expect(progress).to_contain_text(words["progress"])
        expect(page.locator(".sync-panel__form button")).to_have_text(words["running"])
        gate.release()
    expect(progress).to_be_hidden(timeout=SYNC_TIMEOUT)
    expect(page.locator(".sync-panel")).to_contain_text(words["done"])

    page.goto(f"{live_server.url}/bookkeeping/runs/")
    expect(page.get_by_role("heading", level=1)).to_have_text(words["history"])
    page.get_by_role("row", name=re.compile(words["succeeded"])).first.get_by_role(
        "link"
    ).first.click()
    expect(page.locator("pre.summary")).to_have_text(words["summary"])
