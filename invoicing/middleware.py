"""Puts the current company and membership on every request, and speaks the user's language."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from invoicing.tenancy import resolve_membership

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


class CurrentCompanyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = resolve_membership(request)
        request.membership = membership
        request.company = membership.company if membership else None
        return self.get_response(request)


class UserLanguageMiddleware:
    """The language a logged-in user chose in the menu wins over the cookie and the browser.

    Runs after authentication; LocaleMiddleware (before it) already chose from the cookie, then
    `Accept-Language`, then English, and sets Content-Language from what is active at the end.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = user_language(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


def user_language(request: HttpRequest) -> str:
    """The language the user stored, or "" (anonymous, or never chose one)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    try:
        language = user.preference.language  # read with the user (invoicing.backends)
    except ObjectDoesNotExist:
        return ""
    return language if language in LANGUAGE_CODES else ""
