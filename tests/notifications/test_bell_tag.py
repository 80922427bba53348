"""The bell template that base.html includes in the header of every page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import engines
from django.test import RequestFactory

from notifications import services

pytestmark = pytest.mark.django_db


def _render(source, *, user, company, path="/invoices/?page=2"):
    request = RequestFactory().get(path)
    request.user = user
    request.company = company
    return engines["django"].from_string(source).render({}, request).strip()


@pytest.mark.parametrize(
    "source",
    [
        '{% include "notifications/bell.html" %}',
        "{% load notifications_tags %}{% notification_bell %}",
    ],
)
def test_it_renders_the_bell_with_count_and_titles(source, acme, alice):
    services.notify(recipients=[alice], company=acme, level="success", title="14 invoices synced")

    html = _render(source, user=alice, company=acme)

    assert 'id="notification-bell"' in html
    assert "data-bell-count>1<" in html
    assert "14 invoices synced" in html
    assert 'name="next" value="/invoices/?page=2"' in html


def test_it_renders_nothing_for_an_anonymous_user(acme):
    assert (
        _render('{% include "notifications/bell.html" %}', user=AnonymousUser(), company=None) == ""
    )


def test_it_renders_nothing_without_a_current_company(alice):
    assert _render('{% include "notifications/bell.html" %}', user=alice, company=None) == ""


def test_it_uses_no_inline_script_or_style(acme, alice):
    services.notify(recipients=[alice], company=acme, level="error", title="Refused")

    html = _render('{% include "notifications/bell.html" %}', user=alice, company=acme)

    assert "<script" not in html
    assert "style=" not in html
    assert "onclick" not in html
