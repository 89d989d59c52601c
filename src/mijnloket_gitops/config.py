"""The repository configuration, ``mijnloket-gitops.yaml`` (optional).

It selects the provider, sets the safety limits and may extend the catalog. Secrets
are never written here: the Loket provider names the environment variables that
hold them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mijnloket_gitops.catalog import (
    Catalog,
    CatalogReferenceError,
    Severity,
    Tier,
    TierEffect,
    UserType,
    builtin_catalog,
    extend_catalog,
)
from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.files.loader import Document, load_bytes
from mijnloket_gitops.files.schema_errors import describe_first
from mijnloket_gitops.governance.approval_config import ApprovalConfig
from mijnloket_gitops.governance.policies import PolicyConfig, check_policies
from mijnloket_gitops.governance.schedule import Window
from mijnloket_gitops.governance.windows_config import WindowConfig, compile_windows

CONFIG_NAME = "mijnloket-gitops.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ProductOverride(_Strict):
    """Fields of a catalog product to add or replace; unset fields keep their value."""

    tier: TierEffect | None = None
    requires: list[str] | None = None
    # an empty group could never be met ("requires one of ; none is listed")
    requires_one_of: list[Annotated[list[str], Field(min_length=1)]] | None = None
    excludes: list[str] | None = None
    gate: Literal["addendum"] | None = None
    dependency_severity: Severity | None = Field(
        None, description="Severity of this product's missing-dependency diagnostics."
    )
    note: str | None = None


class RightOverride(_Strict):
    """Fields of a right to add or replace."""

    user_types: list[UserType] | None = None
    requires: list[str] | None = None
    personal_data: bool | None = None
    note: str | None = None
    loket_id: str | None = Field(
        None,
        description="The right's id in Loket.nl, for a Loket whose API shows it neither in "
        "the authorization sets' details nor in the rights of a user (loket provider only).",
    )


class CatalogConfig(_Strict):
    """Additions to and overrides of the built-in catalog, keyed by exact name."""

    products: dict[str, ProductOverride] = Field(default_factory=dict)
    rights: dict[str, RightOverride] = Field(default_factory=dict)


class SandboxProviderConfig(_Strict):
    """The embedded sandbox: a SQLite file standing in for Loket.nl."""

    type: Literal["sandbox"] = "sandbox"
    path: str = Field(".mijnloket/sandbox.sqlite", description="Relative to the repository.")


CapabilitySetting = Literal["auto", "on", "off"]


class CapabilitiesConfig(_Strict):
    """What the loket provider may do: ``auto``, ``on`` or ``off``.

    ``auto``: what the Loket profile of ``mijnloket-gitops loket check`` proved; else a
    read is discovered by its GET, and a write is unproven (off, its steps go to the
    work order) except the rights of werkgevergebruikers, which the published
    description documents (each such write is read back, or marked unverified). A
    write is never tried by writing, nor decided by OPTIONS. Prove writes with ``loket
    check --write`` on Loket's acceptance environment, or set them ``on`` here.
    ``mijnloket-gitops loket probe`` shows what was decided.
    """

    modules_read: CapabilitySetting = Field("auto", description="Read the modules per employer.")
    modules_bulk_read: CapabilitySetting = Field(
        "auto", description="Read the modules of all employers in one list."
    )
    modules_write: CapabilitySetting = Field(
        "auto", description="Switch modules (products) on and off through the API."
    )
    employer_users_bulk_read: CapabilitySetting = Field(
        "auto", description="Read the users of all employers in one list."
    )
    employer_user_rights_read: CapabilitySetting = Field(
        "auto", description="Read the rights of werkgevergebruikers."
    )
    employer_user_rights_write: CapabilitySetting = Field(
        "auto", description="Change the rights of werkgevergebruikers (PATCH)."
    )
    provider_users_read: CapabilitySetting = Field(
        "auto", description="List the provider's users (ak-gebruikers)."
    )
    provider_user_rights_read: CapabilitySetting = Field(
        "auto", description="Read the rights of ak-gebruikers."
    )
    provider_user_rights_write: CapabilitySetting = Field(
        "auto", description="Change the rights of ak-gebruikers (PATCH)."
    )


LOKET_URLS = {
    "production": ("https://api.loket.nl/v2", "https://oauth.loket.nl"),
    "acceptance": ("https://api.loket-acc.nl/v2", "https://oauth.loket-acc.nl"),
}


class LoketProviderConfig(_Strict):
    """Loket.nl's REST API. Credentials come from the environment, never from here."""

    type: Literal["loket"]
    environment: Literal["production", "acceptance"] = Field(
        "production", description="Which Loket.nl to use; sets the default URLs."
    )
    api_url: str | None = Field(None, description="API base URL (default: the environment's).")
    oauth_url: str | None = Field(
        None, description="OAuth server URL (default: the environment's)."
    )
    client_id_env: str = Field(
        "LOKET_CLIENT_ID", description="Environment variable holding the OAuth client id."
    )
    client_secret_env: str = Field(
        "LOKET_CLIENT_SECRET",
        description="Environment variable holding the OAuth client secret.",
    )
    token_store: str = Field(
        ".mijnloket/loket-token.json",
        description="File holding the rotating refresh token (mode 0600); relative to the "
        "repository. Keep it out of git.",
    )
    redirect_uri: str = Field(
        "http://127.0.0.1:8765/callback",
        description="Redirect URI registered for the client, for `auth login`.",
    )
    requests_per_second: float = Field(
        5.0,
        gt=0,
        description="Client-side request budget, so a large portfolio never floods Loket.nl.",
    )
    concurrency: int = Field(4, ge=1, le=64, description="Employers read at the same time.")
    timeout_seconds: float = Field(30.0, gt=0, description="Timeout of one HTTP request.")
    max_retries: int = Field(
        5, ge=0, le=20, description="Retries of one request on 429, 502-504 and connection errors."
    )
    retry_budget_seconds: float = Field(
        120.0, gt=0, description="Total time one request may spend waiting to be retried."
    )
    capabilities: CapabilitiesConfig = Field(default_factory=CapabilitiesConfig)
    rights_flag: Literal["auto", "availableForEmployerUser", "isEnabled"] = Field(
        "auto",
        description="The flag of a rights PATCH item (the public evidence is split): auto "
        "sends the one `loket check --write` proved, else both; every write is read back.",
    )
    capability_cache: str = Field(
        ".mijnloket/loket-capabilities.json",
        description="Where discovered capabilities are cached; relative to the repository.",
    )
    capability_cache_seconds: float = Field(
        86400.0,
        ge=0,
        description="How long a discovered capability is trusted before it is asked again "
        "(0: discover on every run).",
    )

    @property
    def urls(self) -> tuple[str, str]:
        """The API base URL and the OAuth URL in effect."""
        api, oauth = LOKET_URLS[self.environment]
        return (self.api_url or api).rstrip("/"), (self.oauth_url or oauth).rstrip("/")


