"""Shared fixtures: the cast (after healthchecks) and the services the tests need.

alice is admin of Acme, bob is a member of Acme, charlie is admin of Globex and must never see
anything of Acme.
"""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.utils import translation

from bookkeeping.tools import TOOLS
from invoicing.models import Membership
from tests.factories import CompanyFactory, MembershipFactory, UserFactory

# Each tool of the registry brings its fixtures: `<key>` (its simulator) and `<key>_integration`.
pytest_plugins = [f"tests.fixtures.{key}" for key in TOOLS]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgres` skip on SQLite, except in CI (REQUIRE_SERVICES=1) where they fail."""
    on_postgres = "postgres" in os.environ.get("DATABASE_URL", "")
    if on_postgres or REQUIRE_SERVICES:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://...")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """A request in Dutch or French leaves its language active in the thread (the locale
    middleware does not switch back): every test starts in English, the default."""
    yield
    translation.deactivate()


@pytest.fixture
def require_postgres() -> None:
    if connection.vendor != "postgresql":
        if REQUIRE_SERVICES:
            pytest.fail("REQUIRE_SERVICES=1 but the database is not PostgreSQL")
        pytest.skip("needs PostgreSQL")


@pytest.fixture
def acme(db):
    return CompanyFactory(name="Acme", slug="acme", country="BE", vat_number="BE0403170701")


@pytest.fixture
def globex(db):
    return CompanyFactory(name="Globex", slug="globex", country="NL", vat_number="NL004495445B01")


@pytest.fixture
def alice(acme):
    user = UserFactory(username="alice")
    MembershipFactory(user=user, company=acme, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def bob(acme):
    user = UserFactory(username="bob")
    MembershipFactory(user=user, company=acme, role=Membership.Role.MEMBER)
    return user


@pytest.fixture
def charlie(globex):
    user = UserFactory(username="charlie")
    MembershipFactory(user=user, company=globex, role=Membership.Role.ADMIN)
    return user


def _client_for(client_class, user):
    client = client_class()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    from django.test import Client

    return _client_for(Client, alice)


@pytest.fixture
def bob_client(bob):
    from django.test import Client

    return _client_for(Client, bob)


@pytest.fixture
def charlie_client(charlie):
    from django.test import Client

    return _client_for(Client, charlie)
