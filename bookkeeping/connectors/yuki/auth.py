"""Access to Yuki: the web-service access key, the session it gives (cached in the
credentials, renewed once by `Connector.request` when Yuki refuses it), the administration and
its domain, and the SOAP call that carries the session."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

import requests
from django.conf import settings
from lxml import etree

from bookkeeping.connectors.base import (
    AccessExpired,
    AuthError,
    Connector,
    InvoiceRejected,
    TransientError,
)
from bookkeeping.connectors.errors import later, noop
from bookkeeping.connectors.yuki.payload import YukiConfig
from bookkeeping.connectors.yuki.soap import (
    YUKI_NS,
    descendants,
    envelope,
    find_text,
    local_name,
    parse_xml,
    xml_result,
)
from bookkeeping.connectors.yuki.stream import StreamedReply

T = TypeVar("T")
KEY_HINT = noop(
    "Check the web-service access key in Integration settings (Yuki: Settings > Web services)."
)
TARGET_HINT = noop("Pick the Yuki administration again in Integration settings.")


class SessionRefused(AccessExpired):
    """Yuki no longer accepts our session ID: authenticate again (once) and repeat the call."""


class YukiAccess(Connector):
    """Session and SOAP calls; YukiConnector adds the bookkeeping and the fault hook."""

    config_class = YukiConfig
    config: YukiConfig

    def authenticate(self) -> str:
        """A new session ID for the access key, saved at once. Raises AuthError when refused."""
        if not self.config.access_key:
            raise AuthError(later("No Yuki web-service access key is set."), hint=later(KEY_HINT))
        try:
            with self.signing_in():
                result = self.call(
                    "Sales",
                    "Authenticate",
                    [("accessKey", self.config.access_key)],
                    idempotent=True,
                    session_param=None,
                )
        except (AuthError, InvoiceRejected) as exc:
            raise AuthError(
                later("Yuki did not accept the web-service access key."),
                hint=later(KEY_HINT),
                status=exc.status,
                detail=exc.detail,
            ) from exc
        session_id = (result.text or "").strip() if result is not None else ""
        if not session_id:
            raise AuthError(
                later("Yuki did not accept the web-service access key."), hint=later(KEY_HINT)
            )
        with self.locked_credentials() as credentials:
            credentials["session_id"] = session_id
        return session_id

    def reauthenticate(self) -> None:
        self.authenticate()

    def session_id(self) -> str:
        return str(self.credentials.get("session_id") or "") or self.authenticate()

    def administrations(self) -> list[dict[str, str]]:
        """The administrations the access key reaches: id, name, domain_id."""
        document = xml_result(self.call("Sales", "Administrations", [], idempotent=True))
        return [
            {
                "id": a.get("ID", ""),
                "name": find_text(a, "Name"),
                "domain_id": find_text(a, "DomainID"),
            }
            for a in descendants(document, "Administration")
        ]

    def administration(self) -> dict[str, str]:
        """The chosen administration; AuthError when the key no longer reaches it."""
        target = self.config.administration_id.lower()
        for administration in self.administrations():
            if administration["id"].lower() == target:
                return administration
        raise AuthError(
            later("The chosen Yuki administration is not reachable with this access key."),
            hint=later(TARGET_HINT),
        )

    def domain_id(self) -> str:
        """The domain GUID of the administration (contacts live there), cached in the credentials."""
        cached = str(self.credentials.get("domain_id") or "")
        if cached:
            return cached
        domain_id = self.administration()["domain_id"]
        with self.locked_credentials() as credentials:
            credentials["domain_id"] = domain_id
        return domain_id

    # SOAP plumbing ---------------------------------------------------------------------------

    def call(
        self,
        service: str,
        operation: str,
        params: Sequence[tuple[str, Any]],
        *,
        idempotent: bool,
        session_param: str | None = "sessionID",
    ) -> Any:
        """The <OperationResult> element of one SOAP call (None when absent).

        Read-only operations pass `idempotent=True` (they are POSTs but safe to repeat): an
        unreadable reply to one of those is asked again (bounded). When Yuki refuses the
        session (SessionRefused, an AccessExpired), `request()` authenticates again once and
        repeats the call; the envelope is built per attempt, with the session of the moment.
        """
        return self.exchange(
            service,
            operation,
            params,
            idempotent=idempotent,
            session_param=session_param,
            read=lambda response: self.result(response, operation),
        )

    def call_streamed(
        self,
        service: str,
        operation: str,
        params: Sequence[tuple[str, Any]],
        *,
        each: str,
        fold: Callable[[Iterator[Any]], T],
    ) -> T | None:
        """`call` of a read-only operation whose reply may be long, read as it arrives
        (stream.py): `fold` gets the elements named `each` of the result document one at a
        time, each dropped once `fold` takes the next, and returns what it keeps of them. The
        answer is that, or None when the reply has no result element. An unreadable reply
        (cut short, not XML) is asked again, as `call` does, and `fold` starts over."""

        def read(response: requests.Response) -> T | None:
            reply = StreamedReply(
                response, operation, each, lambda fault: self.fault_in_stream(response, fault)
            )
            items = reply.items()
            kept = fold(items)
            for _ in items:  # what `fold` left: a fault or a cut may still come
                pass
            return kept if reply.found else None

        return self.exchange(service, operation, params, idempotent=True, read=read, stream=True)

    def exchange(
        self,
        service: str,
        operation: str,
        params: Sequence[tuple[str, Any]],
        *,
        idempotent: bool,
        read: Callable[[requests.Response], T],
        session_param: str | None = "sessionID",
        stream: bool = False,
    ) -> T:
        """One SOAP call, the way `call` and `call_streamed` make it: `read` makes the answer
        of the reply (with `stream`, a reply whose body is read as `read` goes)."""
        if session_param:
            self.session_id()  # authenticate first when there is no session yet

        def body() -> bytes:
            values = [(session_param, self.session_id())] if session_param else []
            return envelope(operation, [*values, *params])

        unreadable = 0
        action = f'"{YUKI_NS}{operation}"'
        headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action}
        options = {"stream": True} if stream else {}
        while True:
            response = self.request(
                "POST",
                f"/{service}.asmx",
                idempotent=idempotent,
                data=body,
                headers=headers,
                **options,
            )
            try:
                return read(response)
            except TransientError:
                unreadable += 1
                if not idempotent or unreadable > settings.TOOL_HTTP_RETRIES:
                    raise
                self.sleep(self.backoff(unreadable))
            finally:
                if stream:
                    response.close()  # the connection goes back, or is closed if read halfway

    def fault_in_stream(self, response: requests.Response, fault: Any) -> NoReturn:
        """A SOAP Fault met in a streamed reply: the reply as read so far becomes the body the
        fault hook reports (the rest of the stream is never read)."""
        response._content = etree.tostring(fault.getroottree())
        self.raise_fault(response, fault)

    def result(self, response: requests.Response, operation: str) -> Any:
        root = parse_xml(response.content, status=response.status_code)
        if any(local_name(node) == "Fault" for node in root.iter()):
            self.raise_fault(response, root)
        return next((n for n in root.iter() if local_name(n) == f"{operation}Result"), None)

    def raise_fault(self, response: requests.Response, root: Any) -> NoReturn:
        """Hook: the typed error of a SOAP fault (YukiConnector reads its faultstring)."""
        raise NotImplementedError(f"{type(self).__name__}.raise_fault")
