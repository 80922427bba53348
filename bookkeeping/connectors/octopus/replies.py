"""Reading Octopus's replies: an error body into the exception it means, reference rows
(journals, accounts, VAT codes) into choices. No HTTP here."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors import vat_kinds
from bookkeeping.connectors.errors import (
    TEMPORARY_HINT,
    ClosedPeriod,
    ConnectorError,
    Fix,
    InvoiceRejected,
    TransientError,
    later,
    noop,
)
from bookkeeping.connectors.octopus.payload import error_body
from bookkeeping.connectors.octopus.refusals import CLOSED_CODES, REFUSED, find
from bookkeeping.connectors.results import Choice

if TYPE_CHECKING:
    import requests

CLOSED_TEXT = re.compile(r"(?i)(closed|protected|secured)")
# HTTP 403 on a write: "journal is closed or in use by another user" (bookkeeping-apis.md §2.8).
# In use is temporary; the text is all that tells it from a closed journal (no code is known).
JOURNAL_CLOSED = -11  # ERR_JOURNAL_CLOSED: closed for good, not in use
IN_USE_TEXT = re.compile(r"(?i)in use|in gebruik|utilisé|locked")
JOURNAL_IN_USE_MESSAGE = noop("Octopus: the journal is in use by another user.")
JOURNAL_IN_USE_HINT = noop(
    "Someone has the journal open in Octopus; the sync tries again later (or retry the invoice "
    "once they are done)."
)


def refusal_of(response: requests.Response) -> ConnectorError:
    """The exception of an Octopus error reply `{"errorCode", "errorMessage", "technicalInfo"}`:
    a journal in use is TransientError, a closed or protected period ClosedPeriod, anything
    else InvoiceRejected with the tool's message."""
    code, text, technical = error_body(response)
    if code is None and not text:  # a refusal we cannot read: ask again later
        return TransientError(
            later(
                "Octopus sent a refusal we could not read (HTTP %(status)s).",
                status=response.status_code,
            ),
            hint=later(TEMPORARY_HINT),
            status=response.status_code,
            detail=response.text,
        )
    if (
        response.status_code == 403
        and code not in CLOSED_CODES
        and code != JOURNAL_CLOSED
        and IN_USE_TEXT.search(f"{text} {technical}")
    ):
        return TransientError(
            later(JOURNAL_IN_USE_MESSAGE),
            hint=later(JOURNAL_IN_USE_HINT),
            status=response.status_code,
            detail=response.text,
        )
    refusal = find(code, text)
    closed = (refusal is not None and refusal.closed_period) or (
        refusal is None and "period" in text.lower() and bool(CLOSED_TEXT.search(text))
    )
    error_class = ClosedPeriod if closed else InvoiceRejected
    # Where it is fixed, and the hint, are told by `rejection()`, which knows the invoice (a
    # customer's refusal gets its hint from `push_customer`); here no setting is named.
    return error_class(
        f"{REFUSED}{text}",
        code="" if code is None else str(code),
        status=response.status_code,
        detail=response.text,
        fix=Fix.TOOL if closed else (refusal.fix if refusal else Fix.INVOICE),
        field="" if refusal is None or refusal.field in ("journal", "vat") else refusal.field,
    )


def journal_choices(rows: list[dict[str, Any]]) -> list[Choice]:
    """Sales journals (V...)."""
    return [
        Choice(code=str(j["journalKey"]), label=f"{j['journalKey']} {j.get('name', '')}".strip())
        for j in rows
        if str(j.get("journalKey", "")).upper().startswith("V")
    ]


def account_choices(rows: list[dict[str, Any]]) -> list[Choice]:
    """Revenue accounts (class 7), or every account when there is none."""
    choices = []
    for row in rows:
        key = row["accountKey"]
        number = str(key["id"] if isinstance(key, dict) else key)
        texts = row.get("description") or {}
        label = (
            texts.get("description_EN") or texts.get("description_NL") or ""
            if isinstance(texts, dict)
            else str(texts)
        )
        choices.append(Choice(code=number, label=f"{number} {label}".strip()))
    revenue = [choice for choice in choices if choice.code.startswith("7")]
    return revenue or choices


def vat_code_choices(rows: list[dict[str, Any]]) -> list[Choice]:
    """VAT codes, with `extra["percentage"]` from `basePercentage` and `extra["kinds"]`, the
    mapping rows it fits: Octopus documents no meaning of a code's `type`, so a 0 % code is
    known by its description (`vat_kinds.kinds_of`)."""
    return [
        Choice(
            code=str(row["code"]),
            label=f"{row['code']} {row.get('description', '')}".strip(),
            extra={
                "percentage": row.get("basePercentage"),
                "kinds": vat_kinds.kinds_of(row.get("basePercentage"), row.get("description", "")),
            },
        )
        for row in rows
    ]
