"""The Octopus simulator answers requests written from Octopus's documentation
(bookkeeping-apis.md §2, bookkeeping-apis-2.md §1b) as documented, refusals included."""

from __future__ import annotations

import requests

from bookkeeping.simulators import octopus as sim_data
from tests.bookkeeping.simulators.octopus_http import (
    BOOKYEAR_2026,
    DOSSIER,
    booking,
    dossier_session,
    login,
    post_booking,
    put_relation,
)


def test_authentication_needs_the_software_house_header(octopus):
    reply = requests.post(
        f"{octopus.base_url}/authentication",
        json={"user": sim_data.USER, "password": sim_data.PASSWORD},
        timeout=5,
    )

    assert reply.status_code == 401
    assert reply.json()["errorCode"] == -68  # ERR_INVALID_SOFTWARE_HOUSE_IDENTIFICATION


def test_a_wrong_password_is_an_invalid_login(octopus):
    reply = requests.post(
        f"{octopus.base_url}/authentication",
        headers={"softwareHouseUuid": sim_data.SOFTWARE_HOUSE_UUID},
        json={"user": sim_data.USER, "password": "wrong"},
        timeout=5,
    )

    assert reply.status_code == 401
    assert reply.json()["errorCode"] == -1


def test_the_token_lists_dossiers_and_opens_one_with_a_dossier_token(octopus):
    token = login(octopus.base_url)

    dossiers = requests.get(f"{octopus.base_url}/dossiers", headers={"Token": token}, timeout=5)
    opened = requests.post(
        f"{octopus.base_url}/dossiers", params={"dossierId": DOSSIER}, headers={"Token": token}
    )
    other = requests.post(
        f"{octopus.base_url}/dossiers", params={"dossierId": 1}, headers={"Token": token}
    )

    assert dossiers.json()[0]["dossierKey"] == {"id": DOSSIER}
    assert set(opened.json()) == {"Dossiertoken"}  # capital D, lower-case t
    assert other.status_code == 403
    assert other.json()["errorCode"] == -3


def test_dossier_calls_need_the_dossier_token_and_it_expires_after_ten_minutes(octopus):
    session = dossier_session(octopus.base_url)
    url = f"{octopus.base_url}/dossiers/{DOSSIER}/bookyears"

    assert requests.get(url, timeout=5).status_code == 401
    assert session.get(url, timeout=5).status_code == 200
    octopus.advance_clock(601)
    expired = session.get(url, timeout=5)
    assert expired.status_code == 401
    assert expired.json()["errorCode"] == -2


def test_book_years_have_yyyymm_periods_and_journals_their_last_number(octopus):
    session = dossier_session(octopus.base_url)

    years = session.get(f"{octopus.base_url}/dossiers/{DOSSIER}/bookyears", timeout=5).json()
    journals = session.get(
        f"{octopus.base_url}/dossiers/{DOSSIER}/bookyears/{BOOKYEAR_2026}/journals", timeout=5
    ).json()

    [year] = [y for y in years if y["bookyearKey"] == {"id": BOOKYEAR_2026}]
    assert year["startDate"] == "2026-01-01"
    assert [p["bookyearPeriod"] for p in year["periods"]][:2] == [202601, 202602]
    assert {j["journalKey"]: j["lastBookedDocumentNr"] for j in journals} == {"V1": 41, "V2": 3}


def test_relations_are_upserted_by_external_id_and_found_by_filter(octopus):
    session = dossier_session(octopus.base_url)
    url = f"{octopus.base_url}/dossiers/{DOSSIER}/relations"
    body = {
        "relationIdentificationServiceData": {"externalRelationId": 77},
        "name": "Brasserie Lupus",
        "client": True,
        "vatNr": "BE0403170701",
        "vatType": 1,
        "country": "BE",
    }

    created = session.put(url, json=body, timeout=5)
    updated = session.put(url, json={**body, "city": "Gent"}, timeout=5)
    by_vat = session.get(url, params={"vatNr": "0403.170.701"}, timeout=5)
    by_name = session.get(url, params={"name": "lupus"}, timeout=5)
    nothing = session.get(url, params={"extRelationId": 78}, timeout=5)

    assert created.status_code == 201
    assert updated.status_code == 204
    assert [r["city"] for r in by_vat.json()] == ["Gent"]
    assert len(by_name.json()) == 1 == octopus.customer_count()
    assert nothing.status_code == 404  # a GET without data


def test_a_relation_with_an_empty_country_is_refused(octopus):
    session = dossier_session(octopus.base_url)

    reply = session.put(
        f"{octopus.base_url}/dossiers/{DOSSIER}/relations",
        json={"name": "No Country", "country": ""},
        timeout=5,
    )

    assert reply.status_code == 400
    assert reply.json()["errorCode"] == -7  # ERR_INSERT_UPDATE_RELATION


def test_a_booking_is_posted_with_the_next_number_and_read_back_as_modified(octopus):
    session = dossier_session(octopus.base_url)
    relation = put_relation(session, octopus.base_url)

    posted = post_booking(session, octopus.base_url, booking(relation, 42))
    modified = session.get(
        f"{octopus.base_url}/dossiers/{DOSSIER}/buysellbookings/modified",
        params={
            "bookyearId": -1,
            "journalKey": "V1",
            "modifiedTimeStamp": "2000-01-01 00:00:00.000",
        },
        timeout=5,
    )

    assert posted.status_code == 201
    [row] = modified.json()
    assert (row["bookyearKey"], row["journalKey"], row["documentSequenceNr"]) == (
        {"id": BOOKYEAR_2026},
        "V1",
        42,
    )
    assert row["reference"] == "2026/0042"
    assert row["amount"] == 121.0


def test_a_number_other_than_the_journals_last_plus_one_is_refused(octopus):
    session = dossier_session(octopus.base_url)
    relation = put_relation(session, octopus.base_url)

    skipped = post_booking(session, octopus.base_url, booking(relation, 43))
    post_booking(session, octopus.base_url, booking(relation, 42))
    again = post_booking(session, octopus.base_url, booking(relation, 42))

    assert skipped.json()["errorCode"] == again.json()["errorCode"] == -13


def test_modified_bookings_before_any_booking_are_no_data(octopus):
    session = dossier_session(octopus.base_url)

    reply = session.get(
        f"{octopus.base_url}/dossiers/{DOSSIER}/buysellbookings/modified",
        params={"bookyearId": -1, "modifiedTimeStamp": "2000-01-01 00:00:00.000"},
        timeout=5,
    )

    assert reply.status_code == 404


def test_a_booking_in_a_closed_period_is_refused_as_closed(octopus):
    session = dossier_session(octopus.base_url)
    relation = put_relation(session, octopus.base_url)
    octopus.close_period(202603)

    reply = post_booking(session, octopus.base_url, booking(relation))

    assert reply.status_code == 403
    assert reply.json()["errorCode"] == -15
    assert reply.json()["errorMessage"] == "Book year period is closed"


def test_a_booking_is_updated_with_put_and_an_unknown_one_is_refused(octopus):
    session = dossier_session(octopus.base_url)
    relation = put_relation(session, octopus.base_url)
    post_booking(session, octopus.base_url, booking(relation))
    url = f"{octopus.base_url}/dossiers/{DOSSIER}/buysellbookings"

    updated = session.put(url, json=booking(relation, comment="corrected"), timeout=5)
    unknown = session.put(url, json=booking(relation, 99), timeout=5)

    assert updated.status_code == 204
    assert octopus.bookings("2026/0042")[0]["comment"] == "corrected"
    assert unknown.json()["errorCode"] == -34  # ERR_BOOKING_NOT_EXISTS
