"""Octopus (Belgium): the connector to its REST API `octopus-rest-api/v1`."""

from bookkeeping.connectors.octopus.connector import OctopusConnector
from bookkeeping.connectors.octopus.payload import OctopusConfig

__all__ = ["OctopusConfig", "OctopusConnector"]
