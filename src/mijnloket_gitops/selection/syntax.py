"""The selector language: tokens and the parser that turns them into a tree.

Grammar (case-insensitive keywords; whitespace separates tokens)::

    expression := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expression ")" | condition
    condition  := FIELD OP VALUE | FIELD "in" "(" VALUE ("," VALUE)* ")"
    OP         := "=" | "!=" | "<" | "<=" | ">" | ">="
    VALUE      := a bare word ([A-Za-z0-9_.@*?/+-]...) or a "double-quoted" string

Every node keeps the column it starts at, so a later check (an unknown product, a
tier that does not exist) can point at the value it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mijnloket_gitops.errors import MijnloketError


class SelectorError(MijnloketError):
    """A selector expression does not parse or names something unknown.

    The message shows the expression with a caret under the 1-based ``column``.
    """

    def __init__(self, expression: str, column: int, message: str) -> None:
        self.expression = expression
        self.column = column
        self.reason = message
        caret = " " * (column - 1) + "^"
        super().__init__(
            f"selector, column {column}: {message}\n  {expression}\n  {caret}\n"
            "  (the README's Selectors section lists the fields)"
        )


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "string", "op", "(", ")", ",", "end"
    text: str
    column: int


@dataclass(frozen=True)
class Value:
    text: str
    column: int
    quoted: bool = False
    """Written in double quotes (so a hint to quote it would be wrong)."""


@dataclass(frozen=True)
class Condition:
    field: str
    op: str  # "=", "!=", "<", "<=", ">", ">=", "in"
    values: tuple[Value, ...]
    column: int


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class BoolOp:
    op: str  # "and" or "or"
    operands: tuple[Node, ...]


Node = Condition | Not | BoolOp

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<op>!=|<=|>=|=|<|>)
      | (?P<paren>[(),])
      | (?P<word>[A-Za-z0-9_.@*?/+\[\]-]+)""",
    re.VERBOSE,
)
_KEYWORDS = {"and", "or", "not", "in"}


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(expression):
        match = _TOKEN.match(expression, position)
        if match is None:
            char = expression[position]
            if char == '"':
                raise SelectorError(expression, position + 1, "this string is never closed")
            raise SelectorError(expression, position + 1, f"unexpected character {char!r}")
        kind = match.lastgroup or ""
        text = match.group()
        if kind == "string":
            tokens.append(Token("string", re.sub(r"\\(.)", r"\1", text[1:-1]), position + 1))
        elif kind == "paren":
            tokens.append(Token(text, text, position + 1))
        elif kind != "space":
            tokens.append(Token(kind, text, position + 1))
        position = match.end()
    tokens.append(Token("end", "", len(expression) + 1))
    return tokens


class _Parser:
    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.tokens = tokenize(expression)
        self.index = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.index]

    def keyword(self, word: str) -> bool:
        token = self.peek
        if token.kind == "word" and token.text.lower() == word:
            self.index += 1
            return True
        return False

    def fail(self, token: Token, message: str) -> SelectorError:
        return SelectorError(self.expression, token.column, message)

    def parse(self) -> Node:
        if self.peek.kind == "end":
            raise self.fail(self.peek, "the selector is empty")
        node = self.expression_()
        if self.peek.kind != "end":
            raise self.fail(self.peek, f"expected `and`, `or` or the end, found {self.peek.text!r}")
        return node

    def expression_(self) -> Node:
        operands = [self.term()]
        while self.keyword("or"):
            operands.append(self.term())
        return operands[0] if len(operands) == 1 else BoolOp("or", tuple(operands))

    def term(self) -> Node:
        operands = [self.factor()]
        while self.keyword("and"):
            operands.append(self.factor())
        return operands[0] if len(operands) == 1 else BoolOp("and", tuple(operands))

    def factor(self) -> Node:
        if self.keyword("not"):
            return Not(self.factor())
        token = self.peek
        if token.kind == "(":
            self.index += 1
            node = self.expression_()
            if self.peek.kind != ")":
                raise self.fail(self.peek, "expected `)` to close the `(`")
            self.index += 1
            return node
        return self.condition()

    def condition(self) -> Condition:
        field = self.peek
        if field.kind != "word" or field.text.lower() in _KEYWORDS:
            found = "the end" if field.kind == "end" else repr(field.text)
            raise self.fail(field, f"expected a field such as tier or product, found {found}")
        self.index += 1
        if self.keyword("in"):
            return Condition(field.text.lower(), "in", self.value_list(), field.column)
        op = self.peek
        if op.kind != "op":
            found = "the end" if op.kind == "end" else repr(op.text)
            raise self.fail(
                op, f"expected =, !=, <, <=, >, >= or `in` after {field.text}, found {found}"
            )
        self.index += 1
        return Condition(field.text.lower(), op.text, (self.value(),), field.column)

    def value(self) -> Value:
        token = self.peek
        if token.kind not in ("word", "string"):
            found = "the end" if token.kind == "end" else repr(token.text)
            raise self.fail(token, f"expected a value (quote it if it holds spaces), found {found}")
        self.index += 1
        return Value(token.text, token.column, quoted=token.kind == "string")

    def value_list(self) -> tuple[Value, ...]:
        if self.peek.kind != "(":
            raise self.fail(self.peek, "expected `(` after `in`")
        self.index += 1
        values = [self.value()]
        while self.peek.kind == ",":
            self.index += 1
            values.append(self.value())
        if self.peek.kind != ")":
            raise self.fail(self.peek, "expected `,` or `)` in the list of values")
        self.index += 1
        return tuple(values)


def parse(expression: str) -> Node:
    """The tree of ``expression``; raises :class:`SelectorError` with the column."""
    return _Parser(expression).parse()
