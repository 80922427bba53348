"""Bad replies from the tools: whatever a tool (or a proxy in between) answers, a connector raises
one of its typed errors or returns a normal result. Never a KeyError, TypeError, AttributeError,
RecursionError or an lxml error, which would end the sync as an "unexpected error".

Each example points a connector at its simulator and makes every following call answer with a
generated status and body: random JSON, JSON shaped like the tool's replies with wrong types,
random XML and SOAP envelopes, huge or deeply nested bodies, unicode. Half of the examples start
with a fresh login (the login reply is garbage too), half with a valid token or session.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bookkeeping.connectors.base import (
    ConnectorError,
    RemoteRef,
)
from bookkeeping.connectors.registry import get_connector
from bookkeeping.models import Integration
from bookkeeping.simulators import octopus as octopus_data
from bookkeeping.simulators import yuki as yuki_data
from bookkeeping.simulators.exact_online import data as exact_data
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

FUZZ = settings(
    max_examples=30,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TOOLS = ["exact_online", "octopus", "yuki"]
METHODS = ["find_invoice", "push_invoices", "find_customer"]
SEEDED_CREDENTIALS = {
    "exact_online": {"refresh_token": exact_data.DEMO_REFRESH_TOKEN},
    "octopus": {"user": octopus_data.USER, "password": octopus_data.PASSWORD},
    "yuki": {"access_key": yuki_data.ACCESS_KEY},
}
CUSTOMER_IDS = {
    "exact_online": "6b0bd5f3-0a8c-4c8e-9d9e-0b8f0c7a1d11",
    "octopus": "4",
    "yuki": "0d1c2b3a-4f5e-4d6c-8b7a-9e8d7c6b5a41",
}
# Names the tools use in their replies: shaped garbage reaches the code that reads the fields.
JSON_KEYS = [
    # Exact Online
    "d", "results", "__next", "EntryID", "EntryNumber", "YourRef", "Journal", "Type", "ID",
    "Code", "Name", "VATNumber", "CurrentDivision", "error", "message", "value",
    "access_token", "refresh_token", "expires_in", "token_type",
    # Octopus
    "token", "Dossiertoken", "dossierToken", "bookyearKey", "id", "startDate", "endDate",
    "periods", "bookyearPeriod", "journalKey", "lastBookedDocumentNr", "documentSequenceNr",
    "reference", "buySellBookingServiceData", "relationIdentificationServiceData",
    "relationKey", "externalRelationId", "vatNr", "errorCode", "errorMessage", "technicalInfo",
    "bookyearDescription", "dossierKey",
]  # fmt: skip
XML_NAMES = [
    "Envelope", "Body", "Fault", "faultcode", "faultstring", "detail", "AuthenticateResult",
    "AdministrationsResult", "Administrations", "Administration", "DomainID", "Name",
    "CheckOutstandingItemResult", "OutstandingItems", "Item", "Reference", "DocumentId",
    "OpenAmount", "OriginalAmount", "ProcessSalesInvoicesResult", "SalesInvoicesImportResponse",
    "Invoice", "Succeeded", "Processed", "Message", "SearchContactsResult", "Contacts",
    "Contact", "ContactID", "Code", "VATNumber",
]  # fmt: skip
SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
HUGE = [
    "[" * 100_000 + "]" * 100_000,
    '{"d": ' * 50_000 + "1" + "}" * 50_000,
    "<a>" * 20_000 + "</a>" * 20_000,
    json.dumps({"d": {"results": [{"EntryID": "x" * 100, "EntryNumber": n} for n in range(20_000)]}}),
    "x" * 2_000_000,
    "\u0000\ufffe\uffff" * 1000,
]  # fmt: skip

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=30),
)
any_json = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(JSON_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)  # fmt: skip
shaped_json = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(JSON_KEYS), inner, min_size=1, max_size=6),
    ),
    max_leaves=30,
)


@st.composite
def xml_tree(draw, depth: int = 0) -> Any:
    name = draw(st.sampled_from(XML_NAMES))
    namespace = draw(st.sampled_from(["", SOAP, "http://www.theyukicompany.com/"]))
    element = etree.Element(f"{{{namespace}}}{name}" if namespace else name)
    text = draw(st.one_of(st.none(), st.text(max_size=20), st.sampled_from(["true", "false", "0"])))
    if text is not None:
        element.text = "".join(ch for ch in text if ch.isprintable() or ch in "\t\n")
    if depth < 4:
        for child in draw(st.lists(xml_tree(depth + 1), max_size=3)):
            element.append(child)
    return element


def soap(document: Any) -> str:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP}"><soap:Body>'
        + etree.tostring(document, encoding="unicode")
        + "</soap:Body></soap:Envelope>"
    )


bodies = st.one_of(
    any_json.map(json.dumps),
    shaped_json.map(json.dumps),
    st.dictionaries(st.just("d"), shaped_json, min_size=1).map(json.dumps),
    xml_tree().map(soap),
    xml_tree().map(lambda tree: etree.tostring(tree, encoding="unicode")),
    xml_tree().map(lambda tree: soap(tree)[: len(soap(tree)) // 2]),  # truncated
    st.text(max_size=200),
    st.sampled_from(HUGE),
)
replies = st.fixed_dictionaries(
    {
        "status": st.sampled_from([200, 201, 204, 400, 401, 404, 429, 500, 503]),
        "content_type": st.sampled_from(
            ["application/json", "text/xml; charset=utf-8", "text/html", ""]
        ),
        "body": bodies,
        "warm": st.booleans(),
    }
)


@pytest.fixture(params=TOOLS)
def tool(request, acme, settings):
    key = request.param
    settings.TOOL_HTTP_RETRIES = 1
    sim = request.getfixturevalue(key)
    integration = request.getfixturevalue(f"{key}_integration")
    customer = CustomerFactory(company=acme, vat_number="BE0403170701", code="C0001")
    invoice = make_booked_invoice(acme, number="2026-0001", customer=customer)
    return key, sim, integration, customer, invoice


def fresh_connector(key: str, sim, integration: Integration, *, warm: bool):
    """A connector of the seeded integration; `warm`: already logged in."""
    sim.reset()
    Integration.objects.filter(pk=integration.pk).update(credentials=SEEDED_CREDENTIALS[key])
    integration.refresh_from_db()
    connector = get_connector(integration)
    if warm:
        connector.before_request()
        if key == "yuki":
            connector.session_id()
    return connector


def call(method: str, connector, key: str, customer, invoice):
    if method == "find_invoice":
        return connector.find_invoice(invoice)
    if method == "find_customer":
        return connector.find_customer(customer)
    refs = {customer.pk: RemoteRef(CUSTOMER_IDS[key], customer.code)}
    return connector.push_invoices([invoice], customer_refs=refs)


@pytest.mark.parametrize("method", METHODS)
@FUZZ
@given(reply=replies)
def test_a_reply_we_cannot_read_is_a_typed_error(tool, method, reply):
    key, sim, integration, customer, invoice = tool
    connector = fresh_connector(key, sim, integration, warm=reply["warm"])
    headers = {"Content-Type": reply["content_type"]} if reply["content_type"] else {}
    sim.fail_next(status=reply["status"], body=reply["body"], headers=headers, times=50)

    error: ConnectorError | None = None
    try:
        result = call(method, connector, key, customer, invoice)
    except ConnectorError as exc:  # anything else fails the test
        error = exc
    if error is not None:
        assert str(error.message)
        assert len(error.detail) <= 1000
        return
    if method == "push_invoices":
        [pushed] = result
        assert pushed.ok or isinstance(pushed.error, ConnectorError)
    else:
        assert result is None or isinstance(result, RemoteRef)
