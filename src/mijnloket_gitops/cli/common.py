"""Options and helpers shared by commands."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, TypeVar

import click

from mijnloket_gitops.config import Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


def repo_option(func: F) -> F:
    """``--repo DIR``: the configuration repository (default: the current directory)."""
    return click.option(
        "--repo",
        "repo",
        type=click.Path(file_okay=False, exists=True, path_type=Path),
        default=Path("."),
        show_default=True,
        help="The configuration repository (holds mijnloket-gitops.yaml and employers/).",
    )(func)


def settings_for(repo: Path) -> Settings:
    return load_settings(repo)


def use_color(stream: IO[str] | None = None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set."""
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ
