"""The text scan of files outside a scoped plan's scope (issue 12): fast, same counts.

``text_counts`` was rewritten for speed (literal searches, block lists matched by one
regex); :func:`reference` is the line-by-line reading it replaced, kept here as the
definition the fast one must agree with on any text.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from mijnloket_gitops.plan.managed import text_counts

ROOT = Path(__file__).resolve().parent.parent


def _inline(value: str) -> int:
    inner = value[1 : value.find("]")] if "]" in value else value[1:]
    return len([p for p in inner.split(",") if p.strip()])


def _block(text: str, start: int) -> int:
    count = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        item = text[start:end].strip()
        start = end + 1
        if not item or item[0] == "#":
            continue
        if item[:2] != "- " or ":" in item.split(" #", 1)[0]:
            break
        count += 1
    return count


def reference(text: str) -> tuple[int, int]:
    """The scan as first written: every ``products:``/``rights:``, judged per line."""
    counts = {"products": 0, "rights": 0}
    for found in re.finditer(r"(products|rights):", text):
        key = found.group(1)
        before = text[text.rfind("\n", 0, found.start()) + 1 : found.start()]
        if key == "products" and before:
            continue
        if before.strip() not in ("", "-"):
            continue
        end = text.find("\n", found.end())
        value = text[found.end() : len(text) if end < 0 else end].split(" #", 1)[0].strip()
        if value.startswith("["):
            counts[key] += _inline(value)
        elif not value and end >= 0:
            counts[key] += _block(text, end + 1)
    return counts["products"], counts["rights"]


PIECES = [
    " ", "\t", "\n", "\r", "\u00a0", "-", "- ", "#", " #", ":", "[", "]", ",", "a", "x y",
    "products:", "rights:", "products:\n", "rights:\n", "  - item\n", "  - a: b\n",
    "    - R  # note\n", "  # - commented\n", "[a, b]", "[ , ]", "users:\n",
]  # fmt: skip


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_the_fast_scan_counts_as_the_line_by_line_one(text: str) -> None:
    assert text_counts(text) == reference(text)


def test_the_fast_scan_counts_the_examples_and_generated_files_the_same() -> None:
    import datetime as dt
    import random

    from mijnloket_gitops.catalog import builtin_catalog
    from mijnloket_gitops.sandbox.synthetic import BENCHMARK, employer_yaml, realistic_yaml

    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "employers").glob("*.yaml")]
    rng = random.Random(5)
    catalog = builtin_catalog()
    texts += [employer_yaml(catalog, rng, i, BENCHMARK) for i in range(300)]
    texts += [realistic_yaml(rng, catalog, dt.date(2026, 1, 1)) for _ in range(300)]
    assert all(text_counts(t) == reference(t) for t in texts)
    assert sum(text_counts(t)[0] for t in texts) > 300  # block lists were counted


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=500, deadline=None)
@given(JSON)
def test_fingerprints_hash_what_json_dumps_writes(data: object) -> None:
    """Fingerprints (desired hashes, the live fingerprint, plan ids) keep their values:
    the shared encoder writes what ``json.dumps`` wrote for them before."""
    import json

    from mijnloket_gitops.plan.saved import canonical_json

    assert canonical_json(data) == json.dumps(data, sort_keys=True, ensure_ascii=False).encode()
