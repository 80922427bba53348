"""Template tags the invoicing pages load for the sync parts of their pages.

Placeholders until the sync pages exist: the sync work replaces these two tags with the Sync
button and progress bar (`sync_panel`) and the banner on a synced invoice (`sync_edit_banner`).
"""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def sync_panel(context: dict[str, Any]) -> str:
    """The Sync button and progress bar above the invoice overview (empty until built)."""
    return ""


@register.simple_tag(takes_context=True)
def sync_edit_banner(context: dict[str, Any], invoice: Any) -> str:
    """What editing `invoice` means for the bookkeeping tool (empty until built)."""
    return ""
