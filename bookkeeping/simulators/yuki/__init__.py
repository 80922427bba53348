"""A local Yuki (SOAP 1.1 web services) for tests, the demo and benchmarks."""

from bookkeeping.simulators.yuki.common import (
    ACCESS_KEY,
    ADMINISTRATION_ID,
    ADMINISTRATION_NAME,
    DEFAULT_GL_ACCOUNT,
    DOMAIN_ID,
    GL_ACCOUNTS,
    VAT_MAPPING,
    VAT_TYPES,
)
from bookkeeping.simulators.yuki.simulator import YukiSimulator

__all__ = [
    "ACCESS_KEY",
    "ADMINISTRATION_ID",
    "ADMINISTRATION_NAME",
    "DEFAULT_GL_ACCOUNT",
    "DOMAIN_ID",
    "GL_ACCOUNTS",
    "VAT_MAPPING",
    "VAT_TYPES",
    "YukiSimulator",
]
