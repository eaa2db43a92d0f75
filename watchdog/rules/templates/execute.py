"""Run a parsed template with Go ``text/template`` semantics, inside a budget.

The executor mirrors the structure of Go's ``exec.go``: it keeps the node Go would be "at"
when an error happens (``at``), so error texts match Prometheus' to the column
(``template: NAME:1:124: executing "NAME" at <humanizeTimestamp>: error calling ...``).
Every node, command and loop iteration is charged to the ``Budget``; output is capped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from watchdog.rules.templates import calls
from watchdog.rules.templates.calls import MISSING
from watchdog.rules.templates.functions import Function
from watchdog.rules.templates.gofmt import go_value, shortest_float
from watchdog.rules.templates.limits import Budget, LimitExceeded
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
from watchdog.rules.templates.values import go_quote, go_truth, go_type

__all__ = ["Executor", "TemplateRuntimeError"]


class TemplateRuntimeError(Exception):
    """Execution failed; the message reads like Go's ``executing "name" at <...>: ...``."""


class _Break(Exception):  # noqa: N818 - control flow, not an error
    pass


class _Continue(Exception):  # noqa: N818 - control flow, not an error
    pass


class Executor:
    """One expansion: variables, output, the budget and the node errors point at."""

    def __init__(
        self,
        *,
        name: str,
        locate: Callable[[int], str],
        functions: Mapping[str, Function],
        budget: Budget,
        variables: Mapping[str, Any],
        context: Any = None,
    ) -> None:
        self.name = name
        self.locate = locate
        self.functions = functions
        self.budget = budget
        self.context = context
        """Passed to ``contextual`` functions."""
        self.scopes: list[dict[str, Any]] = [dict(variables)]
        self.node: Arg | Command | Pipeline | Action | None = None
        self._out: list[str] = []
        self._size = 0
        self._max_output = budget.limits.max_output
        self._max_string = budget.limits.max_string

    # -- entry, errors, output -------------------------------------------------------------

    def run(self, nodes: tuple[Node, ...], dot: Any) -> str:
        """Render ``nodes`` with ``dot``; raise ``TemplateRuntimeError`` on failure."""
        try:
            self.walk(nodes, dot)
        except LimitExceeded as exc:
            raise self.fail(str(exc)) from None
        return "".join(self._out)

    def at(self, node: Arg | Command | Pipeline | Action) -> None:
        """Remember the node the next error is about (Go's ``state.at``)."""
        self.node = node

    def fail(self, message: str) -> TemplateRuntimeError:
        """Go's ``state.errorf``: location and context of the current node, then ``message``."""
        if self.node is None:
            return TemplateRuntimeError(f"template: {self.name}: {message}")
        return TemplateRuntimeError(
            f"template: {self.name}:{self.locate(self.node.pos)}: executing "
            f"{go_quote(self.name)} at <{self.node.go_string()}>: {message}"
        )

    def write(self, text: str) -> None:
        self._size += len(text)
        if self._size > self._max_output:
            raise LimitExceeded(
                f"template output exceeds its limit of {self._max_output} characters"
            )
        self._out.append(text)

    # -- structure -------------------------------------------------------------------------

    def walk(self, nodes: Iterable[Node], dot: Any) -> None:
        # No step charge per node: a body's nodes are bounded by the template's size, and
        # every command and range iteration is charged.
        for node in nodes:
            if isinstance(node, Text):
                self.write(node.text)
            elif isinstance(node, Action):
                self.node = node
                value = self.pipeline(node.pipe, dot)
                if not node.pipe.decl:
                    self.node = node
                    self.write(self._printed(value))
            elif isinstance(node, Branch):
                self.branch(node, dot)
            elif isinstance(node, Loop):
                self.loop(node, dot)
            elif isinstance(node, Control):
                raise _Break() if node.kind == "break" else _Continue()

    def _printed(self, value: Any) -> str:
        if type(value) is str:
            return value
        if type(value) is float:
            return shortest_float(value)
        return go_value(value, self._max_string)

    def scoped(self, nodes: tuple[Node, ...], dot: Any, bindings: dict[str, Any]) -> None:
        self.scopes.append(bindings)
        try:
            self.walk(nodes, dot)
        finally:
            self.scopes.pop()

    def branch(self, node: Branch, dot: Any) -> None:
        self.scopes.append({})  # the pipeline's variables, visible in both branches
        try:
            value = self.pipeline(node.pipe, dot)
            if go_truth(value):
                self.scoped(node.body, value if node.kind == "with" else dot, {})
            else:
                self.scoped(node.otherwise, dot, {})
        finally:
            self.scopes.pop()

    def loop(self, node: Loop, dot: Any) -> None:
        pipe = node.pipe
        self.scopes.append({})
        try:
            value = self.pipeline(Pipeline((), False, pipe.commands, pipe.pos), dot)
            if isinstance(value, dict):
                items: list[tuple[Any, Any]] = [(k, value[k]) for k in sorted(value)]
            elif isinstance(value, list | tuple):
                items = list(enumerate(value))
            elif value is None:
                items = []
            else:  # Go 1.19 (Prometheus 2.42) cannot range over an integer either
                raise self.fail(
                    f"range can't iterate over {go_value(value, self.budget.limits.max_string)}"
                )
            for key, element in items:
                self.budget.step()
                bindings = self._range_bindings(pipe, key, element)
                try:
                    self.scoped(node.body, element, bindings)
                except _Break:
                    break
                except _Continue:
                    continue
            if not items:
                self.scoped(node.otherwise, dot, {})
        finally:
            self.scopes.pop()

    def _range_bindings(self, pipe: Pipeline, key: Any, element: Any) -> dict[str, Any]:
        values = (element,) if len(pipe.decl) == 1 else (key, element)
        if pipe.assign:
            for name, value in zip(pipe.decl, values, strict=False):
                self.assign(name, value)
            return {}
        return dict(zip(pipe.decl, values, strict=False))

    # -- pipelines and commands ------------------------------------------------------------

    def pipeline(self, pipe: Pipeline, dot: Any) -> Any:
        self.node = pipe
        value: Any = MISSING
        for command in pipe.commands:
            value = self.command(command, dot, value)
        if not pipe.decl:
            return value
        for name in pipe.decl:
            if pipe.assign:
                self.assign(name, value)
            else:
                self.scopes[-1][name] = value
        return value

    def command(self, command: Command, dot: Any, final: Any) -> Any:
        self.budget.step()
        first = command.args[0]
        if isinstance(first, Field):
            return self.field_node(dot, first, command.args, final)
        if isinstance(first, Var):
            return self.variable_node(dot, first, command.args, final)
        if isinstance(first, Ident):
            return calls.function(self, dot, first, command, command.args[1:], final)
        if isinstance(first, ParenPipe) and first.names:
            return self.chain_node(dot, first, command.args, final)
        if isinstance(first, ParenPipe):
            self.not_a_function(command.args, final)
            return self.pipeline(first.pipe, dot)
        self.at(first)
        self.not_a_function(command.args, final)
        if isinstance(first, Dot):
            return dot
        assert isinstance(first, Const)
        if first.value is None:
            raise self.fail("nil is not a command")
        return first.value

    def not_a_function(self, args: tuple[Arg, ...], final: Any) -> None:
        if len(args) > 1 or final is not MISSING:
            raise self.fail(f"can't give argument to non-function {args[0].go_string()}")

    # -- fields and variables --------------------------------------------------------------

    def field_node(self, dot: Any, node: Field, args: tuple[Arg, ...], final: Any) -> Any:
        self.node = node
        names = node.names
        if len(names) == 1 and type(dot) is dict and len(args) < 2 and final is MISSING:
            return dot.get(names[0], "")  # the common case: a label of a map[string]string
        return self.field_chain(dot, names, args, final)

    def variable_node(self, dot: Any, node: Var, args: tuple[Arg, ...], final: Any) -> Any:
        self.node = node
        value = self.lookup(node.name)
        if not node.names:
            self.not_a_function(args, final)
            return value
        return self.field_chain(value, node.names, args, final)

    def chain_node(self, dot: Any, node: ParenPipe, args: tuple[Arg, ...], final: Any) -> Any:
        self.at(node)
        self.at(node.pipe)
        receiver = self.pipeline(node.pipe, dot)
        return self.field_chain(receiver, node.names, args, final)

    def field_chain(
        self, receiver: Any, names: tuple[str, ...], args: tuple[Arg, ...], final: Any
    ) -> Any:
        for name in names[:-1]:
            receiver = self.field(name, receiver, has_args=False)
        return self.field(names[-1], receiver, has_args=len(args) > 1 or final is not MISSING)

    def field(self, name: str, receiver: Any, *, has_args: bool) -> Any:
        """Go's ``evalField`` for maps and structs (``missingkey=zero``)."""
        if type(receiver) is dict and not has_args:
            return receiver.get(name, "")
        if receiver is None:
            return None
        if isinstance(receiver, dict):
            if has_args:
                raise self.fail(f"{name} is not a method but has arguments")
            zero = None if getattr(receiver, "go_type_name", None) else ""
            return receiver.get(name, zero)
        getter = getattr(receiver, "go_field", None)
        if getter is not None:
            try:
                value = getter(name)
            except KeyError:
                pass
            else:
                if has_args:
                    raise self.fail(f"{name} has arguments but cannot be invoked as function")
                return value
        raise self.fail(f"can't evaluate field {name} in type {go_type(receiver)}")

    def lookup(self, name: str) -> Any:
        innermost = self.scopes[-1]
        if name in innermost:
            return innermost[name]
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        raise self.fail(f"undefined variable: {name}")

    def assign(self, name: str, value: Any) -> None:
        for scope in reversed(self.scopes):
            if name in scope:
                scope[name] = value
                return
        raise self.fail(f"undefined variable: {name}")
