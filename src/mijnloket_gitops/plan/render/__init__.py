"""Renderers turn a plan's JSON form (``Plan.data``) into text for one audience.

A renderer is a function ``(plan_data, options) -> str``; ``RENDERERS`` lists them by
the name ``plan --format`` takes. Contract: a renderer reads only the dict it is
given (never the live system, the catalog or the model objects), does not change it,
and returns the whole output ending in a newline.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from mijnloket_gitops.plan.render.json import json_renderer
from mijnloket_gitops.plan.render.markdown import MARKER, markdown_renderer
from mijnloket_gitops.plan.render.options import GITHUB_COMMENT_LIMIT, RenderOptions
from mijnloket_gitops.plan.render.text import text_renderer

__all__ = ["GITHUB_COMMENT_LIMIT", "MARKER", "RENDERERS", "RenderOptions", "Renderer"]

Renderer = Callable[[Mapping[str, Any], RenderOptions], str]

RENDERERS: dict[str, Renderer] = {
    "text": text_renderer,
    "json": json_renderer,
    "markdown": markdown_renderer,
}
