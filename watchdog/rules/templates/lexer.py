"""Tokens of the Go ``text/template`` subset that Prometheus rule templates use.

The lexer splits text from actions (``{{ ... }}``), honours the trim markers ``{{-`` and ``-}}``
and drops comments (``{{/* ... */}}``). Inside actions it yields words: fields (``.Labels.x``),
variables (``$value``), identifiers, strings, numbers, ``|``, ``(``, ``)``, ``:=``, ``=``, ``,``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["TemplateSyntaxError", "Token", "TokenKind", "tokenize"]

TokenKind = Literal[
    "text",
    "open",
    "close",
    "field",
    "variable",
    "ident",
    "string",
    "number",
    "char",
    "pipe",
    "lparen",
    "rparen",
    "declare",
    "assign",
    "comma",
    "dot",
]

LEFT = "{{"
RIGHT = "}}"
_TRIM_SPACE = " \t\r\n"

_WORD = re.compile(
    r"""
    (?P<space>[ \t\r\n]+)
  | (?P<declare>:=)
  | (?P<assign>=)
  | (?P<pipe>\|)
  | (?P<lparen>\()
  | (?P<rparen>\))
  | (?P<comma>,)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<raw>`[^`]*`)
  | (?P<char>'(?:[^'\\\n]|\\.)+')
  | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?))
  | (?P<variable>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
  | (?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+)
  | (?P<dot>\.)
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
    """,
    re.VERBOSE,
)


class TemplateSyntaxError(ValueError):
    """A template that does not parse; the message names the line and the problem."""


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical item with the line (1-based) it starts on."""

    kind: TokenKind
    value: str
    line: int
    pos: int


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens; raise ``TemplateSyntaxError`` on malformed actions."""
    tokens: list[Token] = []
    lines = _Lines(text)
    pos = 0
    while pos < len(text):
        start = text.find(LEFT, pos)
        if start < 0:
            tokens.append(Token("text", text[pos:], lines.at(pos), pos))
            break
        chunk = text[pos:start]
        inner = start + len(LEFT)
        trim_left = text.startswith("-", inner) and text[inner + 1 : inner + 2] in _TRIM_SPACE
        if trim_left and inner + 1 < len(text):
            chunk = chunk.rstrip(_TRIM_SPACE)
            inner += 2
        if chunk:
            tokens.append(Token("text", chunk, lines.at(pos), pos))
        pos, trim_right = _action(text, start, inner, tokens, lines)
        if trim_right:
            while pos < len(text) and text[pos] in _TRIM_SPACE:
                pos += 1
    return tokens


def _action(
    text: str, start: int, pos: int, tokens: list[Token], lines: _Lines
) -> tuple[int, bool]:
    """Tokenize one action starting after ``{{``; return the position after ``}}``."""
    line = lines.at(start)
    if text.startswith("/*", pos):
        end = text.find("*/", pos + 2)
        if end < 0:
            raise TemplateSyntaxError(f"line {line}: unclosed comment")
        after = end + 2
        if text.startswith(RIGHT, after):
            return after + len(RIGHT), False
        if text.startswith(" -" + RIGHT, after):
            return after + 2 + len(RIGHT), True
        raise TemplateSyntaxError(f"line {line}: comment ends before closing delimiter")
    tokens.append(Token("open", LEFT, line, start))
    while True:
        if pos >= len(text):
            raise TemplateSyntaxError(f"line {line}: unclosed action")
        if text.startswith(RIGHT, pos):
            tokens.append(Token("close", RIGHT, lines.at(pos), pos))
            return pos + len(RIGHT), False
        if text[pos] in _TRIM_SPACE and re.compile(r"[ \t\r\n]-\}\}").match(text, pos):
            tokens.append(Token("close", RIGHT, lines.at(pos), pos))
            return pos + 4, True
        match = _WORD.match(text, pos)
        if match is None:
            raise TemplateSyntaxError(f"line {lines.at(pos)}: unexpected {text[pos]!r} in action")
        kind = match.lastgroup
        assert kind is not None
        value = match.group()
        if kind == "raw":
            tokens.append(Token("string", value, lines.at(pos), pos))
        elif kind != "space":
            tokens.append(Token(kind, value, lines.at(pos), pos))  # type: ignore[arg-type]
        pos = match.end()


class _Lines:
    """Line numbers by offset in O(log n), so long templates tokenize in linear time."""

    def __init__(self, text: str) -> None:
        self._starts = [i for i, char in enumerate(text) if char == "\n"]

    def at(self, pos: int) -> int:
        return bisect.bisect_left(self._starts, pos) + 1
