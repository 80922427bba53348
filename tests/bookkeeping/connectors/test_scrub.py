"""What reaches a log line or a message from a tool's reply: secrets blanked, the rest readable."""

from __future__ import annotations

from bookkeeping.connectors.base import scrub


def test_it_blanks_tokens_passwords_codes_and_access_keys():
    text = scrub(
        '{"access_token": "a1", "refresh_token":"r1", "password": "pw", "Dossiertoken": "d1"} '
        "?code=c1&state=s1 Authorization: Bearer b1 <accessKey>k1</accessKey>"
    )

    for secret in ("a1", "r1", "pw", "d1", "c1", "b1", "k1"):
        assert secret not in text


def test_it_keeps_the_tools_error_codes_readable():
    assert scrub('{"errorCode": -13, "errorMessage": "Illegal document sequence nr"}') == (
        '{"errorCode": -13, "errorMessage": "Illegal document sequence nr"}'
    )
