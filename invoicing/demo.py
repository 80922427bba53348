"""Demo data: the `demo` user, three companies, their customers and invoices (DESIGN §7).

Idempotent: a second run creates only what is missing. Booked invoices are written with
`bulk_create`, numbers and totals computed here, so that 100,000 invoices a company take about a
minute; the number sequences are moved to the last number used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from decimal import Decimal
from itertools import cycle

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from stdnum import get_cc_module

from invoicing.models import Company, Customer, Invoice, InvoiceLine, Membership, NumberSequence
from invoicing.money import compute_totals
from invoicing.services import NUMBER_FORMATS
from invoicing.vat import default_treatment

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo"
DEMO_YEAR = 2026
DRAFTS_PER_COMPANY = 5
BATCH_SIZE = 2000

CUSTOMER_NAMES = {
    "BE": [
        "Brouwerij De Klok",
        "Bakkerij Janssens",
        "Garage Peeters",
        "Studio Lumière",
        "Vandenberghe & Zonen",
        "Houtbouw Maes",
        "Café Het Anker",
        "Dewitte Logistics",
        "Fleur & Co",
        "Architectenbureau Claes",
        "Drukkerij Wouters",
        "Boulangerie Dubois",
    ],
    "NL": [
        "Bakkerij Van Dijk",
        "De Groene Fiets",
        "Jansen Installatietechniek",
        "Studio Noord",
        "Koffiebranderij De Boon",
        "Visser Transport",
        "Het Boekenhuis",
        "Bloemen Bakker",
        "De Vries Architecten",
        "Smit & Mulder Advies",
        "Zeilmakerij Bos",
        "Meijer Media",
    ],
}
# Customers abroad, after the domestic ones: (name, country, VAT number, city). Their lines are
# at 0 % with the treatment they imply: intra-community services, or export (outside the EU).
FOREIGN_CUSTOMERS = {
    "BE": [
        ("Maschinenbau Köhler GmbH", "DE", "DE136695976", "Köln"),
        ("Atelier Rhône SARL", "FR", "FR40303265045", "Lyon"),
        ("Thames Design Ltd", "GB", "", "London"),
    ],
    "NL": [
        ("Antwerpse Havenlogistiek NV", "BE", "BE0403170701", "Antwerpen"),
        ("Harbour Consulting Ltd", "GB", "", "Bristol"),
    ],
}
CITIES = {
    "BE": ["Gent", "Brussel", "Leuven", "Brugge", "Mechelen", "Hasselt", "Namur", "Liège"],
    "NL": ["Rotterdam", "Den Haag", "Eindhoven", "Groningen", "Zwolle", "Haarlem", "Leiden"],
}
# Realistic lines per VAT rate and country: (description, unit price).
LINES = {
    "BE": {
        "21": [
            ("Consultancy (hours)", "95.00"),
            ("Website maintenance, monthly", "180.00"),
            ("Software licence, annual", "1200.00"),
            ("Design workshop (day)", "750.00"),
        ],
        "12": [("Social housing renovation works", "420.00"), ("Catering for the event", "35.00")],
        "6": [
            ("Books for the training", "24.50"),
            ("Renovation works (home over 10 years)", "380.00"),
        ],
        "0": [("Intra-community service, reverse charge", "640.00")],
    },
    "NL": {
        "21": [
            ("Advies (uren)", "92.50"),
            ("Hosting, maandelijks", "49.00"),
            ("Softwarelicentie, jaarlijks", "990.00"),
            ("Fotografie (dagdeel)", "375.00"),
        ],
        "9": [("Vakliteratuur", "29.95"), ("Lunch voor de workshop", "17.50")],
        "0": [("Export service outside the EU", "520.00")],
    },
}
REVENUE_ACCOUNTS = {"BE": "700000", "NL": "8000"}


def seed_demo_data(
    *,
    companies: Sequence[tuple[str, str, str, str, str]],
    invoices: int = 30,
    log: Callable[[str], None] | None = None,
) -> list[Company]:
    """Create (what is missing of) the demo user, companies, customers and invoices.

    `companies` are (slug, name, country, VAT number, city): the demo companies of the tools
    (bookkeeping passes them; invoicing knows no tool). Each company gets about twelve customers with valid VAT numbers, `DRAFTS_PER_COMPANY` drafts
    and `invoices` booked invoices, none of them synced. Returns the three companies.
    """
    say = log or (lambda message: None)
    user = _demo_user(say)
    seeded = []
    for slug, name, country, vat_number, city in companies:
        with transaction.atomic():
            company, created = Company.objects.get_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "country": country,
                    "vat_number": vat_number,
                    "city": city,
                    "currency": "EUR",
                },
            )
            Membership.objects.update_or_create(
                user=user, company=company, defaults={"role": Membership.Role.ADMIN}
            )
            customers = _seed_customers(company)
            drafts = _seed_drafts(company, customers)
            booked = _seed_booked(company, customers, wanted=invoices, user=user)
        say(
            f"{slug}: {'created' if created else 'exists'}; {customers[1]} new customers, "
            f"{drafts} new drafts, {booked} new booked invoices "
            f"(now {Invoice.objects.filter(company=company).count()} invoices)"
        )
        seeded.append(company)
    return seeded


def _demo_user(say: Callable[[str], None]):
    user, created = get_user_model().objects.get_or_create(
        username=DEMO_USERNAME,
        defaults={"first_name": "Demo", "last_name": "User", "email": "demo@example.com"},
    )
    if created or not user.is_staff:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.save()
    say(f"user {DEMO_USERNAME}: {'created (password demo)' if created else 'exists'}")
    return user


def demo_vat_number(country: str, seed: int) -> str:
    """A valid VAT number of `country`, the same for the same seed."""
    module = get_cc_module(country.lower(), "vat")
    for candidate in range(seed * 1000 + 1, seed * 1000 + 1000):
        if country == "BE":
            base = f"0{400000 + candidate:07d}"
            number = base + f"{97 - int(base) % 97:02d}"
        else:
            number = f"{100000000 + candidate * 7:09d}B01"
        if module.is_valid(number):
            return country + number
    raise ValueError(f"no valid demo VAT number for {country} near {seed}")


def _seed_customers(company: Company) -> tuple[list[Customer], int]:
    existing = {c.code: c for c in Customer.objects.filter(company=company)}
    names = CUSTOMER_NAMES[company.country]
    cities = CITIES[company.country]
    abroad = FOREIGN_CUSTOMERS[company.country]
    missing = [
        Customer(
            company=company,
            code=str(1001 + len(names) + j),
            name=name,
            vat_number=vat_number,
            address=f"{10 + j} Rue du Port" if country == "FR" else f"Harbour Road {j + 1}",
            postal_code=f"{50667 + j}",
            city=city,
            country=country,
            payment_terms_days=30,
        )
        for j, (name, country, vat_number, city) in enumerate(abroad)
        if str(1001 + len(names) + j) not in existing
    ]
    missing += [
        Customer(
            company=company,
            code=str(1001 + i),
            name=name,
            vat_number=demo_vat_number(company.country, i + 1),
            email=f"invoices@{name.lower().replace(' ', '').replace('&', '')[:20]}.example",
            address=f"Marktstraat {i * 3 + 1}",
            postal_code=f"{1000 + i * 250}",
            city=cities[i % len(cities)],
            country=company.country,
            payment_terms_days=(14, 30, 30, 60)[i % 4],
        )
        for i, name in enumerate(names)
        if str(1001 + i) not in existing
    ]
    Customer.objects.bulk_create(missing)
    customers = list(
        Customer.objects.filter(
            company=company,
            code__in=[str(1001 + i) for i in range(len(names) + len(abroad))],
        ).order_by("code")
    )
    return customers, len(missing)


def _lines_for(company: Company, customer: Customer, index: int) -> list[tuple]:
    """Between one and three lines (description, quantity, price, VAT %, VAT treatment), varied
    by `index`; a customer abroad gets its lines at 0 % with the treatment it implies."""
    by_rate = LINES[company.country]
    rates = list(by_rate)
    count = 1 + index % 3
    lines = []
    for k in range(count):
        rate = rates[(index + k) % len(rates)] if k else rates[0]
        description, price = by_rate[rate][(index // 3 + k) % len(by_rate[rate])]
        quantity = Decimal(1 + (index * 7 + k + index // 12) % 12)
        if customer.country != company.country:
            rate = "0"
        treatment = default_treatment(Decimal(rate), company.country, customer)
        lines.append((description, quantity, Decimal(price), Decimal(rate), treatment.value))
    return lines


def _build(company, customer, *, index, invoice_date, status, number="", user=None):
    lines = _lines_for(company, customer, index)
    totals = compute_totals((q, p, r) for _, q, p, r, _ in lines)
    invoice = Invoice(
        company=company,
        customer=customer,
        status=status,
        number=number,
        invoice_date=invoice_date,
        due_date=invoice_date + dt.timedelta(days=customer.payment_terms_days),
        currency=company.currency,
        subtotal=totals.subtotal,
        vat_total=totals.vat_total,
        total=totals.total,
    )
    if status == Invoice.Status.BOOKED:
        invoice.booked_by = user
        invoice.booked_at = timezone.make_aware(
            dt.datetime.combine(invoice_date, dt.time(9, 0)) + dt.timedelta(minutes=index % 480)
        )
    return invoice, lines


def _insert_drafts(pairs: list[tuple[Invoice, list]], account: str) -> None:
    invoices = Invoice.objects.bulk_create([invoice for invoice, _ in pairs])
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=invoice,
            position=position,
            description=description,
            quantity=quantity,
            unit_price=price,
            vat_rate=rate,
            vat_treatment=treatment,
            revenue_account=account,
        )
        for invoice, (_, lines) in zip(invoices, pairs, strict=True)
        for position, (description, quantity, price, rate, treatment) in enumerate(lines)
    )


# Columns written by the fast insert; the others keep their database defaults or are NULL.
INVOICE_COLUMNS = [
    "company_id",
    "customer_id",
    "status",
    "kind",
    "number",
    "invoice_date",
    "due_date",
    "currency",
    "notes",
    "subtotal",
    "vat_total",
    "total",
    "booked_at",
    "booked_by_id",
    "booking_number",
    "sync_state",
    "sync_message",
    "created_at",
    "updated_at",
]
LINE_COLUMNS = [
    "invoice_id",
    "position",
    "description",
    "quantity",
    "unit_price",
    "vat_rate",
    "vat_treatment",
    "revenue_account",
    "cost_centre",
]


def _invoice_row(inv: Invoice, now: object) -> tuple:
    """The values of INVOICE_COLUMNS for `inv`, adapted for the database in use."""
    ops = connection.ops
    return (
        *(inv.company_id, inv.customer_id, inv.status, inv.kind, inv.number),
        ops.adapt_datefield_value(inv.invoice_date),
        ops.adapt_datefield_value(inv.due_date),
        *(inv.currency, "", str(inv.subtotal), str(inv.vat_total), str(inv.total)),
        ops.adapt_datetimefield_value(inv.booked_at),
        *(inv.booked_by_id, "", Invoice.SyncState.NOT_SYNCED, "", now, now),
    )


def _insert_booked(pairs: list[tuple[Invoice, list]], account: str) -> None:
    """Insert booked invoices and their lines without the ORM.

    The ORM's per-value preparation is most of the time of a 100,000-invoice seed; the lines
    find their invoice by its number, unique within the company.
    """
    if not pairs:
        return
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rows = [_invoice_row(inv, now) for inv, _ in pairs]
    _execute_many(Invoice._meta.db_table, INVOICE_COLUMNS, rows)
    numbers = [inv.number for inv, _ in pairs]
    ids = dict(
        Invoice.objects.filter(company_id=pairs[0][0].company_id, number__in=numbers).values_list(
            "number", "id"
        )
    )
    line_rows = [
        (ids[inv.number], position, text, str(quantity), str(price), str(rate), kind, account, "")
        for inv, lines in pairs
        for position, (text, quantity, price, rate, kind) in enumerate(lines)
    ]
    _execute_many(InvoiceLine._meta.db_table, LINE_COLUMNS, line_rows)


def _execute_many(table: str, columns: list[str], rows: list[tuple]) -> None:
    """INSERT `rows`: COPY on PostgreSQL, executemany elsewhere (SQLite is fast at that)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        cursor.executemany(sql, rows)


