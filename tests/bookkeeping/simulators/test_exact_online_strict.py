"""The Exact Online simulator refuses what Exact refuses (bookkeeping-apis.md §1, -2.md §1a/§2a):
one test per rule, over real HTTP."""

from __future__ import annotations

import pytest
import requests

from bookkeeping.simulators.exact_online import data
from bookkeeping.simulators.exact_online.reads import SELECT_ERROR

pytestmark = pytest.mark.django_db

DIVISION = data.DEMO_DIVISION
OPEN_ENTRY = {
    "Journal": "70",
    "EntryDate": "2025-03-15T00:00:00Z",
    "YourRef": "2025/0042",
    "Type": 20,
}


@pytest.fixture
def api(exact_online):
    """GET/POST/PUT/DELETE on the demo division with a fresh access token."""
    token = requests.post(
        f"{exact_online.base_url}/api/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": data.DEMO_REFRESH_TOKEN,
            "client_id": data.DEMO_CLIENT_ID,
            "client_secret": data.DEMO_CLIENT_SECRET,
        },
        timeout=10,
    ).json()["access_token"]
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    session.headers["Accept"] = "application/json"

    def call(method: str, path: str, **kwargs):
        url = path if path.startswith("http") else f"{exact_online.base_url}{path}"
        if not path.startswith(("http", "/api/v1/current")):
            url = f"{exact_online.base_url}/api/v1/{DIVISION}/{path}"
        return session.request(method, url, timeout=10, **kwargs)

    return call


def error_of(response) -> str:
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == ""
    assert body["error"]["message"]["lang"] == ""
    return body["error"]["message"]["value"]


def book(api, customer_id: str, reference: str = "2025/0042", lines: int = 2) -> dict:
    gl = data.guid(DIVISION, "gl", data.REVENUE_ACCOUNT)
    body = {
        **OPEN_ENTRY,
        "YourRef": reference,
        "Customer": customer_id,
        "SalesEntryLines": [
            {"GLAccount": gl, "AmountFC": 100.0 * (n + 1), "VATCode": "3", "Description": f"L{n}"}
            for n in range(lines)
        ],
    }
    response = api("POST", "salesentry/SalesEntries", json=body)
    assert response.status_code == 201, response.text
    return response.json()["d"]


def seeded_customer(api) -> str:
    rows = api("GET", "crm/Accounts", params={"$select": "ID", "$filter": "trim(Code) eq '1'"})
    return rows.json()["d"]["results"][0]["ID"]


# $filter, $select, $orderby, $expand ---------------------------------------------------------


def test_an_unknown_property_in_filter_is_a_400_with_exacts_error_body(api):
    response = api("GET", "crm/Accounts", params={"$select": "ID", "$filter": "Nmae eq 'x'"})

    assert response.status_code == 400
    assert "No property 'Nmae' exists" in error_of(response)


def test_an_unknown_property_in_select_is_a_400(api):
    response = api("GET", "crm/Accounts", params={"$select": "ID,InvoiceNumber"})

    assert response.status_code == 400
    assert "'InvoiceNumber'" in error_of(response)


def test_an_unknown_property_in_orderby_or_expand_is_a_400(api):
    ordered = api("GET", "crm/Accounts", params={"$select": "ID", "$orderby": "Foo desc"})
    expanded = api("GET", "crm/Accounts", params={"$select": "ID", "$expand": "Lines"})

    assert ordered.status_code == expanded.status_code == 400


@pytest.mark.parametrize("operator", ["like", "has", "in", "contains"])
def test_an_unsupported_operator_is_a_400(api, operator):
    response = api(
        "GET", "crm/Accounts", params={"$select": "ID", "$filter": f"Name {operator} 'x'"}
    )

    assert response.status_code == 400
    assert error_of(response)


def test_an_unknown_function_is_a_400(api):
    response = api("GET", "crm/Accounts", params={"$select": "ID", "$filter": "len(Name) eq 3"})

    assert response.status_code == 400
    assert "len" in error_of(response)


def test_a_guid_compared_with_an_untyped_string_matches_nothing(api):
    customer = seeded_customer(api)

    untyped = api("GET", "crm/Accounts", params={"$select": "ID", "$filter": f"ID eq '{customer}'"})
    typed = api(
        "GET", "crm/Accounts", params={"$select": "ID", "$filter": f"ID eq guid'{customer}'"}
    )

    assert untyped.json()["d"]["results"] == []
    assert typed.json()["d"]["results"] == [{"ID": customer}]


def test_datetime_and_int64_literals_are_typed(api):
    book(api, seeded_customer(api))
    path = "salesentry/SalesEntries"

    def count(filter_text: str) -> int:
        response = api("GET", path, params={"$select": "EntryID", "$filter": filter_text})
        assert response.status_code == 200, response.text
        return len(response.json()["d"]["results"])

    assert count("EntryDate ge datetime'2025-03-01' and EntryDate lt datetime'2025-04-01'") == 1
    assert count("EntryDate eq '2025-03-15'") == 0  # a string is not a date
    assert count("EntryDate gt datetime'2025-03-15T00:00:00'") == 0
    lines = api(
        "GET",
        "sync/Financial/TransactionLines",
        params={"$select": "Timestamp", "$filter": f"Timestamp gt {data.TIMESTAMP_START}L"},
    )
    assert len(lines.json()["d"]["results"]) == 2


def test_a_numeric_property_compared_with_a_string_matches_nothing(api):
    journals = api(
        "GET", "financial/Journals", params={"$select": "Code", "$filter": "Type eq '20'"}
    )

    assert journals.json()["d"]["results"] == []


# Rows and keys -------------------------------------------------------------------------------


def test_a_get_by_key_returns_that_entity_not_the_table(api):
    customer = seeded_customer(api)

    one = api("GET", f"crm/Accounts(guid'{customer}')")
    missing = api("GET", "crm/Accounts(guid'00000000-0000-0000-0000-000000000000')")
    untyped = api("GET", f"crm/Accounts('{customer}')")

    assert one.status_code == 200
    assert one.json()["d"]["ID"] == customer
    assert "results" not in one.json()["d"]
    assert missing.status_code == untyped.status_code == 404
    assert error_of(missing)


def test_without_select_a_row_has_every_property_metadata_and_deferred_lines(api):
    entry = book(api, seeded_customer(api))

    row = api("GET", f"salesentry/SalesEntries(guid'{entry['EntryID']}')").json()["d"]

    assert row["__metadata"]["type"] == "Exact.Web.Api.Models.SalesEntry"
    assert row["__metadata"]["uri"].endswith(f"salesentry/SalesEntries(guid'{entry['EntryID']}')")
    assert row["Document"] is None  # every property, null when empty
    assert set(row["SalesEntryLines"]) == {"__deferred"}
    lines = api("GET", row["SalesEntryLines"]["__deferred"]["uri"])
    assert [line["AmountFC"] for line in lines.json()["d"]["results"]] == [100.0, 200.0]


def test_lines_come_inline_when_expanded(api):
    entry = book(api, seeded_customer(api))

    row = api(
        "GET",
        f"salesentry/SalesEntries(guid'{entry['EntryID']}')",
        params={"$expand": "SalesEntryLines"},
    ).json()["d"]

    assert [line["Description"] for line in row["SalesEntryLines"]["results"]] == ["L0", "L1"]


def test_orderby_inlinecount_and_count_work(api):
    url = "financial/GLAccounts"
    ordered = api(
        "GET", url, params={"$select": "Code", "$orderby": "Code desc", "$inlinecount": "allpages"}
    )
    count = api("GET", f"{url}/$count", params={"$filter": "Type eq 110"})

    codes = [row["Code"] for row in ordered.json()["d"]["results"]]
    assert codes == sorted(data.GL_ACCOUNTS, reverse=True)
    assert ordered.json()["d"]["__count"] == str(len(data.GL_ACCOUNTS))
    revenue = [code for code, (_, kind) in data.GL_ACCOUNTS.items() if kind == 110]
    assert count.text == str(len(revenue))


def test_an_unknown_inlinecount_or_a_non_numeric_top_is_a_400(api):
    assert (
        api(
            "GET", "financial/GLAccounts", params={"$select": "Code", "$inlinecount": "all"}
        ).status_code
        == 400
    )
    assert (
        api("GET", "financial/GLAccounts", params={"$select": "Code", "$top": "ten"}).status_code
        == 400
    )


# Bulk and sync -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "sync/Financial/TransactionLines",
        "sync/Deleted",
        "read/financial/ReceivablesList",
        "cashflow/Receivables",
    ],
)
def test_bulk_and_sync_endpoints_refuse_a_query_without_select(api, path):
    bare = api("GET", path)
    top_one = api("GET", path, params={"$top": "1"})
    selected = api("GET", path, params={"$select": "Timestamp" if "sync" in path else "DueDate"})

    assert bare.status_code == 400
    assert error_of(bare) == SELECT_ERROR
    assert top_one.status_code == selected.status_code == 200


