"""Run a parsed template against data, with Go ``text/template`` semantics and hard limits.

Output size and loop iterations are bounded so a hostile or buggy template costs one error
string, never the daemon.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from watchdog.rules.templates.functions import FUNCTIONS, FuncError, Function, go_truth
from watchdog.rules.templates.gofmt import go_type, go_value
from watchdog.rules.templates.parser import (
    Action,
    Arg,
    Branch,
    Command,
    Const,
    Control,
    Field,
    Ident,
    Loop,
    Node,
    ParenPipe,
    Pipeline,
    Text,
    Var,
)

__all__ = ["MAX_OUTPUT", "MAX_STEPS", "TemplateRuntimeError", "execute"]

MAX_OUTPUT = 64 * 1024
MAX_STEPS = 100_000
_MISSING = object()


class TemplateRuntimeError(Exception):
    """Execution failed; the message reads like Go's ``executing "name" at <...>: ...``."""


class _BreakSignal(Exception):  # noqa: N818 - control flow, not an error
    pass


class _ContinueSignal(Exception):  # noqa: N818 - control flow, not an error
    pass


@dataclass
class _State:
    name: str
    functions: Mapping[str, Function]
    out: list[str] = field(default_factory=list)
    size: int = 0
    steps: int = 0
    scopes: list[dict[str, Any]] = field(default_factory=list)
    line: int = 0

    def fail(self, where: str, message: str) -> TemplateRuntimeError:
        return TemplateRuntimeError(
            f'template: {self.name}:{self.line}: executing "{self.name}" at <{where}>: {message}'
        )

    def write(self, text: str) -> None:
        self.size += len(text)
        if self.size > MAX_OUTPUT:
            raise self.fail("output", f"template output exceeds {MAX_OUTPUT} bytes")
        self.out.append(text)

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise self.fail("range", f"template exceeds {MAX_STEPS} steps")

    def lookup(self, name: str) -> Any:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise self.fail(name, f"undefined variable: {name}")

    def assign(self, name: str, value: Any) -> None:
        for scope in reversed(self.scopes):
            if name in scope:
                scope[name] = value
                return
        raise self.fail(name, f"undefined variable: {name}")


def execute(
    nodes: tuple[Node, ...],
    data: Any,
    *,
    name: str,
    variables: Mapping[str, Any] | None = None,
    extra_functions: Mapping[str, Callable[..., Any]] | None = None,
) -> str:
    """Render ``nodes`` with ``data`` as dot; raise ``TemplateRuntimeError`` on failure."""
    functions: dict[str, Function] = dict(FUNCTIONS)
    for fname, call in (extra_functions or {}).items():
        functions[fname] = Function(call, 0, None)
    state = _State(name, functions, scopes=[{"$": data, **(variables or {})}])
    with contextlib.suppress(_BreakSignal, _ContinueSignal):
        _walk(state, nodes, data)
    return "".join(state.out)


def _walk(state: _State, nodes: tuple[Node, ...], dot: Any) -> None:
    for node in nodes:
        if isinstance(node, Text):
            state.write(node.text)
        elif isinstance(node, Action):
            value = _pipeline(state, node.pipe, dot)
            if not node.pipe.decl:
                state.write(go_value(value))
        elif isinstance(node, Branch):
            _branch(state, node, dot)
        elif isinstance(node, Loop):
            _loop(state, node, dot)
        elif isinstance(node, Control):
            raise _BreakSignal() if node.kind == "break" else _ContinueSignal()


def _scoped(state: _State, nodes: tuple[Node, ...], dot: Any, bindings: dict[str, Any]) -> None:
    state.scopes.append(bindings)
    try:
        _walk(state, nodes, dot)
    finally:
        state.scopes.pop()


def _branch(state: _State, node: Branch, dot: Any) -> None:
    state.scopes.append({})
    try:
        value = _pipeline(state, node.pipe, dot)
        if go_truth(value):
            _scoped(state, node.body, value if node.kind == "with" else dot, {})
            return
    finally:
        state.scopes.pop()
    _scoped(state, node.otherwise, dot, {})


