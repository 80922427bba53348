"""Bad input on the forms and pages: random text, unicode, huge or negative numbers, wrong types,
very long strings. A form is invalid with errors, or valid and then saved whole; a page answers
with the form and its errors or a redirect; never an exception, never a 500.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from invoicing import services
from invoicing.forms import CustomerForm, InvoiceForm, line_formset
from invoicing.models import Customer, Invoice
from tests.factories import CustomerFactory, make_booked_invoice

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=30,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "-0.001",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "1,5",
    "9" * 40,
    "-" + "9" * 40,
    "0." + "0" * 30 + "1",
    "12.3456789",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\u202eevil",
    "名前",
    "😀" * 50,
    "x" * 10_000,
    "2026-02-30",
    "99999-01-01",
    "0001-01-01",
    "null",
    "[]",
    "{}",
]
# Form values as a browser could send them: any text, numbers written any way, nasty classics.
value = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=60),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.floats().map(str),
    st.dates().map(lambda day: day.isoformat()),
)
# A request can also send a field no times or several times (`?a=1&a=x`): wrong shapes.
several = st.lists(value, max_size=3)


def query_dict(fields: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in fields.items():
        data.setlist(name, values)
    return data


CUSTOMER_FIELDS = [
    "name",
    "code",
    "country",
    "vat_number",
    "email",
    "address",
    "postal_code",
    "city",
    "payment_terms_days",
]
INVOICE_FIELDS = ["customer", "kind", "credited_number", "invoice_date", "due_date", "currency"]
LINE_FIELDS = ["description", "quantity", "unit_price", "vat_rate", "revenue_account"]


def assert_decided_and_explained(form) -> None:
    """The form gave a verdict (no exception) that the page can show: invalid with a message for
    every field it blames, among them every required field that was not sent at all; or valid with
    one value per field (a repeated field never becomes a list) and every required field sent."""
    not_sent = [
        name
        for name, field in form.fields.items()
        if field.required and not field.disabled and not form.data.getlist(form.add_prefix(name))
    ]
    if form.is_valid():
        assert not not_sent, f"valid without the required {not_sent}"
        assert not [name for name, v in form.cleaned_data.items() if isinstance(v, list)]
        return
    assert form.errors
    assert all(messages for messages in form.errors.values()), form.errors
    assert set(not_sent) <= set(form.errors), (not_sent, form.errors)


def assert_formset_decided_and_explained(formset) -> None:
    """Invalid lines come with at least one message to show (on a line or on the whole set)."""
    if not formset.is_valid():
        assert formset.total_error_count() > 0


def customer_data(fields: dict) -> dict:
    return {name: fields.get(name, "") for name in CUSTOMER_FIELDS}


def invoice_strategy(customer_ids: list[int]):
    header = st.fixed_dictionaries(
        {
            "customer": st.one_of(st.sampled_from([str(i) for i in customer_ids]), value),
            "kind": st.one_of(st.sampled_from(["invoice", "credit_note"]), value),
            "credited_number": st.one_of(st.just(""), value),
            "invoice_date": st.one_of(st.just("2026-03-01"), value),
            "due_date": st.one_of(st.just(""), value),
            "currency": st.one_of(st.just("EUR"), value),
            "notes": value,
        }
    )
    line = st.fixed_dictionaries(
        {
            "description": st.one_of(st.just("Consulting"), value),
            "quantity": st.one_of(st.just("2"), value),
            "unit_price": st.one_of(st.just("100.00"), value),
            "vat_rate": st.one_of(st.sampled_from(["21", "6", "0"]), value),
            "revenue_account": st.one_of(st.just(""), value),
        }
    )
    management = st.fixed_dictionaries(
        {
            "TOTAL_FORMS": st.one_of(st.none(), st.integers(-5, 5).map(str), value),
            "INITIAL_FORMS": st.one_of(st.just("0"), value),
        }
    )
    return st.tuples(header, st.lists(line, max_size=4), management)


def form_data(header: dict, lines: list[dict], management: dict) -> dict:
    data = dict(header)
    total = management["TOTAL_FORMS"]
    data["lines-TOTAL_FORMS"] = str(len(lines)) if total is None else total
    data["lines-INITIAL_FORMS"] = management["INITIAL_FORMS"]
    for index, line in enumerate(lines):
        for name, text in line.items():
            data[f"lines-{index}-{name}"] = text
    return data


# The forms themselves -------------------------------------------------------------------------


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(CUSTOMER_FIELDS), value))
def test_the_customer_form_is_valid_or_says_why(acme, fields):
    form = CustomerForm(customer_data(fields), company=acme)

    if not form.is_valid():
        assert form.errors
        return
    customer = services.create_customer(acme, customer=form.instance)
    stored = Customer.objects.get(pk=customer.pk)
    assert stored.name == form.cleaned_data["name"]
    assert stored.payment_terms_days == form.cleaned_data["payment_terms_days"]


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(CUSTOMER_FIELDS), several))
def test_the_customer_form_takes_missing_or_repeated_fields_without_crashing(acme, fields):
    form = CustomerForm(query_dict(fields), company=acme)

    assert_decided_and_explained(form)


@FUZZ
@given(data=st.data())
def test_the_invoice_form_and_its_lines_are_valid_or_say_why(acme, data):
    customer = Customer.objects.filter(company=acme).first() or CustomerFactory(company=acme)
    header, lines, management = data.draw(invoice_strategy([customer.pk]))
    posted = form_data(header, lines, management)

    form = InvoiceForm(posted, company=acme)
    formset = line_formset(acme, data=posted)
    form_ok, lines_ok = form.is_valid(), formset.is_valid()

    if not (form_ok and lines_ok):
        # `formset.errors` is a list with one dict per line: never empty once a line is posted.
        assert form.errors or formset.total_error_count() > 0
        return
    refused: services.InvoiceError | None = None
    try:
        invoice = services.create_invoice(acme, data=form.invoice_data(), lines=formset.lines())
    except services.InvoiceError as exc:
        refused = exc
    if refused is not None:
        assert str(refused)
        return
    stored = Invoice.objects.get(pk=invoice.pk)
    assert stored.lines.count() == len(formset.lines())
    assert sum((line.amount for line in stored.lines.all()), Decimal(0)) == stored.subtotal


@FUZZ
@given(
    header=st.dictionaries(st.sampled_from(INVOICE_FIELDS), several),
    line=st.dictionaries(st.sampled_from(LINE_FIELDS), several),
)
def test_the_invoice_form_takes_missing_or_repeated_fields_without_crashing(acme, header, line):
    fields = dict(header) | {f"lines-0-{name}": v for name, v in line.items()}
    fields |= {"lines-TOTAL_FORMS": ["1"], "lines-INITIAL_FORMS": ["0"]}
    posted = query_dict(fields)

    form = InvoiceForm(posted, company=acme)
    formset = line_formset(acme, data=posted)

    assert_decided_and_explained(form)
    assert_formset_decided_and_explained(formset)


# Through the pages ----------------------------------------------------------------------------


@pytest.fixture
def booked(acme):
    return make_booked_invoice(acme, number="2026-0001")


def assert_handled(response) -> None:
    assert response.status_code in (200, 302, 400), response.status_code


@FUZZ
@given(fields=st.dictionaries(st.sampled_from(CUSTOMER_FIELDS), value))
def test_the_customer_pages_never_fail_on_bad_input(alice_client, booked, fields):
    data = customer_data(fields)

    assert_handled(alice_client.post(reverse("invoicing:customer_create"), data))
    url = reverse("invoicing:customer_edit", args=[booked.customer_id])
    assert_handled(alice_client.post(url, data))


@FUZZ
@given(data=st.data())
def test_the_invoice_pages_never_fail_on_bad_input(alice_client, booked, data):
    header, lines, management = data.draw(invoice_strategy([booked.customer_id]))
    posted = form_data(header, lines, management)
    add_line = data.draw(st.booleans())
    if add_line:
        posted["add_line"] = "1"

    assert_handled(alice_client.post(reverse("invoicing:invoice_create"), posted))
    assert_handled(alice_client.post(reverse("invoicing:invoice_edit", args=[booked.pk]), posted))
    booked.refresh_from_db()
    assert booked.number == "2026-0001"


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["q", "status", "sync", "page", "columns"]), value))
def test_the_lists_never_fail_on_bad_query_parameters(alice_client, booked, query):
    for name in ("invoicing:overview", "invoicing:customer_list", "bookkeeping:runs"):
        response = alice_client.get(reverse(name), query)
        assert response.status_code == 200, name
    assert_handled(alice_client.get(reverse("invoicing:invoice_create"), {"customer": query}))
