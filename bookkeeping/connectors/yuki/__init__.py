"""Yuki (NL/BE): the connector to its SOAP web services."""

from bookkeeping.connectors.yuki.connector import (
    KEY_HINT,
    QUOTA_MESSAGE,
    YukiConfig,
    YukiConnector,
)
from bookkeeping.connectors.yuki.soap import INVOICES_NS, envelope

__all__ = ["INVOICES_NS", "KEY_HINT", "QUOTA_MESSAGE", "YukiConfig", "YukiConnector", "envelope"]
