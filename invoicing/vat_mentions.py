"""The mention the law requires on an invoice for each VAT treatment without VAT charged.

The mentions are fixed legal texts, kept per country of the company in the language(s) of its
invoices (Belgium: Dutch and French; the Netherlands: Dutch); they are not translated. The
English explanation next to each is for the user and is translated.

Sources:
- BE: W.BTW / C.TVA art. 39 (export), art. 39bis (intra-community supply of goods), art. 21 § 2
  (services to a business in another member state: the customer owes the VAT), art. 44
  (exemptions); KB nr. 1 / AR n° 1 art. 20 (medecontractant / cocontractant, e.g. works on
  immovable property: https://www.boekhouder.be/btw/werk-in-onroerende-staat-factureren-met-
  medecontractant-of-met-btw-januari-2009 quotes the older mention "KB n°1 art 20 BTW te voldoen
  door de medecontractant"). Since 2013 an invoice whose VAT the customer owes says "Verlegging
  van heffing" / "Autoliquidation" (Circulaire AFZ nr. 02/2013 on the mandatory mentions,
  summarised at https://adoc.pub/samenvatting-factuur-op-de-factuur-moet-het-woord-factuur-ef.html;
  Directive 2006/112/EC art. 226, 11bis). An exempt supply names its legal basis (art. 226, 11).
- NL: Wet OB 1968 art. 35a and the Belastingdienst's invoice rules: "btw verlegd" when the
  customer owes the VAT (domestic reverse charge and intra-community services); an
  intra-community supply is invoiced at 0 % as "intracommunautaire levering"; exemptions are in
  art. 11 Wet OB 1968. An export of goods is invoiced at 0 % (no fixed wording: ours says so).
- Other countries: the Directive's articles (138 intra-community supply, 146 export, 196 the
  customer owes the VAT of a service), in English.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from invoicing.vat import VatTreatment

T = VatTreatment

LEGAL_MENTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "BE": {
        T.INTRA_GOODS: (
            "Vrijgestelde intracommunautaire levering – art. 39bis W.BTW",
            "Livraison intracommunautaire exemptée – art. 39bis C.TVA",
        ),
        T.INTRA_SERVICES: (
            "Verlegging van heffing – art. 21, § 2 W.BTW",
            "Autoliquidation – art. 21, § 2 C.TVA",
        ),
        T.REVERSE_CHARGE: (
            "Verlegging van heffing – medecontractant, art. 20 KB nr. 1",
            "Autoliquidation – cocontractant, art. 20 AR n° 1",
        ),
        T.EXPORT: (
            "Vrijgestelde uitvoer – art. 39 W.BTW",
            "Exportation exemptée – art. 39 C.TVA",
        ),
        T.EXEMPT: (
            "Vrijgesteld van btw – art. 44 W.BTW",
            "Exemption de TVA – art. 44 C.TVA",
        ),
    },
    "NL": {
        T.INTRA_GOODS: ("Intracommunautaire levering – 0% btw",),
        T.INTRA_SERVICES: ("Btw verlegd",),
        T.REVERSE_CHARGE: ("Btw verlegd",),
        T.EXPORT: ("Uitvoer buiten de EU – 0% btw",),
        T.EXEMPT: ("Vrijgesteld van btw – art. 11 Wet OB 1968",),
    },
    "": {
        T.INTRA_GOODS: ("Exempt intra-Community supply – art. 138 Directive 2006/112/EC",),
        T.INTRA_SERVICES: ("Reverse charge – art. 196 Directive 2006/112/EC",),
        T.REVERSE_CHARGE: ("Reverse charge",),
        T.EXPORT: ("Exempt export – art. 146 Directive 2006/112/EC",),
        T.EXEMPT: ("VAT exempt",),
    },
}

# The language of each text of a country's mentions, in order (for the page's `lang`).
LANGUAGES = {"BE": ("nl", "fr"), "NL": ("nl",), "": ("en",)}

EXPLANATIONS = {
    T.INTRA_GOODS: _(
        "Goods sent to a business in another EU country: no VAT here, the customer declares "
        "the acquisition in its own country."
    ),
    T.INTRA_SERVICES: _(
        "A service to a business in another EU country: the customer owes the VAT in its own "
        "country (reverse charge)."
    ),
    T.REVERSE_CHARGE: _(
        "The customer, a business in this country, owes the VAT instead of you (e.g. works on "
        "immovable property)."
    ),
    T.EXPORT: _("Goods or services for a customer outside the EU: no VAT charged."),
    T.EXEMPT: _("An activity the law exempts from VAT: no VAT charged."),
}


@dataclass(frozen=True)
class Mention:
    """The mention of one treatment on an invoice: its legal texts and what it means."""

    treatment: str
    label: str
    texts: tuple[str, ...]
    explanation: str
    languages: tuple[str, ...] = ()

    @property
    def texts_with_language(self) -> list[tuple[str, str]]:
        return list(zip(self.languages, self.texts, strict=False))


def mentions_for(company_country: str, treatments: Iterable[str]) -> list[Mention]:
    """The mentions of the treatments an invoice's lines use, once each, in line order; none
    for a treatment charged at its rate."""
    country = company_country if company_country in LEGAL_MENTIONS else ""
    table = LEGAL_MENTIONS[country]
    result: list[Mention] = []
    for treatment in treatments:
        if treatment in table and treatment not in {m.treatment for m in result}:
            result.append(
                Mention(
                    treatment=treatment,
                    label=str(VatTreatment(treatment).label),
                    texts=table[treatment],
                    explanation=str(EXPLANATIONS[treatment]),
                    languages=LANGUAGES[country],
                )
            )
    return result
