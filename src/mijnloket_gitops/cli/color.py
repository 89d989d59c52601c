"""Whether output is coloured: ``--color auto|always|never`` and ``NO_COLOR``.

The one place that decides. ``--color`` (a global option) sets click's context colour,
which every ``click.echo``/``secho`` follows and sub-commands inherit; ``auto`` colours
only on a terminal and never while ``NO_COLOR`` is set to anything but the empty
string (https://no-color.org). Renderers that build their own escape codes ask
:func:`color_wanted`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import IO

import click

MODES = ("auto", "always", "never")


def no_color(environ: Mapping[str, str] | None = None) -> bool:
    """``NO_COLOR`` is set and not empty."""
    return bool((os.environ if environ is None else environ).get("NO_COLOR", ""))


def color_setting(mode: str, environ: Mapping[str, str] | None = None) -> bool | None:
    """click's context colour for ``--color mode``: True, False, or None (decide per
    stream: a terminal)."""
    if mode == "always":
        return True
    if mode == "never" or no_color(environ):
        return False
    return None


def color_wanted(stream: IO[str]) -> bool:
    """Colour for ``stream``: as ``--color`` says, else only on a terminal."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    return stream.isatty() and not no_color()