def test_transaction_lines_page_by_1000_with_a_timestamp_cursor(exact_online, api):
    customer = seeded_customer(api)
    for number in range(11):
        book(api, customer, reference=f"2025/{number:04d}", lines=100)
    exact_online.minutely_limit = 1000

    first = api("GET", "sync/Financial/TransactionLines", params={"$select": "Timestamp,YourRef"})
    rows = first.json()["d"]["results"]
    cursor = rows[-1]["Timestamp"]
    rest = api(
        "GET",
        "sync/Financial/TransactionLines",
        params={"$select": "Timestamp", "$filter": f"Timestamp gt {cursor}L"},
    )

    assert len(rows) == 1000
    assert "__next" in first.json()["d"]
    assert len(rest.json()["d"]["results"]) == 100
    assert all(row["Timestamp"] > cursor for row in rest.json()["d"]["results"])


def test_a_deleted_entry_leaves_its_lines_in_sync_deleted(api):
    entry = book(api, seeded_customer(api))

    assert api("DELETE", f"salesentry/SalesEntries(guid'{entry['EntryID']}')").status_code == 204

    lines = api("GET", "sync/Financial/TransactionLines", params={"$select": "ID"})
    deleted = api("GET", "sync/Deleted", params={"$select": "EntityKey,EntityType"})
    assert lines.json()["d"]["results"] == []
    assert [row["EntityType"] for row in deleted.json()["d"]["results"]] == [1, 1]


def test_open_entries_show_in_receivables_list_and_cashflow_receivables(api):
    entry = book(api, seeded_customer(api))

    listed = api(
        "GET",
        "read/financial/ReceivablesList",
        params={"$select": "YourRef,Amount,EntryNumber,AccountCode"},
    ).json()["d"]["results"]
    terms = api(
        "GET",
        "cashflow/Receivables",
        params={
            "$select": "TransactionEntryID,IsFullyPaid,Status",
            "$filter": "YourRef eq '2025/0042'",
        },
    ).json()["d"]["results"]

    assert listed == [
        {
            "YourRef": "2025/0042",
            "Amount": entry["AmountDC"],
            "EntryNumber": entry["EntryNumber"],
            "AccountCode": data.padded("1"),
        }
    ]
    assert terms == [{"TransactionEntryID": entry["EntryID"], "IsFullyPaid": False, "Status": 20}]


# Writes, tokens, limits ----------------------------------------------------------------------


def test_an_account_is_updated_with_put_and_unknown_fields_are_refused(api):
    customer = seeded_customer(api)
    url = f"crm/Accounts(guid'{customer}')"

    updated = api("PUT", url, json={"Email": "billing@example.com"})
    refused = api("PUT", url, json={"Emial": "x"})
    missing = api("PUT", "crm/Accounts(guid'00000000-0000-0000-0000-000000000000')", json={})

    assert updated.status_code == 204
    assert updated.content == b""
    assert api("GET", url, params={"$select": "Email"}).json()["d"] == {
        "Email": "billing@example.com"
    }
    assert refused.status_code == 400
    assert "'Emial'" in error_of(refused)
    assert missing.status_code == 404


def test_a_refresh_token_unused_for_30_days_is_refused(exact_online):
    now = exact_online.clock()
    exact_online.clock = lambda: now + 30 * 86400 + 1

    response = requests.post(
        f"{exact_online.base_url}/api/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": data.DEMO_REFRESH_TOKEN,
            "client_id": data.DEMO_CLIENT_ID,
            "client_secret": data.DEMO_CLIENT_SECRET,
        },
        timeout=10,
    )

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response.json()["error_description"].startswith("The refresh token expired at ")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "crm/Accounts?$select=ID"),
        ("GET", "crm/Accounts?$select=Nope"),
        ("GET", "sync/Deleted"),
        ("GET", "crm/Accounts(guid'00000000-0000-0000-0000-000000000000')"),
        ("GET", "financial/GLAccounts/$count"),
        ("POST", "salesentry/SalesEntries"),
    ],
)
def test_every_division_endpoint_sends_both_rate_limit_header_sets(api, method, path):
    response = api(method, path, json={} if method == "POST" else None)

    for name in (
        "Limit",
        "Remaining",
        "Reset",
        "Minutely-Limit",
        "Minutely-Remaining",
        "Minutely-Reset",
    ):
        assert response.headers[f"X-RateLimit-{name}"].isdigit()
    assert response.headers["X-RateLimit-Limit"] == "5000"
    assert response.headers["X-RateLimit-Minutely-Limit"] == "60"


def test_the_61st_call_in_a_minute_is_a_429_with_only_the_minutely_headers(exact_online, api):
    exact_online.clock = lambda: 1_750_000_000.0  # a fixed moment: one calendar minute
    for _ in range(60):
        assert api("GET", "financial/Journals", params={"$select": "Code"}).status_code == 200

    refused = api("GET", "financial/Journals", params={"$select": "Code"})

    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert "X-RateLimit-Remaining" not in refused.headers
