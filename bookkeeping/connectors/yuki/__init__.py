"""Yuki (NL/BE): the connector to its SOAP web services."""

from bookkeeping.connectors.yuki.auth import KEY_HINT
from bookkeeping.connectors.yuki.connector import QUOTA_MESSAGE, YukiConnector
from bookkeeping.connectors.yuki.payload import YukiConfig
from bookkeeping.connectors.yuki.soap import INVOICES_NS, envelope

__all__ = ["INVOICES_NS", "KEY_HINT", "QUOTA_MESSAGE", "YukiConfig", "YukiConnector", "envelope"]
