"""Function calls as Go's ``text/template`` makes them: arity, argument types, then the call.

Go checks every argument against the function's parameter type before calling, and its
messages differ by where the argument came from (``expected string; found 1`` for a constant,
``wrong type for value; expected string; got float64`` for a computed value). A function that
fails (or raises anything at all) gives ``error calling NAME: ...``: an expansion error, never
an exception out of the template.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from watchdog.rules.templates.functions import Function
from watchdog.rules.templates.nodes import Arg, Command, Const, Dot, Field, Ident, ParenPipe, Var
from watchdog.rules.templates.values import (
    ANY,
    RESULT,
    SAMPLE,
    STRING,
    VALUE,
    QueryResult,
    QuerySample,
    go_truth,
    go_type,
)

if TYPE_CHECKING:
    from watchdog.rules.templates.execute import Executor

__all__ = ["MISSING", "function"]

MISSING: Any = object()
"""No piped-in value (Go's ``missingVal``)."""


def function(
    ex: Executor, dot: Any, ident: Ident, node: Command | Ident, args: tuple[Arg, ...], final: Any
) -> Any:
    """Call the function ``ident`` names with ``args`` (and the piped-in ``final``)."""
    ex.at(ident)
    name = ident.name
    fn = ex.functions[name]
    count = len(args) + (final is not MISSING)
    fixed = len(fn.params)
    if fn.variadic is not None and count < fixed:
        raise ex.fail(f"wrong number of args for {name}: want at least {fixed} got {len(args)}")
    if fn.variadic is None and count != fixed:
        raise ex.fail(f"wrong number of args for {name}: want {fixed} got {count}")
    if name in ("and", "or"):
        return _logic(ex, dot, name, args, final)
    values = [_arg(ex, dot, _param(fn, i), arg) for i, arg in enumerate(args)]
    if final is not MISSING:
        values.append(_validate(ex, final, _param(fn, count - 1)))
    try:
        if fn.contextual:
            values.insert(0, ex.context)
        if fn.bounded:
            result = fn.call(*values, limit=ex.budget.limits.max_string)
        else:
            result = fn.call(*values)
        if isinstance(result, str):
            ex.budget.produced(len(result))
    except Exception as exc:  # Go recovers a panic into this error too
        ex.at(node)
        raise ex.fail(f"error calling {name}: {exc or type(exc).__name__}") from None
    return result


def _param(fn: Function, index: int) -> str:
    if index < len(fn.params):
        return fn.params[index]
    assert fn.variadic is not None
    return fn.variadic


def _logic(ex: Executor, dot: Any, name: str, args: tuple[Arg, ...], final: Any) -> Any:
    """``and``/``or``: evaluate arguments only until the result is known."""
    value: Any = None
    for arg in args:
        value = _arg(ex, dot, VALUE, arg)
        if go_truth(value) == (name == "or"):
            return value
    return final if final is not MISSING else value


def _arg(ex: Executor, dot: Any, typ: str, node: Arg) -> Any:
    """Go's ``evalArg``: evaluate one argument for a parameter of type ``typ``."""
    ex.at(node)
    if isinstance(node, Dot):
        return _validate(ex, dot, typ)
    if isinstance(node, Field):
        return _validate(ex, ex.field_node(dot, node, (node,), MISSING), typ)
    if isinstance(node, Var):
        return _validate(ex, ex.variable_node(dot, node, (), MISSING), typ)
    if isinstance(node, ParenPipe):
        if node.names:
            return _validate(ex, ex.chain_node(dot, node, (), MISSING), typ)
        return _validate(ex, ex.pipeline(node.pipe, dot), typ)
    if isinstance(node, Ident):
        return _validate(ex, function(ex, dot, node, node, (), MISSING), typ)
    return _constant(ex, typ, node)


def _constant(ex: Executor, typ: str, node: Const) -> Any:
    if node.value is None:
        if typ == STRING:
            raise ex.fail(f"cannot assign nil to {typ}")
        return None
    if typ == STRING:
        if isinstance(node.value, str) and node.text[:1] in ('"', "`"):
            return node.value
        raise ex.fail(f"expected string; found {node.go_string()}")
    if typ in (ANY, VALUE):
        return node.value
    raise ex.fail(f"can't handle {node.go_string()} for arg of type {typ}")


def _validate(ex: Executor, value: Any, typ: str) -> Any:
    """Go's ``validateType``: is a computed value assignable to the parameter?"""
    if value is None:
        if typ == STRING:
            raise ex.fail(f"invalid value; expected {typ}")
        return None
    if typ in (ANY, VALUE):
        return value
    if typ == STRING:
        fits = type(value) is str
    elif typ == SAMPLE:
        fits = isinstance(value, QuerySample)
    else:
        fits = typ == RESULT and isinstance(value, QueryResult)
    if not fits:
        raise ex.fail(f"wrong type for value; expected {typ}; got {go_type(value)}")
    return value
