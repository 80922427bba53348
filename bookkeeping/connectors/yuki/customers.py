"""Yuki's contacts: `Contact.asmx` `SearchContacts`, 100 contacts a page (bookkeeping-apis.md
§3.4), one customer at a time (`find_customer`: by code, then by VAT number) or many at once.

`find_customers` reads the domain's contact list page by page (`searchOption` All with an empty
`searchValue`, sorted by name as the single searches are) and matches here with
`find_customer`'s rules: the same code exactly, else the same VAT number. That Yuki lists every
contact for an empty search value is inferred, not documented [I]. Its cost is the list's
pages, whatever the number of customers looked up: it stops after as many pages as there are
customers to find (beyond that, single searches cost less), and those the pages read did not
settle are then searched one by one.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from bookkeeping.connectors.results import RemoteRef
from bookkeeping.connectors.yuki.soap import descendants, find_text, vat_key, xml_result

if TYPE_CHECKING:
    from invoicing.models import Customer

PAGE_SIZE = 100
MAX_PAGES = 20


def contact_ref(contact: Any, customer: Customer) -> RemoteRef:
    code = find_text(contact, "Code") or customer.code
    return RemoteRef(contact.get("ID"), code, {"name": find_text(contact, "Name")})


def matches(
    customers: Sequence[Customer], contacts: list[Any], *, codes_only: bool = False
) -> dict[int, RemoteRef]:
    """The contact of each customer (the first in the list's order): the same code, else the
    same VAT number (not when `codes_only`: a contact with the code may be on a page not read)."""
    by_code: dict[str, Any] = {}
    by_vat_number: dict[str, Any] = {}
    for contact in contacts:
        if contact.get("ID"):
            by_code.setdefault(find_text(contact, "Code"), contact)
            by_vat_number.setdefault(vat_key(find_text(contact, "VATNumber")), contact)
    found = {}
    for customer in customers:
        contact = by_code.get(customer.code) if customer.code else None
        if contact is None and not codes_only and vat_key(customer.vat_number):
            contact = by_vat_number.get(vat_key(customer.vat_number))
        if contact is not None:
            found[customer.pk] = contact_ref(contact, customer)
    return found


class YukiCustomers:
    """Contact lookups of YukiConnector (its `call` and `domain_id`)."""

    def contact_pages(self, option: str, value: str, *, pages: int = MAX_PAGES) -> Iterator[list]:
        """The pages of a SearchContacts query (100 contacts each), up to `pages` of them; the
        last one read is shorter than a page when the list is complete."""
        for page in range(1, pages + 1):
            # `modifiedAfter` (a dateTime) is left out: an empty one cannot be read by ASMX.
            # fmt: off
            params = [
                ("domainID", self.domain_id()), ("searchOption", option), ("searchValue", value),  # type: ignore[attr-defined]
                ("sortOrder", "Name"), ("active", "Both"), ("pageNumber", str(page)),
            ]
            # fmt: on
            result = self.call("Contact", "SearchContacts", params, idempotent=True)  # type: ignore[attr-defined]
            contacts = descendants(xml_result(result), "Contact")
            yield contacts
            if len(contacts) < PAGE_SIZE:
                return

    def search_contacts(self, option: str, value: str) -> Iterator[Any]:
        """Contact elements of a SearchContacts query, page by page."""
        for page in self.contact_pages(option, value):
            yield from page

    def find_customer(self, customer: Customer) -> RemoteRef | None:
        """The Yuki contact with our customer code, else with the customer's VAT number."""
        searches = [("Code", customer.code)]
        if customer.vat_number:
            searches.append(("VATNumber", customer.vat_number))
        for option, value in searches:
            for contact in self.search_contacts(option, value):
                found = find_text(contact, option)
                same = found == value if option == "Code" else vat_key(found) == vat_key(value)
                if same and contact.get("ID"):
                    return contact_ref(contact, customer)
        return None

    def find_customers(self, customers: Sequence[Customer]) -> dict[int, RemoteRef]:
        """The contacts of these customers from the domain's contact list, read page by page;
        read-only, safe to repeat (see the module's docstring for its cost)."""
        wanted = list(customers)
        if not wanted:
            return {}
        contacts: list[Any] = []
        complete = False
        for page in self.contact_pages("All", "", pages=len(wanted)):
            contacts.extend(page)
            complete = len(page) < PAGE_SIZE
        found = matches(wanted, contacts, codes_only=not complete)
        if not complete:
            for customer in wanted:
                ref = None if customer.pk in found else self.find_customer(customer)
                if ref is not None:
                    found[customer.pk] = ref
        return found