ProviderConfig = Annotated[SandboxProviderConfig | LoketProviderConfig, Field(discriminator="type")]


class SafetyConfig(_Strict):
    """Limits above which plan and apply refuse unless forced."""

    max_deactivation_share: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Largest share of the product activations of the whole managed "
        "portfolio one plan may deactivate.",
    )
    max_deactivations: int | None = Field(
        None, ge=0, description="Largest number of product deactivations in one plan."
    )
    max_employer_share: float | None = Field(
        0.5, ge=0, le=1, description="Largest share of managed employers one plan may touch."
    )
    # issue 12: shares against the whole portfolio, a revocation guard, plan age
    max_revocation_share: float = Field(
        0.10,
        ge=0,
        le=1,
        description="Largest share of the managed rights held (grants) one plan may revoke.",
    )
    max_revocations: int | None = Field(
        None, ge=0, description="Largest number of right revocations in one plan."
    )
    min_count_for_shares: int = Field(
        10,
        ge=0,
        description="Share guards do not fire while what they count (managed employers, "
        "product activations, grants) is below this; the MijnLoket removal guard and the "
        "absolute limits always do.",
    )
    # issue 22: guards that scale down to a handful of employers, and personal data
    free_changes: int = Field(
        2,
        ge=0,
        description="Below min_count_for_shares, where a share means little, more than this"
        " many deactivations (or revocations) in one plan need their flag.",
    )
    max_personal_data_grants: int | None = Field(
        10,
        ge=0,
        description="Largest number of grants of personal-data rights (AVG/GDPR) in one"
        " plan; more need --allow-personal-data-grants.",
    )
    max_plan_age_hours: float = Field(
        72,
        gt=0,
        description="Apply refuses a saved plan older than this many hours.",
    )


