"""Contact.asmx of the Yuki simulator: SearchContacts and UpdateContact (a Contact document,
validated against schemas/Contact.xsd, then matched by ID, Code, Type + name, or created)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from lxml import etree

from bookkeeping.simulators.yuki import documents
from bookkeeping.simulators.yuki.common import PAGE_SIZE, SoapFault, local_name, normalised


class ContactOperations:
    """The contact operations of YukiSimulator (a mixin: it uses the simulator's session checks)."""

    contacts: dict[str, dict[str, str]]
    contact_refusals: dict[str, str]  # Code -> the message its next UpdateContact gets

    def refuse_next_contact(self, code: str, message: str) -> None:
        """The next UpdateContact of the contact with `code` answers Succeeded=false, `message`."""
        with self.lock:  # type: ignore[attr-defined]
            self.contact_refusals[code] = message

    def _op_SearchContacts(self, args: dict[str, Any]) -> Any:
        self._session(args)  # type: ignore[attr-defined]
        self._check_domain(self._arg(args, "domainID"))
        option = self._arg(args, "searchOption") or "All"
        value = normalised(self._arg(args, "searchValue"))
        page = int(self._arg(args, "pageNumber") or 1)
        fields = {"Code": ("Code",), "VATNumber": ("VATNumber",), "Name": ("Name",)}.get(
            option, ("Code", "Name", "VATNumber", "City", "EMailWork")
        )
        found = [
            contact
            for contact in self.contacts.values()
            if not value or any(value in normalised(contact.get(f, "")) for f in fields)
        ]
        root = etree.Element("Contacts")
        for contact in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
            element = etree.SubElement(root, "Contact", ID=contact["ID"])
            for key, text in contact.items():
                if key != "ID":
                    etree.SubElement(element, key).text = text
        return root

    def _op_UpdateContact(self, args: dict[str, Any]) -> Any:
        self._session(args)  # type: ignore[attr-defined]
        self._check_domain(self._arg(args, "domainID"))
        document = self._xml_arg(args, "xmlDoc")  # type: ignore[attr-defined]
        errors = documents.errors(document, "Contact")
        if errors:
            # As a fault: how Yuki answers an invalid Contact document is not documented.
            raise SoapFault("Contact XML validation failed: " + " ".join(errors), "soap:Client")
        fields = {local_name(c): (c.text or "").strip() for c in document if local_name(c)}
        if fields.get("Code") in self.contact_refusals:
            return _response("false", self.contact_refusals.pop(fields["Code"]))
        contact = self._match_contact(fields)
        if contact is None:
            if not fields.get("FullName"):
                raise SoapFault("Contact validation failed: FullName is required.", "soap:Client")
            contact = self.new_contact(
                fields.get("Code", ""), fields["FullName"], fields.get("Type", "2")
            )
        for key, value in fields.items():
            if key not in {"ID", "FullName"} and value:
                contact[key] = value
        if fields.get("FullName"):
            contact["Name"] = fields["FullName"]
        return _response("true")

    def _match_contact(self, fields: dict[str, str]) -> dict[str, str] | None:
        if fields.get("ID"):
            if fields["ID"] not in self.contacts:
                raise SoapFault(f"Contact with ID '{fields['ID']}' does not exist.", "soap:Client")
            return self.contacts[fields["ID"]]
        ordered = list(self.contacts.values())[::-1]  # the most recent first
        if fields.get("Code"):
            match = next((c for c in ordered if c.get("Code") == fields["Code"]), None)
            if match is not None:
                return match
        name = normalised(fields.get("FullName", ""))
        return next(
            (
                c
                for c in ordered
                if name and normalised(c["Name"]) == name and c["Type"] == fields.get("Type", "2")
            ),
            None,
        )

    def new_contact(self, code: str, name: str, kind: str) -> dict[str, str]:
        contact_id = str(uuid.uuid4())
        self.contacts[contact_id] = {
            "ID": contact_id, "Type": kind, "HID": str(len(self.contacts) + 1),
            "Code": code, "Name": name, "IsCustomer": "true", "IsSupplier": "false",
        }  # fmt: skip
        return self.contacts[contact_id]


def _response(succeeded: str, message: str = "") -> Any:
    """A ContactResponse (with a Message when refused: the wording is Yuki's, per contact)."""
    root = etree.Element("ContactResponse")
    etree.SubElement(root, "TimeStamp").text = dt.datetime.now(dt.UTC).isoformat()
    etree.SubElement(root, "Succeeded").text = succeeded
    if message:
        etree.SubElement(root, "Message").text = message
    return root
