"""A generated portfolio in a sandbox database: for a demo or a campaign's rehearsal.

The employers come from the project's one generator (:mod:`.synthetic`, the portfolio
the tests seed), are checked as ``validate`` checks files, and are written as
``sandbox seed`` writes a repository's files (:mod:`.seed`: a few employers drift,
three unmanaged ones are added). The same count and seed give the same portfolio.
No employer file is kept: ``import --all`` writes them from live state, as it would
for a real bureau.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from mijnloket_gitops.catalog import Catalog
from mijnloket_gitops.config import SafetyConfig
from mijnloket_gitops.errors import MijnloketError
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state
from mijnloket_gitops.sandbox.synthetic import write_employers


def fill_portfolio(
    path: Path, employers: int, seed: int, catalog: Catalog, safety: SafetyConfig
) -> int:
    """Create the sandbox database ``path`` with ``employers`` generated employers (and
    the three unmanaged ones); the number of employers live. Raises SandboxError when
    ``path`` exists: a portfolio never replaces a database."""
    from mijnloket_gitops.validate.runner import validate_paths  # validate needs no sandbox

    with tempfile.TemporaryDirectory(prefix="mijnloket-portfolio-") as scratch:
        files = write_employers(Path(scratch), catalog, employers, seed)
        checked = validate_paths(files, catalog)
        if checked.errors:  # the generator's contract is valid files
            first = next(d for d in checked.diagnostics if d.severity == "error")
            raise MijnloketError(f"the generated portfolio is not valid: {first.message}")
        state = seed_state(checked.employers, catalog, safety)
    create_seeded(path, state, catalog, reset=False)
    return len(state)
