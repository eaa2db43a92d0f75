"""Label and annotation templates: the Go ``text/template`` subset Prometheus rules use.

``Template.compile`` refuses bad syntax when a rule file loads; ``Template.expand`` never
raises: like Prometheus, a failing expansion yields ``<error expanding template: ...>``.
Templates cannot run code or touch files: the interpreter only knows the functions listed in
``watchdog.rules.templates.functions``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from watchdog.rules.templates.execute import TemplateRuntimeError, execute
from watchdog.rules.templates.functions import FUNCTIONS, FuncError, QuerySample
from watchdog.rules.templates.lexer import TemplateSyntaxError
from watchdog.rules.templates.parser import Node, parse_template

__all__ = [
    "AlertTemplateData",
    "QueryFunc",
    "QuerySample",
    "Template",
    "TemplateSyntaxError",
]

QueryFunc = Callable[[str], list[QuerySample]]
"""Runs a PromQL expression for the ``query`` template function."""

_VARIABLES = ("$labels", "$externalLabels", "$externalURL", "$value")
_BOUND = ("query", "externalURL", "pathPrefix")


@dataclass(frozen=True)
class AlertTemplateData:
    """What ``.`` is in an alert template (Prometheus' ``AlertTemplateData``)."""

    labels: Mapping[str, str]
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    value: float = 0.0

    go_type_name = "template.tmplAlertData"

    def go_field(self, name: str) -> Any:
        """``.Labels``, ``.ExternalLabels``, ``.ExternalURL``, ``.Value``."""
        fields = {
            "Labels": dict(self.labels),
            "ExternalLabels": dict(self.external_labels),
            "ExternalURL": self.external_url,
            "Value": self.value,
        }
        if name not in fields:
            raise FuncError(f"can't evaluate field {name} in type {self.go_type_name}")
        return fields[name]

    def go_fields(self) -> list[Any]:
        """Fields in declaration order, for printing ``{{ . }}``."""
        return [dict(self.labels), dict(self.external_labels), self.external_url, self.value]


@dataclass(frozen=True)
class Template:
    """A compiled template; plain text without ``{{`` is kept as is."""

    text: str
    name: str
    nodes: tuple[Node, ...] | None

    @classmethod
    def compile(cls, text: str, name: str = "template") -> Template:
        """Parse ``text``; raise ``TemplateSyntaxError`` naming the problem."""
        if "{{" not in text:
            return cls(text, name, None)
        try:
            nodes = parse_template(text, {*FUNCTIONS, *_BOUND}, _VARIABLES)
        except TemplateSyntaxError as exc:
            line, _, reason = str(exc).removeprefix("line ").partition(": ")
            where = f"{name}:{line}" if line.isdigit() else name
            text = reason if line.isdigit() else str(exc)
            raise TemplateSyntaxError(
                f"error parsing template {name}: template: {where}: {text}"
            ) from None
        return cls(text, name, nodes)

    @property
    def is_static(self) -> bool:
        """True when expansion always returns the text unchanged."""
        return self.nodes is None

    def expand(self, data: AlertTemplateData, query: QueryFunc | None = None) -> str:
        """Render with ``data``; failures become Prometheus' error string."""
        if self.nodes is None:
            return self.text
        prefix = data.external_url.rstrip("/")
        path = prefix.split("://", 1)[-1].partition("/")[2]
        bound: dict[str, Callable[..., Any]] = {
            "externalURL": lambda: data.external_url,
            "pathPrefix": lambda: ("/" + path) if path else "",
            "query": _query_function(query),
        }
        variables = {
            "$labels": dict(data.labels),
            "$externalLabels": dict(data.external_labels),
            "$externalURL": data.external_url,
            "$value": data.value,
        }
        try:
            return execute(
                self.nodes, data, name=self.name, variables=variables, extra_functions=bound
            )
        except TemplateRuntimeError as exc:
            return f"<error expanding template: error executing template {self.name}: {exc}>"


def _query_function(query: QueryFunc | None) -> Callable[..., Any]:
    def run(expr: Any) -> list[QuerySample]:
        if query is None:
            raise FuncError("query is not available here")
        if not isinstance(expr, str):
            raise FuncError("wrong type for value; expected string")
        try:
            return query(expr)
        except Exception as exc:  # a bad query is an expansion error, not a crash
            raise FuncError(str(exc)) from None

    return run
