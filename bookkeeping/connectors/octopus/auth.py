"""The two-token login of Octopus, as a mixin of the connector.

`POST /authentication` (header `softwareHouseUuid`, JSON `{"user", "password"}`) gives a token;
`POST /dossiers?dossierId=` (header `Token`) gives `{"Dossiertoken"}`, sent as `dossierToken` on
every other call. Both live ten minutes, without refresh: we log in again after 9.5 minutes or
after a 401. Tokens stay in memory: there is nothing worth saving between runs.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import requests
from django.core.exceptions import ImproperlyConfigured

from bookkeeping.connectors.base import (
    AuthError,
    ConnectorError,
    RateLimited,
    TransientError,
)
from bookkeeping.connectors.octopus.payload import error_body
from bookkeeping.connectors.registry import NOT_CONFIGURED_MESSAGE

if TYPE_CHECKING:
    from bookkeeping.connectors.octopus.payload import OctopusConfig

SOFTWARE_HOUSE_SETTING = "OCTOPUS_SOFTWARE_HOUSE_UUID"
# Octopus error -68: the software house identification is unknown to Octopus.
SOFTWARE_HOUSE_REFUSED_MESSAGE = (
    "Booksync is not configured for Octopus: ask your administrator to check "
    f"{SOFTWARE_HOUSE_SETTING} (Octopus does not recognise it)."
)
# Tokens live 600 s and the reply carries no expiry: renew a little before.
TOKEN_RENEW_AFTER_SECONDS = 570
CREDENTIALS_HINT = "Check the Octopus user and password in Integration settings."
DOSSIER_HINT = (
    "Check that this Octopus user may open the dossier, or pick the dossier again in "
    "Integration settings."
)


class OctopusAuth:
    """Login state and the request hooks that send the dossier token. Mixed into the connector
    (which provides `request`, `json` and `config`)."""

    config: OctopusConfig

    def _init_auth(self) -> None:
        self._token = ""
        self._dossier_token = ""
        self._issued_at = 0.0
        self._in_auth = False
        self._auth_reply: requests.Response | None = None

    def _dossier(self) -> int:
        if self.config.dossier_id is None:
            raise AuthError(
                "No Octopus dossier is chosen.", hint="Pick the dossier in Integration settings."
            )
        return self.config.dossier_id

    def _login(self) -> None:
        if not self.config.software_house_uuid:
            raise ImproperlyConfigured(
                NOT_CONFIGURED_MESSAGE.format(tool="Octopus", setting=SOFTWARE_HOUSE_SETTING)
            )
        if not (self.config.user and self.config.password):
            raise AuthError(
                "Octopus has no user and password for this company.", hint=CREDENTIALS_HINT
            )
        body = self._auth_call(
            "POST",
            "/authentication",
            headers={"softwareHouseUuid": self.config.software_house_uuid},
            json={"user": self.config.user, "password": self.config.password},
            failure="log in",
        )
        token = body.get("token") if isinstance(body, dict) else None
        if not token:
            raise TransientError("Octopus sent no token.", hint="The next sync tries again.")
        self._token, self._dossier_token = str(token), ""
        self._issued_at = time.monotonic()

    def _authenticate(self) -> None:
        """Both steps: a token, then the dossier token. Raises AuthError."""
        self._login()
        body = self._auth_call(
            "POST",
            "/dossiers",
            params={"dossierId": self._dossier()},
            headers={"Token": self._token},
            failure=f"open dossier {self._dossier()}",
        )
        items = body.items() if isinstance(body, dict) else []
        token = next((value for key, value in items if key.lower() == "dossiertoken"), "")
        if not token:
            raise TransientError(
                "Octopus sent no dossier token.", hint="The next sync tries again."
            )
        self._dossier_token = str(token)

    def _auth_call(self, method: str, path: str, *, failure: str, **kwargs: Any) -> Any:
        """One call of the login flow; a refusal is an AuthError saying what failed."""
        self._in_auth, self._auth_reply = True, None
        try:
            response = self.request(method, path, idempotent=True, **kwargs)
        except (TransientError, RateLimited):
            raise
        except ConnectorError as exc:
            reply = self._auth_reply
            code, text, _ = error_body(reply) if reply is not None else (None, "", "")
            if code == -68:
                raise ImproperlyConfigured(SOFTWARE_HOUSE_REFUSED_MESSAGE) from exc
            raise AuthError(
                f"Octopus refused to {failure}" + (f": {text}" if text else "."),
                hint=CREDENTIALS_HINT if path == "/authentication" else DOSSIER_HINT,
                status=reply.status_code if reply is not None else exc.status,
                detail=exc.detail or (reply.text if reply is not None else ""),
            ) from exc
        finally:
            self._in_auth = False
        return self.json(response)

    # Hooks -----------------------------------------------------------------------------------

    def before_request(self) -> None:
        if self._in_auth:
            return
        if (
            not self._dossier_token
            or time.monotonic() - self._issued_at > TOKEN_RENEW_AFTER_SECONDS
        ):
            self._authenticate()

    def prepare_request(self, kwargs: dict[str, Any]) -> None:
        if not self._in_auth:
            kwargs["headers"] = {
                **(kwargs.get("headers") or {}),
                "dossierToken": self._dossier_token,
            }

    def after_response(self, response: requests.Response) -> None:
        if self._in_auth:
            self._auth_reply = response

    def reauthenticate(self) -> None:
        if self._in_auth:  # the login itself was refused
            raise AuthError("Octopus refused our access.", hint=CREDENTIALS_HINT)
        self._authenticate()
