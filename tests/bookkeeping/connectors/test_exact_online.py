"""Exact Online specifics, over real HTTP against the simulator: OAuth, token rotation, rate
limits, credit notes, padded customer codes, VAT mapping and the G/L account cache."""

from __future__ import annotations

import re
import time
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection

from bookkeeping.connectors.base import (
    AuthError,
    ClosedPeriod,
    QuotaExceeded,
    RateLimited,
    TransientError,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import Integration
from bookkeeping.simulators.exact_online import data
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

REDIRECT_URI = "http://testserver/bookkeeping/exact-online/callback/"


class FormReader(HTMLParser):
    """The hidden fields and the buttons of the consent page."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self.buttons: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        if tag == "button":
            self.buttons[attrs["value"]] = attrs["name"]


def consent(connector, sim, *, action="grant", state="s7ate"):
    """Opens the consent page like a browser and presses a button; returns the redirect query."""
    page = requests.get(connector.authorization_url(redirect_uri=REDIRECT_URI, state=state))
    assert page.status_code == 200
    assert "Grant access" in page.text
    form = FormReader()
    form.feed(page.text)
    reply = requests.post(
        f"{sim.base_url}/api/oauth2/auth",
        data={**form.fields, form.buttons[action]: action},
        allow_redirects=False,
    )
    assert reply.status_code == 302
    location = reply.headers["Location"]
    assert location.startswith(REDIRECT_URI)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def raw_credentials(integration) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials FROM bookkeeping_integration WHERE id = %s", [integration.pk]
        )
        return cursor.fetchone()[0]


def push_one(connector, invoice):
    customer_ref = connector.find_customer(invoice.customer) or connector.push_customer(
        invoice.customer
    )
    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})
    return result


@pytest.fixture
def new_integration(exact_online, acme):
    return Integration.objects.create(company=acme, tool="exact_online")


# Connecting --------------------------------------------------------------------------------


def test_it_saves_the_tokens_of_the_code_exchange_encrypted(exact_online, new_integration):
    connector = get_connector(new_integration)
    reply = consent(connector, exact_online)

    assert reply["state"] == "s7ate"
    connector.complete_authorization(code=reply["code"], redirect_uri=REDIRECT_URI)

    new_integration.refresh_from_db()
    tokens = new_integration.credentials
    assert len(tokens["access_token"]) > 100
    assert tokens["refresh_token"]
    assert 590 < tokens["expires_at"] - time.time() <= 600
    raw = raw_credentials(new_integration)
    assert tokens["access_token"] not in raw
    assert tokens["refresh_token"] not in raw
    assert "access_token" not in raw


def test_auth_error_with_the_reconnect_hint_when_a_code_is_used_twice(
    exact_online, new_integration
):
    connector = get_connector(new_integration)
    reply = consent(connector, exact_online)
    connector.complete_authorization(code=reply["code"], redirect_uri=REDIRECT_URI)

    with pytest.raises(AuthError) as excinfo:
        connector.complete_authorization(code=reply["code"], redirect_uri=REDIRECT_URI)

    assert str(excinfo.value.hint) == "Reconnect Exact Online in Integration settings."
    assert reply["code"] not in str(excinfo.value)


def test_the_consent_page_redirects_with_access_denied_when_the_user_denies(
    exact_online, new_integration
):
    reply = consent(get_connector(new_integration), exact_online, action="deny")

    assert reply == {"error": "access_denied", "state": "s7ate"}


def test_it_lists_the_divisions_after_connecting(exact_online, new_integration):
    connector = get_connector(new_integration)
    reply = consent(connector, exact_online)
    connector.complete_authorization(code=reply["code"], redirect_uri=REDIRECT_URI)

    targets = connector.list_targets()

    assert [(t.code, t.label) for t in targets] == [
        (str(code), name) for code, name in data.DIVISIONS.items()
    ]


def test_it_lists_sales_journals_revenue_accounts_and_sales_vat_codes(exact_online_integration):
    connector = get_connector(exact_online_integration)

    journals = {choice.code for choice in connector.list_journals()}
    accounts = {choice.code for choice in connector.list_accounts()}
    vat_codes = {choice.code: choice.extra["percentage"] for choice in connector.list_vat_codes()}

    assert journals == {"70", "71"}
    assert "700000" in accounts
    assert "400000" not in accounts
    assert vat_codes == {
        **{"0": "0", "1": "6", "2": "12", "3": "21", "4": "9"},
        **{"IC": "0", "ICD": "0", "EX": "0", "MC": "0", "VR": "0"},
    }
    assert "division 123456" in connector.test_connection()


def test_it_follows_the_next_links_when_a_list_has_more_than_sixty_rows(
    exact_online, exact_online_integration
):
    accounts = exact_online.tables[data.DEMO_DIVISION]["financial/GLAccounts"]
    accounts += [
        {"ID": data.guid("extra", n), "Code": f"7{n:05d}", "Description": f"Extra {n}", "Type": 110}
        for n in range(100, 170)
    ]

    codes = [choice.code for choice in get_connector(exact_online_integration).list_accounts()]

    assert len(codes) == 76
    assert exact_online.count(operation="GET financial/GLAccounts") == 2


# Tokens ------------------------------------------------------------------------------------


def test_a_refreshed_refresh_token_is_refused_by_exact_and_never_reused(
    exact_online, exact_online_integration
):
    connector = get_connector(exact_online_integration)
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0101")
    connector.find_invoice(invoice)
    first = dict(connector.credentials)

    exact_online.expire_tokens()
    connector.find_invoice(invoice)
    second = Integration.objects.get(pk=exact_online_integration.pk).credentials

    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    replay = requests.post(
        f"{exact_online.base_url}/api/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first["refresh_token"],
            "client_id": data.DEMO_CLIENT_ID,
            "client_secret": data.DEMO_CLIENT_SECRET,
        },
    )
    assert replay.status_code == 400
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "Token is not allowed, because of invalid or empty chainId",
    }
    assert exact_online.token_errors == 1  # the replay above, never the connector


def test_two_workers_sharing_an_integration_keep_the_token_chain(
    exact_online, exact_online_integration
):
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0102")
    first = get_connector(Integration.objects.get(pk=exact_online_integration.pk))
    second = get_connector(Integration.objects.get(pk=exact_online_integration.pk))
    first.find_invoice(invoice)
    second.find_invoice(invoice)  # takes the tokens the first worker saved

    for _ in range(3):
        exact_online.expire_tokens()
        first.find_invoice(invoice)
        second.find_invoice(invoice)

    assert exact_online.token_errors == 0
    assert exact_online.count(operation="POST oauth2/token") == 4


def test_it_refreshes_before_the_access_token_expires(exact_online, exact_online_integration):
    connector = get_connector(exact_online_integration)
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0103")
    connector.find_invoice(invoice)
    with connector.locked_credentials() as credentials:
        credentials["expires_at"] = time.time() + 20

    connector.find_invoice(invoice)

    assert exact_online.count(operation="POST oauth2/token") == 2
    assert exact_online.count(operation="GET salesentry/SalesEntries") == 2  # no 401 first


def test_auth_error_with_the_reconnect_hint_when_access_is_revoked(
    exact_online, exact_online_integration
):
    exact_online.revoke()
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0104")

    with pytest.raises(AuthError) as excinfo:
        get_connector(exact_online_integration).find_invoice(invoice)

    assert str(excinfo.value.hint) == "Reconnect Exact Online in Integration settings."


# Rate limits -------------------------------------------------------------------------------


def test_it_raises_rate_limited_before_the_call_when_the_minute_is_used_up(
    exact_online, exact_online_integration
):
    if 60 - time.time() % 60 < 3:
        time.sleep(3)  # keep the three calls inside one calendar minute
    frozen = time.time()
    exact_online.clock = lambda: frozen
    exact_online.minutely_limit = 3
    connector = get_connector(exact_online_integration)
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0201")
    for _ in range(3):
        connector.find_invoice(invoice)
    calls = len(exact_online.calls)

    with pytest.raises(RateLimited) as excinfo:
        connector.find_invoice(invoice)

    assert len(exact_online.calls) == calls
    assert 0 < excinfo.value.retry_after <= 60
    assert excinfo.value.retry_after == pytest.approx(60 - frozen % 60, abs=1.5)


def test_it_raises_rate_limited_with_the_minutely_reset_when_exact_says_429(
    exact_online, exact_online_integration
):
    exact_online.minutely_limit = 0
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0202")

    with pytest.raises(RateLimited) as excinfo:
        get_connector(exact_online_integration).find_invoice(invoice)

    assert excinfo.value.status == 429
    assert 0 < excinfo.value.retry_after <= 60


def test_it_raises_quota_exceeded_until_tomorrow_when_the_daily_limit_is_used_up(
    exact_online, exact_online_integration
):
    exact_online.daily_limit = 0
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0203")

    with pytest.raises(QuotaExceeded) as excinfo:
        get_connector(exact_online_integration).find_invoice(invoice)

    assert 0 < excinfo.value.retry_after <= 86400
    assert excinfo.value.retry_after == pytest.approx(86400 - time.time() % 86400, abs=2)


# Invoices ----------------------------------------------------------------------------------


def test_a_credit_note_goes_as_type_21_into_the_credit_note_journal_with_negative_amounts(
    exact_online, exact_online_integration
):
    credit_note = make_booked_invoice(
        exact_online_integration.company,
        number="2026-0301",
        kind="credit_note",
        lines=[("2", "100.00", "21", ""), ("1", "50.00", "6", "")],
    )

    result = push_one(get_connector(exact_online_integration), credit_note)

    [entry] = exact_online.bookings("2026-0301")
    assert result.ok
    assert entry["Type"] == 21
    assert entry["Journal"] == "71"
    assert [line["AmountFC"] for line in entry["SalesEntryLines"]["results"]] == [-200.0, -50.0]
    assert entry["AmountFC"] == -295.0  # -(250 + 42 + 3)
    assert result.ref.number == str(entry["EntryNumber"]) == "26710001"


def test_an_invoice_is_booked_with_resolved_accounts_vat_codes_and_the_entry_number(
    exact_online, exact_online_integration
):
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0302")

    result = push_one(get_connector(exact_online_integration), invoice)

    [entry] = exact_online.bookings("2026-0302")
    lines = entry["SalesEntryLines"]["results"]
    assert result.ref.remote_id == entry["EntryID"]
    assert result.ref.number == "26700001"
    assert entry["Journal"] == "70"
    assert entry["Type"] == 20
    assert {line["GLAccount"] for line in lines} == {data.guid(data.DEMO_DIVISION, "gl", "700000")}
    assert [line["VATCode"] for line in lines] == ["3", "1"]
    assert Decimal(str(entry["AmountFC"])) == invoice.total


def test_it_reads_each_gl_account_once_per_connector_not_per_invoice(
    exact_online, exact_online_integration
):
    connector = get_connector(exact_online_integration)
    company = exact_online_integration.company
    for number in ("2026-0401", "2026-0402", "2026-0403"):
        assert push_one(connector, make_booked_invoice(company, number=number)).ok

    assert exact_online.count(operation="GET financial/GLAccounts") == 1
    assert exact_online.count(operation="POST salesentry/SalesEntries") == 3


def test_it_rejects_before_any_call_when_a_vat_rate_has_no_mapping(
    exact_online, exact_online_integration
):
    company = exact_online_integration.company
    invoice = make_booked_invoice(company, number="2026-0042", lines=[("1", "100.00", "9", "")])
    connector = get_connector(exact_online_integration)
    customer_ref = connector.push_customer(invoice.customer)
    writes = exact_online.write_calls

    [result] = connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert (
        str(result.error.message)
        == "Invoice 2026-0042: VAT rate 9% has no VAT code in Exact Online."
    )
    assert str(result.error.hint) == "Map 9% to a VAT code in Integration settings."
    assert exact_online.write_calls == writes


def test_it_rejects_with_exacts_text_and_a_hint_when_the_period_is_closed(
    exact_online, exact_online_integration
):
    exact_online.close_period(2026)
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0043")

    result = push_one(get_connector(exact_online_integration), invoice)

    assert isinstance(result.error, ClosedPeriod)
    assert str(result.error.message) == (
        "Exact Online refused invoice 2026-0043: Period is closed — The invoice date falls in a "
        "period that is closed in Exact Online."
    )
    assert "Reopen the period" in str(result.error.hint)
    assert exact_online.bookings("2026-0043") == []


def test_it_rejects_with_exacts_text_when_the_journal_is_not_a_sales_journal(
    exact_online, exact_online_integration
):
    exact_online_integration.sales_journal = "60"
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0044")

    result = push_one(get_connector(exact_online_integration), invoice)

    assert str(result.error.message) == (
        "Exact Online refused invoice 2026-0044: Invalid: Journal (type). — The chosen journal "
        "is not a sales journal in Exact Online."
    )
    assert str(result.error.hint) == "Choose a journal of type Sales in Integration settings."


def test_a_500_without_an_exact_error_is_transient_and_the_post_is_not_repeated(
    exact_online, exact_online_integration
):
    invoice = make_booked_invoice(exact_online_integration.company, number="2026-0045")
    connector = get_connector(exact_online_integration)
    customer_ref = connector.push_customer(invoice.customer)
    exact_online.fail_next("POST", kind="500", times=5)

    with pytest.raises(TransientError):
        connector.push_invoices([invoice], customer_refs={invoice.customer_id: customer_ref})

    assert exact_online.count(operation="POST salesentry/SalesEntries") == 1


def test_entry_numbers_are_never_handed_out_again_after_a_delete(
    exact_online, exact_online_integration
):
    connector = get_connector(exact_online_integration)
    company = exact_online_integration.company
    first = push_one(connector, make_booked_invoice(company, number="2026-0501"))
    requests.delete(
        f"{exact_online.base_url}/api/v1/{data.DEMO_DIVISION}/salesentry/"
        f"SalesEntries(guid'{first.ref.remote_id}')",
        headers={"Authorization": f"Bearer {connector.credentials['access_token']}"},
    )

    second = push_one(connector, make_booked_invoice(company, number="2026-0502"))

    assert exact_online.bookings("2026-0501") == []
    assert int(second.ref.number) == int(first.ref.number) + 1


# Customers ---------------------------------------------------------------------------------


def test_it_finds_a_customer_by_its_padded_code(exact_online, exact_online_integration):
    customer = CustomerFactory(company=exact_online_integration.company, code="1")

    ref = get_connector(exact_online_integration).find_customer(customer)

    assert ref.remote_id == exact_online.tables[data.DEMO_DIVISION]["crm/Accounts"][0]["ID"]
    assert ref.number == "1"


def test_it_creates_a_customer_with_our_code_padded_to_18_characters(
    exact_online, exact_online_integration
):
    customer = CustomerFactory(company=exact_online_integration.company, code="C777")
    connector = get_connector(exact_online_integration)

    created = connector.push_customer(customer)

    [row] = [
        r
        for r in exact_online.tables[data.DEMO_DIVISION]["crm/Accounts"]
        if r["Name"] == customer.name
    ]
    assert row["Code"] == " " * 14 + "C777"
    assert (row["Status"], row["IsSales"]) == ("C", True)
    assert created.number == "C777"
    assert connector.find_customer(customer).remote_id == created.remote_id


def test_it_finds_a_customer_by_vat_number_when_the_code_differs(
    exact_online, exact_online_integration
):
    customer = CustomerFactory(
        company=exact_online_integration.company, code="C900", vat_number="BE 0999.999.922"
    )

    ref = get_connector(exact_online_integration).find_customer(customer)

    assert ref is not None
    assert ref.number == "1"


def test_the_simulator_filters_on_trimmed_codes_and_refuses_unselected_lists(
    exact_online, exact_online_integration
):
    connector = get_connector(exact_online_integration)
    connector.list_journals()  # connects
    url = f"{exact_online.base_url}/api/v1/{data.DEMO_DIVISION}/crm/Accounts"
    headers = {"Authorization": f"Bearer {connector.credentials['access_token']}"}

    trimmed = requests.get(
        url,
        params={"$filter": "trim(Code) eq '2' or Name eq 'O''Neil'", "$select": "Name"},
        headers=headers,
    )
    bare = requests.get(url, headers=headers)

    assert trimmed.json() == {"d": {"results": [{"Name": "Garage Demo"}]}}
    assert re.match(r"\d+", trimmed.headers["X-RateLimit-Minutely-Remaining"])
    assert bare.status_code == 400
    assert "$select" in bare.json()["error"]["message"]["value"]
