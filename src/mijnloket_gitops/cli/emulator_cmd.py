"""``emulator serve``: a local emulator of the Loket.nl REST API over the sandbox database.

aiohttp is an optional extra, so the emulator package is imported only when the
command runs.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mijnloket_gitops.cli.common import FullHelpGroup, repo_option, settings_for
from mijnloket_gitops.errors import ConfigError, MijnloketError
from mijnloket_gitops.providers.sandbox import sandbox_path

if TYPE_CHECKING:
    from mijnloket_gitops.emulator.server import Urls
    from mijnloket_gitops.emulator.state import EmulatorConfig

F = TypeVar("F", bound=Callable[..., Any])

DEFAULT_PORT = 8700
DEFAULT_CLIENT_ID = "mijnloket-gitops-emulator"


def is_loopback(host: str) -> bool:
    """Whether every address ``host`` resolves to is a loopback address."""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError):
        return False
    addresses = {str(info[4][0]).split("%")[0] for info in infos}
    return bool(addresses) and all(ipaddress.ip_address(a).is_loopback for a in addresses)


def _require_aiohttp() -> None:
    if importlib.util.find_spec("aiohttp") is None:
        raise MijnloketError(
            "the emulator needs aiohttp, an optional dependency; install it with "
            "`pip install 'mijnloket-gitops[emulator]'`, or from a clone of the repository "
            "(an editable install) `pip install -e '.[emulator]'`"
        )


@click.group(cls=FullHelpGroup)
def emulator() -> None:
    """A local emulator of the Loket.nl REST API, backed by the sandbox database."""


CAPABILITY_NAMES = (
    "modules_read",
    "modules_bulk_read",
    "modules_write",
    "employer_users_bulk_read",
    "employer_user_rights_read",
    "employer_user_rights_write",
    "provider_users_read",
    "provider_user_rights_read",
    "provider_user_rights_write",
)
"""The loket provider's capabilities (``loket.capabilities.Capability``), spelt out so
this module needs nothing of the provider to build its options."""


def capability_switches(func: F) -> F:
    """``--no-<capability>`` for every capability: the emulated Loket.nl lacks it."""
    for name in reversed(CAPABILITY_NAMES):
        flag = "--no-" + name.replace("_", "-")
        func = click.option(
            flag, f"without_{name}", is_flag=True, help=f"Switch {name} off in this world."
        )(func)
    return func


def _config(
    client_id: str,
    secret_env: str,
    token_lifetime: int,
    latency_ms: int,
    fault_rate: float,
    fault_kinds: str | None,
    seed: int,
    world: str = "classic",
    without: tuple[str, ...] = (),
    rights_flag: str = "availableForEmployerUser",
) -> EmulatorConfig:
    from mijnloket_gitops.emulator.faults import ALL_KINDS, FaultConfig, parse_kinds
    from mijnloket_gitops.emulator.state import EmulatorConfig
    from mijnloket_gitops.loket.capabilities import Capability

    secret = os.environ.get(secret_env)
    if not secret:
        raise ConfigError(
            f"set the environment variable {secret_env} to the client secret the emulator "
            "should accept (any string; the loket provider reads the same variable)"
        )
    try:
        kinds = ALL_KINDS if fault_kinds is None else parse_kinds(fault_kinds)
        faults = FaultConfig(rate=fault_rate, seed=seed, kinds=kinds)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--fault-kinds") from None
    return EmulatorConfig(
        client_id=client_id,
        client_secret=secret,
        token_lifetime=token_lifetime,
        latency_ms=latency_ms,
        faults=faults,
        world=world,
        rights_flag=rights_flag,
        disabled=frozenset(Capability(name) for name in without),
    )


def _started(db: Path, config: EmulatorConfig, secret_env: str) -> Callable[[Urls], None]:
    def show(urls: Urls) -> None:
        faults = config.faults
        lines = [
            f"Loket.nl emulator serving {db}",
            f"  API base   {urls.base_url}",
            f"  OAuth      {urls.oauth_url}",
            f"  admin      {urls.admin_url}  (emulator only)",
            f"  client id  {config.client_id} (secret from ${secret_env})",
            f"  tokens     access tokens live {config.token_lifetime} s",
            f"  world      {config.world}"
            + (f" without {', '.join(sorted(config.disabled))}" if config.disabled else ""),
        ]
        if config.artefact:
            lines.append(f"  rights     the rights PATCH honours only {config.rights_flag}")
        if faults.rate or config.latency_ms:
            kinds = ", ".join(k.value for k in faults.kinds)
            lines.append(
                f"  faults     {faults.rate:.0%} of /v2 requests ({kinds}), seed {faults.seed}; "
                f"latency {config.latency_ms} ms"
            )
        lines.append("Stop with Ctrl-C.")
        click.echo("\n".join(lines))

    return show


@emulator.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port to listen on (0: any free port; the URLs are printed).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a --host that is not a loopback address (plain HTTP, test credentials).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The sandbox database to serve (default: the repository's, as `sandbox seed` made).",
)
@click.option(
    "--client-id",
    envvar="LOKET_CLIENT_ID",
    default=DEFAULT_CLIENT_ID,
    show_default=True,
    help="The OAuth client id to accept (default from $LOKET_CLIENT_ID when set).",
)
@click.option(
    "--client-secret-env",
    "secret_env",
    metavar="VAR",
    default="LOKET_CLIENT_SECRET",
    show_default=True,
    help="Environment variable holding the client secret to accept.",
)
@click.option(
    "--token-lifetime",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    metavar="SECONDS",
    help="How long an access token lives (short values exercise refreshing).",
)
@click.option(
    "--latency-ms",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Delay of every /v2 and /oauth answer.",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Share of /v2 requests that get a fault.",
)
@click.option(
    "--fault-kinds",
    metavar="KINDS",
    default=None,
    help="Comma-separated fault kinds to draw from: 429, 500, 503, drop, lost, slow "
    "(default: all).",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the faults and, with --employers, of the portfolio.",
)
@click.option(
    "--employers",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Serve a generated portfolio of N employers (a rehearsal): in a temporary "
    "database, or in --db if it does not exist yet.",
)
@click.option(
    "--world",
    "--api",
    "world",
    type=click.Choice(["classic", "current", "artefact"]),
    default="classic",
    show_default=True,
    help="classic: the older published API (modules read-only, rights GET 405, no "
    "provider users, no bulk reads); current: the newer listing, with the contract's "
    "assumed shapes and OPTIONS answered with Allow; artefact: the newer listing in the "
    "shapes of the public artefacts (UUID ids, version objects, OPTIONS without Allow, "
    "set details, rights GET 501, one rights flag). --api is the former name.",
)
@click.option(
    "--rights-flag",
    type=click.Choice(["availableForEmployerUser", "isEnabled"]),
    default="availableForEmployerUser",
    show_default=True,
    help="With --world artefact: the one flag of a rights PATCH item that takes effect; "
    "the other is ignored silently, as a merging PATCH would.",
)
@capability_switches
@repo_option
def serve(
    host: str,
    port: int,
    allow_remote: bool,
    db: Path | None,
    client_id: str,
    secret_env: str,
    token_lifetime: int,
    latency_ms: int,
    fault_rate: float,
    fault_kinds: str | None,
    seed: int,
    employers: int | None,
    world: str,
    rights_flag: str,
    repo: Path,
    **without: bool,
) -> None:
    """Serve the Loket.nl API, its OAuth server and emulator-only controls over HTTP.

    Paths, envelopes, pagination and OAuth (rotating refresh tokens, expiring access
    tokens) follow docs/loket-api-contract.md. Data comes from the sandbox database,
    so `sandbox seed` and `sandbox set` work on what it serves. Faults are
    deterministic for a --seed. Runs until Ctrl-C or SIGTERM.
    """
    _require_aiohttp()
    if not allow_remote and not is_loopback(host):
        raise click.BadParameter(
            f"{host} is not a loopback address. The emulator serves payroll-shaped data "
            "over plain HTTP and accepts test credentials, so it listens on this machine "
            "only; pass --allow-remote if you really mean to expose it.",
            param_hint="--host",
        )
    path = db
    if path is None and employers is None:
        path = sandbox_path(settings_for(repo))
    switched_off = tuple(n for n in CAPABILITY_NAMES if without.get(f"without_{n}"))
    config = _config(
        client_id,
        secret_env,
        token_lifetime,
        latency_ms,
        fault_rate,
        fault_kinds,
        seed,
        world,
        switched_off,
        rights_flag,
    )
    if employers is not None:  # after the checks above: a refused serve fills nothing
        from mijnloket_gitops.cli.emulator_portfolio import portfolio_database

        path = portfolio_database(db, employers, seed, settings_for(repo, required=False))
    assert path is not None
    from mijnloket_gitops.emulator.server import serve as run_server

    run_server(path, config, host, port, _started(path, config, secret_env))
    click.echo("emulator stopped")


COMMANDS = (emulator,)
