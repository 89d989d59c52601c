"""The Loket profile: written atomically, read back only for its own API URL, and a
damaged file fails loudly with the path and what to do."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from mijnloket_gitops.errors import ConfigError
from mijnloket_gitops.loket.profile import (
    DEFAULT_PATH,
    Profile,
    load_profile,
    profile_path,
    utc_now,
    write_profile,
)

ACC = "https://api.loket-acc.nl/v2"


def sample() -> Profile:
    return Profile(
        api_url=ACC,
        checked_at="2026-12-08T04:00:00Z",
        tool_version="1.2.3",
        capabilities={"modules_write": True, "employer_user_rights_read": False},
        shapes={"rights_flag": "availableForEmployerUser", "right_ids": "details"},
    )


def test_a_written_profile_reads_back_equal(tmp_path: Path) -> None:
    path = profile_path(tmp_path)
    assert path == tmp_path / DEFAULT_PATH
    write_profile(path, sample())
    assert load_profile(path, ACC) == sample()
    assert load_profile(path, ACC + "/") == sample(), "a trailing slash names the same API"
    assert [p.name for p in path.parent.iterdir()] == [path.name], "no temporary file left"
    assert json.loads(path.read_text("utf-8"))["format_version"] == 1


def test_a_profile_for_another_api_or_none_at_all_is_none(tmp_path: Path) -> None:
    path = profile_path(tmp_path)
    assert load_profile(path, ACC) is None
    write_profile(path, sample())
    assert load_profile(path, "https://api.loket.nl/v2") is None


def test_proves_tells_proven_absent_and_untested_apart() -> None:
    profile = sample()
    assert profile.proves("modules_write") is True
    assert profile.proves("employer_user_rights_read") is False
    assert profile.proves("provider_users_read") is None


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("{not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"format_version": 2}', "format_version"),
        (
            '{"format_version": 1, "api_url": "", "checked_at": "x", "tool_version": "1"}',
            "'api_url'",
        ),
        (
            '{"format_version": 1, "api_url": "u", "checked_at": "x", "tool_version": "1",'
            ' "capabilities": {"modules_write": "yes"}, "shapes": {}}',
            "'capabilities'",
        ),
        (
            '{"format_version": 1, "api_url": "u", "checked_at": "x", "tool_version": "1",'
            ' "capabilities": {}, "shapes": {"rights_flag": 1}}',
            "'shapes'",
        ),
    ],
)
def test_a_damaged_profile_names_the_file_the_fault_and_what_to_do(
    tmp_path: Path, text: str, why: str
) -> None:
    path = profile_path(tmp_path)
    path.parent.mkdir(parents=True)
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as raised:
        load_profile(path, ACC)
    message = str(raised.value)
    assert str(path) in message and why in message
    assert "loket check" in message and "delete the file" in message


def test_utc_now_is_iso_utc_in_seconds() -> None:
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", utc_now())
