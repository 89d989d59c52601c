"""Text from files and file names, made safe for the place it is shown.

A file name that is not valid UTF-8 (git allows any bytes) reaches Python as a str
with lone surrogates (``surrogateescape``); written as is, it makes JSON that is not
UTF-8 and crashes URI quoting. A name or value with control characters would drive
the terminal it is printed on. These helpers give each audience a faithful, visible
form: the raw bytes spelled ``\\xNN``, never the bytes themselves.
"""

from __future__ import annotations

import os
from urllib.parse import quote

_SURROGATES = range(0xDC80, 0xDD00)
"""Where ``surrogateescape`` puts the bytes 0x80-0xFF that did not decode."""


def _spelled(ch: str) -> str:
    code = ord(ch)
    if code in _SURROGATES:
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def unicode_text(text: str) -> str:
    """``text`` as valid Unicode: undecodable bytes of a file name spelled ``\\xNN``."""
    if not any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        return text
    return "".join(_spelled(ch) if 0xD800 <= ord(ch) <= 0xDFFF else ch for ch in text)


def printable(text: str) -> str:
    """``text`` for a terminal: control characters and undecodable bytes spelled out."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else _spelled(ch) for ch in text)


def file_uri(path: str) -> str:
    """A relative URI reference for ``path``: its bytes, percent-encoded (RFC 3986)."""
    return quote(os.fsencode(path.replace("\\", "/")))
