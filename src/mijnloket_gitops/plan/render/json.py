"""The machine renderer: the plan's versioned JSON form (``docs/plan-format.md``).

Keys keep the documented order (``format_version`` first); ``meta``, whose keys the
planner fills freely, is sorted so equal plans give byte-identical output.
"""

from __future__ import annotations

import json
from typing import Any

from mijnloket_gitops.plan.render.common import Data
from mijnloket_gitops.plan.render.options import RenderOptions


def _sorted(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, list | tuple):
        return [_sorted(v) for v in value]
    return value


def json_renderer(plan: Data, options: RenderOptions) -> str:
    document = {k: (_sorted(v) if k == "meta" else v) for k, v in plan.items()}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
