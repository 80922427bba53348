"""Each strictness rule of the Octopus simulator, shown by the refusal it gives (plain HTTP)."""

from __future__ import annotations

import pytest

from tests.bookkeeping.simulators.octopus_http import (
    DOSSIER,
    booking,
    dossier_session,
    post_booking,
    put_relation,
)

LINE = {"accountKey": 700000, "baseAmount": 100.00, "vatCodeKey": "21", "vatAmount": 21.00}


@pytest.fixture
def http(octopus):
    session = dossier_session(octopus.base_url)
    return session, put_relation(session, octopus.base_url)


def refusal(http, octopus, **fields):
    session, relation = http
    reply = post_booking(session, octopus.base_url, booking(relation, **fields))
    assert octopus.booking_count() == 0
    return reply.status_code, reply.json()["errorCode"]


def test_the_valid_booking_passes(http, octopus):
    session, relation = http
    octopus.require_vat_fit()

    assert post_booking(session, octopus.base_url, booking(relation)).status_code == 201


def test_an_amount_other_than_the_lines_base_plus_vat_is_refused(http, octopus):
    assert refusal(http, octopus, amount=120.99) == (400, -24)  # ERR_INSERT_BOOKING


def test_a_credit_note_total_may_be_negative_with_positive_lines(http, octopus):
    session, relation = http

    reply = post_booking(session, octopus.base_url, booking(relation, amount=-121.00))

    assert reply.status_code == 201  # one client does this; unconfirmed, so accepted


def test_a_vat_amount_that_does_not_fit_its_code_is_refused(http, octopus):
    octopus.require_vat_fit()
    lines = [{**LINE, "vatAmount": 20.98}]

    assert refusal(http, octopus, bookingLines=lines, amount=120.98) == (400, -24)


def test_a_vat_amount_a_cent_off_its_code_passes(http, octopus):
    session, relation = http
    octopus.require_vat_fit()
    lines = [{**LINE, "vatAmount": 20.99}]

    reply = post_booking(
        session, octopus.base_url, booking(relation, bookingLines=lines, amount=120.99)
    )

    assert reply.status_code == 201


def test_base_and_vat_of_another_sign_are_refused(http, octopus):
    lines = [{**LINE, "vatAmount": -21.00}]

    assert refusal(http, octopus, bookingLines=lines, amount=79.00) == (400, -23)


def test_a_document_date_outside_the_book_year_is_refused(http, octopus):
    assert refusal(http, octopus, documentDate="2025-12-31") == (400, -14)


def test_a_document_date_outside_the_period_given_is_refused(http, octopus):
    assert refusal(http, octopus, documentDate="2026-04-01") == (400, -14)


def test_a_missing_document_date_is_refused(http, octopus):
    assert refusal(http, octopus, documentDate="") == (400, -17)  # ERR_NO_DOCUMENT_DATE


def test_a_missing_expiry_date_is_refused(http, octopus):
    assert refusal(http, octopus, expiryDate=None) == (400, -18)  # ERR_NO_EXPIRY_DATE


def test_an_unknown_currency_is_refused(http, octopus):
    assert refusal(http, octopus, currencyCode="XYZ") == (400, -19)  # ERR_UNKNOWN_CURRENCY


def test_an_exchange_rate_of_zero_is_refused(http, octopus):
    assert refusal(http, octopus, exchangeRate=0) == (400, -20)  # ERR_ILLEGAL_EXCHANGE_RATE


def test_an_unknown_period_is_refused(http, octopus):
    assert refusal(http, octopus, bookyearPeriodeNr=202613) == (400, -14)


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("accountKey", 123456, -21),  # ERR_UNKNOWN_ACCOUNT
        ("vatCodeKey", "D21", -22),  # ERR_UNKNOWN_VATCODE
        ("costCentreKey", {"id": 4}, -40),  # ERR_UNKNOWN_COST_CENTRE
        ("costCentreKey", {"id": 9}, -41),  # ERR_COST_CENTRE_CLOSED
    ],
)
def test_unknown_reference_data_on_a_line_is_refused(http, octopus, field, value, code):
    assert refusal(http, octopus, bookingLines=[{**LINE, field: value}]) == (400, code)


def test_an_unknown_relation_is_refused(http, octopus):
    ident = {"relationKey": {"id": 999999}}

    assert refusal(http, octopus, relationIdentificationServiceData=ident) == (400, -16)


def test_a_journal_in_use_by_another_user_refuses_writes_until_it_is_free(http, octopus):
    session, relation = http
    octopus.lock_journal("V1")

    reply = post_booking(session, octopus.base_url, booking(relation))
    octopus.unlock_journal("V1")
    after = post_booking(session, octopus.base_url, booking(relation))

    assert reply.status_code == 403
    assert reply.json()["errorMessage"] == "Journal is closed or in use by another user"
    assert after.status_code == 201


@pytest.mark.parametrize(
    "fields",
    [
        {"country": "Belgium"},  # not ISO 2
        {"country": ""},  # "not required but can't be empty"
        {"vatType": 5},  # not one of 0, 1, 4, 6, 7, 8, 9, 10
        {"vatNr": "BE0403170702"},  # fails Belgium's mod-97 check
        {"vatNr": "BE12345"},  # not ten digits
        {"name": ""},
    ],
)
def test_an_invalid_relation_is_refused(octopus, fields):
    session = dossier_session(octopus.base_url)
    body = {"name": "Brasserie Lupus", "vatNr": "BE0403170701", "vatType": 1, "country": "BE"}

    reply = session.put(
        f"{octopus.base_url}/dossiers/{DOSSIER}/relations", json={**body, **fields}, timeout=5
    )

    assert reply.status_code == 400
    assert reply.json()["errorCode"] == -7  # ERR_INSERT_UPDATE_RELATION
    assert octopus.customer_count() == 0
