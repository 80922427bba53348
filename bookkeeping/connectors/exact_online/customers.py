"""Finding many Exact Online accounts at once: `crm/Accounts` with an `or`-chained `$filter`.

Each customer adds two conditions, its code (padded to Exact's 18 characters, right-aligned:
bookkeeping-apis.md §1.5) and its VAT number, so a chain of `CHAIN` (40, as ossobv batches its
`or`-chains, bookkeeping-apis-2.md §2a) conditions looks up 20 customers in one read, paged with
`__next` when more than a page of accounts answers. A chain is also cut before its query string
passes `MAX_QUERY`: Exact Online runs on IIS, whose request filtering refuses a query string
longer than 2,048 characters by default (404.15). Whether Exact raised that limit is not
documented [I]; the simulator keeps IIS's default.

The matching is `find_customer`'s, done here on the rows: the account whose `Code` is our code
padded, else the one whose `VATNumber` is ours, exactly as the single lookups compared them on
Exact's side (an account matched on a weaker rule is never linked).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from bookkeeping.connectors.exact_online.payload import account_ref, quote

if TYPE_CHECKING:
    from bookkeeping.connectors.results import RemoteRef
    from invoicing.models import Customer

CHAIN = 40  # conditions in one `or`-chain
MAX_QUERY = 1900  # characters of the encoded query string, below IIS's 2,048
SELECT = "ID,Code,Name,VATNumber"


def padded_code(customer: Customer) -> str:
    return customer.code.strip().rjust(18)


def vat_number_of(customer: Customer) -> str:
    return "".join(customer.vat_number.split()).replace(".", "").upper()


def conditions_of(customer: Customer) -> list[str]:
    found = [f"Code eq {quote(padded_code(customer))}"] if customer.code.strip() else []
    vat_number = vat_number_of(customer)
    if vat_number:
        found.append(f"VATNumber eq {quote(vat_number)}")
    return found


def query_length(conditions: list[str]) -> int:
    return len(urlencode({"$filter": " or ".join(conditions), "$select": SELECT}))


def chains(customers: Sequence[Customer]) -> list[list[str]]:
    """The customers' conditions in chains of at most CHAIN conditions and MAX_QUERY characters
    (a customer's conditions are never split over two chains)."""
    result: list[list[str]] = []
    current: list[str] = []
    for customer in customers:
        own = conditions_of(customer)
        if not own:
            continue
        longer = current + own
        if current and (len(longer) > CHAIN or query_length(longer) > MAX_QUERY):
            result.append(current)
            longer = own
        current = longer
    if current:
        result.append(current)
    return result


def matches(customers: Sequence[Customer], rows: list[dict[str, Any]]) -> dict[int, dict]:
    """The account of each customer among the rows (the first in Exact's order): the same
    code, else the same VAT number."""
    by_code: dict[str, dict[str, Any]] = {}
    by_vat_number: dict[str, dict[str, Any]] = {}
    for row in rows:
        by_code.setdefault(str(row.get("Code") or ""), row)
        by_vat_number.setdefault(str(row.get("VATNumber") or ""), row)
    found = {}
    for customer in customers:
        row = by_code.get(padded_code(customer)) if customer.code.strip() else None
        if row is None and vat_number_of(customer):
            row = by_vat_number.get(vat_number_of(customer))
        if row is not None:
            found[customer.pk] = row
    return found


class CustomersMixin:
    """`find_customers` of ExactOnlineConnector (its `_get_all` and `_path`)."""

    def find_customers(self, customers: Sequence[Customer]) -> dict[int, RemoteRef]:
        """Every account of these customers, one read per chain of 40 conditions (20
        customers). Read-only, safe to repeat."""
        rows: list[dict[str, Any]] = []
        path = self._path("crm/Accounts")  # type: ignore[attr-defined]
        for chain in chains(customers):
            params = {"$filter": " or ".join(chain), "$select": SELECT}
            rows.extend(self._get_all(path, params))  # type: ignore[attr-defined]
        return {pk: account_ref(row) for pk, row in matches(customers, rows).items()}
