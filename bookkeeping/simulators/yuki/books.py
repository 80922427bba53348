"""The general ledger of the Yuki simulator's booked documents, and its read-back operations.

Each booked sales document is a set of transactions: its total (including VAT) on the debtors
account, its amount per revenue account (negative: credit), and the rest, its VAT, on the VAT
account; all carry the document's ID. `AccountingInfo.GetTransactionDetails` answers the
transactions of one G/L account dated in the period (TransactionInfo, the facts' field names; no
paging); `ChangeDigest.GetUpdatedAndDeletedTransactions` answers those created, changed or
deleted in the period (by modification time), `numberOfRecords` from `startRecord` (1-based),
the deleted ones with `deleted` true (Yuki's only deletion feed).

Test knobs that change the books behind Booksync's back, as a user in Yuki would:
- `delete_booking(reference)`: deletes the booked document with this reference (the digest then
  reports its transactions deleted; the reference is free again);
- `add_hand_keyed_invoice(reference=, total=, contact_code= | contact_name=, date=None)`: a sales
  invoice keyed by hand (its contact created when unknown); returns its document ID;
- `change_amount(reference, total)`: the document's total becomes `total` (what is left to pay
  follows).
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from lxml import etree

from bookkeeping.simulators.yuki.common import DEFAULT_GL_ACCOUNT, YUKI_NS, SoapFault

# The debtors and VAT accounts of Yuki's Dutch standard scheme (the simulator's administration
# is Dutch): the connector reads the debtors account back.
DEBTORS_ACCOUNT = "1300"
VAT_ACCOUNT = "1520"
SALES_DOCUMENT_TYPE = "Sales invoice"
# The fields of an UpdatedTransaction that the simulator writes, in the WSDL's order.
DIGEST_FIELDS = (
    "id", "transactionDate", "description", "transactionAmount",
    "transactionAmountForeignCurrency", "currencyRate", "currency", "contactID", "fullName",
    "glAccountCode", "documentID", "created", "updated", "deleted",
)  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _moment(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


class BooksOperations:
    """The ledger of YukiSimulator (a mixin: it uses the simulator's lock and session checks)."""

    invoices: list[dict[str, Any]]
    deleted_invoices: list[dict[str, Any]]
    contacts: dict[str, dict[str, str]]
    lock: Any

    def book(
        self,
        reference: str,
        total: Decimal,
        contact: dict[str, str],
        date: str,
        accounts: dict[str, Decimal],
    ) -> dict[str, Any]:
        """Stores a processed sales document (the caller holds the lock); returns it."""
        now = _now()
        booked = {
            "reference": reference, "processed": True, "documentid": str(uuid.uuid4()),
            "date": date, "openamount": total, "originalamount": total,
            "contact_id": contact["ID"], "accounts": dict(accounts),
            "created": now, "updated": now,
        }  # fmt: skip
        self.invoices.append(booked)
        return booked

    # Test knobs ----------------------------------------------------------------------------

    def delete_booking(self, reference: str) -> None:
        with self.lock:
            invoice = self._booked(reference)
            self.invoices.remove(invoice)
            self.deleted_invoices.append({**invoice, "updated": _now(), "deleted": True})

    def add_hand_keyed_invoice(
        self,
        *,
        reference: str,
        total: Decimal | str,
        contact_code: str = "",
        contact_name: str = "",
        date: dt.date | str | None = None,
    ) -> str:
        total = Decimal(str(total))
        with self.lock:
            contact = next(
                (c for c in self.contacts.values() if contact_code and c["Code"] == contact_code),
                None,
            ) or next(
                (c for c in self.contacts.values() if contact_name and c["Name"] == contact_name),
                None,
            )
            if contact is None:
                contact = self.new_contact(contact_code, contact_name or contact_code, "2")  # type: ignore[attr-defined]
            day = str(date or _now().date())
            return self.book(reference, total, contact, day, {DEFAULT_GL_ACCOUNT: total})[
                "documentid"
            ]

    def change_amount(self, reference: str, total: Decimal | str) -> None:
        total = Decimal(str(total))
        with self.lock:
            invoice = self._booked(reference)
            paid = invoice["originalamount"] - invoice["openamount"]
            invoice["originalamount"], invoice["openamount"] = total, total - paid
            invoice["updated"] = _now()

    def _booked(self, reference: str) -> dict[str, Any]:
        for invoice in self.invoices:
            if invoice["reference"] == reference and invoice["processed"]:
                return invoice
        raise KeyError(f"no booked invoice with reference {reference!r}")

    # Operations ------------------------------------------------------------------------------

    def _op_GetTransactionDetails(self, args: dict[str, Any]) -> list[Any]:
        self._session(args)  # type: ignore[attr-defined]
        self._check_administration(self._arg(args, "administrationID"))  # type: ignore[attr-defined]
        account = self._arg(args, "GLAccountCode")  # type: ignore[attr-defined]
        start = _moment(self._arg(args, "StartDate")).date()  # type: ignore[attr-defined]
        end = _moment(self._arg(args, "EndDate")).date()  # type: ignore[attr-defined]
        found = []
        for invoice in self.invoices:
            if invoice["processed"] and start <= dt.date.fromisoformat(invoice["date"]) <= end:
                found += [t for t in self._transactions(invoice) if t["glAccountCode"] == account]
        return [self._element("TransactionInfo", t) for t in found]

    def _op_GetUpdatedAndDeletedTransactions(self, args: dict[str, Any]) -> list[Any]:
        self._session(args)  # type: ignore[attr-defined]
        self._check_administration(self._arg(args, "administrationID"))  # type: ignore[attr-defined]
        start = _moment(self._arg(args, "startDate"))  # type: ignore[attr-defined]
        end = _moment(self._arg(args, "endDate"))  # type: ignore[attr-defined]
        count = int(self._arg(args, "numberOfRecords") or 100)  # type: ignore[attr-defined]
        first = int(self._arg(args, "startRecord") or 1)  # type: ignore[attr-defined]
        if count < 1 or first < 1:
            raise SoapFault("numberOfRecords and startRecord must be at least 1.", "soap:Client")
        changed = [
            i
            for i in [*self.invoices, *self.deleted_invoices]
            if i["processed"] and start <= i["updated"] <= end
        ]
        changed.sort(key=lambda i: i["updated"])
        records = [t for invoice in changed for t in self._transactions(invoice, digest=True)]
        page = records[first - 1 : first - 1 + count]
        return [self._element("UpdatedTransaction", t) for t in page]

    def _transactions(self, invoice: dict[str, Any], *, digest: bool = False) -> list[dict]:
        """The document's transactions: debtors, revenue per account, VAT (what is left)."""
        contact = self.contacts.get(invoice["contact_id"], {})
        total = invoice["originalamount"]
        lines = [(DEBTORS_ACCOUNT, total)]
        lines += [(account, -amount) for account, amount in invoice["accounts"].items()]
        lines.append((VAT_ACCOUNT, -(total - sum(invoice["accounts"].values()))))
        found = []
        for position, (account, amount) in enumerate(lines, start=1):
            record = {
                "id": f"{invoice['documentid']}-{position}", "transactionDate": invoice["date"],
                "description": f"{SALES_DOCUMENT_TYPE} {invoice['reference']}",
                "transactionAmount": str(amount), "transactionAmountForeignCurrency": str(amount),
                "currencyRate": "1", "currency": "EUR",
                "fullName": contact.get("Name", ""), "contactCode": contact.get("Code", ""),
                "glAccountCode": account, "documentID": invoice["documentid"],
                "documentReference": invoice["reference"], "documentType": SALES_DOCUMENT_TYPE,
                "contactID": invoice["contact_id"], "periodId": invoice["date"][:7].replace("-", ""),
            }  # fmt: skip
            if digest:  # the digest's records: fewer fields (in the WSDL's order), their times
                record["created"] = invoice["created"].isoformat()
                record["updated"] = invoice["updated"].isoformat()
                record["deleted"] = "true" if invoice.get("deleted") else "false"
                record = {name: record[name] for name in DIGEST_FIELDS}
            found.append(record)
        return found

    @staticmethod
    def _element(name: str, fields: dict[str, str]) -> Any:
        element = etree.Element(f"{{{YUKI_NS}}}{name}")
        for key, value in fields.items():
            etree.SubElement(element, f"{{{YUKI_NS}}}{key}").text = value
        return element
