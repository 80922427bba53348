"""Finding many customers at once: the batched lookup before customers are created.

Looking customers up one by one costs one or two reads each (by code, then by VAT number); a
sync of 100 new customers paid 200 or more reads for that alone. `find_customers` looks up a
whole run's customers in as few reads as the tool allows (Exact Online `or`-chained filters,
one relations list on Octopus, Yuki's contact list page by page): at most one read per
`CUSTOMERS_PER_READ` customers where the tool can batch at all. The matching rules stay those
of `find_customer`: the same code, else the same VAT number, never a weaker match.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from bookkeeping.connectors.results import RemoteRef
    from invoicing.models import Customer

# The budget of a batched lookup: customers looked up per read call.
CUSTOMERS_PER_READ = 20


class CustomerLookup:
    """The batched lookup of customers (mixed into `Connector`: uses `find_customer`)."""

    # Whether the tool's reply to a create names the record it made. Tools whose reply does
    # not (Yuki) set False and implement `create_customer`: the sync creates the missing
    # customers first and finds them afterwards in one batched `find_customers`, instead of
    # the one read per customer that `push_customer` needs to return a RemoteRef.
    create_names_customer: ClassVar[bool] = True

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        raise NotImplementedError  # the connector's (see Connector.find_customer)

    def find_customers(self, customers: Sequence[Customer]) -> dict[int, RemoteRef]:
        """The tool's record of each customer it holds, by customer id (those it does not hold
        are left out), found with the rules of `find_customer`. Tools that can read many
        customers in one call override this; the default asks `find_customer` for each.
        Read-only, safe to repeat. Raises what `find_customer` raises."""
        found = {}
        for customer in customers:
            ref = self.find_customer(customer)
            if ref is not None:
                found[customer.pk] = ref
        return found

    def create_customer(self, customer: Customer) -> None:
        """Tools with `create_names_customer` False: creates or upserts the customer without
        reading it back (find it with `find_customers`). Safe to repeat: the tool upserts.
        Raises InvoiceRejected when refused."""
        raise NotImplementedError(f"{type(self).__name__}.create_customer")