def _loop(state: _State, node: Loop, dot: Any) -> None:
    pipe = node.pipe
    state.scopes.append({})
    try:
        value = _pipeline(state, Pipeline((), False, pipe.commands, pipe.line), dot)
        if isinstance(value, dict):
            items: list[tuple[Any, Any]] = [(k, value[k]) for k in sorted(value)]
        elif isinstance(value, list | tuple):
            items = list(enumerate(value))
        elif value is None:
            items = []
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [(i, i) for i in range(max(0, min(value, MAX_STEPS + 1)))]
        else:
            raise state.fail("range", f"range can't iterate over {go_value(value)}")
        for key, element in items:
            state.step()
            bindings: dict[str, Any] = {}
            if len(pipe.decl) == 1:
                bindings[pipe.decl[0]] = element
            elif len(pipe.decl) == 2:
                bindings[pipe.decl[0]], bindings[pipe.decl[1]] = key, element
            try:
                _scoped(state, node.body, element, bindings)
            except _BreakSignal:
                break
            except _ContinueSignal:
                continue
    finally:
        state.scopes.pop()
    if not items:
        _scoped(state, node.otherwise, dot, {})


def _pipeline(state: _State, pipe: Pipeline, dot: Any) -> Any:
    state.line = pipe.line
    value: Any = _MISSING
    for command in pipe.commands:
        value = _command(state, command, dot, value)
    for name in pipe.decl:
        if pipe.assign:
            state.assign(name, value)
        else:
            state.scopes[-1][name] = value
    return value


def _command(state: _State, command: Command, dot: Any, final: Any) -> Any:
    head, rest = command.args[0], command.args[1:]
    if isinstance(head, Ident):
        return _call(state, head.name, rest, dot, final)
    if rest or final is not _MISSING:
        raise state.fail(_describe(head), f"can't give argument to non-function {_describe(head)}")
    return _operand(state, head, dot)


def _call(state: _State, name: str, args: tuple[Arg, ...], dot: Any, final: Any) -> Any:
    function = state.functions[name]
    count = len(args) + (final is not _MISSING)
    if count < function.min_args or (function.max_args is not None and count > function.max_args):
        want = function.min_args if function.max_args == function.min_args else "more"
        raise state.fail(name, f"wrong number of args for {name}: want {want} got {count}")
    if name in ("and", "or"):
        return _lazy_logic(state, name, args, dot, final)
    values = [_operand(state, arg, dot) for arg in args]
    if final is not _MISSING:
        values.append(final)
    try:
        return function.call(*values)
    except FuncError as exc:
        raise state.fail(name, f"error calling {name}: {exc}") from None
    except RecursionError:
        raise state.fail(name, f"error calling {name}: too deeply nested") from None


def _lazy_logic(state: _State, name: str, args: tuple[Arg, ...], dot: Any, final: Any) -> Any:
    value: Any = None
    pending = [*args, _MISSING] if final is not _MISSING else list(args)
    for arg in pending:
        value = final if arg is _MISSING else _operand(state, arg, dot)  # type: ignore[arg-type]
        if go_truth(value) != (name == "and"):
            return value
    return value


def _operand(state: _State, arg: Arg, dot: Any) -> Any:
    if isinstance(arg, Const):
        return arg.value
    if isinstance(arg, Field):
        return _fields(state, dot, arg.names)
    if isinstance(arg, Var):
        return _fields(state, state.lookup(arg.name), arg.names)
    if isinstance(arg, ParenPipe):
        return _fields(state, _pipeline(state, arg.pipe, dot), arg.names)
    return _call(state, arg.name, (), dot, _MISSING)


def _fields(state: _State, value: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        if isinstance(value, dict):
            value = value.get(name, "")
        elif hasattr(value, "go_field"):
            try:
                value = value.go_field(name)
            except FuncError as exc:
                raise state.fail("." + name, str(exc)) from None
        elif value is None:
            raise state.fail("." + name, f"nil pointer evaluating interface {{}}.{name}")
        else:
            raise state.fail("." + name, f"can't evaluate field {name} in type {go_type(value)}")
    return value


def _describe(arg: Arg) -> str:
    if isinstance(arg, Field):
        return "." + ".".join(arg.names)
    if isinstance(arg, Var):
        return ".".join((arg.name, *arg.names))
    if isinstance(arg, Const):
        return go_value(arg.value)
    return "(...)"
