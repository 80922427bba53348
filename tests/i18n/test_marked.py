"""Every text of ours on a page is marked for translation (issue 16).

Each page is rendered in a pseudo language in which every marked text shows inside ⟦ ⟧ (see
tests/i18n/checker.py): a word outside ⟦ ⟧ that is not data (a name, a number, a tool's name) is
English that no Dutch or French reader would ever see translated. Templates are also scanned
without rendering them, so that a text a fixture does not reach is still checked.

PAGES covers the pages of invoicing and notifications and the header. The bookkeeping pages are
translated on their own branch: after both are merged, add them to PAGES (settings steps, sync
history, run detail, reconciliation: see BOOKKEEPING_PAGES) and empty BOOKKEEPING_FRAGMENTS.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from invoicing import services
from invoicing.models import Company, Customer, InvoiceLine
from notifications.services import notify
from tests.factories import CustomerFactory, UserFactory
from tests.i18n import checker
from tests.invoicing.conftest import line, make_draft

DJANGO_LOCALE = Path(__import__("django").__file__).parent
CATALOGUES = [
    Path(settings.BASE_DIR) / "locale/nl/LC_MESSAGES/django.po",
    *sorted(DJANGO_LOCALE.glob("conf/locale/nl/LC_MESSAGES/django.po")),
    *sorted(DJANGO_LOCALE.glob("contrib/*/locale/nl/LC_MESSAGES/django.po")),
]
# Fragments of a page the checker leaves out (none: every fragment is ours to translate).
BOOKKEEPING_FRAGMENTS: list[str] = []
# The bookkeeping app's pages, rendered by their own test below with a connected tool.
BOOKKEEPING_PAGES: list[tuple[str, str]] = []
# A tool's own words, shown as the tool said them.
TOOL_REPLY = "Gegeven bestaat reeds"
TEMPLATES = Path(settings.BASE_DIR) / "templates"
OUR_TEMPLATES = sorted(
    path
    for folder in ("", "invoicing", "notifications", "registration", "bookkeeping")
    for path in (TEMPLATES / folder).glob("*.html")
)


@pytest.fixture
def pseudo(tmp_path):
    folder = checker.pseudo_catalogue(tmp_path, CATALOGUES)
    languages = [*settings.LANGUAGES, (checker.PSEUDO_LANGUAGE, "Pseudo")]
    with override_settings(LANGUAGES=languages, LOCALE_PATHS=[folder]):
        yield checker.PSEUDO_LANGUAGE


def pseudo_client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = checker.PSEUDO_LANGUAGE
    return client


def without_fragments(html: str) -> str:
    """The page without the fragments of BOOKKEEPING_FRAGMENTS."""
    for pattern in BOOKKEEPING_FRAGMENTS:
        html = re.sub(pattern, "", html, flags=re.S)
    return html


def data_of_the_world() -> list[str]:
    """What the pages may show untranslated: names typed by people, the language name."""
    data = ["British English", "alice", "zoe", TOOL_REPLY]
    for company in Company.objects.all():
        data += [company.name, company.city, company.address]
    for customer in Customer.objects.all():
        data += [customer.name, customer.city, customer.address, customer.email, customer.code]
    data += list(InvoiceLine.objects.values_list("description", flat=True))
    return [item for item in data if item]


@pytest.fixture
def world(alice, acme):
    """Acme with a customer, a draft, a booked invoice and a notification; every column on."""
    customer = CustomerFactory(company=acme, name="Kanaal Consultancy B.V.", city="Gent")
    draft = make_draft(acme, customer=customer, lines=[line(description="Advies")])
    booked = services.book_invoice(
        make_draft(acme, customer=customer, lines=[line(description="Audit", price="7289.37")]),
        user=alice,
    )
    services.save_overview_columns(alice, columns=list(services.OVERVIEW_COLUMNS))
    notify(
        recipients=[alice],
        company=acme,
        level="error",
        title=TOOL_REPLY,
        link=booked.get_absolute_url(),
    )
    return {"draft": draft, "booked": booked, "customer": customer}


def pages(world) -> list[tuple[str, str, str]]:
    """(name, method, url) of every page of ours, with the data of `world`."""
    draft, booked, customer = world["draft"], world["booked"], world["customer"]
    return [
        ("overview", "get", reverse("invoicing:overview")),
        ("overview, nothing matches", "get", reverse("invoicing:overview") + "?q=nothing"),
        ("draft", "get", reverse("invoicing:invoice_detail", args=[draft.pk])),
        ("booked invoice", "get", reverse("invoicing:invoice_detail", args=[booked.pk])),
        ("new invoice", "get", reverse("invoicing:invoice_create")),
        ("edit draft", "get", reverse("invoicing:invoice_edit", args=[draft.pk])),
        ("edit booked", "get", reverse("invoicing:invoice_edit", args=[booked.pk])),
        ("invoice form errors", "post", reverse("invoicing:invoice_create")),
        ("customers", "get", reverse("invoicing:customer_list")),
        ("customers, nothing matches", "get", reverse("invoicing:customer_list") + "?q=zz"),
        ("new customer", "get", reverse("invoicing:customer_create")),
        ("customer form errors", "post", reverse("invoicing:customer_create")),
        ("edit customer", "get", reverse("invoicing:customer_edit", args=[customer.pk])),
        ("notifications", "get", reverse("notifications:list")),
        ("bell", "get", reverse("notifications:bell")),
        *[(name, "get", url) for name, url in BOOKKEEPING_PAGES],
    ]


@pytest.mark.django_db
def test_every_text_of_every_page_is_marked_for_translation(pseudo, world, alice):
    client = pseudo_client(alice)
    problems = {}
    for name, method, url in pages(world):
        response = getattr(client, method)(url, follow=True)
        assert response.status_code in (200, 400), f"{name}: {response.status_code}"
        assert f'lang="{checker.PSEUDO_LANGUAGE}"' in response.content.decode() or name == "bell"
        words = checker.unmarked_words(
            without_fragments(response.content.decode()), data_of_the_world()
        )
        if words:
            problems[name] = words
    assert problems == {}


@pytest.mark.django_db
def test_the_login_and_no_company_pages_are_marked(pseudo):
    login = pseudo_client().get(reverse("login"))
    failed = pseudo_client().post(reverse("login"), {"username": "x", "password": "y"})
    lonely = pseudo_client(UserFactory(username="zoe")).get(reverse("invoicing:overview"))

    assert lonely.status_code == 403
    for response in (login, failed, lonely):
        assert checker.unmarked_words(response.content.decode(), ["British English", "zoe"]) == []


@pytest.mark.django_db
def test_the_messages_after_an_action_are_marked(pseudo, world, alice):
    client = pseudo_client(alice)
    switched = client.post(reverse("invoicing:switch_company"), {"company": "x"}, follow=True)
    booked = client.post(reverse("invoicing:invoice_book", args=[world["draft"].pk]), follow=True)

    for response in (switched, booked):
        messages = re.findall(r'<li class="message[^"]*">(.*?)</li>', response.content.decode())
        assert messages
        assert checker.unmarked_words(" ".join(messages), data_of_the_world()) == []


@pytest.mark.parametrize("path", OUR_TEMPLATES, ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_holds_text_outside_a_translate_tag(path):
    assert checker.unmarked_template_text(path.read_text()) == []


# The checker itself ------------------------------------------------------------------------


def test_the_template_scan_finds_an_unmarked_text_and_an_unmarked_attribute():
    source = (
        '{% load i18n %}<p>{% translate "Invoices" %} <b>{{ count }}</b></p>'
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}"
        '<input placeholder="Search here"><p>Booked {% if x %}today{% endif %}</p>'
    )

    assert checker.unmarked_template_text(source) == ["Booked", "today", "Search", "here"]


@pytest.mark.django_db
def test_the_pseudo_language_shows_marked_texts_wrapped_and_finds_the_others(pseudo):
    page = Template(
        '{% load i18n %}<h1 title="{% translate "Invoices" %}">{% translate "Customers" %}</h1>'
        "<p>Acme · 12 Unmarked words</p><p aria-label='Also unmarked'>2026-0001</p>"
    )
    with translation.override(pseudo):
        html = page.render(Context())

    assert "⟦Customers⟧" in html
    assert checker.unmarked_words(html, ["Acme"]) == ["Unmarked", "words", "Also", "unmarked"]


@pytest.mark.django_db
def test_the_pseudo_language_wraps_a_money_amount_in_no_words(pseudo):
    with translation.override(pseudo):
        html = Template("{% load money %}{{ amount|money }}").render(
            Context({"amount": Decimal("14578.75")})
        )

    assert html == "€14,578.75"
    assert checker.unmarked_words(html) == []


@pytest.mark.django_db
def test_every_text_of_the_bookkeeping_pages_is_marked_for_translation(
    pseudo, world, alice, octopus, octopus_integration, acme
):
    """After a nightly run with a refusal: the settings, the sync history, the run and its issues,
    the reconciliation console, the overview's sync panel and the draft's booking preview."""
    from bookkeeping.connectors.registry import get_connector
    from bookkeeping.models import SyncRun
    from tests.bookkeeping.test_i18n_books import OCTOPUS_SAID, nightly_run_with_one_refusal

    run = nightly_run_with_one_refusal(octopus, acme)
    connector = get_connector(octopus_integration)
    tool_names = [  # the tool's own names of its journals, accounts and VAT codes
        choice.label
        for choices in (connector.list_journals(), connector.list_accounts())
        for choice in choices
    ] + [choice.label for choice in connector.list_vat_codes()]
    client = pseudo_client(alice)
    problems = {}
    for name, url in [
        ("settings", reverse("bookkeeping:settings")),
        ("runs", reverse("bookkeeping:runs")),
        ("run detail", reverse("bookkeeping:run_detail", args=[run.pk])),
        ("reconciliation", reverse("bookkeeping:reconciliation")),
        ("overview with a tool", reverse("invoicing:overview")),
        ("draft with preview", reverse("invoicing:invoice_detail", args=[world["draft"].pk])),
        ("bell after a run", reverse("notifications:bell")),
        ("notifications after a run", reverse("notifications:list")),
    ]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        words = checker.unmarked_words(
            response.content.decode(),
            [*data_of_the_world(), *tool_names, OCTOPUS_SAID, run.integration.target_name],
        )
        if words:
            problems[name] = words
    assert SyncRun.objects.get(pk=run.pk).status == SyncRun.Status.PARTIALLY_FAILED
    assert problems == {}
