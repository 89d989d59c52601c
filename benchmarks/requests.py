"""Count the requests of ``plan`` in every emulated Loket.nl world, beside the least the
endpoints allow.

For each world (``classic``, ``current``, ``artefact``) and each N
(10, 24, 25, 100, 300, 2000 by default) it generates N valid employer files
(``tests/synthetic.py``, the plan benchmark's portfolio; ``User<n>`` logins in the
``artefact`` world), seeds a sandbox database from them (so a few employers drift and
a few unmanaged ones exist), serves it with ``mijnloket-gitops emulator serve --world
W`` in a process of its own, authorizes a token store, and runs ``mijnloket-gitops
plan`` twice: ``cold`` with no capability cache (discovery included), ``warm`` right
after (capabilities cached). Requests are counted in the emulator's request log:
``/v2`` and ``/provider`` (the API; tokens under ``/oauth`` are left out and shown apart).
Then, at ``--target-employers`` (800), ``plan --target ID`` of one employer, cold and
warm, against the issue's bar of 10 requests. Nothing is timed::

    python benchmarks/requests.py --employers 10,24,25 --worlds classic,current,artefact

``least`` is what the endpoints minimally need for that plan, computed from the seeded
data (:func:`least_requests`); ``exit`` is plan's exit code, cold/warm (0: planned,
1: something could not be read or planned, 3: a safety guard refused the plan after
reading everything).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent))  # tests/synthetic.py, tests/emulator_fixtures.py
sys.path.insert(0, str(BENCHMARKS))  # plan.py: the emulator process and the token store

from plan import CAPABILITY_CACHE, DB, ENV, Emulator, authorize, configure, emulator  # noqa: E402

from mijnloket_gitops.catalog import builtin_catalog  # noqa: E402
from mijnloket_gitops.config import SafetyConfig  # noqa: E402
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state  # noqa: E402
from mijnloket_gitops.sandbox.store import Store  # noqa: E402
from mijnloket_gitops.validate.runner import validate_paths  # noqa: E402
from tests.emulator_fixtures import use_usernames  # noqa: E402
from tests.synthetic import BENCHMARK, write_employers  # noqa: E402

WORLDS = ("classic", "current", "artefact")
SIZES = (10, 24, 25, 100, 300, 2000)
TARGET_EMPLOYERS = 800
TARGET_BAR = 10
"""The issue's bar: ``plan --target`` of one employer makes at most this many requests."""
PAGE = 250
"""The page size the provider asks for (and the emulator's largest)."""
RATE = 1e6
"""The request budget: far above what a run reaches, so it does not bind."""


@dataclass(frozen=True)
class Counted:
    """One plan: API requests (cold and warm), tokens, the least, and plan's exit codes."""

    world: str
    employers: int
    cold: int
    warm: int
    least: int
    tokens: int
    exits: tuple[int, int]
    target: str | None = None


def setup(root: Path, employers: int, seed: int, world: str) -> tuple[Path, list[str]]:
    """``root/repo``: generated employer files seeded into the sandbox database; and the
    ids of the employers with a file (the seed adds a few without)."""
    repo = root / "repo"
    catalog = builtin_catalog()
    write_employers(repo / "employers", catalog, employers, seed, BENCHMARK)
    if world == "artefact":
        use_usernames(repo / "employers")
    result = validate_paths([repo / "employers"], catalog)
    if result.errors:
        raise SystemExit(f"the generated files are not valid: {result.diagnostics[0].message}")
    state = seed_state(result.employers, catalog, SafetyConfig())
    create_seeded(repo / DB, state, catalog, reset=False)
    return repo, [e.employer_id for _, e in result.employers]


def pages(items: int) -> int:
    """Requests to read a list of ``items`` (an empty list is one answer too)."""
    return max(1, math.ceil(items / PAGE))


def least_requests(db: Path, world: str, scope: Sequence[str], *, full: bool) -> int:
    """What the endpoints of ``world`` minimally need to plan ``scope`` (employer ids):
    every employer with a file when ``full``, else the ``--target`` ones.

    Capabilities are known (no discovery), pages hold :data:`PAGE` items, and each
    read is the cheaper of a provider-wide list and one request per employer:

    - names: the employer list (all pages) for a full plan, the employer's own GET
      for a targeted one;
    - modules: one GET per employer, or (``current``, ``artefact``) the bulk list of
      all employers' modules, one item per employer;
    - werkgevergebruikers: one GET per employer, or the bulk list of all employer users;
    - their rights: one GET per (employer, werkgevergebruiker) in ``current``; none
      elsewhere (``classic`` 405, ``artefact`` 501: nothing to read);
    - ak-gebruikers (``current``, ``artefact``): ``/providers`` for the provider id,
      the list of provider users, and for each ak-gebruiker linked to an employer in
      scope the list of their rights (one item per employer and right they may hold).
    """
    with Store.open(db, readonly=True) as store:
        every = [e.employer_id for e in store.employers()]
        in_scope = list(scope)
        werkgever = {e: len(store.users(e, "werkgevergebruiker")) for e in every}
        ak = store.users_of_type("ak-gebruiker")
        linked = {u.user_id: store.employers_of_user(u.user_id) for u in ak}
        rights = len(store.rights())
    k = len(in_scope)
    names = pages(len(every)) if full else k
    if world == "classic":
        return names + 2 * k
    bulk_users = pages(sum(werkgever.values()))
    total = names + min(k, pages(len(every))) + min(k, bulk_users)
    if world == "current":
        total += sum(werkgever[e] for e in in_scope)
    wanted = {e.lower() for e in in_scope}
    total += 1 + pages(len(ak))
    for employers in linked.values():
        if wanted & {e.lower() for e in employers}:
            total += pages(len(employers) * rights)
    return total


