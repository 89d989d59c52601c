"""What the employer policies cost ``validate`` (issue 23; the bar: at most 20%).

Generates N realistic, valid employer files (``write_realistic`` of
``tests/synthetic.py``, seeded), then validates them in-process with the same worker
pool ``mijnloket-gitops validate`` uses, without and with the policies below,
alternating, and prints the best time of each and the share the policies add::

    python benchmarks/policies.py --files 10000 --seed 1 --repeat 3

The policies are what a bureau writes: a tier rule, a rule over the users and one over
the products. Every generated file satisfies them (the run checks that no diagnostic
comes from them), so what is timed is evaluating them, not reporting.

Three figures: whole runs by wall time and by CPU time (this process and the workers),
with and without the policies, and the CPU time of evaluating the policies on every
file alone, against validate's CPU time. The last decides: on a machine shared with
other work, whole runs vary by more than the policies cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

# the root, for the generator the tests share: tests/synthetic.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.governance.employer_policies import employer_diagnostics
from mijnloket_gitops.governance.policies import PolicyConfig
from mijnloket_gitops.validate.runner import validate_paths
from tests.synthetic import write_realistic as generate

TODAY = dt.date(2026, 6, 1)
POLICIES = (
    PolicyConfig(
        id="pro-needs-account-manager",
        on="employer",
        rule='employer.tier != "pro" || !has(employer.labels.account_manager) '
        '|| employer.labels.account_manager != ""',
        message="Pro tier needs an account manager label",
    ),
    PolicyConfig(
        id="email-rights-only-with-signed-addendum",
        on="employer",
        rule='!employer.users.exists(u, "Raadplegen MijnLoket e-mailadres" in u.rights) '
        '|| employer.addendum.status == "signed"',
        message="werkgevergebruikers get personal-data rights only with a signed addendum",
    ),
    PolicyConfig(
        id="no-empty-portal",
        on="employer",
        rule='!("MijnLoket" in employer.products) || employer.products.size() > 1',
        message="MijnLoket alone is an empty portal",
    ),
)


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the pool's workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure(directory: Path, with_policies: bool) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one validation of ``directory``."""
    started, cpu = time.perf_counter(), _cpu()
    result = validate_paths(
        [directory], builtin_catalog(), today=TODAY, policies=POLICIES if with_policies else ()
    )
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    ids = {p.id for p in POLICIES}
    assert not [d for d in result.diagnostics if d.rule in ids], "a policy fired"
    return seconds, cpu


def policies_alone(directory: Path, repeat: int) -> float:
    """CPU seconds of evaluating the policies on every file's data, alone (best of
    ``repeat``): the part of validate the policies add, without the rest's noise."""
    result = validate_paths([directory], builtin_catalog(), today=TODAY)
    files = [(f.path, f.data, f.id_mark) for f in result.files if f.data is not None]
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        for path, data, mark in files:
            employer_diagnostics(POLICIES, path, data, mark)
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder)
        generate(directory, args.files, args.seed, TODAY)
        measure(directory, False)  # warm the page cache
        without, with_ = [], []
        for _ in range(args.repeat):
            without.append(measure(directory, False))
            with_.append(measure(directory, True))
        alone = policies_alone(directory, args.repeat)
    print(f"{args.files} files, {len(POLICIES)} employer policies, best of {args.repeat}:")
    shares = []
    for index, what in ((0, "wall"), (1, "CPU")):
        base = min(m[index] for m in without)
        policed = min(m[index] for m in with_)
        shares.append((policed - base) / base)
        print(
            f"  {what:>4}: {base:.3f} s without, {policed:.3f} s with policies"
            f" ({shares[-1]:+.1%}; the bar: +20%)"
        )
    base_cpu = min(m[1] for m in without)
    print(
        f"  the policies alone: {alone:.3f} s CPU = {alone / base_cpu:.1%} of validate's CPU"
        " without them"
    )
    # what decides: the policies' own CPU time against validate's; the differences of
    # whole runs above move by more than that on a machine shared with other work
    return 0 if alone / base_cpu <= 0.20 else 1


if __name__ == "__main__":
    sys.exit(main())
