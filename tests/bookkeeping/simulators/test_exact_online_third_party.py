"""A client nobody here wrote (PyPI `exactonline` 0.4.0, ossobv) against the Exact Online
simulator over real HTTP: tokens, `Me`, divisions, a relation, a sales entry with lines, and
finding it again by `YourRef`. No mocks."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from exactonline import http as exact_http
from exactonline.api import ExactApi
from exactonline.storage.base import ExactOnlineConfig, MissingSetting

from bookkeeping.simulators.exact_online import data

pytestmark = pytest.mark.django_db

REDIRECT = "http://127.0.0.1/exact/callback"


class MemoryStorage(ExactOnlineConfig):
    """The client's storage, in a dict, with the simulator as its server."""

    def __init__(self, base_url: str):
        self.values = {
            ("server", "auth_url"): f"{base_url}/api/oauth2/auth",
            ("server", "rest_url"): f"{base_url}/api",
            ("server", "token_url"): f"{base_url}/api/oauth2/token",
            ("application", "base_url"): REDIRECT,
            ("application", "client_id"): data.DEMO_CLIENT_ID,
            ("application", "client_secret"): data.DEMO_CLIENT_SECRET,
        }

    def get(self, section, option):
        try:
            return self.values[(section, option)]
        except KeyError:
            raise MissingSetting(option) from None

    def set(self, section, option, value):
        self.values[(section, option)] = value


@pytest.fixture
def client(exact_online, monkeypatch):
    """The client, connected through the consent page like a user would."""
    # The client only speaks https (`opt_secure`); its http module lets callers change the
    # options: allow http for the simulator on 127.0.0.1.
    monkeypatch.setattr(exact_http.opt_secure, "protocols", ("http", "https"))
    monkeypatch.setattr(exact_http.opt_secure, "verify_cert", False)
    api = ExactApi(storage=MemoryStorage(exact_online.base_url))
    auth_url = api.create_auth_request_url()
    consent = requests.get(auth_url, timeout=10)
    assert consent.status_code == 200
    granted = requests.post(
        f"{exact_online.base_url}/api/oauth2/auth",
        data={"client_id": data.DEMO_CLIENT_ID, "redirect_uri": REDIRECT, "action": "grant"},
        allow_redirects=False,
        timeout=10,
    )
    code = parse_qs(urlsplit(granted.headers["Location"]).query)["code"][0]
    api.request_token(code)
    return api


def test_it_gets_tokens_from_the_code_and_refreshes_them(client, exact_online):
    first = client.storage.get_refresh_token()

    client.refresh_token()

    assert client.storage.get_access_token()
    assert client.storage.get_refresh_token() != first
    assert client.storage.get_access_expiry() > exact_online.clock()


def test_it_reads_me_and_the_divisions(client):
    choices, current = client.get_divisions()
    client.set_division(current)

    assert current == data.DEMO_DIVISION
    assert choices == dict(data.DIVISIONS)


def test_it_creates_a_relation_and_a_sales_entry_and_finds_it_by_yourref(client, exact_online):
    client.set_division(data.DEMO_DIVISION)
    relation = client.relations.create({"Code": "4711", "Name": "Third Party BV", "Status": "C"})
    assert client.relations.get(relation_code="4711")["ID"] == relation["ID"]
    gl_account = data.guid(data.DEMO_DIVISION, "gl", data.REVENUE_ACCOUNT)

    created = client.invoices.create(
        {
            "Journal": data.SALES_JOURNAL,
            "Customer": relation["ID"],
            "EntryDate": "2025-05-01T00:00:00Z",
            "YourRef": "TP-0001",
            "Description": "Third-party client",
            "SalesEntryLines": [
                {"GLAccount": gl_account, "AmountFC": 100.0, "VATCode": "3  ", "Description": "A"},
                {"GLAccount": gl_account, "AmountFC": 50.0, "VATCode": "3  ", "Description": "B"},
            ],
        }
    )
    found = client.invoices.get(invoice_number="TP-0001")
    numbers = client.invoices.map_foreign2exact_invoice_numbers(["TP-0001", "TP-404"])

    assert found["EntryID"] == created["EntryID"]
    assert found["AmountFC"] == 181.5
    assert [line["AmountFC"] for line in found["SalesEntryLines"]] == [100.0, 50.0]
    assert numbers == {"TP-0001": created["InvoiceNumber"], "TP-404": None}
    assert len(exact_online.bookings("TP-0001")) == 1


def test_it_updates_the_relation_with_put(client, exact_online):
    client.set_division(data.DEMO_DIVISION)
    relation = client.relations.get(relation_code="1")

    client.relations.update(relation["ID"], {"Name": "Brasserie Renamed"})

    assert client.relations.get(relation_code="1")["Name"] == "Brasserie Renamed"
