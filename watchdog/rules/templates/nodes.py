"""The parsed template tree, shaped like Go's ``text/template/parse`` nodes.

Every node an error can point at carries ``pos`` (offset in the template text, where Go's node
starts) and prints itself with ``go_string()`` exactly as Go's ``Node.String()`` does, because
Prometheus' error texts quote both: ``template: NAME:1:124: executing "NAME" at <humanize $x>``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Action",
    "Arg",
    "Branch",
    "Command",
    "Const",
    "Control",
    "Dot",
    "Field",
    "Ident",
    "Loop",
    "Node",
    "ParenPipe",
    "Pipeline",
    "Text",
    "Var",
]


@dataclass(frozen=True, slots=True)
class Const:
    """A literal: string, number (int or float), bool or nil, with its source text."""

    value: object
    text: str
    pos: int

    def go_string(self) -> str:
        """As written (``"a"``, ``1e300``, ``nil``)."""
        return self.text


@dataclass(frozen=True, slots=True)
class Dot:
    """``.`` itself."""

    pos: int

    def go_string(self) -> str:
        """``.``."""
        return "."


@dataclass(frozen=True, slots=True)
class Field:
    """``.A.B`` evaluated on dot; ``pos`` is where Go puts it (the second name of a chain)."""

    names: tuple[str, ...]
    pos: int

    def go_string(self) -> str:
        """``.A.B``."""
        return "".join("." + name for name in self.names)


@dataclass(frozen=True, slots=True)
class Var:
    """``$name.A.B``; with fields, ``pos`` is where the first field starts (as in Go)."""

    name: str
    names: tuple[str, ...]
    pos: int

    def go_string(self) -> str:
        """``$name.A.B``."""
        return self.name + "".join("." + name for name in self.names)


@dataclass(frozen=True, slots=True)
class Ident:
    """A function name."""

    name: str
    pos: int

    def go_string(self) -> str:
        """The name."""
        return self.name


@dataclass(frozen=True, slots=True)
class ParenPipe:
    """``(pipeline)`` or, with ``names``, Go's chain node ``(pipeline).A.B``."""

    pipe: Pipeline
    names: tuple[str, ...]
    pos: int

    def go_string(self) -> str:
        """``(pipeline).A.B``."""
        return f"({self.pipe.go_string()})" + "".join("." + name for name in self.names)


Arg = Const | Dot | Field | Var | Ident | ParenPipe


@dataclass(frozen=True, slots=True)
class Command:
    """One stage of a pipeline: a function call or a single operand."""

    args: tuple[Arg, ...]
    pos: int

    def go_string(self) -> str:
        """Arguments separated by spaces."""
        return " ".join(arg.go_string() for arg in self.args)


@dataclass(frozen=True, slots=True)
class Pipeline:
    """``[$x :=] cmd | cmd ...``."""

    decl: tuple[str, ...]
    assign: bool
    commands: tuple[Command, ...]
    pos: int

    def go_string(self) -> str:
        """Go prints ``:=`` for assignments too."""
        head = ", ".join(self.decl) + " := " if self.decl else ""
        return head + " | ".join(command.go_string() for command in self.commands)


@dataclass(frozen=True, slots=True)
class Text:
    """Literal text."""

    text: str

    def go_string(self) -> str:
        """The text."""
        return self.text


@dataclass(frozen=True, slots=True)
class Action:
    """``{{ pipeline }}``: print the value unless the pipeline declares a variable."""

    pipe: Pipeline
    pos: int

    def go_string(self) -> str:
        """``{{pipeline}}``."""
        return "{{" + self.pipe.go_string() + "}}"


@dataclass(frozen=True, slots=True)
class Branch:
    """``if`` or ``with``."""

    kind: str
    pipe: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]

    def go_string(self) -> str:
        """``{{if pipe}}...{{else}}...{{end}}``."""
        return _control(self.kind, self.pipe, self.body, self.otherwise)


@dataclass(frozen=True, slots=True)
class Loop:
    """``range``."""

    pipe: Pipeline
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...]

    def go_string(self) -> str:
        """``{{range pipe}}...{{end}}``."""
        return _control("range", self.pipe, self.body, self.otherwise)


@dataclass(frozen=True, slots=True)
class Control:
    """``break`` or ``continue``."""

    kind: str

    def go_string(self) -> str:
        """``{{break}}``."""
        return "{{" + self.kind + "}}"


Node = Text | Action | Branch | Loop | Control


def _control(kind: str, pipe: Pipeline, body: tuple[Node, ...], otherwise: tuple[Node, ...]) -> str:
    text = "{{" + kind + " " + pipe.go_string() + "}}" + "".join(n.go_string() for n in body)
    if otherwise:
        text += "{{else}}" + "".join(n.go_string() for n in otherwise)
    return text + "{{end}}"
