"""Reading a file's bytes and decoding them, with limits and exact positions.

Only regular files are read (a FIFO or a device would block or never end), never
more than ``MAX_FILE_BYTES + 1`` bytes, and the text must be UTF-8 (a BOM is
allowed) without NUL bytes. Problems come back as values, never as exceptions.
"""

from __future__ import annotations

import os
import stat

from mijnloket_gitops.files.positions import START, LoadProblem, Mark, text_mark

MAX_FILE_BYTES = 1024 * 1024


def _too_large(size: str) -> LoadProblem:
    return LoadProblem(
        "file-limits",
        f"file is {size} bytes; employer files may be at most {MAX_FILE_BYTES:,}",
        START,
        "an employer file is a few dozen lines; check that this is the right file",
    )


def decode(raw: bytes) -> tuple[str | None, LoadProblem | None]:
    """Decode file bytes as UTF-8 (a BOM is allowed), or say where it breaks."""
    if len(raw) > MAX_FILE_BYTES:
        return None, _too_large(f"{len(raw):,}")
    utf16 = _utf16(raw)
    if utf16 is not None:
        return None, utf16
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, LoadProblem(
            "encoding", "file contains NUL bytes: it is binary, not YAML", _byte_mark(raw, nul)
        )
    bom = 3 if raw.startswith(b"\xef\xbb\xbf") else 0
    try:
        return raw[bom:].decode("utf-8"), None
    except UnicodeDecodeError as error:
        offset = bom + error.start
        return None, LoadProblem(
            "encoding",
            f"file is not valid UTF-8 (byte 0x{raw[offset]:02x})",
            _byte_mark(raw, offset),
            "save the file as UTF-8",
        )


def _utf16(raw: bytes) -> LoadProblem | None:
    """A problem naming UTF-16 (which some Windows editors save), rather than calling
    the file binary: a UTF-16 byte order mark, or ASCII text with a NUL after (or
    before) every character."""
    head = raw[:200]
    bom = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    pairs = len(head) >= 4 and len(head) % 2 == 0
    little = pairs and head[1::2].count(0) == len(head) // 2 and 0 not in head[0::2]
    big = pairs and head[0::2].count(0) == len(head) // 2 and 0 not in head[1::2]
    if not (bom or little or big):
        return None
    return LoadProblem(
        "encoding",
        "file is UTF-16 text; employer files are UTF-8",
        START,
        "save the file as UTF-8 (in the editor, or `iconv -f UTF-16 -t UTF-8`)",
    )


def _byte_mark(raw: bytes, offset: int) -> Mark:
    """Line and column (in characters, as editors count) of byte ``offset``."""
    before = raw[:offset].decode("utf-8-sig", errors="replace")
    return text_mark(before, len(before))


def read_file(path: str) -> tuple[bytes | None, LoadProblem | None]:
    """The bytes of the regular file at ``path`` (at most ``MAX_FILE_BYTES + 1`` read).

    Opened without blocking, so that a FIFO is refused instead of waiting for a
    writer; anything but a regular file (a FIFO, ``/dev/zero``, a directory) is a
    ``file-read`` problem, and a file over the limit is a ``file-limits`` problem
    without reading it, whatever size it claims.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _O_NONBLOCK | _O_CLOEXEC)
    except OSError as error:
        return None, _cannot_read(error)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, LoadProblem(
                "file-read",
                f"cannot read file: it is {_file_kind(info.st_mode)}, not a regular file",
                START,
                "employer files are regular files; name the file itself",
            )
        if info.st_size > MAX_FILE_BYTES:
            return None, _too_large(f"{info.st_size:,}")
        limit = MAX_FILE_BYTES + 1
        # st_size is a hint (a file can grow, /proc files claim 0): read to the end
        # or to one byte past the limit, whichever comes first.
        chunks = [os.read(fd, min(info.st_size + 1, limit))]
        total = len(chunks[0])
        while chunks[-1] and total < limit:
            chunks.append(os.read(fd, min(limit - total, 1 << 16)))
            total += len(chunks[-1])
    except OSError as error:
        return None, _cannot_read(error)
    finally:
        os.close(fd)
    if total > MAX_FILE_BYTES:
        return None, _too_large(f"more than {MAX_FILE_BYTES:,}")
    return chunks[0] if len(chunks) <= 2 else b"".join(chunks), None


_O_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _file_kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "a special file")


def _cannot_read(error: OSError) -> LoadProblem:
    return LoadProblem("file-read", f"cannot read file: {error.strerror or error}", START)
