"""``catalog`` and ``schema``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from mijnloket_gitops.cli.common import Choice, repo_option, settings_for
from mijnloket_gitops.plan.render.plan_schema import plan_schema
from mijnloket_gitops.schema import SCHEMA_FILES, config_schema, employer_schema, render


@click.command()
@click.option(
    "--format",
    "fmt",
    type=Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@repo_option
def catalog(fmt: str, repo: Path) -> None:
    """List the products and rights the tool knows (with the repository's overrides)."""
    cat = settings_for(repo, required=False).catalog
    if fmt == "json":
        click.echo(json.dumps(cat.model_dump(mode="json"), indent=2, ensure_ascii=False))
        return
    click.echo(f"Products (catalog version {cat.catalog_version}; tier: effect while active)")
    width = max(len(n) for n in cat.products)
    for product in cat.products.values():
        needs = list(product.requires)
        needs += ["one of " + " / ".join(g) for g in product.requires_one_of]
        extra = []
        if needs:
            extra.append("requires " + ", ".join(needs))
        if product.excludes:
            extra.append("excludes " + ", ".join(product.excludes))
        if product.gate:
            extra.append(f"needs a signed {product.gate}")
        line = f"  {product.name:<{width}}  {product.tier:<5}  {'; '.join(extra)}"
        click.echo(line.rstrip())
    click.echo("Included in Start: " + ", ".join(cat.start_features))
    click.echo("Rights")
    for right in cat.rights.values():
        flags = " (personal data)" if right.personal_data else ""
        click.echo(f"  {right.name}: for {', '.join(right.user_types)}{flags}")


@click.command()
@click.argument("which", type=Choice(sorted(SCHEMA_FILES)), default="employer")
@click.option(
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write every schema file into this directory instead of printing one.",
)
@repo_option
def schema(which: str, output_dir: Path | None, repo: Path) -> None:
    """Print the JSON Schema of employer files (or of the config file or plans)."""
    cat = settings_for(repo, required=False).catalog
    schemas = {
        "employer": employer_schema(cat),
        "config": config_schema(),
        "plan": plan_schema(),
    }
    if output_dir is None:
        click.echo(render(schemas[which]), nl=False)
        return
    output_dir.mkdir(parents=True, exist_ok=True)
    for name, body in schemas.items():
        target = output_dir / SCHEMA_FILES[name]
        target.write_text(render(body), encoding="utf-8")
        click.echo(f"wrote {target}")


COMMANDS = (catalog, schema)
