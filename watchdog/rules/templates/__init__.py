"""Label and annotation templates: the Go ``text/template`` subset Prometheus rules use.

``Template.compile`` refuses bad syntax (and nesting deeper than the limit) when a rule file
loads; ``Template.expand`` never raises: like Prometheus, a failing expansion yields
``<error expanding template: ...>`` with Prometheus' own wording, and the alert still fires.
Templates cannot run code or touch files: the interpreter only knows the functions listed in
``watchdog.rules.templates.functions``, and every expansion runs inside the bounds of
``TemplateLimits`` (steps, output, string sizes, time, ``query`` cost).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from watchdog.rules.templates.execute import Executor, TemplateRuntimeError
from watchdog.rules.templates.functions import FUNCTIONS, Function
from watchdog.rules.templates.lexer import TemplateSyntaxError
from watchdog.rules.templates.limits import DEFAULT_LIMITS, Budget, TemplateLimits
from watchdog.rules.templates.nodes import Node
from watchdog.rules.templates.parser import parse_template
from watchdog.rules.templates.values import STRING, QueryResult, QuerySample

__all__ = [
    "DEFAULT_LIMITS",
    "AlertTemplateData",
    "Expansion",
    "QueryBudget",
    "QueryFunc",
    "QuerySample",
    "Template",
    "TemplateLimits",
    "TemplateSyntaxError",
]


@dataclass(frozen=True)
class QueryBudget:
    """What one ``query`` call may spend: samples touched and seconds of evaluation."""

    max_samples: int
    seconds: float


QueryFunc = Callable[[str, QueryBudget], list[QuerySample]]
"""Runs a PromQL expression for the ``query`` template function, within the budget."""

_VARIABLES = ("$labels", "$externalLabels", "$externalURL", "$value")
# Prometheus prepends these definitions to every alert template before parsing it, so the
# columns in its error messages on line 1 are shifted by their length (112 bytes).
_HEADER = (
    "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}"
    "{{$externalURL := .ExternalURL}}{{$value := .Value}}"
)


@dataclass(frozen=True)
class AlertTemplateData:
    """What ``.`` is in an alert template (Prometheus' anonymous alert data struct)."""

    labels: Mapping[str, str]
    external_labels: Mapping[str, str] = field(default_factory=dict)
    external_url: str = ""
    value: float = 0.0

    go_type_name = (
        "struct { Labels map[string]string; ExternalLabels map[string]string; "
        "ExternalURL string; Value float64 }"
    )

    def go_field(self, name: str) -> Any:
        """``.Labels``, ``.ExternalLabels``, ``.ExternalURL``, ``.Value``; KeyError otherwise."""
        if name == "Labels":
            return dict(self.labels)
        if name == "Value":
            return self.value
        if name == "ExternalLabels":
            return dict(self.external_labels)
        if name == "ExternalURL":
            return self.external_url
        raise KeyError(name)

    def go_fields(self) -> list[Any]:
        """Fields in declaration order, for printing ``{{ . }}``."""
        return [dict(self.labels), dict(self.external_labels), self.external_url, self.value]


@dataclass(frozen=True)
class Expansion:
    """The text of one expansion and, when it failed, the error it carries."""

    text: str
    error: str | None = None


@dataclass(frozen=True)
class Template:
    """A compiled template; plain text without ``{{`` is kept as is."""

    text: str
    name: str
    nodes: tuple[Node, ...] | None

    @classmethod
    def compile(
        cls, text: str, name: str = "template", limits: TemplateLimits = DEFAULT_LIMITS
    ) -> Template:
        """Parse ``text``; raise ``TemplateSyntaxError`` naming the problem."""
        if "{{" not in text:
            return cls(text, name, None)
        try:
            nodes = parse_template(text, _ALL_FUNCTIONS, _VARIABLES, max_nesting=limits.max_nesting)
        except RecursionError:  # the nesting limit should make this unreachable
            raise TemplateSyntaxError(
                f"error parsing template {name}: template: {name}: nesting too deep"
            ) from None
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

    def expand(
        self,
        data: AlertTemplateData,
        query: QueryFunc | None = None,
        *,
        limits: TemplateLimits = DEFAULT_LIMITS,
        deadline: float | None = None,
    ) -> str:
        """Render with ``data``; failures become Prometheus' error string."""
        return self.render(data, query, limits=limits, deadline=deadline).text

    def render(
        self,
        data: AlertTemplateData,
        query: QueryFunc | None = None,
        *,
        limits: TemplateLimits = DEFAULT_LIMITS,
        deadline: float | None = None,
    ) -> Expansion:
        """Render with ``data`` within ``limits`` (and by ``deadline`` on ``limits.clock``)."""
        if self.nodes is None:
            return Expansion(self.text)
        budget = Budget.start(limits, deadline)
        executor = Executor(
            name=self.name,
            locate=self._locate,
            functions=_ALL_FUNCTIONS,
            budget=budget,
            context=_Context(data, query, budget),
            variables={
                "$": data,
                "$labels": dict(data.labels),
                "$externalLabels": dict(data.external_labels),
                "$externalURL": data.external_url,
                "$value": data.value,
            },
        )
        try:
            return Expansion(executor.run(self.nodes, data))
        except TemplateRuntimeError as exc:
            reason = str(exc)
        except RecursionError:  # the nesting limit should make this unreachable
            reason = f"template: {self.name}: nesting too deep"
        except Exception as exc:  # a bug here must not cost the alert
            reason = f"template: {self.name}: internal error: {type(exc).__name__}: {exc}"
        text = f"<error expanding template: error executing template {self.name}: {reason}>"
        if len(text) > limits.max_output:
            text = text[: limits.max_output - 4] + "...>"
        return Expansion(text, text)

    def _locate(self, pos: int) -> str:
        """Go's ``line:column`` of offset ``pos`` (bytes; line 1 after Prometheus' header)."""
        line_start = self.text.rfind("\n", 0, pos) + 1
        column = len(self.text[line_start:pos].encode())
        if line_start == 0:
            return f"1:{len(_HEADER) + column}"
        return f"{self.text.count(chr(10), 0, pos) + 1}:{column}"


@dataclass(frozen=True, slots=True)
class _Context:
    """What the per-expansion functions (``query``, ``externalURL``, ``pathPrefix``) see."""

    data: AlertTemplateData
    query: QueryFunc | None
    budget: Budget


def _external_url(context: _Context) -> str:
    return context.data.external_url


def _path_prefix(context: _Context) -> str:
    path = context.data.external_url.rstrip("/").split("://", 1)[-1].partition("/")[2]
    return ("/" + path) if path else ""


def _query(context: _Context, expr: str) -> QueryResult:
    budget = context.budget
    if context.query is None:
        raise ValueError("query is not available here")
    if budget.seconds_left() <= 0:
        raise ValueError(budget.time_message())
    allowed = QueryBudget(budget.limits.max_query_samples, budget.seconds_left())
    return QueryResult(context.query(expr, allowed))


_ALL_FUNCTIONS = {
    **FUNCTIONS,
    "externalURL": Function(_external_url, contextual=True),
    "pathPrefix": Function(_path_prefix, contextual=True),
    "query": Function(_query, (STRING,), contextual=True),
}
