"""Escaping of names and logins for GitHub-flavoured Markdown and HTML.

Company names may contain ``|``, ``<``, ``*`` and the like; without escaping they
would break the summary table, inject HTML or turn into emphasis. GitHub also turns
``@name`` into a mention (which notifies that account) and ``#12`` into a link to
issue 12: a word joiner after the ``@`` or ``#`` keeps both inert.
"""

from __future__ import annotations

import html
import re

from mijnloket_gitops.plan.render.common import clean

_JOINER = "\N{WORD JOINER}"
_REFERENCE = re.compile(r"(?<![\w.+-])([@#])(?=\w)")
_MARKDOWN = str.maketrans(
    {
        **{c: "\\" + c for c in "\\`*_[]|~#!"},
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)


def _defuse(text: object) -> str:
    # clean() turns any joiner already in the text into U+FFFD, so ours are the only ones
    return _REFERENCE.sub(r"\1" + _JOINER, clean(text))


def escape_markdown(text: object) -> str:
    """``text`` as literal inline Markdown (tables, lists, headings)."""
    return _defuse(text).translate(_MARKDOWN).replace(_JOINER, "&#8288;")


def escape_html(text: object) -> str:
    """``text`` as literal content of an HTML element (``<summary>``), where Markdown
    is not interpreted, so backslash escapes would show."""
    return html.escape(_defuse(text)).replace(_JOINER, "&#8288;")


def code_fence(body: str, info: str = "") -> str:
    """``body`` in a fenced code block whose fence no run of backticks in it can close."""
    longest = max((len(run) for run in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}\n"
