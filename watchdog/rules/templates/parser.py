"""Parse template tokens into a small tree; undefined functions and variables fail here.

Supported: text, ``{{ pipeline }}``, ``if``/``else if``/``else``, ``with``/``else``,
``range`` (with ``$k, $v :=``), ``break``/``continue``, variable declaration and assignment,
pipelines, parenthesised pipelines and field chains. ``define``/``template``/``block`` are
refused: rule templates have no use for them and they would allow recursion. Nesting deeper
than ``max_nesting`` is refused here, so neither parsing nor expansion can run out of stack.
"""

from __future__ import annotations

import ast
from collections.abc import Collection
from dataclasses import dataclass, field

from watchdog.rules.templates.lexer import TemplateSyntaxError, Token, tokenize
from watchdog.rules.templates.nodes import (
    Action,
    Arg,
    Branch,
    Command,
    Const,
    Control,
    Dot,
    Field,
    Ident,
    Loop,
    Node,
    ParenPipe,
    Pipeline,
    Text,
    Var,
)

__all__ = ["parse_template"]

_REFUSED = {"define", "template", "block"}
_KEYWORDS = {"if", "else", "end", "range", "with", "break", "continue", *_REFUSED}


@dataclass
class _Parser:
    tokens: list[Token]
    functions: Collection[str]
    max_nesting: int
    pos: int = 0
    scopes: list[set[str]] = field(default_factory=lambda: [{"$"}])
    loops: int = 0
    depth: int = 0

    # -- token helpers -----------------------------------------------------------------

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise TemplateSyntaxError("unexpected end of template")
        self.pos += 1
        return token

    def expect(self, kind: str, what: str) -> Token:
        token = self.take()
        if token.kind != kind:
            raise TemplateSyntaxError(f"line {token.line}: unexpected {token.value!r} in {what}")
        return token

    def enter(self, line: int) -> None:
        """One level deeper; refuse nesting past the limit (it would exhaust the stack)."""
        self.depth += 1
        if self.depth > self.max_nesting:
            raise TemplateSyntaxError(
                f"line {line}: nesting exceeds the template limit of {self.max_nesting} levels "
                "(if/with/range blocks, else-if chains and parentheses)"
            )

    # -- structure ---------------------------------------------------------------------

    def parse_list(self, stop: Collection[str]) -> tuple[tuple[Node, ...], str | None]:
        """Nodes up to one of the ``stop`` keywords (consumed); returns which one."""
        nodes: list[Node] = []
        while (token := self.peek()) is not None:
            if token.kind == "text":
                nodes.append(Text(self.take().value))
                continue
            self.take()  # "{{"
            word = self.peek()
            if word is not None and word.kind == "ident" and word.value in _KEYWORDS:
                keyword = word.value
                if keyword in stop:
                    self.take()
                    return tuple(nodes), keyword
                nodes.append(self.parse_keyword(word))
            else:
                pipe = self.parse_pipeline("command", decl_ok=True)
                nodes.append(Action(pipe, pipe.pos))
        if stop:
            raise TemplateSyntaxError("unexpected EOF: missing {{end}}")
        return tuple(nodes), None

    def parse_keyword(self, word: Token) -> Node:
        keyword = self.take().value
        if keyword in _REFUSED:
            raise TemplateSyntaxError(f"line {word.line}: {{{{{keyword}}}}} is not supported")
        if keyword in ("end", "else"):
            raise TemplateSyntaxError(f"line {word.line}: unexpected {{{{{keyword}}}}}")
        if keyword in ("break", "continue"):
            if not self.loops:
                raise TemplateSyntaxError(f"line {word.line}: {{{{{keyword}}}}} outside {{range}}")
            self.expect("close", keyword)
            return Control(keyword)
        return self.parse_control(keyword, word.line)

    def parse_control(self, keyword: str, line: int) -> Node:
        self.enter(line)
        self.scopes.append(set())  # the pipeline's variables live until {{end}}, else included
        pipe = self.parse_pipeline(keyword, decl_ok=True, range_decl=keyword == "range")
        self.loops += keyword == "range"
        body, ended = self.scoped_list({"end", "else"})
        self.loops -= keyword == "range"
        otherwise: tuple[Node, ...] = ()
        nxt = self.peek()
        if ended == "else" and keyword != "range" and nxt is not None and nxt.value == keyword:
            # "else if" / "else with": a nested branch that shares our {{end}}.
            self.take()
            otherwise = (self.parse_control(keyword, nxt.line),)
        elif ended == "else":
            self.expect("close", "else")
            otherwise, _ = self.scoped_list({"end"})
            self.expect("close", "end")
        else:
            self.expect("close", "end")
        self.scopes.pop()
        self.depth -= 1
        if keyword == "range":
            return Loop(pipe, body, otherwise)
        return Branch(keyword, pipe, body, otherwise)

    def scoped_list(self, stop: Collection[str]) -> tuple[tuple[Node, ...], str | None]:
        self.scopes.append(set())
        try:
            return self.parse_list(stop)
        finally:
            self.scopes.pop()

    # -- pipelines ---------------------------------------------------------------------

    def parse_pipeline(self, context: str, *, decl_ok: bool, range_decl: bool = False) -> Pipeline:
        first = self.peek()
        line = first.line if first else 0
        start = first.pos if first else 0
        decl, assign = self.parse_decl(range_decl) if decl_ok else ((), False)
        commands: list[Command] = []
        while True:
            head = self.peek()
            args: list[Arg] = []
            while (token := self.peek()) is not None and token.kind not in (
                "close",
                "pipe",
                "rparen",
            ):
                args.append(self.parse_operand())
            if not args:
                raise TemplateSyntaxError(f"line {line}: missing value for {context}")
            commands.append(Command(tuple(args), head.pos if head else start))
            token = self.peek()
            if token is not None and token.kind == "pipe":
                self.take()
                continue
            break
        if context != "parenthesized pipeline":
            self.expect("close", context)
        for name in decl:
            if assign:
                self.need_var(name, line)
            else:
                self.scopes[-1].add(name)
        return Pipeline(decl, assign, tuple(commands), start)

    def parse_decl(self, range_decl: bool) -> tuple[tuple[str, ...], bool]:
        token, nxt = self.peek(), self.peek(1)
        if token is None or token.kind != "variable" or "." in token.value or nxt is None:
            return (), False
        if nxt.kind in ("declare", "assign"):
            self.pos += 2
            return (token.value,), nxt.kind == "assign"
        third, fourth = self.peek(2), self.peek(3)
        if (
            range_decl
            and nxt.kind == "comma"
            and third is not None
            and fourth is not None
            and third.kind == "variable"
            and fourth.kind in ("declare", "assign")
        ):
            self.pos += 4
            return (token.value, third.value), fourth.kind == "assign"
        return (), False

    def parse_operand(self) -> Arg:
        token = self.take()
        arg: Arg
        if token.kind == "string":
            arg = Const(_unquote(token), token.value, token.pos)
        elif token.kind == "char":
            arg = Const(ord(_unquote(token)), token.value, token.pos)
        elif token.kind == "number":
            arg = Const(_number(token), token.value, token.pos)
        elif token.kind == "dot":
            arg = Dot(token.pos)
        elif token.kind == "field":
            names = tuple(token.value.split(".")[1:])
            # Go lexes ".A.B" as two fields and places the node at the second one.
            arg = Field(names, token.pos + (len(names[0]) + 1 if len(names) > 1 else 0))
        elif token.kind == "variable":
            name, *chain = token.value.split(".")
            self.need_var(name, token.line)
            arg = Var(name, tuple(chain), token.pos + (len(name) if chain else 0))
        elif token.kind == "ident":
            arg = self.parse_ident(token)
        elif token.kind == "lparen":
            self.enter(token.line)
            pipe = self.parse_pipeline("parenthesized pipeline", decl_ok=False)
            close = self.expect("rparen", "parenthesized pipeline")
            self.depth -= 1
            after = self.peek()
            names = ()
            where = pipe.pos
            if after is not None and after.kind == "field" and after.pos == close.pos + 1:
                names = tuple(self.take().value.split(".")[1:])
                where = after.pos
            arg = ParenPipe(pipe, names, where)
        else:
            raise TemplateSyntaxError(f"line {token.line}: unexpected {token.value!r} in operand")
        return arg

    def parse_ident(self, token: Token) -> Arg:
        if token.value in ("true", "false"):
            return Const(token.value == "true", token.value, token.pos)
        if token.value == "nil":
            return Const(None, token.value, token.pos)
        if token.value in _KEYWORDS:
            raise TemplateSyntaxError(f"line {token.line}: unexpected {token.value!r} in operand")
        if token.value not in self.functions:
            raise TemplateSyntaxError(f'line {token.line}: function "{token.value}" not defined')
        return Ident(token.value, token.pos)

    def need_var(self, name: str, line: int) -> None:
        if not any(name in scope for scope in self.scopes):
            raise TemplateSyntaxError(f"line {line}: undefined variable: {name}")


def _unquote(token: Token) -> str:
    if token.value.startswith("`"):
        return token.value[1:-1]
    try:
        value = ast.literal_eval(token.value)
    except (SyntaxError, ValueError):
        raise TemplateSyntaxError(f"line {token.line}: bad string {token.value}") from None
    if not isinstance(value, str):
        raise TemplateSyntaxError(f"line {token.line}: bad string {token.value}")
    return value


def _number(token: Token) -> int | float:
    text = token.value.replace("_", "")
    try:
        if text.lower().lstrip("+-").startswith("0x"):
            return int(text, 16)
        if any(c in text for c in ".eE"):
            return float(text)
        return int(text)
    except ValueError:
        raise TemplateSyntaxError(f"line {token.line}: bad number syntax: {token.value}") from None


def parse_template(
    text: str,
    functions: Collection[str],
    variables: Collection[str] = (),
    *,
    max_nesting: int = 100,
) -> tuple[Node, ...]:
    """Parse ``text``; ``variables`` are predeclared (e.g. ``$labels``, ``$value``)."""
    parser = _Parser(tokenize(text), functions, max_nesting)
    parser.scopes[0].update(variables)
    nodes, _ = parser.parse_list(())
    return nodes
