"""In the browser: an admin connects Exact Online through its consent page; a member cannot."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bookkeeping.models import Integration
from bookkeeping.simulators.exact_online import data
from bookkeeping.vat_codes import key_label

pytestmark = pytest.mark.browser


def test_an_admin_connects_exact_online_picks_the_division_and_journals_and_tests_it(
    page, live_server, login, acme, alice, exact_online, shoot
):
    login("alice")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Integration settings"
    ).click()
    page.get_by_label("Exact Online").check()
    page.get_by_role("button", name="Use this tool").click()
    expect(
        page.get_by_text("Exact Online is your bookkeeping tool. Now connect it.")
    ).to_be_visible()

    page.get_by_role("button", name="Connect Exact Online").click()
    page.wait_for_url(re.compile(re.escape(exact_online.url)))
    expect(page.get_by_text("asks for access to your")).to_be_visible()
    page.get_by_role("button", name="Grant access").click()
    page.wait_for_url(f"{live_server.url}/bookkeeping/settings/")
    expect(page.get_by_text("Exact Online is connected. Now pick the division.")).to_be_visible()

    division = page.get_by_role("combobox", name="Division")
    division.select_option(str(data.DEMO_DIVISION))
    page.get_by_role("button", name="Use this division").click()
    expect(
        page.get_by_text(f"division {data.DIVISIONS[data.DEMO_DIVISION]} chosen")
    ).to_be_visible()

    page.get_by_role("combobox", name="Sales journal").select_option(data.SALES_JOURNAL)
    page.get_by_role("combobox", name="Credit-note journal").select_option(data.CREDIT_NOTE_JOURNAL)
    page.get_by_role("combobox", name="Default revenue account").select_option(data.REVENUE_ACCOUNT)
    for key, code in data.VAT_MAPPING.items():
        page.get_by_label(key_label(key), exact=True).select_option(code)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Journals, revenue account and VAT codes saved.")).to_be_visible()

    page.get_by_role("button", name="Test connection").click()
    expect(page.locator(".message--success")).to_contain_text(data.DIVISIONS[data.DEMO_DIVISION])
    expect(page.locator(".integration-status")).to_contain_text("Connected")
    shoot("integration-settings")
    integration = Integration.objects.get(company=acme)
    assert integration.target_id == str(data.DEMO_DIVISION)
    assert integration.sales_journal == data.SALES_JOURNAL
    assert integration.vat_mapping == data.VAT_MAPPING


def test_a_member_cannot_reach_the_integration_settings(page, live_server, login, bob, shoot):
    login("bob")
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Sync history")).to_be_visible()
    expect(nav.get_by_role("link", name="Integration settings")).to_have_count(0)

    response = page.goto(f"{live_server.url}/bookkeeping/settings/")

    assert response.status == 404
    shoot("member-settings-404")
