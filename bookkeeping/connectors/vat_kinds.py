"""What kind of VAT code a tool's code is, so that the settings can propose the VAT mapping.

Each connector's `list_vat_codes` puts `extra["kinds"]` on a code: the rows of the mapping it
fits ("rated" for a code charged at its `extra["percentage"]`, or the treatments of
`bookkeeping.vat_codes.TREATMENT_KEYS`); an empty tuple when the tool does not make it clear.
The proposal only takes a code that is the one fit of its row: the admin checks and saves it.
"""

from __future__ import annotations

import re
from decimal import Decimal

RATED = "rated"
INTRA_GOODS = "intra_goods"
INTRA_SERVICES = "intra_services"
INTRA = (INTRA_GOODS, INTRA_SERVICES)
EXPORT = "export"
REVERSE_CHARGE = "reverse_charge"
EXEMPT = "exempt"

# Words of a 0 % code's description (Dutch, French, English), for tools whose fields do not say
# it (Octopus documents no meaning of its `type`; Exact Online has no export flag). First match
# wins, so the intra-community services line comes before the general intra-community one.
DESCRIPTION_KINDS: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (re.compile(r"intra.{0,20}(dienst|service|prestation)", re.I), (INTRA_SERVICES,)),
    (
        re.compile(r"intra.{0,20}(levering|supply|livraison|goods|goederen|bien)", re.I),
        (INTRA_GOODS,),
    ),
    (re.compile(r"intra.?com|\bICP\b", re.I), INTRA),  # one code for both (NL rubriek 3b)
    (re.compile(r"export|uitvoer|buiten de eu|hors (de l'?)?ue|outside the eu", re.I), (EXPORT,)),
    (
        re.compile(r"medecontract|cocontract|verlegd|autoliquidation|reverse.charge", re.I),
        (REVERSE_CHARGE,),
    ),
    (re.compile(r"vrijgesteld|exempt|exon[ée]r", re.I), (EXEMPT,)),
)


def kinds_from_description(description: str) -> tuple[str, ...]:
    """The mapping rows a 0 % code fits by its description; () when it names none."""
    for pattern, kinds in DESCRIPTION_KINDS:
        if pattern.search(description or ""):
            return kinds
    return ()


def kinds_of(percentage: Decimal | float | str | None, description: str) -> tuple[str, ...]:
    """A code charged above 0 % is a rated one; a 0 % code is what its description says, else a
    plain 0 % rated code."""
    if percentage is None:
        return ()
    if Decimal(str(percentage)) != 0:
        return (RATED,)
    return kinds_from_description(description) or (RATED,)
