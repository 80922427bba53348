"""The entity types the Exact Online simulator serves: their properties (with OData types), key,
page size and whether a GET must carry `$select`.

Property names follow bookkeeping-apis.md §1.5/§1.6 and bookkeeping-apis-2.md §1a/§2a (picqer's
docblocks, which copy Exact's resource pages). A name missing here is refused in `$filter`,
`$select` and `$orderby` with a 400, as Exact does. The lists are the documented subsets the
facts name, not Exact's full models: a real property missing here is refused too, so add it
when a client needs it. The `type` names (`Exact.Web.Api.Models.…`) are [I].
"""

from __future__ import annotations

from dataclasses import dataclass, field

GUID, STRING, INT32, INT64, DOUBLE, BOOL, DATETIME = (
    "Edm.Guid",
    "Edm.String",
    "Edm.Int32",
    "Edm.Int64",
    "Edm.Double",
    "Edm.Boolean",
    "Edm.DateTime",
)
PAGE_SIZE = 60  # normal endpoints [V Exact API limits doc]
BULK_PAGE_SIZE = 1000  # bulk and sync endpoints [V invantive forum, any2info]


@dataclass(frozen=True)
class Entity:
    type: str
    key: str
    properties: dict[str, str]
    page_size: int = PAGE_SIZE
    needs_select: bool = False  # a GET without $select (or $top=1) is refused
    navigation: dict[str, str] = field(default_factory=dict)  # name -> entity set


def props(types: dict[str, str], **names: str) -> dict[str, str]:
    """Properties from `names` (space-separated lists per type key)."""
    return {name: types[kind] for kind, text in names.items() for name in text.split()}


T = {
    "guid": GUID,
    "string": STRING,
    "int": INT32,
    "long": INT64,
    "double": DOUBLE,
    "bool": BOOL,
    "date": DATETIME,
}

ENTITIES: dict[str, Entity] = {
    "current/Me": Entity(
        "Exact.Web.Api.System.Me",
        "UserID",
        props(
            T, int="CurrentDivision", string="FullName UserName Email LanguageCode", guid="UserID"
        ),
    ),
    "hrm/Divisions": Entity(
        "Exact.Web.Api.Models.HRM.Division",
        "Code",
        props(T, int="Code", string="Description Country Currency"),
    ),
    "system/Divisions": Entity(
        "Exact.Web.Api.System.SystemDivision",
        "Code",
        props(T, int="Code", string="Description Country Currency"),
    ),
    "crm/Accounts": Entity(
        "Exact.Web.Api.Models.Account",
        "ID",
        props(
            T,
            guid="ID",
            string="Code Name VATNumber ChamberOfCommerce Email AddressLine1 Postcode City "
            "Country Language Status SalesVATCode PaymentConditionSales Type",
            bool="IsSales IsSupplier",
            date="Created Modified",
            int="Division",
        ),
    ),
    "financial/Journals": Entity(
        "Exact.Web.Api.Models.Journal",
        "ID",
        props(T, guid="ID", string="Code Description", int="Type Division"),
    ),
    "financial/GLAccounts": Entity(
        "Exact.Web.Api.Models.GLAccount",
        "ID",
        props(T, guid="ID", string="Code Description", int="Type Division"),
    ),
    "vat/VATCodes": Entity(
        "Exact.Web.Api.Models.VATCode",
        "ID",
        props(
            T,
            guid="ID",
            string="Code Description VATTransactionType Type EUSalesListing",
            double="Percentage",
            bool="IsBlocked Charged",
            int="Division",
        ),
    ),
    "salesentry/SalesEntries": Entity(
        "Exact.Web.Api.Models.SalesEntry",
        "EntryID",
        props(
            T,
            guid="EntryID Customer Document",
            int="EntryNumber InvoiceNumber ReportingYear ReportingPeriod Status Type Division "
            "DocumentNumber",
            string="YourRef CustomerName Journal JournalDescription StatusDescription "
            "DocumentSubject PaymentReference PaymentCondition Description Currency",
            double="AmountDC AmountFC VATAmountDC VATAmountFC",
            date="EntryDate DueDate Created Modified",
        ),
        navigation={"SalesEntryLines": "salesentry/SalesEntryLines"},
    ),
    "salesentry/SalesEntryLines": Entity(
        "Exact.Web.Api.Models.SalesEntryLine",
        "ID",
        props(
            T,
            guid="ID EntryID GLAccount CostUnit Project",
            string="VATCode Description CostCenter",
            double="AmountFC AmountDC VATAmountFC VATAmountDC Quantity",
            date="From To",
            int="LineNumber Division",
        ),
    ),
    "sync/Financial/TransactionLines": Entity(
        "Exact.Web.Api.Models.Sync.Financial.TransactionLine",
        "Timestamp",
        props(
            T,
            long="Timestamp",
            guid="ID EntryID Account GLAccount Document",
            int="EntryNumber InvoiceNumber FinancialYear FinancialPeriod LineNumber LineType "
            "Status Type Division",
            string="JournalCode JournalDescription YourRef AccountCode AccountName GLAccountCode "
            "VATCode Description Currency PaymentReference",
            double="AmountDC AmountFC VATAmountDC VATAmountFC",
            date="Date DueDate Modified",
        ),
        page_size=BULK_PAGE_SIZE,
        needs_select=True,
    ),
    "sync/Deleted": Entity(
        "Exact.Web.Api.Models.Sync.Deleted",
        "Timestamp",
        props(
            T,
            long="Timestamp",
            guid="ID EntityKey DeletedBy",
            int="EntityType Division",
            date="DeletedDate",
        ),
        page_size=BULK_PAGE_SIZE,
        needs_select=True,
    ),
    # Its page size is not in the facts: 60 like a normal endpoint [I]. The $select rule [I].
    "read/financial/ReceivablesList": Entity(
        "Exact.Web.Api.Models.Financial.ReceivablesList",
        "HID",
        props(
            T,
            long="HID",
            guid="AccountId",
            string="AccountCode AccountName CurrencyCode Description JournalCode "
            "JournalDescription Notes YourRef",
            double="Amount AmountInTransit",
            int="EntryNumber InvoiceNumber",
            date="DueDate InvoiceDate",
        ),
        needs_select=True,
    ),
    # A normal endpoint (60 a page); `bulk/Cashflow/Receivables` is its 1,000-row twin. $select [I].
    "cashflow/Receivables": Entity(
        "Exact.Web.Api.Models.Cashflow.Receivable",
        "ID",
        props(
            T,
            guid="ID TransactionEntryID TransactionID Account",
            double="AmountDC AmountFC TransactionAmountDC",
            bool="IsFullyPaid",
            int="Status InvoiceNumber EntryNumber EndPeriod EndYear Division",
            string="YourRef Journal",
            date="LastPaymentDate DueDate EndDate Modified",
        ),
        needs_select=True,
    ),
}
# Its 1,000-row twin [V picqer `BulkReceivable.php`]: the same fields, and $select is required as on
# every bulk endpoint (§5 "Please add a $select").
ENTITIES["bulk/Cashflow/Receivables"] = Entity(
    "Exact.Web.Api.Models.Bulk.Cashflow.Receivable",
    "ID",
    ENTITIES["cashflow/Receivables"].properties,
    page_size=BULK_PAGE_SIZE,
    needs_select=True,
)
