"""Benchmark ``plan`` through the ``loket`` provider against the emulator, by concurrency.

Generates N valid employer files (``sandbox/synthetic.py``, seeded; one ak-gebruiker and
one to three werkgevergebruikers each, so 4 to 6 requests per employer), seeds a sandbox database
from them (``sandbox seed``'s logic, so a few employers drift), serves it with
``mijnloket-gitops emulator serve --latency-ms L`` in a process of its own (so its
event loop does not share the planning process's interpreter lock), authorizes a
token store as ``auth login`` would, and then plans the whole repository once per
concurrency, each run in a fresh Python process (so peak memory is per run)::

    python benchmarks/plan.py --employers 2000 --latency-ms 20 --concurrency 1,4,8,16

A run does what ``mijnloket-gitops plan`` does (load and validate the files, open the
provider, :func:`~mijnloket_gitops.plan.build.make_plan` with the unmanaged listing);
only ``make_plan`` is timed. The request budget is set far above what the runs reach
(``--rate``), so it does not bind. Columns:

- ``wall s``: the time of ``make_plan``; ``speed-up``: the first concurrency's time
  divided by this one's (``bar``: 0.8 x concurrency, the issue's bar);
- ``requests``: the emulator's request log (``/v2`` and ``/oauth``) during the run;
  ``req/s``: requests per wall second; ``slot ms``: wall time x concurrency per
  request, how long a request holds one of the concurrent slots (at concurrency 1,
  the round trip; above it, whatever waiting concurrency adds);
- ``client ms/req``: CPU time (user + system, all threads) of the planning process
  during ``make_plan`` per request; ``emu ms/req``: the same for the emulator process;
- ``peak RSS MB``: the planning process's peak resident memory (``ru_maxrss``, the
  whole process: files loaded and validated, then planned); ``plan +MB``: how much
  the peak grew during ``make_plan`` over the resident size just before it.

Each ``--api`` (``classic,current`` by default) gets its own emulator world and table,
with the request counts the issue's bars are about: ``rights`` the GETs of a
werkgevergebruiker's rights, ``other`` every other request of the plan, ``bar`` 100
(for ``current``: the plan may make at most 100 requests besides one rights read per
live werkgevergebruiker), and ``@5/s s`` the shortest wall time those requests can take
under the default request budget of 5 requests per second (requests / 5: the budget
is a token bucket, so that is a lower bound; run with ``--rate 5`` to measure it).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

# the repository root on the path: the benchmarks run from there
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.config import LoketProviderConfig, SafetyConfig, load_settings
from mijnloket_gitops.loket.oauth import login
from mijnloket_gitops.loket.session import OAuthSession
from mijnloket_gitops.sandbox.seed import create_seeded, seed_state
from mijnloket_gitops.sandbox.synthetic import BENCHMARK, write_employers
from mijnloket_gitops.validate.runner import validate_paths

CLIENT_ID = "benchmark-client"
CLIENT_SECRET = "benchmark-client-secret-5d1e"
ENV = {"LOKET_CLIENT_ID": CLIENT_ID, "LOKET_CLIENT_SECRET": CLIENT_SECRET}
DB = ".mijnloket/sandbox.sqlite"
CAPABILITY_CACHE = ".mijnloket/loket-capabilities.json"
RESULT = "RESULT "
"""Prefix of the line a run prints with its measurements (JSON)."""


@dataclass(frozen=True)
class Emulator:
    """The emulator process and where it answers."""

    process: subprocess.Popen[bytes]
    root: str

    @property
    def api_url(self) -> str:
        return f"{self.root}/v2"

    @property
    def oauth_url(self) -> str:
        return f"{self.root}/oauth"

    def cpu_seconds(self) -> float:
        """User plus system CPU time of the emulator process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def last_seq(self) -> int:
        """How many requests the emulator has logged."""
        answer = httpx.get(f"{self.root}/_emulator/requests", params={"since": 2**62})
        answer.raise_for_status()
        seq: int = answer.json()["lastSeq"]
        return seq

    def rights_reads(self, since: int) -> int:
        """GETs of a werkgevergebruiker's rights logged after entry ``since``."""
        answer = httpx.get(f"{self.root}/_emulator/requests", params={"since": since})
        answer.raise_for_status()
        return sum(
            1
            for r in answer.json()["requests"]
            if r["method"] == "GET"
            and r["path"].startswith("/v2/providers/employers/")
            and r["path"].endswith("/authorizations")
        )


@dataclass(frozen=True)
class Measured:
    """One run: what the planning process measured about itself, and the emulator."""

    concurrency: int
    employers: int
    seconds: float
    client_cpu: float
    rss_before_kb: int
    peak_rss_kb: int
    requests: int = 0
    emulator_cpu: float = 0.0
    rights_reads: int = 0
    api: str = "classic"


