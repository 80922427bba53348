"""Hardening: production settings pass `check --deploy`, security headers, login throttling."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
LOCKOUT_TEXT = "account locked: too many login attempts"


def check_deploy(**overrides: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` with the production settings module and these variables."""
    env = {
        name: value
        for name, value in os.environ.items()
        # The browser tests allow async-unsafe calls in this process; production never does.
        if name
        not in {
            "DATABASE_URL",
            "SECRET_KEY",
            "FIELD_ENCRYPTION_KEY",
            "DEBUG",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
        "ALLOWED_HOSTS": "booksync.example.com",
        "LOG_LEVEL": "WARNING",
    } | overrides
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_secrets() -> dict[str, str]:
    return {
        "SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "FIELD_ENCRYPTION_KEY": Fernet.generate_key().decode(),
    }


def test_check_deploy_is_clean_with_production_settings():
    result = check_deploy(**production_secrets())

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNINGS" not in output
    assert "security.W" not in output


def test_check_deploy_refuses_the_demo_keys():
    result = check_deploy(
        SECRET_KEY=settings.DEMO_SECRET_KEY,
        FIELD_ENCRYPTION_KEY=settings.DEMO_FIELD_ENCRYPTION_KEY,
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "booksync.E001" in output
    assert "booksync.E002" in output


def test_check_deploy_refuses_a_demo_encryption_key_alone():
    result = check_deploy(
        SECRET_KEY=production_secrets()["SECRET_KEY"],
        FIELD_ENCRYPTION_KEY=settings.DEMO_FIELD_ENCRYPTION_KEY,
    )

    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "booksync.E001" in output
    assert "booksync.E002" not in output


def test_check_deploy_accepts_several_production_keys_and_refuses_a_bad_one():
    keys = [Fernet.generate_key().decode(), Fernet.generate_key().decode()]
    secret = production_secrets()["SECRET_KEY"]

    good = check_deploy(SECRET_KEY=secret, FIELD_ENCRYPTION_KEY=",".join(keys))
    bad = check_deploy(SECRET_KEY=secret, FIELD_ENCRYPTION_KEY=f"{keys[0]},not-a-key")

    assert good.returncode == 0, good.stdout + good.stderr
    assert bad.returncode != 0
    assert "booksync.E003" in bad.stdout + bad.stderr
    assert "not-a-key" not in bad.stdout + bad.stderr


# Headers ----------------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    policy = response["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_pages_json_and_the_login_page_carry_the_security_headers(alice_client, client, acme):
    responses = [
        alice_client.get(reverse("invoicing:overview")),
        alice_client.get(reverse("bookkeeping:progress")),
        alice_client.get(reverse("notifications:bell_json")),
        alice_client.get(reverse("notifications:bell")),
        client.get(reverse("login")),
        client.get(reverse("invoicing:overview")),  # the redirect to the login page
    ]

    for response in responses:
        assert_security_headers(response)


def test_pages_have_no_inline_scripts_or_styles(alice_client, acme):
    """The CSP refuses them, so a page that needs one would be broken in the browser."""
    for name in ("invoicing:overview", "invoicing:customer_list", "bookkeeping:settings"):
        content = alice_client.get(reverse(name)).content.decode()
        assert "<script>" not in content, name
        assert " onclick=" not in content, name
        assert ' style="' not in content, name


# Login throttling (django-axes) -----------------------------------------------------------------


def log_in(client, username: str, password: str):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_sixth_login_after_five_failures_is_refused_even_with_the_right_password(client, alice):
    assert settings.AXES_FAILURE_LIMIT == 5
    statuses = [log_in(client, "alice", "wrong-password").status_code for _ in range(5)]
    # The fifth failure reaches the limit: its reply is already the lockout.
    assert statuses == [200, 200, 200, 200, 429]

    response = log_in(client, "alice", "password")

    assert response.status_code == 429
    assert LOCKOUT_TEXT in response.content.decode().lower()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("invoicing:overview")).status_code == 302


def test_four_failures_do_not_lock_the_right_password_out(client, alice):
    for _ in range(4):
        log_in(client, "alice", "wrong-password")

    response = log_in(client, "alice", "password")

    assert response.status_code == 302
    assert response["Location"] == reverse("invoicing:overview")


def test_the_lockout_is_per_user_name_and_address(client, alice, bob):
    for _ in range(5):
        log_in(client, "alice", "wrong-password")

    assert log_in(client, "bob", "password").status_code == 302
    other_address = client.post(
        reverse("login"), {"username": "alice", "password": "password"}, REMOTE_ADDR="10.0.0.9"
    )
    assert other_address.status_code == 302
