"""libyaml's syntax errors, said in words that name the YAML construct met.

libyaml reports what its parser expected ("did not find expected key"); a reader of
an employer file needs to know what in the file is wrong. :func:`in_our_words` leads
with that and keeps libyaml's own phrase in brackets for searching.
"""

from __future__ import annotations

_TAG = "a tag (!...): employer files do not use tags"
_DIRECTIVE = "a directive (a line starting with '%'): employer files do not use them"
_WORDS: dict[str, str] = {
    # layout
    "did not find expected key": "a line that does not line up with the keys of its mapping,"
    " or text after a complete value",
    "did not find expected '-' indicator": "a line that does not line up with the items of"
    " its list",
    "could not find expected ':'": "a key without its ':' (a value that goes on to the next"
    " line where a key should start?)",
    "mapping values are not allowed": "a ': ' where no key can start (quote a value that"
    " holds ': ')",
    "mapping keys are not allowed": "a key where no key can start",
    "block sequence entries are not allowed": "a list item ('- ') where no list can start"
    " (indent it under its key)",
    "found unexpected ':'": "a ':' where no key can start (quote a value that holds ':')",
    "did not find expected node content": "a place where a value should be but none is"
    " (a stray ',', ']', '}' or indicator)",
    "did not find expected <document start>": "text after the end of the document (after"
    " '...' or after a complete top-level value)",
    "found unexpected document indicator": "a document marker ('---' or '...') inside a value",
    "found unexpected end of stream": "the file ends inside a quoted value",
    "did not find expected comment or line break": "text after a value where only a comment"
    " may follow",
    "did not find expected whitespace": "an indicator joined to the text after it (a space"
    " is missing)",
    # flow collections
    "did not find expected ',' or ']'": "a [...] list that is not closed, or two of its"
    " items without a ',' between them",
    "did not find expected ',' or '}'": "a {...} mapping that is not closed, or two of its"
    " entries without a ',' between them",
    # tabs and characters
    "found a tab character": "a tab character used for indentation: YAML indents with spaces only",
    "found character that cannot start any token": "a character that cannot start a value"
    " ('@', '`', '%' or a tab): quote the value",
    "control characters are not allowed": "a control character: employer files hold"
    " printable text only",
    "invalid Unicode character": "a character YAML does not allow",
    "found unknown escape character": "an unknown escape in a double-quoted value (write"
    " '\\\\' for a backslash)",
    "found invalid Unicode character escape code": "a \\u or \\U escape that is not a character",
    "did not find expected hexdecimal number": "a \\x, \\u or \\U escape without its hex digits",
    # block scalars
    "found an indentation indicator equal to 0": "a block scalar with indentation indicator 0"
    " (only 1 to 9 mean something)",
    # anchors, tags and directives: refused anyway, named here when libyaml stops first
    "did not find expected alphabetic or numeric character": "an anchor or alias (& or *)"
    " without a name: employer files do not use anchors and aliases; quote a value that"
    " starts with & or *",
    "found undefined tag handle": _TAG,
    "did not find expected tag URI": _TAG,
    "did not find URI escaped octet": _TAG,
    "did not find the expected '>'": _TAG,
    "did not find expected '!'": _TAG,
    "directive": _DIRECTIVE,
    "version number": _DIRECTIVE,
    "incompatible YAML document": _DIRECTIVE,
    "found unexpected non-alphabetical character": _DIRECTIVE,
}
UNWORDED = "this is not YAML an employer file can use"
""":func:`in_our_words` for a problem not in the table (the suite test keeps it unused)."""


def in_our_words(problem: str) -> str:
    """A message for libyaml's ``problem`` that says which YAML construct was met."""
    for phrase, words in _WORDS.items():
        if phrase in problem:
            return f"{words} ({problem})"
    return f"{UNWORDED} ({problem})"