class OwnershipConfig(_Strict):
    """What plan and apply do about live employers that no file manages."""

    unmanaged: Literal["ignore", "warn", "error"] = Field(
        "warn",
        description="Live employers without a file: ignore (not listed), warn (listed, "
        "left alone) or error (the plan is refused until a file manages them).",
    )
    removed: Literal["keep-and-flag", "refuse"] = Field(
        "keep-and-flag",
        description="Employers whose file was removed since the base ref: keep-and-flag "
        "(left alone live, listed prominently and counted as a change) or refuse (the plan "
        "is refused). Offboarding is a file with no products, never a deleted file.",
    )


class LockConfig(_Strict):
    """Issue 22: the apply lock shared by every checkout and CI runner."""

    remote: str | None = Field(
        None,
        description="Git remote of this repository that holds the shared apply lock (a ref"
        " under refs/mijnloket/locks/); null: only the local lock of each checkout.",
    )


# -- issue 15: pricing, for the monthly cost of plans, explain and report --------------

Price = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class PerEmployeePricing(_Strict):
    """Prices per employee per month, multiplied by the employer's employee count."""

    tiers: dict[Tier, Price] = Field(
        default_factory=dict, description="Per employee per month, by MijnLoket tier."
    )
    products: dict[str, Price] = Field(
        default_factory=dict, description="Per employee per month while the product is active."
    )


class PricingConfig(_Strict):
    """What the employers cost per month. Loket.nl's prices are not public: state yours.

    An employer's monthly cost is its tier's price, plus the price of each active
    product, plus its employee count times the per-employee prices of its tier and
    products. Anything not listed costs nothing.
    """

    currency: str = Field("EUR", min_length=1, description="Shown with every amount.")
    tiers: dict[Tier, Price] = Field(
        default_factory=dict, description="Per employer per month, by MijnLoket tier."
    )
    products: dict[str, Price] = Field(
        default_factory=dict,
        description="Per employer per month while the product is active, by exact name.",
    )
    per_employee: PerEmployeePricing = Field(default_factory=PerEmployeePricing)
    employees: dict[str, Annotated[int, Field(ge=0)]] = Field(
        default_factory=dict,
        description="Employee count per employer, by employer_id (for per-employee prices).",
    )


# -- end of issue 15's block ------------------------------------------------------------


class RepoConfig(_Strict):
    """``mijnloket-gitops.yaml``: settings of a configuration repository."""

    version: Literal[1] = 1
    employers_dir: str = Field("employers", description="Where employer files live.")
    require_tier: bool = Field(
        True, description="Require `tier` to be written down whenever MijnLoket is on."
    )
    catalog: CatalogConfig = Field(default_factory=CatalogConfig)
    provider: ProviderConfig = Field(default_factory=SandboxProviderConfig)
    safety: SafetyConfig = Field(default_factory=SafetyConfig)
    ownership: OwnershipConfig = Field(default_factory=OwnershipConfig)
    lock: LockConfig = Field(default_factory=LockConfig)  # issue 22
    pricing: PricingConfig | None = Field(
        None, description="Prices, to show what plans do to the monthly bill (optional)."
    )
    # issue 23: change windows (mijnloket_gitops.governance)
    windows: list[WindowConfig] = Field(
        default_factory=list,
        description="Change windows: when apply may change which employers (optional).",
    )
    policies: list[PolicyConfig] = Field(
        default_factory=list, description="House rules as CEL expressions (optional)."
    )
    approvals: list[ApprovalConfig] = Field(
        default_factory=list,
        description="Who must approve a plan, by what it does (optional).",
    )


