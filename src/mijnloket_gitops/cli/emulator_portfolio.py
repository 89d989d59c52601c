"""``emulator serve --employers N --seed S``: the database the emulator then serves.

Without ``--db``, a new database in a temporary folder, removed when the emulator
stops, so a rehearsal never touches the repository's sandbox; with ``--db``, that
file, which must not exist yet.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from pathlib import Path

import click

from mijnloket_gitops.config import Settings
from mijnloket_gitops.sandbox.portfolio import fill_portfolio


def portfolio_database(db: Path | None, employers: int, seed: int, settings: Settings) -> Path:
    """The database filled with ``employers`` generated employers (seeded by ``seed``)."""
    if db is None:
        folder = Path(tempfile.mkdtemp(prefix="mijnloket-emulator-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        db = folder / "portfolio.sqlite"
    count = fill_portfolio(db, employers, seed, settings.catalog, settings.config.safety)
    click.echo(
        f"Filled {db} with {count} employers ({employers} generated with seed {seed}, "
        f"{count - employers} unmanaged); `import --all` writes their files.",
        err=True,
    )
    return db
