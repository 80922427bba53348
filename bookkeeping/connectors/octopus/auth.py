"""The two-token login of Octopus, as an object the connector holds (`connector.auth`).

`POST /authentication` (header `softwareHouseUuid`, JSON `{"user", "password"}`) gives a token;
`POST /dossiers?dossierId=` (header `Token`) gives `{"Dossiertoken"}`, sent as `dossierToken` on
every other call. Both live ten minutes, without refresh: we log in again after 9.5 minutes or
after a 401. Tokens stay in memory: there is nothing worth saving between runs.

The login calls go through the connector's `request()` inside `signing_in()`, so the
connector's hooks leave them alone; the connector's hooks call `renew_if_due()`, `headers()`
and `authenticate()` of this object.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests
from django.core.exceptions import ImproperlyConfigured

from bookkeeping.connectors.errors import (
    NOT_CONFIGURED_MESSAGE,
    AuthError,
    ConnectorError,
    RateLimited,
    TransientError,
    later,
    noop,
    quoted,
)
from bookkeeping.connectors.octopus.payload import error_body

if TYPE_CHECKING:
    from bookkeeping.connectors.octopus.connector import OctopusConnector
    from config.texts import StoredText

SOFTWARE_HOUSE_SETTING = "OCTOPUS_SOFTWARE_HOUSE_UUID"
# Octopus error -68: the software house identification is unknown to Octopus.
SOFTWARE_HOUSE_REFUSED_MESSAGE = noop(
    "Booksync is not configured for Octopus: ask your administrator to check %(setting)s "
    "(Octopus does not recognise it)."
)
# Tokens live 600 s and the reply carries no expiry: renew a little before.
TOKEN_RENEW_AFTER_SECONDS = 570
CREDENTIALS_HINT = noop("Check the Octopus user and password in Integration settings.")
DOSSIER_HINT = noop(
    "Check that this Octopus user may open the dossier, or pick the dossier again in "
    "Integration settings."
)


class OctopusAuth:
    """The tokens of one connector and the calls that obtain them."""

    def __init__(self, connector: OctopusConnector):
        self.connector = connector
        self.config = connector.config
        self.token = ""
        self.dossier_token = ""
        self.issued_at = 0.0
        self.last_reply: requests.Response | None = None  # of the login call under way

    def dossier_id(self) -> int:
        """The chosen dossier; AuthError when none is."""
        if self.config.dossier_id is None:
            raise AuthError(
                later("No Octopus dossier is chosen."),
                hint=later("Pick the dossier in Integration settings."),
            )
        return self.config.dossier_id

    def login(self) -> None:
        """The first step: a token (enough to list the dossiers). Raises AuthError."""
        if not self.config.software_house_uuid:
            raise ImproperlyConfigured(
                later(NOT_CONFIGURED_MESSAGE, tool="Octopus", setting=SOFTWARE_HOUSE_SETTING)
            )
        if not (self.config.user and self.config.password):
            raise AuthError(
                later("Octopus has no user and password for this company."),
                hint=later(CREDENTIALS_HINT),
            )
        body = self.call(
            "POST",
            "/authentication",
            headers={"softwareHouseUuid": self.config.software_house_uuid},
            json={"user": self.config.user, "password": self.config.password},
            failure=later("Octopus refused to log in"),
        )
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise TransientError(
                later("Octopus sent no token."), hint=later("The next sync tries again.")
            )
        self.token, self.dossier_token = str(token), ""
        self.issued_at = time.monotonic()

    def authenticate(self) -> None:
        """Both steps: a token, then the dossier token. Raises AuthError."""
        self.login()
        body = self.call(
            "POST",
            "/dossiers",
            params={"dossierId": self.dossier_id()},
            headers={"Token": self.token},
            failure=later("Octopus refused to open dossier %(id)s", id=self.dossier_id()),
        )
        items = body.items() if isinstance(body, dict) else []
        token = next((value for key, value in items if key.lower() == "dossiertoken"), "")
        if not token:
            raise TransientError(
                later("Octopus sent no dossier token."), hint=later("The next sync tries again.")
            )
        self.dossier_token = str(token)

    def renew_if_due(self) -> None:
        """Logs in when there is no dossier token yet or it is about to expire."""
        if not self.dossier_token or time.monotonic() - self.issued_at > TOKEN_RENEW_AFTER_SECONDS:
            self.authenticate()

    def headers(self) -> dict[str, str]:
        """The header every call but the login ones sends."""
        return {"dossierToken": self.dossier_token}

    def call(self, method: str, path: str, *, failure: StoredText, **kwargs: Any) -> Any:
        """One call of the login flow (the JSON of its reply); a refusal is an AuthError saying
        what failed."""
        self.last_reply = None
        try:
            with self.connector.signing_in():
                response = self.connector.request(method, path, idempotent=True, **kwargs)
        except (TransientError, RateLimited):
            raise
        except ConnectorError as exc:
            reply = self.last_reply
            code, text, _ = error_body(reply) if reply is not None else (None, "", "")
            if code == -68:
                raise ImproperlyConfigured(
                    later(SOFTWARE_HOUSE_REFUSED_MESSAGE, setting=SOFTWARE_HOUSE_SETTING)
                ) from exc
            hint = CREDENTIALS_HINT if path == "/authentication" else DOSSIER_HINT
            raise AuthError(
                later("%(failure)s: %(said)s", failure=failure, said=quoted(text))
                if text
                else later("%(failure)s.", failure=failure),
                hint=later(hint),
                status=reply.status_code if reply is not None else exc.status,
                detail=exc.detail or (reply.text if reply is not None else ""),
            ) from exc
        return self.connector.json(response)
