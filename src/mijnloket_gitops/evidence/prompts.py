"""The comments ``import`` writes to ask for the addendum's evidence: written by
:mod:`mijnloket_gitops.onboard.draft`, removed by :mod:`.fill` once it is filled in."""

EVIDENCE_GAP = [
    "Fill in from Loket's confirmation ticket, then remove `evidence: pending`.",
    "Until then validate warns (evidence-pending), plan shows this employer and apply",
    "leaves it alone.",
]
"""Above ``signed_on``."""
EVIDENCE_FIELDS = {"signed_on": "YYYY-MM-DD", "ticket": 'quoted, e.g. "LKT-48211"'}
"""At the end of each evidence line: the format to write."""
