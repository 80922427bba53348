"""Checks before booking that other apps provide: invoicing asks, without knowing who answers.

Invoicing never imports bookkeeping (DESIGN §2), yet booking must be refused when the company's
bookkeeping tool would refuse the invoice. So bookkeeping registers a reviewer here when the app
is ready (`bookkeeping.apps`); the invoice page calls `review`, the Book button `book_invoice`.
A reviewer returns None when it has nothing to say (no connected tool), or a `BookingReview`:
the problems the tool would refuse, each with its fix and a link, and the fragment the invoice
page shows (what the tool will receive).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import ngettext

from invoicing import services

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    from invoicing.models import Invoice


@dataclass(frozen=True)
class ReadinessProblem:
    """Something the tool would refuse: what, how to fix it, and where (a link, or "")."""

    message: str
    fix: str = ""
    url: str = ""
    link_text: str = ""


@dataclass
class BookingReview:
    """What a reviewer says about a draft before it is booked."""

    problems: list[ReadinessProblem] = field(default_factory=list)
    # The template the invoice page includes, with `context` (empty: nothing to show).
    template: str = ""
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return not self.problems


Reviewer = Callable[["Invoice"], "BookingReview | None"]
_reviewers: list[Reviewer] = []


def register(reviewer: Reviewer) -> None:
    """Adds a reviewer (once: registering it again changes nothing)."""
    if reviewer not in _reviewers:
        _reviewers.append(reviewer)


def review(invoice: Invoice) -> BookingReview | None:
    """What the registered reviewers say about `invoice`, or None when none has anything to say.

    The problems of every reviewer are put together; the page shows the first one's fragment.
    """
    reviews = [found for reviewer in _reviewers if (found := reviewer(invoice)) is not None]
    if not reviews:
        return None
    first = reviews[0]
    problems = [problem for found in reviews for problem in found.problems]
    return BookingReview(problems=problems, template=first.template, context=first.context)


class NotReady(Exception):
    """Booking refused: the bookkeeping tool would refuse the invoice. `problems` say what and
    how to fix each; the message counts them."""

    def __init__(self, problems: list[ReadinessProblem]):
        self.problems = problems
        super().__init__(
            ngettext(
                "Not booked: %(count)d problem must be fixed first.",
                "Not booked: %(count)d problems must be fixed first.",
                len(problems),
            )
            % {"count": len(problems)}
        )


def book_invoice(
    invoice: Invoice, *, user: AbstractBaseUser | None, anyway: bool = False
) -> Invoice:
    """Books the draft (`services.book_invoice`) unless the reviewers find problems: then raises
    NotReady, or, `anyway` (a company admin's "book now, fix before the sync"), books it marked
    "not ready" (the overview's filter) until the sync sends it. The review runs before the
    transaction, since it may ask the tool; invoicing's own refusals come first."""
    found = review(invoice)
    problems = found.problems if found is not None else []
    if problems and not anyway and services.booking_problem(invoice) is None:
        raise NotReady(problems)
    with transaction.atomic():
        booked = services.book_invoice(invoice, user=user)
        if problems:
            booked.sync_state = booked.SyncState.NOT_READY
            booked.sync_message = " ".join(problem.message for problem in problems)
            booked.save(update_fields=["sync_state", "sync_message"])
    return booked