def _seed_drafts(company: Company, customers: tuple[list[Customer], int]) -> int:
    have = Invoice.objects.filter(company=company, status=Invoice.Status.DRAFT).count()
    people = cycle(customers[0])
    pairs = [
        _build(
            company,
            next(people),
            index=i,
            invoice_date=dt.date(DEMO_YEAR, 11, 16 + i),
            status=Invoice.Status.DRAFT,
        )
        for i in range(have, DRAFTS_PER_COMPANY)
    ]
    _insert_drafts(pairs, REVENUE_ACCOUNTS[company.country])
    return len(pairs)


def _seed_booked(company, customers, *, wanted: int, user) -> int:
    """Booked invoices numbered after the sequence, dated through the year in number order."""
    kind = Invoice.Kind.INVOICE
    have = Invoice.objects.filter(company=company, status=Invoice.Status.BOOKED).count()
    if have >= wanted:
        return 0
    sequence, _ = NumberSequence.objects.select_for_update().get_or_create(
        company=company, kind=kind, year=DEMO_YEAR
    )
    start, missing = sequence.last_number, wanted - have
    people = customers[0]
    last_date = (
        Invoice.objects.filter(company=company, status=Invoice.Status.BOOKED)
        .order_by("-invoice_date")
        .values_list("invoice_date", flat=True)
        .first()
    )
    first_date = last_date or dt.date(DEMO_YEAR, 1, 2)
    days = max((dt.date(DEMO_YEAR, 11, 17) - first_date).days, 0)
    account = REVENUE_ACCOUNTS[company.country]
    for batch_start in range(0, missing, BATCH_SIZE):
        pairs = []
        for i in range(batch_start, min(batch_start + BATCH_SIZE, missing)):
            n = start + i + 1
            invoice_date = first_date + dt.timedelta(days=i * days // missing)
            pairs.append(
                _build(
                    company,
                    people[(n * 5 + n // 7) % len(people)],
                    index=n,
                    invoice_date=invoice_date,
                    status=Invoice.Status.BOOKED,
                    number=NUMBER_FORMATS[kind].format(year=DEMO_YEAR, n=n),
                    user=user,
                )
            )
        _insert_booked(pairs, account)
    sequence.last_number = start + missing
    sequence.save(update_fields=["last_number"])
    return missing
