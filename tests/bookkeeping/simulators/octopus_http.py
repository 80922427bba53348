"""Plain `requests` against the Octopus simulator, written from Octopus's documentation
(bookkeeping-apis.md §2): the two-token login and a valid booking to vary."""

from __future__ import annotations

from typing import Any

import requests

from bookkeeping.simulators import octopus as sim_data

DOSSIER = sim_data.DOSSIER_ID
BOOKYEAR_2026 = 2  # bookyearKey.id of 2026 in the demo dossier


def login(base_url: str) -> str:
    """Step 1: the token (header softwareHouseUuid, body user/password)."""
    reply = requests.post(
        f"{base_url}/authentication",
        headers={"softwareHouseUuid": sim_data.SOFTWARE_HOUSE_UUID},
        json={"user": sim_data.USER, "password": sim_data.PASSWORD},
        timeout=5,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()["token"]


def dossier_session(base_url: str) -> requests.Session:
    """Steps 1 and 3: a session that sends the dossier token on every call."""
    token = login(base_url)
    reply = requests.post(
        f"{base_url}/dossiers", params={"dossierId": DOSSIER}, headers={"Token": token}, timeout=5
    )
    assert reply.status_code == 200, reply.text
    session = requests.Session()
    session.headers["dossierToken"] = reply.json()["Dossiertoken"]
    return session


def put_relation(session: requests.Session, base_url: str, **fields: Any) -> int:
    body = {
        "relationIdentificationServiceData": {"externalRelationId": 501},
        "name": "Brasserie Lupus",
        "client": True,
        "vatNr": "BE0403170701",
        "vatType": 1,
        "country": "BE",
        **fields,
    }
    reply = session.put(f"{base_url}/dossiers/{DOSSIER}/relations", json=body, timeout=5)
    assert reply.status_code in (201, 204), reply.text
    found = session.get(
        f"{base_url}/dossiers/{DOSSIER}/relations",
        params={"extRelationId": body["relationIdentificationServiceData"]["externalRelationId"]},
        timeout=5,
    )
    return found.json()[0]["relationIdentificationServiceData"]["relationKey"]["id"]


def booking(relation_id: int, number: int = 42, **fields: Any) -> dict[str, Any]:
    """The §2.6 example in 2026: 100.00 at 21% in V1, period 202603."""
    data = {
        "bookyearKey": {"id": BOOKYEAR_2026},
        "journalKey": "V1",
        "documentSequenceNr": number,
        "relationIdentificationServiceData": {"relationKey": {"id": relation_id}},
        "bookyearPeriodeNr": 202603,
        "documentDate": "2026-03-15",
        "expiryDate": "2026-04-14",
        "comment": "Invoice 2026/0042",
        "reference": "2026/0042",
        "amount": 121.00,
        "currencyCode": "EUR",
        "exchangeRate": 1.0,
        "paymentMethod": 0,
        "bookingLines": [
            {
                "accountKey": 700000,
                "baseAmount": 100.00,
                "vatCodeKey": "21",
                "vatAmount": 21.00,
                "comment": "Consulting",
            }
        ],
    }
    data.update(fields)
    return {"buySellBookingServiceData": data, "attachments": []}


def post_booking(session: requests.Session, base_url: str, body: dict[str, Any]):
    return session.post(f"{base_url}/dossiers/{DOSSIER}/buysellbookings", json=body, timeout=5)
