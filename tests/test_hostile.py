"""Hostile files: each gets a clear diagnostic, in bounded time and memory, no traceback.

Most cases run the real CLI in a subprocess (a hang, a crash of libyaml or a memory
blow-up must show as such, not take pytest down with it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest

from mijnloket_gitops.catalog import builtin_catalog
from mijnloket_gitops.files.loader import load_file
from mijnloket_gitops.files.positions import LoadProblem
from mijnloket_gitops.files.reading import MAX_FILE_BYTES
from mijnloket_gitops.validate.diagnostics import Diagnostic
from mijnloket_gitops.validate.discovery import discover
from mijnloket_gitops.validate.runner import check_file, validate_paths
from tests.conftest import VALID

CATALOG = builtin_catalog()
TODAY = dt.date(2026, 6, 1)
LIMIT_SECONDS = 30.0  # generous for a slow CI machine; a hang or a quadratic blow-up is far above
MiB = 1024 * 1024


@dataclass
class Run:
    code: int
    out: str
    err: str
    seconds: float
    max_rss_kib: int
    """Peak resident memory of the validate process (``os.wait4``)."""


def validate_cli(cwd: Path, *args: str | Path, timeout: float = 60) -> Run:
    """``mijnloket-gitops validate ARGS`` in a subprocess, with its time and peak RSS."""
    argv = [sys.executable, "-m", "mijnloket_gitops", "validate", *map(str, args)]
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("MIJNLOKET_DEBUG", None)
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    output: dict[str, bytes] = {}

    def drain(name: str, stream: IO[bytes]) -> None:
        with stream:
            output[name] = stream.read()

    assert proc.stdout is not None and proc.stderr is not None
    readers = [
        threading.Thread(target=drain, args=("out", proc.stdout)),
        threading.Thread(target=drain, args=("err", proc.stderr)),
    ]
    for reader in readers:
        reader.start()
    # wait4 rather than Popen.wait: it also returns the child's resource usage.
    while not (waited := os.wait4(proc.pid, os.WNOHANG))[0]:
        if time.monotonic() - started > timeout:
            proc.kill()
            waited = os.wait4(proc.pid, 0)
            break
        time.sleep(0.005)
    seconds = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(waited[1])
    for reader in readers:
        reader.join()
    if seconds > timeout:
        pytest.fail(f"validate {args} did not finish within {timeout} s")
    out, err = (output[k].decode("utf-8", "replace") for k in ("out", "err"))
    assert "Traceback" not in out + err, out + err
    return Run(proc.returncode, out, err, seconds, waited[2].ru_maxrss)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A configuration repository (``.git`` marks its root) with one valid employer."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "employers").mkdir()
    (root / "employers" / "valid.yaml").write_text(VALID, "utf-8")
    return root


def only(diagnostics: list[Diagnostic]) -> Diagnostic:
    assert len(diagnostics) == 1, diagnostics
    return diagnostics[0]


def check(path: Path) -> list[Diagnostic]:
    return check_file(path, CATALOG, True, TODAY).diagnostics


# -- expansion and nesting ----------------------------------------------------------------------


def billion_laughs() -> str:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefghi", "bcdefghij", strict=True):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def alias_chain(length: int) -> str:
    """Each anchor holds the previous one: linear text, quadratic values, deep nesting."""
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, length)]
    return "\n".join(lines) + "\n"


def nested_block_mappings(depth: int) -> str:
    return "\n".join(" " * i + "k:" for i in range(depth)) + " x\n"


HOSTILE_TEXT = {
    "billion-laughs": (billion_laughs(), "yaml-syntax", "an anchor (&name)"),
    "alias-chain": (alias_chain(3000), "yaml-syntax", "an anchor (&name)"),
    "deep-flow-sequences": ("[" * 500_000 + "]" * 500_000, "file-limits", "nested"),
    "deep-flow-mappings": ("{a: " * 200_000 + "}" * 200_000, "file-limits", "nested"),
    "deep-block-sequences": ("- " * 400_000 + "x\n", "file-limits", "nested"),
    "deep-block-mappings": (nested_block_mappings(1200), "file-limits", "nested"),
    "many-documents": ("---\na: 1\n" * 100_000, "yaml-syntax", "100,000 YAML documents"),
    "too-many-values": ("".join(f"k{i}: 1\n" for i in range(110_000))[:MAX_FILE_BYTES], "", ""),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_TEXT))
def test_expansion_and_nesting_get_one_clear_diagnostic(repo: Path, name: str) -> None:
    text, rule, words = HOSTILE_TEXT[name]
    path = repo / "employers" / f"{name}.yaml"
    path.write_text(text, "utf-8")
    assert path.stat().st_size <= MAX_FILE_BYTES
    run = validate_cli(repo, path)
    assert run.code == 1, run.out + run.err
    assert run.seconds < LIMIT_SECONDS
    [line] = [x for x in run.out.splitlines() if x.startswith(str(path))]
    assert f"[{rule or 'file-limits'}]" in line and words in line, line
    if name == "too-many-values":  # no anchors: the message does not blame them
        assert "anchors" not in line and "more than 100,000 values" in line


def test_long_lists_of_unknown_products_stay_linear(tmp_path: Path) -> None:
    """90,000 distinct unknown products (under 1 MiB) took 84 s: every rule looked up
    each product's first position with ``list.index``. Ten times the products must take
    about ten times as long, not a hundred (a ratio, so a loaded machine does not fail
    it, as a wall-clock limit did while five other test suites ran)."""

    def seconds(count: int) -> float:
        path = tmp_path / f"many-{count}.yaml"
        products = "".join(f"  - p{i}\n" for i in range(count))
        path.write_text(VALID.replace("  - MijnLoket\n", "  - MijnLoket\n" + products), "utf-8")
        started = time.process_time()  # CPU time: other processes do not count
        diagnostics = check(path)
        spent = time.process_time() - started
        assert len(diagnostics) == count
        assert {d.rule for d in diagnostics} == {"unknown-product"}
        return spent

    small = min(seconds(9_000) for _ in range(3))
    assert seconds(90_000) < 40 * max(small, 0.01)


# -- size ---------------------------------------------------------------------------------------


def test_a_100_mb_file_is_refused_without_reading_it(repo: Path) -> None:
    small = validate_cli(repo, repo / "employers" / "valid.yaml").max_rss_kib
    big = repo / "employers" / "big.yaml"
    with big.open("wb") as stream:  # sparse: costs no disk, but reading it costs 100 MB
        stream.write(b"version: 1\n")
        stream.truncate(100 * MiB)
    run = validate_cli(repo, big)
    assert run.code == 1
    assert "[file-limits] file is 104,857,600 bytes" in run.out, run.out
    assert run.seconds < LIMIT_SECONDS
    grown = run.max_rss_kib - small
    assert grown < 20 * 1024, f"validate used {grown // 1024} MiB more for the big file"


def test_the_loader_reads_at_most_one_byte_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file's size is only a hint (it can grow; /proc files claim 0 bytes)."""
    path = tmp_path / "growing.yaml"
    path.write_bytes(b"a: 1\n" + b"#" * (3 * MiB))
    real_fstat, real_read = os.fstat, os.read
    read: list[int] = []

    def small_fstat(fd: int) -> Any:
        info = real_fstat(fd)
        return os.stat_result((info.st_mode, *info[1:6], 100, *info[7:]))

    def counting_read(fd: int, size: int) -> bytes:
        data = real_read(fd, size)
        read.append(len(data))
        return data

    monkeypatch.setattr(os, "fstat", small_fstat)
    monkeypatch.setattr(os, "read", counting_read)
    doc = load_file(str(path))
    monkeypatch.undo()
    assert sum(read) == MAX_FILE_BYTES + 1
    problem = only_problem(doc.problems)
    assert (problem.rule, problem.mark) == ("file-limits", (1, 1))
    assert f"more than {MAX_FILE_BYTES:,} bytes" in problem.message


