"""Accounting.asmx, AccountingInfo.asmx and ChangeDigest.asmx of the Yuki simulator: the G/L
account scheme, outstanding items (a paid item leaves them: the `pay` knob; a credit note and the
invoice it cancels out leave them once matched: `match_credit_note`) and the other operations the
WSDLs declare that books.py does not answer, answered simply.

An outstanding item carries the facts' fields the simulator knows (Reference, Date, DueDate,
OpenAmount, OriginalAmount, Type, Contact, ContactID, ContactCode); OutstandingDebtorItems' items
also DocumentID (the facts' spelling there), CheckOutstandingItem's DocumentId."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from lxml import etree

from bookkeeping.simulators.yuki.common import GL_ACCOUNTS

ITEM_FIELDS = ("Reference", "Date", "OpenAmount", "OriginalAmount")
SALES_INVOICE_TYPE = "6"  # Type@ID of a sales invoice in outstanding items [V dedene fixture]


class LedgerOperations:
    """The accounting operations of YukiSimulator (a mixin: it uses the simulator's helpers)."""

    invoices: list[dict[str, Any]]
    contacts: dict[str, dict[str, str]]
    lock: Any

    # Test knob -------------------------------------------------------------------------------

    def pay(self, reference: str, amount: Decimal | str | int | None = None) -> None:
        """Pays the booked invoice with this reference: fully, or `amount` of it. A fully paid
        item no longer answers CheckOutstandingItem (the facts: "presumably empty" [I])."""
        with self.lock:
            for invoice in self.invoices:
                if invoice["reference"] == reference and invoice["processed"]:
                    paid = invoice["openamount"] if amount is None else Decimal(str(amount))
                    invoice["openamount"] -= paid
                    return
        raise KeyError(f"no booked invoice with reference {reference!r}")

    def match_credit_note(self, invoice_reference: str, credit_note_reference: str) -> None:
        """Matches a booked credit note with the invoice it credits, as a bookkeeper does in
        Yuki: what they have in common is settled; an item settled in full (both, when they
        cancel out) leaves the outstanding items."""
        with self.lock:
            invoice = self._booked(invoice_reference)  # type: ignore[attr-defined]
            credit_note = self._booked(credit_note_reference)  # type: ignore[attr-defined]
            settled = min(invoice["openamount"], -credit_note["openamount"])
            if settled <= 0:
                raise ValueError("nothing to match: the invoice or the credit note is settled")
            invoice["openamount"] -= settled
            credit_note["openamount"] += settled

    # Operations ------------------------------------------------------------------------------

    def _op_GetGLAccountScheme(self, args: dict[str, Any]) -> Any:
        self._session(args)  # type: ignore[attr-defined]
        self._check_administration(self._arg(args, "administrationID"))  # type: ignore[attr-defined]
        root = etree.Element("GLAccountScheme")
        for code, description in GL_ACCOUNTS.items():
            element = etree.SubElement(root, "GLAccount")
            etree.SubElement(element, "Code").text = code
            etree.SubElement(element, "Description").text = description
            etree.SubElement(element, "Type").text = "Revenue"
        return root

    def _op_CheckOutstandingItem(self, args: dict[str, Any]) -> Any:
        self._session(args)  # type: ignore[attr-defined]
        reference = self._arg(args, "Reference")  # type: ignore[attr-defined]
        # Matched by the whole reference, as a reference (not a free-text search). Several
        # items may answer one number (Yuki's WSDL documentation says so).
        return self._items(
            "OutstandingItems", lambda i: bool(reference) and i == reference, "DocumentId"
        )

    def _op_CheckOutstandingItemAdmin(self, args: dict[str, Any]) -> Any:
        self._check_administration(self._arg(args, "administrationID"))  # type: ignore[attr-defined]
        return self._op_CheckOutstandingItem(args)

    def _op_OutstandingDebtorItems(self, args: dict[str, Any]) -> Any:
        self._session(args)  # type: ignore[attr-defined]
        self._check_administration(self._arg(args, "administrationID"))  # type: ignore[attr-defined]
        return self._items("OutstandingDebtorItems", lambda _reference: True, "DocumentID")

    def _items(self, root_name: str, wanted: Any, document_tag: str) -> Any:
        """Booked items still open (not fully paid) whose reference is `wanted`."""
        root = etree.Element(root_name)
        for invoice in self.invoices:
            if not invoice["processed"] or not invoice["openamount"]:
                continue
            if not wanted(invoice["reference"]):
                continue
            item = etree.SubElement(root, "Item", ID=invoice["documentid"])
            for tag in ITEM_FIELDS:
                etree.SubElement(item, tag).text = str(invoice[tag.lower()])
            etree.SubElement(item, "DueDate").text = invoice.get("duedate") or invoice["date"]
            etree.SubElement(item, document_tag).text = invoice["documentid"]
            etree.SubElement(item, "Type", ID=SALES_INVOICE_TYPE).text = "Sales invoice"
            contact = self.contacts.get(invoice["contact_id"], {})
            etree.SubElement(item, "Contact").text = contact.get("Name", "")
            etree.SubElement(item, "ContactID").text = invoice["contact_id"]
            etree.SubElement(item, "ContactCode").text = contact.get("Code", "")
        return root

    def _op_declared(self, args: dict[str, Any]) -> Any:
        """An operation the WSDL declares that the simulator does not imitate (GetSalesItems,
        ...): the session is checked and the answer is an empty document."""
        self._session(args)  # type: ignore[attr-defined]
        return etree.Element("Empty")
