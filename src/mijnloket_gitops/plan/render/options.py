"""Options every plan renderer takes."""

from __future__ import annotations

from dataclasses import dataclass

GITHUB_COMMENT_LIMIT = 65_536
"""GitHub refuses a pull-request comment longer than this many characters."""

MIN_MAX_CHARS = 2_000
"""The smallest cap under which the Markdown summary table still fits."""


@dataclass(frozen=True)
class RenderOptions:
    """How to render a plan; renderers ignore options that do not apply to them."""

    color: bool = False
    """ANSI colour (text only); the CLI sets it only when stdout is a terminal."""
    max_chars: int = 65_000
    """Upper bound on the Markdown comment's length, below GitHub's limit with room to spare."""
    title: str | None = None
    """A heading, e.g. ``Plan for acme/loket-config``; None for a generic one."""

    def __post_init__(self) -> None:
        if self.max_chars < MIN_MAX_CHARS:
            raise ValueError(f"max_chars must be at least {MIN_MAX_CHARS}, not {self.max_chars}")