def pinned_right_ids(config: RepoConfig) -> dict[str, str]:
    """``catalog.rights.<name>.loket_id``: right ids pinned by description (loket provider)."""
    return {n: o.loket_id for n, o in config.catalog.rights.items() if o.loket_id is not None}


@dataclass(frozen=True)
class Settings:
    """The loaded configuration with its effective catalog and repository root."""

    root: Path
    config: RepoConfig
    catalog: Catalog
    config_path: Path | None
    windows: tuple[Window, ...] = ()
    """The compiled ``windows:`` (issue 23)."""


def _overrides(config: RepoConfig) -> Catalog:
    base = builtin_catalog()
    if not config.catalog.products and not config.catalog.rights:
        return base
    products = {n: o.model_dump(exclude_none=True) for n, o in config.catalog.products.items()}
    rights = {
        # loket_id is the provider's (pinned_right_ids), not the catalog's
        n: o.model_dump(exclude_none=True, exclude={"loket_id"})
        for n, o in config.catalog.rights.items()
    }
    return extend_catalog(base, products, rights)


def load_settings(root: Path) -> Settings:
    """Read ``mijnloket-gitops.yaml`` from ``root`` if it exists; defaults otherwise."""
    path = root / CONFIG_NAME
    if not path.exists():
        config = RepoConfig()
        return Settings(root, config, builtin_catalog(), None)
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration: {error.strerror}") from None
    doc = load_bytes(raw)
    if doc.problems:
        problem = doc.problems[0]
        raise ConfigError(f"{path}:{problem.mark.line}:{problem.mark.column}: {problem.message}")
    try:
        config = RepoConfig.model_validate(doc.data if doc.data is not None else {})
    except ValidationError as error:
        where, message = describe_first(error, doc, RepoConfig)
        raise ConfigError(f"{path}:{where.line}:{where.column}: {message}") from None
    try:
        catalog = _overrides(config)
    except CatalogReferenceError as error:
        where = doc.mark(("catalog", error.kind, error.entry), key=True)
        raise ConfigError(f"{path}:{where.line}:{where.column}: {error}") from None
    except ValidationError as error:  # issue 11: e.g. a new right without user_types
        loc = [str(part) for part in error.errors()[0]["loc"]]
        kind, entry, field = loc[0], loc[1] if len(loc) > 1 else "", ".".join(loc[2:])
        where = doc.mark(("catalog", kind, entry), key=True)
        raise ConfigError(
            f"{path}:{where.line}:{where.column}: catalog {kind[:-1]} {entry!r}: "
            f"{field or 'entry'}: {error.errors()[0]['msg'].lower()} (a {kind[:-1]} that is "
            "not in the built-in catalog must give every required field)"
        ) from None
    _check_pricing(config, catalog, doc, path)  # issue 15
    windows = compile_windows(config.windows, catalog, doc, path)  # issue 23
    if config.policies:  # issue 23
        from mijnloket_gitops.validate.diagnostics import RULES

        check_policies(config.policies, doc, path, raw.decode("utf-8"), set(RULES))
    return Settings(root, config, catalog, path, windows)


def _check_pricing(config: RepoConfig, catalog: Catalog, doc: Document, path: Path) -> None:
    """Every priced product must be in the catalog (a typo would price nothing)."""
    pricing = config.pricing
    if pricing is None:
        return
    for where, names in (
        (("pricing", "products"), pricing.products),
        (("pricing", "per_employee", "products"), pricing.per_employee.products),
    ):
        for name in names:
            if name not in catalog.products:
                mark = doc.mark((*where, name), key=True)
                closest = catalog.closest(name)
                hint = f"; did you mean {closest!r}?" if closest else ""
                raise ConfigError(
                    f"{path}:{mark.line}:{mark.column}: pricing names unknown product "
                    f"{name!r}{hint}"
                )