def setup(root: Path, employers: int, seed: int) -> Path:
    """``root/repo``: generated employer files seeded into the sandbox database."""
    repo = root / "repo"
    catalog = builtin_catalog()
    write_employers(repo / "employers", catalog, employers, seed, BENCHMARK)
    result = validate_paths([repo / "employers"], catalog)
    if result.errors:
        raise SystemExit(f"the generated files are not valid: {result.diagnostics[0].message}")
    state = seed_state(result.employers, catalog, SafetyConfig())
    create_seeded(repo / DB, state, catalog, reset=False)
    return repo


@contextlib.contextmanager
def emulator(repo: Path, latency_ms: int, api: str = "classic") -> Iterator[Emulator]:
    """``emulator serve`` on a free port of 127.0.0.1, in its own process, for the block.

    Its output goes to ``emulator.log`` beside the repository (a pipe nobody reads
    could fill up and stall it).
    """
    argv = [sys.executable, "-m", "mijnloket_gitops", "emulator", "serve", "--port", "0"]
    argv += ["--db", str(repo / DB), "--latency-ms", str(latency_ms), "--client-id", CLIENT_ID]
    argv += ["--api", api]
    env = {**os.environ, **ENV, "PYTHONUNBUFFERED": "1"}
    log = repo.parent / "emulator.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.Popen(argv, cwd=repo, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        root = _api_root(process, log)
        yield Emulator(process, root)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _api_root(process: subprocess.Popen[bytes], log: Path, timeout: float = 60.0) -> str:
    """The emulator's ``http://host:port`` from its start-up lines in ``log``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.strip().startswith("API base"):
                return line.split()[-1].removesuffix("/v2")
        if process.poll() is not None:
            break
        time.sleep(0.05)
    output = log.read_text(encoding="utf-8", errors="replace")[-2000:]
    raise SystemExit(f"the emulator did not start (exit {process.poll()}):\n{output}")


def configure(repo: Path, server: Emulator, concurrency: int, rate: float) -> None:
    """``mijnloket-gitops.yaml`` selecting the loket provider on the emulator."""
    lines = [
        "version: 1",
        "provider:",
        "  type: loket",
        f"  api_url: {server.api_url}",
        f"  oauth_url: {server.oauth_url}",
        f"  requests_per_second: {rate}",
        f"  concurrency: {concurrency}",
    ]
    (repo / "mijnloket-gitops.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def authorize(repo: Path, server: Emulator) -> None:
    """Start the token store as ``auth login`` does: an authorization code, exchanged."""
    config = load_settings(repo).config.provider
    assert isinstance(config, LoketProviderConfig)
    query = {"client_id": CLIENT_ID, "redirect_uri": config.redirect_uri, "response_type": "code"}
    answer = httpx.get(
        f"{server.oauth_url}/authorize", params=query, headers={"Accept": "application/json"}
    )
    answer.raise_for_status()
    with OAuthSession(config, repo, env=ENV) as session:
        login(session.store, session.oauth, answer.json()["code"], config.redirect_uri)


def plan_once(repo: Path) -> Measured:
    """Plan ``repo`` as ``mijnloket-gitops plan`` does, timing ``make_plan`` (in-process)."""
    from mijnloket_gitops.plan.build import make_plan
    from mijnloket_gitops.plan.scope import load_repository
    from mijnloket_gitops.providers.registry import open_provider

    settings = load_settings(repo)
    repository = load_repository(settings)
    if repository.validation.errors:
        raise SystemExit("the employer files are not valid")
    rss_before = _rss_kb()
    with open_provider(settings) as provider:
        cpu = time.process_time()
        start = time.perf_counter()
        make_plan(settings, provider, repository.in_scope, managed=repository.managed)
        seconds = time.perf_counter() - start
        cpu = time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    config = settings.config.provider
    concurrency = getattr(config, "concurrency", 1)
    return Measured(concurrency, len(repository.in_scope), seconds, cpu, rss_before, peak)


def _rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # pragma: no cover - Linux has it


def run(
    repo: Path, server: Emulator, concurrency: int, rate: float, api: str = "classic"
) -> Measured:
    """One concurrency in a fresh planning process; adds the emulator's side."""
    configure(repo, server, concurrency, rate)
    seq, emulator_cpu = server.last_seq(), server.cpu_seconds()
    argv = [sys.executable, str(Path(__file__).resolve()), "--run", str(repo)]
    done = subprocess.run(
        argv, env={**os.environ, **ENV}, capture_output=True, text=True, check=False
    )
    emulator_cpu = server.cpu_seconds() - emulator_cpu
    requests = server.last_seq() - seq
    rights = server.rights_reads(seq)
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode != 0 or not lines:
        raise SystemExit(
            f"the planning run (concurrency {concurrency}) exited {done.returncode}:\n"
            f"{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    fields = json.loads(lines[-1].removeprefix(RESULT))
    extra = {"requests": requests, "emulator_cpu": emulator_cpu, "rights_reads": rights}
    return Measured(**{**fields, **extra, "api": api})


DEFAULT_RATE = 5.0
"""``requests_per_second``'s default in ``mijnloket-gitops.yaml``."""
OTHER_REQUESTS_BAR = 100
"""With ``--api current``: requests of a full plan besides the rights reads (issue 10)."""


def requests_report(runs: Sequence[Measured]) -> str:
    """Requests per plan against the bars, and the wall time under the default budget."""
    lines = [
        f"{'api':>8} {'employers':>9} {'requests':>8} {'rights':>7} {'other':>6} {'bar':>5} "
        f"{'wall s':>7} {'@5/s s':>7}"
    ]
    for r in runs:
        other = r.requests - r.rights_reads
        bar = f"{OTHER_REQUESTS_BAR:5d}" if r.api == "current" else "    -"
        lines.append(
            f"{r.api:>8} {r.employers:9,} {r.requests:8,} {r.rights_reads:7,} {other:6,} {bar} "
            f"{r.seconds:7.2f} {r.requests / DEFAULT_RATE:7.0f}"
        )
    return "\n".join(lines)


def report(runs: Sequence[Measured], latency_ms: int) -> str:
    base = runs[0]
    lines = [
        f"{base.employers:,} employers, api {base.api}, latency {latency_ms} ms, "
        f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; speed-up against "
        f"concurrency {base.concurrency}",
        f"{'concurrency':>11} {'wall s':>8} {'speed-up':>8} {'bar':>5} {'requests':>8} "
        f"{'req/s':>6} {'slot ms':>7} {'client ms/req':>13} {'emu ms/req':>10} "
        f"{'peak RSS MB':>11} {'plan +MB':>8}",
    ]
    for r in runs:
        speed_up = base.seconds / r.seconds
        lines.append(
            f"{r.concurrency:>11} {r.seconds:8.2f} {speed_up:7.1f}x {0.8 * r.concurrency:4.1f}x "
            f"{r.requests:8,} {r.requests / r.seconds:6.0f} "
            f"{r.seconds * r.concurrency * 1000 / r.requests:7.2f} "
            f"{r.client_cpu * 1000 / r.requests:13.3f} {r.emulator_cpu * 1000 / r.requests:10.3f} "
            f"{r.peak_rss_kb / 1024:11.1f} {(r.peak_rss_kb - r.rss_before_kb) / 1024:8.1f}"
        )
    return "\n".join(lines)


def concurrencies(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1 or max(values) > 64:
        raise argparse.ArgumentTypeError("give concurrencies between 1 and 64, e.g. 1,4,8,16")
    return values


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--employers", type=int, default=2000, help="how many (2000)")
    parser.add_argument("--latency-ms", type=int, default=20, help="emulator latency (20)")
    parser.add_argument(
        "--concurrency", type=concurrencies, default=[1, 4, 8, 16], help="list (1,4,8,16)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the files (1)")
    parser.add_argument(
        "--rate", type=float, default=1e6, help="request budget, requests/s (1e6: not binding)"
    )
    parser.add_argument(
        "--api", default="classic,current", help="emulated worlds, in order (classic,current)"
    )
    parser.add_argument("--json", type=Path, help="also write the measurements here")
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # one planning run
    args = parser.parse_args(argv)
    if args.run is not None:
        print(RESULT + json.dumps(asdict(plan_once(args.run))), flush=True)
        return 0
    if args.employers < 1:
        parser.error("--employers must be at least 1")
    apis = [a.strip() for a in args.api.split(",") if a.strip()]
    if not apis or set(apis) - {"classic", "current"}:
        parser.error("--api takes classic, current or both, e.g. classic,current")
    with tempfile.TemporaryDirectory(prefix="mijnloket-bench-plan-") as tmp:
        started = time.perf_counter()
        repo = setup(Path(tmp), args.employers, args.seed)
        print(f"seeded {args.employers:,} employers in {time.perf_counter() - started:.1f} s")
        load = os.getloadavg()[0]
        if load > 0.5:
            print(f"note: load average is {load:.2f}; other work skews the figures")
        tables, every_run = [], []
        for api in apis:
            (repo / CAPABILITY_CACHE).unlink(missing_ok=True)  # each world discovered afresh
            with emulator(repo, args.latency_ms, api) as server:
                configure(repo, server, args.concurrency[0], args.rate)
                authorize(repo, server)
                runs = []
                for concurrency in args.concurrency:
                    runs.append(run(repo, server, concurrency, args.rate, api))
                    print(f"  {api}, concurrency {concurrency}: {runs[-1].seconds:.2f} s")
            tables.append(report(runs, args.latency_ms))
            every_run += runs
    print("\n\n".join(tables))
    print()
    print(requests_report([r for r in every_run if r.concurrency == args.concurrency[-1]]))
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in every_run], indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
