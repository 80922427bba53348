"""Hooks through which one app lends a fact to the pages of another without an import.

`invoicing` must not import `bookkeeping` (DESIGN §2), yet the company switcher in the header
says which tool each company books in. `bookkeeping` registers a function at start-up (its
AppConfig.ready) and the header asks this module, which imports none of the apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

CompanyTools = Callable[[Iterable[int]], dict[int, str]]
_company_tools: list[CompanyTools] = []


def register_company_tools(function: CompanyTools) -> CompanyTools:
    """Register `function(company_ids) -> {company_id: tool label}`; returns it unchanged."""
    if function not in _company_tools:
        _company_tools.append(function)
    return function


def company_tools(company_ids: Iterable[int]) -> dict[int, str]:
    """The bookkeeping tool's label of each company that has one (none registered: {})."""
    ids = list(company_ids)
    labels: dict[int, str] = {}
    for function in _company_tools:
        labels.update(function(ids))
    return labels