def api_log(server: Emulator, since: int) -> list[dict[str, object]]:
    answer = httpx.get(f"{server.root}/_emulator/requests", params={"since": since})
    answer.raise_for_status()
    entries: list[dict[str, object]] = answer.json()["requests"]
    return entries


def plan(repo: Path, server: Emulator, *args: str) -> tuple[int, int, int]:
    """``mijnloket-gitops plan ARGS``: (API requests, token requests, exit code)."""
    since = server.last_seq()
    argv = [sys.executable, "-m", "mijnloket_gitops", "plan", *args, "--repo", str(repo)]
    done = subprocess.run(argv, env={**os.environ, **ENV}, capture_output=True, check=False)
    if done.returncode not in (0, 1, 2, 3):  # 3: a safety guard refused; all was read
        message = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
        raise SystemExit(f"plan exited {done.returncode}:\n{message}")
    log = api_log(server, since)
    tokens = sum(1 for r in log if str(r["path"]).startswith("/oauth"))
    return len(log) - tokens, tokens, done.returncode


def count(root: Path, world: str, employers: int, seed: int, target: bool) -> Counted:
    """Cold and warm plans (of one employer when ``target``) at ``employers``."""
    repo, scope = setup(root, employers, seed, world)
    with emulator(repo, 0, world) as server:
        configure(repo, server, 4, RATE)
        authorize(repo, server)
        args: list[str] = []
        if target:
            with Store.open(repo / DB, readonly=True) as store:
                chosen = next(e for e in scope if store.users(e, "werkgevergebruiker"))
            scope, args = [chosen], ["--target", chosen]
        (repo / CAPABILITY_CACHE).unlink(missing_ok=True)
        cold, cold_tokens, cold_exit = plan(repo, server, *args)
        warm, warm_tokens, warm_exit = plan(repo, server, *args)
    least = least_requests(repo / DB, world, scope, full=not target)
    return Counted(
        world, employers, cold, warm, least, cold_tokens + warm_tokens,
        (cold_exit, warm_exit), scope[0] if target else None,
    )  # fmt: skip


def table(rows: Sequence[Counted], bar: int | None = None) -> str:
    head = f"{'world':>8} {'employers':>9} {'cold':>6} {'warm':>6} {'least':>6} "
    head += f"{'warm-least':>10} {'tokens':>6} {'exit':>5}" + (" bar" if bar else "")
    lines = [head]
    for r in rows:
        line = f"{r.world:>8} {r.employers:9,} {r.cold:6,} {r.warm:6,} {r.least:6,} "
        line += f"{r.warm - r.least:10,} {r.tokens:6} {'/'.join(map(str, r.exits)):>5}"
        if bar:
            line += f" {'ok' if max(r.cold, r.warm) <= bar else 'over'} ({bar})"
        lines.append(line)
    return "\n".join(lines)


def numbers(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError("give positive numbers, e.g. 10,24,25")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employers", type=numbers, default=list(SIZES), help="sizes")
    parser.add_argument("--worlds", default=",".join(WORLDS), help="classic,current,artefact")
    parser.add_argument("--target-employers", type=int, default=TARGET_EMPLOYERS,
                        help="size of the --target run (800; 0: none)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=1, help="random seed of the files (1)")
    parser.add_argument("--json", type=Path, help="also write the counts here")
    args = parser.parse_args(argv)
    worlds = [w.strip() for w in args.worlds.split(",") if w.strip()]
    if not worlds or set(worlds) - set(WORLDS):
        parser.error(f"--worlds takes {', '.join(WORLDS)}")
    full: list[Counted] = []
    targeted: list[Counted] = []
    with tempfile.TemporaryDirectory(prefix="mijnloket-bench-requests-") as tmp:
        for world in worlds:
            for n in args.employers:
                full.append(count(Path(tmp) / f"{world}-{n}", world, n, args.seed, False))
                print(f"  {world}, {n:,} employers: {full[-1].warm:,} requests", flush=True)
            if args.target_employers:
                where = Path(tmp) / f"{world}-target"
                targeted.append(count(where, world, args.target_employers, args.seed, True))
    print("plan of every employer (API requests; tokens apart):")
    print(table(full))
    if targeted:
        print(f"\nplan --target of one employer at {args.target_employers:,} employers:")
        print(table(targeted, TARGET_BAR))
    if args.json:
        rows = [asdict(r) for r in full + targeted]
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
