"""In the browser: pressing Sync runs it on a real worker; the progress bar, the bell, the booking
numbers, a re-sync with nothing to do, an unmapped VAT rate fixed and retried, an Octopus edit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bookkeeping.models import SyncRun
from bookkeeping.sync import sync_company
from invoicing.models import Invoice
from notifications.models import Notification
from notifications.services import notify
from tests.factories import CustomerFactory, InvoiceFactory, make_booked_invoice
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.integration]

SYNC_TIMEOUT = 45_000


CUSTOMER_NAMES = ["Brasserie du Parc", "Garage Lenaerts", "Atelier Verbeke"]


def book(company, count: int, *, customers: int, first: int = 1) -> list[Invoice]:
    people = [CustomerFactory(company=company, name=CUSTOMER_NAMES[n]) for n in range(customers)]
    return [
        make_booked_invoice(company, number=f"2026-{n:04d}", customer=people[n % customers])
        for n in range(first, first + count)
    ]


def show_booking_numbers(page) -> None:
    page.get_by_label("Choose columns").click()
    page.get_by_label("Booking number").check()
    page.get_by_role("button", name="Save columns").click()
    expect(page.get_by_text("Columns saved.")).to_be_visible()


# The call that books one invoice in Exact Online: the test holds it to see the run half done.
EXACT_BOOKING = ("POST", r"/salesentry/SalesEntries$")


def press_sync_and_wait(page, sim) -> None:
    """Presses Sync, sees the progress bar while the run's first call to the tool is held, then
    releases it and waits until the page reloads after the run."""
    with sim.hold() as gate:
        page.locator("[data-sync-button]").click()
        gate.wait_until_held(SYNC_TIMEOUT / 1000)
        progress = page.locator("[data-sync-progress]")
        expect(progress.get_by_role("progressbar", name="Sync progress")).to_be_visible()
        gate.release()
    expect(progress).to_be_hidden(timeout=SYNC_TIMEOUT)


def open_bell(page):
    """Opens the bell with the keyboard, as someone without a mouse would."""
    page.locator("[data-bell-button]").focus()
    page.keyboard.press("Enter")
    panel = page.locator("[data-bell-panel]")
    expect(panel).to_be_visible()
    return panel


def test_pressing_sync_shows_progress_then_the_bell_and_the_booking_numbers(
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
    invoices = book(acme, 6, customers=2)
    login("alice")
    show_booking_numbers(page)
    expect(page.locator("td[data-column=booking_number]").first).to_have_text("")

    # The second invoice's booking waits in the simulator until the page has shown the run half
    # done: no latency, no race with the page's polling.
    with exact_online.hold(*EXACT_BOOKING, after=1) as gate:
        page.locator("[data-sync-button]").click()
        gate.wait_until_held(SYNC_TIMEOUT / 1000)
        progress = page.locator("[data-sync-progress]")
        expect(progress.get_by_role("progressbar", name="Sync progress")).to_be_visible()
        expect(progress).to_contain_text(re.compile(r"Syncing: [1-5] of 6"))
        expect(progress).to_contain_text("Syncing: 1 of 6")
        expect(progress.get_by_role("progressbar")).to_have_attribute("value", "1")
        assert exact_online.booking_count() == 1
        shoot("sync-progress")
        gate.release()
    expect(progress).to_be_hidden(timeout=SYNC_TIMEOUT)

    badge = page.locator("[data-bell-badge]")
    expect(badge).to_have_attribute("aria-live", "polite")
    expect(badge).to_have_text("1 unread")
    for invoice in invoices:
        invoice.refresh_from_db()
        row = page.get_by_role("row", name=re.compile(invoice.number))
        expect(row.locator("td[data-column=booking_number]")).to_have_text(invoice.booking_number)
        assert len(exact_online.bookings(invoice.number)) == 1
    shoot("overview-booking-number")
    panel = open_bell(page)
    expect(panel.locator(".bell__item").first).to_contain_text(
        "2 customers and 6 invoices synced to Exact Online"
    )
    shoot("bell-after-sync")


def test_a_second_sync_says_no_changes_and_why(
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
    book(acme, 3, customers=1)
    InvoiceFactory(company=acme, customer=CustomerFactory(company=acme))  # a draft
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL)
    writes = exact_online.write_calls
    login("alice")
    expect(page.locator(".sync-panel")).to_contain_text("Everything booked is synced")

    page.locator("[data-sync-button]").click()
    expect(page.locator("[data-bell-count]")).to_have_text("1", timeout=SYNC_TIMEOUT)
    panel = open_bell(page)
    expect(panel.locator(".bell__item").first).to_contain_text(
        "No changes: 3 invoices were already synced, 1 is a draft"
    )
    assert exact_online.write_calls == writes
    shoot("bell-no-changes")


def test_an_unmapped_vat_rate_is_reported_fixed_in_the_settings_and_retried(
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
    customer = CustomerFactory(company=acme)
    make_booked_invoice(acme, number="2026-0001", customer=customer)
    low = make_booked_invoice(
        acme, number="2026-0002", customer=customer, lines=[("1", "100.00", "9", "")]
    )
    login("alice")

    press_sync_and_wait(page, exact_online)
    for n in range(6):  # newer, calmer news must not push the error out of sight
        notify(recipients=[alice], company=acme, level="info", title=f"Note {n}")
    page.reload()
    expect(page.locator("[data-bell-count]")).to_have_text("7")
    panel = open_bell(page)
    error = panel.locator(".bell__item").first
    expect(error).to_have_class(re.compile("bell__item--error"))
    expect(error).to_contain_text("2026-0002")
    expect(error).to_contain_text("VAT")
    expect(error).to_contain_text("Integration settings")
    shoot("bell-error")

    error.get_by_role("button").click()
    # The link lands on the very row to change: the 9 % VAT code.
    page.wait_for_url(f"{live_server.url}/bookkeeping/settings/#id_vat_9_00")
    page.get_by_label("VAT 9%").select_option("4")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Journals, revenue account and VAT codes saved.")).to_be_visible()

    page.get_by_role("link", name="Sync history").click()
    page.get_by_role("row", name=re.compile("Partially failed")).get_by_role("link").first.click()
    expect(page.get_by_role("row", name=re.compile("2026-0002"))).to_contain_text("Open")
    page.get_by_role("button", name="Retry invoice").click()

    wait_for(lambda: Invoice.objects.get(pk=low.pk).booking_number)
    low.refresh_from_db()
    wait_for(lambda: not SyncRun.objects.filter(status=SyncRun.Status.RUNNING).exists())
    page.reload()
    expect(page.get_by_role("row", name=re.compile("Succeeded"))).to_be_visible()
    shoot("sync-history")
    page.get_by_role("link", name="Invoices").click()
    show_booking_numbers(page)
    row = page.get_by_role("row", name=re.compile("2026-0002"))
    expect(row.locator("td[data-column=booking_number]")).to_have_text(low.booking_number)
    assert len(exact_online.bookings("2026-0002")) == 1


def test_an_edited_octopus_invoice_is_pushed_at_the_next_sync(
    page, live_server, login, acme, alice, octopus, octopus_integration, celery_worker, shoot
):
    [invoice] = book(acme, 1, customers=1)
    sync_company(acme, trigger=SyncRun.Trigger.MANUAL)
    invoice.refresh_from_db()
    assert invoice.booking_number
    login("alice")

    page.get_by_role("link", name=invoice.number).click()
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("note").filter(has_text="Octopus")).to_contain_text(
        "resets the cost centres"
    )
    shoot("octopus-edit-banner")
    page.get_by_label("Unit price (line 1)").fill("110.00")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Changed since sync")).to_be_visible()

    page.get_by_role("link", name="Invoices").click()
    press_sync_and_wait(page, octopus)
    panel = open_bell(page)
    expect(panel.locator(".bell__item").first).to_contain_text("1 invoice updated in Octopus")
    page.keyboard.press("Escape")
    page.get_by_role("link", name="Sync history").click()
    page.get_by_role("row", name=re.compile("Succeeded")).first.get_by_role("link").first.click()
    expect(page.locator("pre.summary")).to_have_text("1 invoice updated in Octopus")
    shoot("octopus-pushed")
    assert Notification.objects.filter(recipient=alice).count() == 1
