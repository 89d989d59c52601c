"""Per-value text for the JSON Schema, generated from the catalog, for editors.

yaml-language-server (the YAML support of VS Code and other editors) shows
``markdownEnumDescriptions`` (``enumDescriptions`` where the client has no Markdown)
beside each value it completes, and under "Allowed Values" when hovering a value. So
completing ``MijnLoket - Verlofaanvragen`` says it makes the tier Plus and what it
requires, and hovering a right says who may hold it. Everything here is read from the
effective catalog (with the repository's overrides), never written by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from mijnloket_gitops.catalog import Catalog, Product, Right

SOURCES = {
    "article": "the Loket.nl help article",
    "interpretation": "an interpretation where the Loket.nl article is vague",
    "configuration": "this repository's configuration",
}
USER_TYPES = {
    "ak-gebruiker": "a user of the payroll provider (administratiekantoor)",
    "werkgevergebruiker": "a user of the employer",
}
STATUSES = {
    "signed": "Loket confirmed the signed addendum in a ticket; write `signed_on` and "
    "`ticket` too. Only now can MijnLoket be listed.",
    "requested": "An appointment is planned or the addendum is out for signature; "
    "MijnLoket cannot be listed yet.",
    "none": "No addendum yet; MijnLoket cannot be listed.",
}
EVIDENCE = {
    "pending": "Onboarding: `signed_on` and `ticket` are still to be looked up. validate "
    "warns; plan shows this employer but apply leaves it alone until the evidence is "
    "filled in and this line removed.",
}


def _names(names: Sequence[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _source(source: str, note: str) -> str:
    where = SOURCES.get(source, source)
    return f"*Source: {where}.*" + (f" {note}" if note else "")


def product_text(catalog: Catalog, product: Product) -> str:
    """Tier effect, requires, requires one of, excludes, gate and source of a product."""
    if product.tier == "none":
        lines = ["**No tier effect**: a supporting product; it does not change the price."]
    elif product.tier == "start":
        lines = ["**Tier: Start** (MijnLoket's base tier; it does not raise the tier)."]
    else:
        lines = [f"**Tier: {product.tier.capitalize()}**: makes MijnLoket {product.tier} "
                 "(a price change) while it is active."]  # fmt: skip
    if product.requires:
        lines.append(f"Requires: {_names(product.requires)}.")
    lines += [
        f"Requires one of: {' or '.join(f'`{n}`' for n in g)}." for g in product.requires_one_of
    ]
    if product.excludes:
        lines.append(f"Excludes: {_names(product.excludes)}.")
    if product.gate == "addendum":
        lines.append("Needs a signed contract addendum, confirmed by Loket in a ticket.")
    lines.append(_source(product.source, product.note))
    return "\n\n".join(lines)


def right_text(catalog: Catalog, right: Right) -> str:
    """Who may hold a right, what it needs and whether it exposes personal data."""
    lines = [f"Can be held by: {' and '.join(f'{t}s' for t in right.user_types)}."]
    if right.requires:
        lines.append(f"Requires: {_names(right.requires)} active for the employer.")
    if right.personal_data:
        lines.append("**Exposes personal data (AVG/GDPR)**: every grant is flagged for review.")
    lines.append(_source(right.source, right.note))
    return "\n\n".join(lines)


def tier_text(catalog: Catalog, tier: str) -> str:
    """Which products make a tier, and what Start includes."""
    if tier == catalog.tiers[0]:
        return (
            f"**{tier.capitalize()}**: MijnLoket with no product of a higher tier. Includes "
            f"{', '.join(catalog.start_features)}."
        )
    makers = [p.name for p in catalog.products.values() if p.tier == tier]
    return f"**{tier.capitalize()}** as soon as any of: {_names(makers)}."


def user_type_text(catalog: Catalog, user_type: str) -> str:
    rights = [r.name for r in catalog.rights.values() if user_type in r.user_types]
    held = f" Can hold: {_names(rights)}." if rights else " Holds none of the catalog's rights."
    return f"{USER_TYPES.get(user_type, user_type).capitalize()}.{held}"


def plain(markdown: str) -> str:
    """The Markdown text without its markup, for clients that show plain text."""
    text = re.sub(r"[*`]", "", markdown)
    return text.replace("\n\n", " ")


def describe_values(
    schema: dict[str, Any], values: Sequence[Any], text: Callable[[Any], str]
) -> None:
    """Give ``schema`` (one with ``enum: values``) a description per value, in both forms
    yaml-language-server reads."""
    markdown = [text(v) for v in values]
    schema["markdownEnumDescriptions"] = markdown
    schema["enumDescriptions"] = [plain(m) for m in markdown]
