"""In the browser: every field has a label, the keyboard focus shows, and nothing comes from the
internet."""

from __future__ import annotations

import pytest

from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.browser

PAGES = [
    "/invoices/",
    "/invoices/new/",
    "/customers/",
    "/customers/new/",
    "/bookkeeping/settings/",
    "/bookkeeping/runs/",
    "/notifications/",
]
UNLABELLED = """() => [...document.querySelectorAll("input, select, textarea")]
  .filter((el) => el.type !== "hidden" && !el.closest("template"))
  .filter((el) => !el.labels.length && !el.getAttribute("aria-label"))
  .map((el) => el.name || el.id)"""
FOCUS_OUTLINE = """() => {
  const style = getComputedStyle(document.activeElement);
  return style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2;
}"""


def test_every_field_has_a_label_and_no_page_loads_from_the_internet(
    page, live_server, login, acme, alice, exact_online_integration
):
    make_booked_invoice(acme, number="2026-0001", customer=CustomerFactory(company=acme))
    outside = []
    page.on(
        "request",
        lambda request: (
            outside.append(request.url)
            if not request.url.startswith((live_server.url, "data:"))
            else None
        ),
    )
    login("alice")

    for path in PAGES:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate(UNLABELLED) == [], f"fields without a label on {path}"
    assert outside == []


def test_the_keyboard_focus_is_visible(page, live_server, login, acme, alice):
    login("alice")

    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_OUTLINE), page.evaluate("document.activeElement.outerHTML")