def only_problem(problems: list[LoadProblem]) -> LoadProblem:
    assert len(problems) == 1, problems
    return problems[0]


def test_files_of_exactly_the_limit_and_one_byte_more(tmp_path: Path) -> None:
    exact = tmp_path / "exact.yaml"
    exact.write_bytes(VALID.encode() + b"#" * (MAX_FILE_BYTES - len(VALID)))
    assert check(exact) == []
    over = tmp_path / "over.yaml"
    over.write_bytes(exact.read_bytes() + b"#")
    assert only(check(over)).rule == "file-limits"


# -- binary and special files -------------------------------------------------------------------

BINARY = {
    "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "gzip": b"\x1f\x8b\x08\x00" + bytes(range(255, 0, -1)),
    "utf-16": "version: 1\n".encode("utf-16"),
    "latin-1": "name: Caf\xe9\n".encode("latin-1"),
    "elf": b"\x7fELF\x02\x01\x01" + b"\x00" * 64,
    "control-characters": b"version: 1\nname: a\x1b[2Jb\n",
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_files_are_encoding_problems_at_the_bad_byte(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    path.write_bytes(BINARY[name])
    diagnostic = only(check(path))
    if name == "control-characters":  # UTF-8, but not text: libyaml refuses it
        assert diagnostic.rule == "yaml-syntax"
        assert (diagnostic.line, diagnostic.column) == (2, 8)
        assert "U+001B" in diagnostic.message
        return
    assert diagnostic.rule == "encoding"
    assert diagnostic.line >= 1 and diagnostic.column >= 1


def test_binary_file_through_the_cli(repo: Path) -> None:
    path = repo / "employers" / "image.yaml"
    path.write_bytes(BINARY["png"])
    run = validate_cli(repo)
    assert run.code == 1
    assert "employers/image.yaml:3:1: error [encoding] file contains NUL bytes" in run.out


@pytest.mark.parametrize("special", ["fifo", "/dev/zero", "/dev/urandom", "directory-as-file"])
def test_special_files_given_explicitly_are_refused_without_hanging(
    repo: Path, special: str
) -> None:
    if special == "fifo":
        target = repo / "employers" / "pipe.yaml"
        os.mkfifo(target)
    elif special == "directory-as-file":
        target = repo / "employers" / "folder.yaml"
        target.mkdir()
        assert only(check(target)).rule == "file-read"
        return
    else:
        target = Path(special)
        if not target.exists():
            pytest.skip(f"{special} does not exist here")
    run = validate_cli(repo, target, timeout=LIMIT_SECONDS)
    assert run.code == 1
    assert f"{target}:1:1: error [file-read] cannot read file: it is a " in run.out, run.out
    assert "not a regular file" in run.out


def test_directory_walks_report_fifos_instead_of_skipping_them(repo: Path) -> None:
    """A FIFO named like an employer file was skipped and the run said "1 file valid"."""
    os.mkfifo(repo / "employers" / "pipe.yaml")
    run = validate_cli(repo, timeout=LIMIT_SECONDS)
    assert run.code == 1, run.out
    assert "employers/pipe.yaml:1:1: error [file-read] cannot read file: it is a FIFO" in run.out


def test_directory_walks_read_upper_case_suffixes(repo: Path) -> None:
    """``UPPER.YAML`` was skipped: that employer then showed up as unmanaged."""
    (repo / "employers" / "valid.yaml").rename(repo / "employers" / "UPPER.YAML")
    (repo / "employers" / "other.Yml").write_text(VALID.replace("9a10", "9a11"), "utf-8")
    run = validate_cli(repo)
    assert (run.code, run.out) == (0, "2 files valid\n")


def test_directory_walks_follow_a_symlinked_folder_inside_the_repository(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "two.yaml").write_text(VALID.replace("9a10", "9a12"), "utf-8")
    (repo / "employers" / "shared").symlink_to(Path("..", "shared"), target_is_directory=True)
    (repo / "employers" / "loop").symlink_to(Path("."), target_is_directory=True)
    run = validate_cli(repo, timeout=LIMIT_SECONDS)
    assert (run.code, run.out) == (0, "2 files valid\n")  # the loop adds nothing


def test_directory_walks_report_a_folder_they_cannot_list(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder that cannot be listed (chmod 000; root lists it anyway, hence the
    injected error) was skipped in silence."""
    locked = repo / "employers" / "locked"
    locked.mkdir()
    real_scandir = os.scandir

    def scandir(path: Any) -> Any:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    files, problems = discover([repo / "employers"])
    assert files == [str(repo / "employers" / "valid.yaml")]
    [problem] = problems
    assert (problem.path, problem.rule) == (str(locked), "file-read")
    assert problem.message.startswith("cannot list this folder: Permission denied")


def test_the_same_file_named_twice_is_not_a_duplicate_employer(repo: Path) -> None:
    """``employers/valid.yaml`` and ``$PWD/employers/valid.yaml`` (or ``x/../x``) reported
    duplicate-employer against itself."""
    (repo / "nested").mkdir()
    (repo / "nested" / "n.yaml").write_text(VALID.replace("9a10", "9a13"), "utf-8")
    names: list[str | Path] = [
        "employers/valid.yaml",
        repo / "employers" / "valid.yaml",
        "nested/../nested",
    ]
    run = validate_cli(repo, *names, "nested", "employers")
    assert (run.code, run.out) == (0, "2 files valid\n")


@pytest.mark.skipif(os.name != "posix", reason="chmod 000 makes a file unreadable on POSIX")
def test_an_unreadable_file(repo: Path) -> None:
    """Root reads a chmod 000 file: where the suite runs as root (containers, CI), the
    command runs as the unprivileged user ``nobody`` instead of skipping."""
    if os.geteuid() == 0:
        code, out = _validate_as_nobody()
    else:
        path = repo / "employers" / "secret.yaml"
        path.write_text(VALID, "utf-8")
        path.chmod(0)
        run = validate_cli(repo)
        code, out = run.code, run.out
    assert code == 1, out
    assert "employers/secret.yaml:1:1: error [file-read] cannot read file: Permission denied" in (
        out
    )


def _validate_as_nobody() -> tuple[int, str]:
    """``validate`` as ``nobody`` (setpriv) in a repository it may enter, with one file
    it may not read. (pytest's own temporary folders are root's alone.)"""
    setpriv = shutil.which("setpriv")
    assert setpriv is not None, "setpriv (util-linux) runs the test as an unprivileged user"
    root = Path(tempfile.mkdtemp(prefix="mijnloket-unreadable-"))
    try:
        repo = root / "repo"
        (repo / ".git").mkdir(parents=True)
        (repo / "employers").mkdir()
        (repo / "employers" / "valid.yaml").write_text(VALID, "utf-8")
        (repo / "employers" / "secret.yaml").write_text(VALID, "utf-8")
        for folder in (root, repo, repo / ".git", repo / "employers"):
            folder.chmod(0o755)
        (repo / "employers" / "secret.yaml").chmod(0)
        env = {**os.environ, "NO_COLOR": "1", "HOME": str(root)}
        argv = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
        done = subprocess.run(
            [*argv, sys.executable, "-m", "mijnloket_gitops", "validate"],
            cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        return done.returncode, done.stdout + done.stderr
    finally:
        shutil.rmtree(root)


def test_an_empty_directory(repo: Path) -> None:
    (repo / "empty").mkdir()
    run = validate_cli(repo, "empty")
    assert run.code == 1
    assert run.out.startswith("empty:1:1: error [no-files] no employer files"), run.out


# -- symbolic links -----------------------------------------------------------------------------

SECRET = "SECRET-OUTSIDE-7d1f"


def outside_file(tmp_path: Path) -> Path:
    """A file outside the repository whose content would show in diagnostics if read."""
    path = tmp_path / "outside" / "x.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(VALID.replace("tier: start", f"tier: {SECRET}"), "utf-8")
    return path


def test_symlinks_out_of_the_repository_are_reported_not_followed(
    repo: Path, tmp_path: Path
) -> None:
    target = outside_file(tmp_path)
    (repo / "employers" / "out.yaml").symlink_to(target)
    for args in ((), ("employers/out.yaml",), ("--format", "json")):
        run = validate_cli(repo, *args)
        assert run.code == 1
        assert SECRET not in run.out + run.err
        assert "outside the repository" in run.out
    text = validate_cli(repo).out
    assert (
        f"employers/out.yaml:1:1: error [file-read] not read: it is a symbolic link to {target},"
        in text
    )


def test_a_linked_folder_out_of_the_repository_is_not_walked(repo: Path, tmp_path: Path) -> None:
    outside_file(tmp_path)
    (repo / "linked").symlink_to(tmp_path / "outside", target_is_directory=True)
    run = validate_cli(repo, "linked")
    assert run.code == 1
    assert SECRET not in run.out
    assert run.out.startswith("linked:1:1: error [file-read] not read: it is a symbolic link to")


def test_symlinks_inside_the_repository_are_followed(repo: Path) -> None:
    (repo / "shared").mkdir()
    (repo / "shared" / "real.yaml").write_text(VALID.replace("B.V.", "Twee B.V."), "utf-8")
    (repo / "employers" / "valid.yaml").unlink()
    (repo / "employers" / "linked.yaml").symlink_to(Path("..", "shared", "real.yaml"))
    run = validate_cli(repo)
    assert (run.code, run.out) == (0, "1 file valid\n")
    explicit = validate_cli(repo, "employers/linked.yaml")
    assert (explicit.code, explicit.out) == (0, "1 file valid\n")


def test_symlinks_into_hidden_folders_are_refused(repo: Path) -> None:
    """The token store lives in .mijnloket/; a pull request must not make CI read it."""
    store = repo / ".mijnloket" / "loket-token.json"
    store.parent.mkdir()
    store.write_text(json.dumps({"refresh_token": SECRET, "version": 1}), "utf-8")
    (repo / "employers" / "token.yaml").symlink_to(Path("..", ".mijnloket", "loket-token.json"))
    run = validate_cli(repo)
    assert run.code == 1
    assert SECRET not in run.out
    assert "employers/token.yaml:1:1: error [file-read] not read: it is a symbolic link into a" in (
        run.out
    )


def test_fmt_does_not_write_through_a_link_out_of_the_repository(
    repo: Path, tmp_path: Path
) -> None:
    target = outside_file(tmp_path)
    messy = target.read_text("utf-8").replace("version: 1\n", "") + "version: 1\n"
    target.write_text(messy, "utf-8")
    (repo / "employers" / "out.yaml").symlink_to(target)
    argv = [sys.executable, "-m", "mijnloket_gitops", "fmt"]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "outside the repository" in done.stdout + done.stderr
    assert target.read_text("utf-8") == messy


def test_symlink_loops_and_dangling_links_are_reported(repo: Path) -> None:
    folder = repo / "employers"
    (folder / "loop.yaml").symlink_to("loop.yaml")
    (folder / "ping.yaml").symlink_to("pong.yaml")
    (folder / "pong.yaml").symlink_to("ping.yaml")
    (folder / "gone.yaml").symlink_to("nowhere.yaml")
    run = validate_cli(repo, timeout=LIMIT_SECONDS)
    assert run.code == 1
    for name in ("loop", "ping", "pong", "gone"):
        assert f"employers/{name}.yaml:1:1: error [file-read] cannot read file: " in run.out
    result = validate_paths([folder / "loop.yaml"], CATALOG, today=TODAY)
    assert [d.rule for d in result.diagnostics] == ["file-read"]


# -- file names ---------------------------------------------------------------------------------

NAMES = [
    "with space.yaml",
    "caf\u00e9 \U0001f600.yaml",
    "new\nline.yaml",
    "-leading-dash.yaml",
    "colon:comma,.yaml",
    "percent%0A.yaml",
    "quote'\"back\\slash.yaml",
]


def unescape_property(text: str) -> str:
    for escaped, raw in (("%3A", ":"), ("%2C", ","), ("%0D", "\r"), ("%0A", "\n"), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def test_unusual_file_names_in_every_format(repo: Path) -> None:
    folder = repo / "employers"
    (folder / "valid.yaml").unlink()
    for i, name in enumerate(NAMES):
        text = VALID.replace("tier: start", "tier: pro").replace("0d7c5a3b", f"0000000{i}")
        (folder / name).write_text(text, "utf-8")
    paths = {f"employers/{name}" for name in NAMES}

    github = validate_cli(repo, "--format", "github", "employers")
    annotations = [x for x in github.out.splitlines() if x.startswith("::error ")]
    assert len(annotations) == len(NAMES)  # a newline in a name does not split an annotation
    found = set()
    for line in annotations:
        properties, message = line[len("::error ") :].split("::", 1)
        fields = dict(item.split("=", 1) for item in properties.split(","))
        assert set(fields) == {"file", "line", "col", "title"}, line
        found.add(unescape_property(fields["file"]))
        assert fields["title"] == "tier-mismatch" and "tier is 'pro'" in message
    assert found == paths

    document = json.loads(validate_cli(repo, "--format", "json", "employers").out)
    assert {d["path"] for d in document["diagnostics"]} == paths

    sarif = json.loads(validate_cli(repo, "--format", "sarif", "employers").out)
    results = sarif["runs"][0]["results"]
    assert len(results) == len(NAMES)

    dash = validate_cli(repo, "--", "employers/-leading-dash.yaml")
    assert dash.code == 1 and "employers/-leading-dash.yaml:8:7: error [tier-mismatch]" in dash.out


def test_sarif_uris_are_percent_encoded(repo: Path) -> None:
    (repo / "employers" / "with space#1.yaml").write_text(VALID.replace("start", "pro"), "utf-8")
    sarif = json.loads(validate_cli(repo, "--format", "sarif").out)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in sarif["runs"][0]["results"]
    }
    assert "employers/with%20space%231.yaml" in uris
    assert all(" " not in uri and "#" not in uri for uri in uris)


def test_text_report_does_not_pass_terminal_escapes_through(repo: Path) -> None:
    name = "\x1b]0;pwned\x07\x08\x08.yaml"  # sets the terminal's title, then backspaces
    (repo / "employers" / name).write_text(VALID.replace("start", "pro"), "utf-8")
    run = validate_cli(repo)
    assert run.code == 1
    assert all(c == "\n" or c.isprintable() for c in run.out), repr(run.out)


def test_sarif_on_a_file_name_that_is_not_utf8_and_json_stays_utf8(repo: Path) -> None:
    """git allows any bytes in a name: SARIF crashed (exit 70), JSON and github output
    carried the raw byte, so the JSON was not UTF-8."""
    folder = os.fsencode(repo / "employers")
    (repo / "employers" / "valid.yaml").unlink()
    with open(os.path.join(folder, b"bad\xffname.yaml"), "w", encoding="utf-8") as handle:
        handle.write(VALID.replace("start", "pro"))
    outputs = {}
    for fmt in ("sarif", "json", "github", "text"):
        argv = [sys.executable, "-m", "mijnloket_gitops", "validate", "--format", fmt]
        done = subprocess.run(argv, cwd=repo, capture_output=True, timeout=60)
        assert done.returncode == 1, done.stderr
        outputs[fmt] = done.stdout.decode("utf-8")  # strict: every format is UTF-8
    sarif = json.loads(outputs["sarif"])
    run = sarif["runs"][0]
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "employers/bad%FFname.yaml"  # the byte, percent-encoded
    assert {d["path"] for d in json.loads(outputs["json"])["diagnostics"]} == {
        "employers/bad\\xffname.yaml"
    }
    assert "file=employers/bad\\xffname.yaml," in outputs["github"]
    assert outputs["text"].startswith("employers/bad\\xffname.yaml:")


def test_sarif_declares_that_columns_count_code_points(repo: Path) -> None:
    """SARIF 2.1.0 counts UTF-16 code units unless the run says otherwise; our columns
    are code points (an astral character before the error would shift it by one)."""
    text = VALID.replace("name: ", "name: \U0001f600 ").replace("start", "pro")
    (repo / "employers" / "emoji.yaml").write_text(text, "utf-8")
    sarif = json.loads(validate_cli(repo, "--format", "sarif").out)
    assert sarif["runs"][0]["columnKind"] == "unicodeCodePoints"
