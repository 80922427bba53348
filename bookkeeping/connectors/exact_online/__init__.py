"""Exact Online: the connector to its OAuth2 + OData REST API."""

from bookkeeping.connectors.exact_online.connector import ExactOnlineConnector

__all__ = ["ExactOnlineConnector"]
