"""Several FIELD_ENCRYPTION_KEY keys (newest first), `manage.py rotate_credentials`, the checks."""

from __future__ import annotations

from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.core.management.base import CommandError

from bookkeeping.checks import check_encryption_keys, check_production_secrets
from bookkeeping.fields import INVALID_KEY_MESSAGE
from bookkeeping.management.commands.rotate_credentials import (
    FAILED_MESSAGE,
    ROTATED_LINE,
    UNREADABLE_LINE,
)
from bookkeeping.models import Integration
from bookkeeping.simulators import yuki as yuki_data
from tests.bookkeeping.test_credentials_unreadable import stored_ciphertext
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

OLD_KEY = Fernet.generate_key().decode()
NEW_KEY = Fernet.generate_key().decode()
OTHER_KEY = Fernet.generate_key().decode()


def rotate() -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("rotate_credentials", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_newest_key_encrypts_and_every_key_decrypts(acme, settings):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    integration = Integration.objects.create(
        company=acme, tool="yuki", credentials={"access_key": "k-1"}
    )

    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY}, {OLD_KEY}"
    assert Integration.objects.get(pk=integration.pk).credentials == {"access_key": "k-1"}
    integration.set_credentials({"access_key": "k-2"})

    token = stored_ciphertext(integration).encode()
    assert Fernet(NEW_KEY.encode()).decrypt(token) == b'{"access_key": "k-2"}'


def test_rotation_lets_the_old_key_be_removed(acme, globex, settings, yuki_integration):
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    other = Integration.objects.create(
        company=globex, tool="exact_online", credentials={"refresh_token": "r-1"}
    )
    Integration.objects.filter(pk=yuki_integration.pk).update(
        credentials=yuki_integration.credentials
    )
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"

    out, err = rotate()

    assert out.strip() == ROTATED_LINE.format(count=2)
    assert err == ""
    settings.FIELD_ENCRYPTION_KEY = NEW_KEY
    assert Integration.objects.get(pk=other.pk).credentials == {"refresh_token": "r-1"}
    assert Integration.objects.get(pk=yuki_integration.pk).credentials == {
        "access_key": yuki_data.ACCESS_KEY
    }


def test_rotation_names_what_no_key_can_read_and_fails_without_a_secret(acme, settings):
    settings.FIELD_ENCRYPTION_KEY = OTHER_KEY
    lost = Integration.objects.create(
        company=acme, tool="octopus", credentials={"user": "u", "password": "p-secret-1"}
    )
    settings.FIELD_ENCRYPTION_KEY = OLD_KEY
    readable_company = CompanyFactory(slug="readable")
    Integration.objects.create(company=readable_company, tool="yuki", credentials={"a": "b"})
    original = stored_ciphertext(lost)
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("rotate_credentials", stdout=out, stderr=err)

    assert str(raised.value) == FAILED_MESSAGE.format(count=1)
    assert out.getvalue().strip() == ROTATED_LINE.format(count=1)
    assert err.getvalue().strip() == UNREADABLE_LINE.format(slug="acme", tool="Octopus")
    assert "p-secret-1" not in out.getvalue() + err.getvalue()
    assert stored_ciphertext(lost) == original  # left as it was: the old key may come back


def test_every_key_must_be_a_fernet_key(settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY},not-a-key"

    errors = check_encryption_keys(None)

    assert [error.id for error in errors] == ["booksync.E003"]
    assert errors[0].msg == INVALID_KEY_MESSAGE.format(position=2)
    assert "not-a-key" not in errors[0].msg


def test_a_list_of_good_keys_passes_the_checks(settings):
    settings.FIELD_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"
    settings.SECRET_KEY = "a-production-secret-key-" + "x" * 40

    assert check_encryption_keys(None) == []
    assert check_production_secrets(None) == []


@pytest.mark.parametrize("position", ["first", "last"])
def test_the_demo_key_anywhere_in_the_list_is_refused_in_production(settings, position):
    demo = settings.DEMO_FIELD_ENCRYPTION_KEY
    keys = [demo, NEW_KEY] if position == "first" else [NEW_KEY, demo]
    settings.FIELD_ENCRYPTION_KEY = ",".join(keys)

    assert "booksync.E001" in [error.id for error in check_production_secrets(None)]
