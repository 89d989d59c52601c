"""Counting and articles in English messages: "1 right", "2 rights", "an ak-gebruiker".

One place for it, so that no message says "1 rights" or "a ak-gebruiker".
"""

from __future__ import annotations

# Plurals that do not just add "s".
_IRREGULAR = {"this": "these", "person": "people"}
_PREPOSITIONS = {"to", "of", "in", "for", "with"}


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``count`` and the noun in the right number: ``plural(1, "file") == "1 file"``.

    In a phrase, the noun is the last word, or the word before a preposition:
    "tier change" -> "tier changes", "right to grant" -> "rights to grant".
    """
    if count == 1:
        return f"{count} {singular}"
    if plural_form is None:
        words = singular.split(" ")
        at = next((i - 1 for i, w in enumerate(words) if i and w in _PREPOSITIONS), len(words) - 1)
        words[at] = _inflect(words[at])
        plural_form = " ".join(words)
    return f"{count} {plural_form}"


def _inflect(noun: str) -> str:
    if noun in _IRREGULAR:
        return _IRREGULAR[noun]
    if noun.endswith("y") and noun[-2:-1] not in ("a", "e", "i", "o", "u"):
        return noun[:-1] + "ies"
    return noun + "s"


def article(word: str) -> str:
    """``word`` with "a" or "an" in front, by its first letter (the names this tool uses
    have no silent or sounded-out first letters: "an ak-gebruiker", "a werkgevergebruiker")."""
    return f"{'an' if word[:1].lower() in 'aeiou' else 'a'} {word}"
