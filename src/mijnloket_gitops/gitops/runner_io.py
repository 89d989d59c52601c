"""Talking to the GitHub Actions runner: step outputs, the job summary, workflow
commands. Outside a runner (the variables unset) outputs and summary are skipped."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path

SUMMARY_LIMIT = 1_000_000
"""GitHub refuses a step summary over 1 MiB; stay below it."""


def in_actions(env: Mapping[str, str]) -> bool:
    return env.get("GITHUB_ACTIONS") == "true"


def set_outputs(env: Mapping[str, str], outputs: Mapping[str, str]) -> None:
    """Append ``outputs`` to ``$GITHUB_OUTPUT`` (multi-line values as heredocs)."""
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return
    lines = []
    for name, value in outputs.items():
        if "\n" in value:
            delimiter = f"EOF_{uuid.uuid4().hex}"
            lines.append(f"{name}<<{delimiter}\n{value}\n{delimiter}")
        else:
            lines.append(f"{name}={value}")
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")


def append_summary(env: Mapping[str, str], text: str) -> None:
    """Append Markdown to the job summary, cut below GitHub's limit."""
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target or not text:
        return
    if len(text) > SUMMARY_LIMIT:
        text = text[:SUMMARY_LIMIT].rsplit("\n", 1)[0] + "\n\n… cut (job summary size limit)\n"
    with Path(target).open("a", encoding="utf-8") as handle:
        handle.write(text if text.endswith("\n") else text + "\n")


def command_data(text: str) -> str:
    """``text`` safe as the message of a workflow command (``::warning::TEXT``): a
    newline in it (a file name may hold one) cannot start a command of its own."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """``text`` safe as a property of a workflow command (``title=TEXT``)."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def quoted(text: str) -> str:
    """``text`` wrapped in ``::stop-commands::`` so no line of it acts as a workflow
    command (an employer name starting with ``::`` must stay text)."""
    token = uuid.uuid4().hex
    body = text if text.endswith("\n") or not text else text + "\n"
    return f"::stop-commands::{token}\n{body}::{token}::\n"
