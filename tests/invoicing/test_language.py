"""The language of the pages: the user's choice, else the cookie, else the browser, else English;
amounts and dates in the reader's format; and the small things a new user tripped over."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse
from django.utils import translation

from config.texts import later
from invoicing import services
from invoicing.models import Membership, UserPreference
from notifications.services import notify
from tests.factories import CompanyFactory, CustomerFactory, MembershipFactory, UserFactory
from tests.invoicing.conftest import line, make_draft

LANGUAGE_MENU = reverse("invoicing:set_language")


def test_the_login_page_follows_the_browser_and_says_which_language(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl-BE,nl;q=0.9").content.decode()

    assert '<html lang="nl">' in page
    assert "Aanmelden" in page
    assert "Gebruikersnaam" in page


def test_the_language_chosen_on_the_login_page_is_kept_in_a_cookie(client):
    response = client.post(LANGUAGE_MENU, {"language": "fr", "next": reverse("login")})
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert response.status_code == 302
    assert response.url == reverse("login")
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_english_stays_the_default(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert '<html lang="en">' in page
    assert "User name" in page


@pytest.mark.django_db
def test_the_users_choice_wins_over_the_browser_on_every_device(alice, alice_client):
    alice_client.post(LANGUAGE_MENU, {"language": "fr", "next": reverse("invoicing:overview")})
    other_device = Client()
    other_device.force_login(alice)

    page = other_device.get(reverse("invoicing:overview"), HTTP_ACCEPT_LANGUAGE="nl")

    assert UserPreference.objects.get(user=alice).language == "fr"
    assert '<html lang="fr">' in page.content.decode()
    assert "Nouvelle facture" in page.content.decode()
    assert page["Content-Language"] == "fr"


def test_a_session_opened_before_the_preferences_backend_keeps_the_users_language(alice):
    UserPreference.objects.create(user=alice, language="nl")
    older_session = Client()
    older_session.force_login(alice, backend="django.contrib.auth.backends.ModelBackend")

    page = older_session.get(reverse("invoicing:overview"), HTTP_ACCEPT_LANGUAGE="fr")

    assert page.status_code == 200
    assert '<html lang="nl">' in page.content.decode()


@pytest.mark.django_db
def test_an_unknown_language_changes_nothing(alice, alice_client):
    response = alice_client.post(LANGUAGE_MENU, {"language": "xx", "next": "https://evil.test/"})

    assert response.url == reverse("invoicing:overview")
    assert not UserPreference.objects.filter(user=alice).exists()


@pytest.mark.django_db
def test_the_menu_offers_the_three_languages_in_their_own_name(alice_client):
    page = alice_client.get(reverse("invoicing:overview")).content.decode()

    for name in ("English", "Nederlands", "Français"):
        assert name in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "total", "date"),
    [
        ("nl", "12.100,00\xa0€", "14/03/2026"),
        ("fr", "12.100,00\xa0€", "14/03/2026"),
        ("en", "€12,100.00", "2026-03-14"),
    ],
)
def test_amounts_and_dates_follow_the_language(acme, alice, alice_client, language, total, date):
    booked = services.book_invoice(
        make_draft(acme, lines=[line(quantity="1", price="10000.00", rate="21")]), user=alice
    )
    UserPreference.objects.create(user=alice, language=language)

    overview = alice_client.get(reverse("invoicing:overview")).content.decode()
    detail = alice_client.get(booked.get_absolute_url()).content.decode()

    assert total in overview
    assert date in overview
    assert total in detail
    assert "EUR 12100.00" not in overview


@pytest.mark.django_db
def test_a_draft_is_named_by_its_date_not_by_a_database_id(acme, alice_client):
    draft = make_draft(acme)

    page = alice_client.get(reverse("invoicing:overview")).content.decode()
    detail = alice_client.get(draft.get_absolute_url()).content.decode()

    assert "Draft of 2026-03-14" in page
    assert "Draft invoice of 2026-03-14" in detail
    assert f"#{draft.pk}" not in page + detail


@pytest.mark.django_db
def test_switching_to_a_company_whose_name_ends_with_a_dot_says_it_once(alice, alice_client):
    kanaal = CompanyFactory(name="Kanaal Consultancy B.V.")
    MembershipFactory(user=alice, company=kanaal, role=Membership.Role.MEMBER)

    page = alice_client.post(
        reverse("invoicing:switch_company"), {"company": kanaal.pk}, follow=True
    ).content.decode()

    assert "You now work in Kanaal Consultancy B.V.<" in page
    assert "B.V.." not in page


@pytest.mark.django_db
def test_the_switcher_says_which_tool_each_company_books_in(
    alice, alice_client, exact_online_integration
):
    MembershipFactory(user=alice, company=CompanyFactory(name="Beta"), role=Membership.Role.ADMIN)

    page = alice_client.get(reverse("invoicing:overview")).content.decode()

    assert "Acme (Exact Online)</option>" in page
    assert ">Beta</option>" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("staff", "superuser", "permission", "shown"),
    [
        (False, False, False, False),
        (True, False, False, False),
        (True, False, True, True),
        (True, True, False, True),
    ],
)
def test_the_admin_link_only_shows_where_the_admin_opens(acme, staff, superuser, permission, shown):
    user = UserFactory(is_staff=staff, is_superuser=superuser)
    MembershipFactory(user=user, company=acme)
    if permission:
        user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(user)

    page = client.get(reverse("invoicing:overview")).content.decode()

    assert (f'href="{reverse("admin:index")}"' in page) is shown


def test_the_favicon_is_served_and_linked(client):
    response = client.get("/favicon.ico")
    page = client.get(reverse("login")).content.decode()

    assert response.status_code == 301
    assert response.url == "/static/favicon.svg"
    assert finders.find("favicon.svg")
    assert '<link rel="icon" href="/static/favicon.svg"' in page


@pytest.mark.django_db
def test_a_notification_is_read_in_the_language_of_each_reader(acme, alice, bob, client):
    notify(
        recipients=[alice, bob],
        company=acme,
        level="success",
        title=later("Invoice booked as %(number)s.", number="2026-0001"),
    )
    UserPreference.objects.create(user=alice, language="nl")
    UserPreference.objects.create(user=bob, language="fr")
    titles = {}
    for user in (alice, bob):
        client.force_login(user)
        bell = client.get(reverse("notifications:bell_json")).json()
        titles[user.username] = bell["notifications"][0]["title"]

    assert titles == {
        "alice": "Factuur geboekt als 2026-0001.",
        "bob": "Facture comptabilisée sous le numéro 2026-0001.",
    }


@pytest.mark.django_db
def test_form_errors_are_in_the_readers_language(alice, alice_client):
    UserPreference.objects.create(user=alice, language="nl")
    CustomerFactory(company=alice.memberships.get().company, code="K1")

    page = alice_client.post(
        reverse("invoicing:customer_create"),
        {
            "name": "X",
            "code": "K1",
            "country": "BE",
            "vat_number": "BE0403170702",
            "payment_terms_days": "30",
        },
    ).content.decode()

    assert "Klantcode K1 is al in gebruik." in page
    assert "Belgische btw-nummers zien eruit als BE0123456789." in page


def test_the_money_filter_writes_each_languages_format():
    from invoicing.templatetags.money import money

    with translation.override("nl"):
        dutch = money(Decimal("-14578.75"))
    with translation.override("en"):
        english = money(Decimal("14578.75"), "USD")

    assert dutch == "-14.578,75\xa0€"
    assert english == "$14,578.75"
    assert money(None) == ""
    assert settings.LANGUAGE_CODE == "en"
