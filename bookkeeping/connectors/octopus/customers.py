"""Finding many Octopus relations at once: one `GET /dossiers/{d}/relations` per call of
`find_customers`, every relation of the dossier (the API documents no paging of that list,
bookkeeping-apis.md §2.5), matched here by `find_customer`'s rules: our customer id as
`externalRelationId`, else the same VAT number.

The VAT rule is the single lookup's (`vatNr` query, then the digits compared) and never weaker:
when both numbers carry a country prefix, the prefixes must be equal too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.octopus.payload import (
    external_id_of,
    normalise_vat_number,
    relation_ref,
    vat_digits,
)

if TYPE_CHECKING:
    from bookkeeping.connectors.results import RemoteRef
    from invoicing.models import Customer


def same_vat_number(ours: str, theirs: str) -> bool:
    ours, theirs = normalise_vat_number(ours), normalise_vat_number(theirs)
    if not ours or not theirs or vat_digits(ours) != vat_digits(theirs):
        return False
    prefixes = [number[:2] for number in (ours, theirs) if number[:2].isalpha()]
    return len(prefixes) < 2 or prefixes[0] == prefixes[1]


def matches(customers: Sequence[Customer], rows: list[dict[str, Any]]) -> dict[int, RemoteRef]:
    """The relation of each customer among the dossier's relations (the first in Octopus's
    order): the one with our customer id, else the one with the same VAT number."""
    by_external_id: dict[int, dict[str, Any]] = {}
    for row in rows:
        external_id = external_id_of(row)
        if external_id:
            by_external_id.setdefault(external_id, row)
    found = {}
    for customer in customers:
        row = by_external_id.get(customer.pk)
        if row is None and normalise_vat_number(customer.vat_number):
            row = next(
                (r for r in rows if same_vat_number(customer.vat_number, str(r.get("vatNr", "")))),
                None,
            )
        if row is not None:
            found[customer.pk] = relation_ref(row)
    return found
