"""In the browser: the language menu, the sync and the bell read in Dutch and in French, with
Belgian amounts; the header and the overview on a phone; no page asks for a missing favicon."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from invoicing.models import Membership, UserPreference
from tests.browser.conftest import PASSWORD
from tests.factories import CompanyFactory, CustomerFactory, MembershipFactory, make_booked_invoice

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SYNC_TIMEOUT = 45_000
# 12 x 1,000.00 at 21 % VAT: an amount with a thousands separator in every language.
BIG_LINE = [("12", "1000.00", "21", "")]
DUTCH = {
    "heading": "Facturen",
    "bell": "Meldingen",
    "read_all": "Alles als gelezen markeren",
    "unread": "1 ongelezen",
    "menu": "Nederlands",
    "synced": "1 klant en 1 factuur gesynchroniseerd naar Exact Online",
}
FRENCH = {
    "heading": "Factures",
    "bell": "Notifications",
    "read_all": "Tout marquer comme lu",
    "unread": "1 non lue",
    "menu": "Français",
    "synced": "Synchronisé vers Exact Online : 1 facture",
}
BELGIAN_TOTAL = "14.520,00\u00a0€"


def choose_language(page, name: str) -> None:
    with page.expect_navigation():
        page.locator("#language-menu").select_option(label=name)


def sync_and_read_the_bell(page, words: dict[str, str]) -> None:
    page.locator("[data-sync-button]").click()
    badge = page.locator("[data-bell-badge]")
    expect(badge).to_have_text(words["unread"], timeout=SYNC_TIMEOUT)
    page.reload()
    page.locator("[data-bell-button]").click()
    panel = page.locator("[data-bell-panel]")
    expect(panel.get_by_role("heading", name=words["bell"])).to_be_visible()
    expect(panel.get_by_role("button", name=words["read_all"])).to_be_visible()
    # The sync's own words, stored by the worker and read in the reader's language.
    expect(panel.locator(".bell__item").first).to_contain_text(words["synced"])


def test_the_sync_and_the_bell_read_in_dutch_then_in_french(
    page,
    live_server,
    login,
    acme,
    alice,
    exact_online,
    exact_online_integration,
    celery_worker,
    shoot,
):
    customer = CustomerFactory(company=acme, name="Brasserie du Parc")
    make_booked_invoice(acme, number="2026-0001", customer=customer, lines=BIG_LINE)
    login("alice")

    choose_language(page, DUTCH["menu"])
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name=DUTCH["heading"], exact=True)).to_be_visible()
    row = page.get_by_role("row", name=re.compile("2026-0001"))
    expect(row).to_contain_text(BELGIAN_TOTAL)
    sync_and_read_the_bell(page, DUTCH)
    shoot("bell-in-dutch")

    make_booked_invoice(acme, number="2026-0002", customer=customer, lines=BIG_LINE)
    page.keyboard.press("Escape")
    choose_language(page, FRENCH["menu"])
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name=FRENCH["heading"], exact=True)).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("2026-0002"))).to_contain_text(BELGIAN_TOTAL)
    page.locator("[data-bell-panel] form[data-bell-read-all] button").click(force=True)
    page.reload()
    sync_and_read_the_bell(page, FRENCH)
    assert UserPreference.objects.get(user=alice).language == "fr"


def test_an_invoice_reads_in_dutch_with_belgian_amounts_and_dates(
    page, live_server, login, acme, alice, shoot
):
    customer = CustomerFactory(company=acme, name="Brasserie du Parc", city="Gent")
    invoice = make_booked_invoice(
        acme,
        number="2026-0042",
        customer=customer,
        lines=[("12", "1000.00", "21", "700000"), ("3", "85.50", "6", "700000")],
    )
    login("alice")
    choose_language(page, DUTCH["menu"])

    page.get_by_role("link", name="2026-0042").click()

    expect(page.get_by_role("heading", name="Factuur 2026-0042")).to_be_visible()
    expect(page.locator("tfoot")).to_contain_text("Btw 21 % op 12.000,00\u00a0€")
    expect(page.locator("tfoot")).to_contain_text("Btw 6 % op 256,50\u00a0€")
    expect(page.locator(".total-row")).to_contain_text("14.791,89\u00a0€")
    expect(page.locator(".facts")).to_contain_text(invoice.invoice_date.strftime("%d/%m/%Y"))
    shoot("invoice-dutch")


def test_the_choice_is_remembered_at_the_next_login(page, live_server, login, acme, alice):
    login("alice")
    choose_language(page, FRENCH["menu"])
    page.get_by_role("button", name="Se déconnecter").click()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", name=FRENCH["heading"], exact=True)).to_be_visible()


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_on_a_phone_the_header_is_short_and_the_overview_readable(
    phone, live_server, login, acme, alice, shoot
):
    MembershipFactory(
        user=alice,
        company=CompanyFactory(name="Kanaal Consultancy B.V."),
        role=Membership.Role.ADMIN,
    )
    customer = CustomerFactory(company=acme, name="Garage Lenaerts")
    for n in (1, 2, 3):
        make_booked_invoice(acme, number=f"2026-000{n}", customer=customer, lines=BIG_LINE)
    login("alice")
    choose_language(phone, DUTCH["menu"])

    header = phone.locator(".site-header").bounding_box()
    brand = phone.locator(".brand").bounding_box()
    tools = phone.locator(".site-header__tools > *").first.bounding_box()
    overflow = phone.evaluate("document.documentElement.scrollWidth")
    first = phone.get_by_role("row", name=re.compile("2026-0003"))
    total = first.locator("td[data-label=Totaal]").bounding_box()
    status = first.locator("td.status-cell").bounding_box()

    assert header["height"] <= 100
    assert brand["x"] + brand["width"] <= tools["x"]
    assert overflow <= 390
    assert total["x"] >= 0
    assert total["x"] + total["width"] <= 390
    assert status["x"] + status["width"] <= 390
    expect(first.locator("td[data-label=Totaal]")).to_contain_text(BELGIAN_TOTAL)
    shoot("overview-phone-dutch")


def test_no_page_asks_for_a_file_that_is_not_there(page, live_server, login, acme, alice):
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)

    login("alice")
    for path in ("/invoices/", "/customers/", "/notifications/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
    icon = page.request.get(f"{live_server.url}/favicon.ico")

    assert missing == []
    assert icon.ok
    assert "svg" in icon.headers["content-type"]
