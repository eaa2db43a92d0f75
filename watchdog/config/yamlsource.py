"""Load YAML with the line number of every key, and refuse duplicate keys."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from watchdog.config.errors import ConfigError, ConfigIssue, KeyPath

__all__ = ["YamlDocument", "expand_env", "load_yaml", "parse_yaml"]

_ENV_REF = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass
class YamlDocument:
    """Plain data plus the line where each key path starts.

    ``texts`` holds every non-null scalar as written in the source (``0x10`` stays ``"0x10"``
    where ``data`` has the integer 16), for fields that Go programs read as strings.
    """

    file: Path
    data: Any
    lines: dict[KeyPath, int] = field(default_factory=dict)
    texts: dict[KeyPath, str] = field(default_factory=dict)

    def text_of(self, path: KeyPath) -> str | None:
        """The source text of the scalar at ``path`` (None if absent, null or not a scalar)."""
        return self.texts.get(path)

    def line_of(self, path: KeyPath) -> int | None:
        """Line of the longest known prefix of ``path``."""
        for end in range(len(path), -1, -1):
            line = self.lines.get(path[:end])
            if line is not None:
                return line
        return None


def load_yaml(path: Path) -> YamlDocument:
    """Read and parse a YAML file; errors name the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError.single(path, f"cannot read file: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError.single(path, "file is not valid UTF-8") from None
    return parse_yaml(text, path)


_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (17 times faster on rule files; it also refuses
nesting deeper than 1,000 levels itself), else the pure-Python one."""


def parse_yaml(text: str, path: Path) -> YamlDocument:
    """Parse YAML text that came from ``path``."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        doc = YamlDocument(path, None)
        doc.data = _build(loader, node, (), doc) if node is not None else None
        return doc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        reason = " ".join(p for p in (exc.context, exc.problem) if p) or str(exc)
        if "maximum nesting depth" in reason:
            reason = "nested too deeply"
        raise ConfigError.single(path, f"invalid YAML: {reason}", line) from None
    except yaml.YAMLError as exc:
        raise ConfigError.single(path, f"invalid YAML: {exc}") from None
    except RecursionError:  # PyYAML composes nested collections recursively
        line = getattr(loader, "line", 0) + 1
        raise ConfigError.single(path, "invalid YAML: nested too deeply", line) from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader, node: yaml.Node, path: KeyPath, doc: YamlDocument) -> Any:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise ConfigError.single(
                    doc.file,
                    "mapping keys must be plain scalars",
                    key_node.start_mark.line + 1,
                    path,
                )
            if key in out:
                raise ConfigError.single(
                    doc.file, f"duplicate key {key!r}", key_node.start_mark.line + 1, path
                )
            child = (*path, str(key))
            doc.lines[child] = key_node.start_mark.line + 1
            out[key] = _build(loader, value_node, child, doc)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(loader, item, (*path, i), doc) for i, item in enumerate(node.value)]
    value = loader.construct_object(node, deep=True)
    if isinstance(node, yaml.ScalarNode) and value is not None:
        doc.texts[path] = node.value
    return value


def expand_env(doc: YamlDocument, environ: dict[str, str] | None = None) -> None:
    """Replace ``${VAR}`` in every string value (``$$`` is a literal ``$``), in place."""
    env = os.environ if environ is None else environ
    issues: list[ConfigIssue] = []

    def expand(value: Any, path: KeyPath) -> Any:
        if isinstance(value, dict):
            return {k: expand(v, (*path, str(k))) for k, v in value.items()}
        if isinstance(value, list):
            return [expand(v, (*path, i)) for i, v in enumerate(value)]
        if not isinstance(value, str) or "$" not in value:
            return value

        def substitute(match: re.Match[str]) -> str:
            if match.group(0) == "$$":
                return "$"
            name = match.group(1)
            if name not in env:
                issues.append(
                    ConfigIssue(
                        doc.file,
                        doc.line_of(path),
                        path,
                        f"environment variable {name} is not set",
                    )
                )
                return ""
            return env[name]

        return _ENV_REF.sub(substitute, value)

    doc.data = expand(doc.data, ())
    if issues:
        raise ConfigError(issues)
