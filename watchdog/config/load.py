"""Load a config file: YAML with lines, env expansion, validation, defaults, rule file globs."""

from __future__ import annotations

import glob
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from watchdog.config.errors import ConfigError, ConfigIssue
from watchdog.config.model import LoadedConfig, WatchdogConfig
from watchdog.config.targets import TargetBase, TargetSpec
from watchdog.config.validation import did_you_mean, issues_from_validation
from watchdog.config.yamlsource import YamlDocument, expand_env, load_yaml
from watchdog.drill.configure import validate_drill
from watchdog.probes import PROBES

__all__ = ["load_config"]


def load_config(path: Path, environ: dict[str, str] | None = None) -> LoadedConfig:
    """Load and validate ``path``; raise ConfigError listing every problem found."""
    path = Path(path).absolute()
    doc = load_yaml(path)
    expand_env(doc, environ)
    data = doc.data if doc.data is not None else {}
    if not isinstance(data, dict):
        raise ConfigError.single(path, "the config must be a mapping of sections", 1)

    issues: list[ConfigIssue] = []
    context = {"base_dir": path.parent}
    raw_targets = data.get("targets") or []
    if not isinstance(raw_targets, list):
        issues.append(
            ConfigIssue(path, doc.line_of(("targets",)), ("targets",), "must be a list of targets")
        )
        raw_targets = []
    model: WatchdogConfig | None = None
    try:
        model = WatchdogConfig.model_validate({**data, "targets": [], "drill": {}}, context=context)
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, doc, WatchdogConfig, data))

    targets = _validate_targets(raw_targets, doc, context, issues)
    if model is None:
        raise ConfigError(_by_line(issues))
    specs = _resolve_targets(targets, model, doc, issues)
    rule_paths = _resolve_rule_files(model.rule_files, path.parent, doc, issues)
    drill = validate_drill(data.get("drill"), doc, context, specs, issues)
    if issues:
        raise ConfigError(_by_line(issues))
    return LoadedConfig(
        source=path,
        model=model,
        targets=specs,
        rule_paths=rule_paths,
        drill=drill,
    )


def _by_line(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    return sorted(issues, key=lambda issue: issue.line or 0)


def _validate_targets(
    raw_targets: list[Any],
    doc: YamlDocument,
    context: dict[str, Any],
    issues: list[ConfigIssue],
) -> list[TargetBase]:
    targets: list[TargetBase] = []
    kinds = sorted(PROBES)
    for index, raw in enumerate(raw_targets):
        where = ("targets", index)
        if not isinstance(raw, dict):
            issues.append(
                ConfigIssue(doc.file, doc.line_of(where), where, "each target must be a mapping")
            )
            continue
        kind = raw.get("kind")
        if kind is None:
            issues.append(
                ConfigIssue(
                    doc.file,
                    doc.line_of(where),
                    (*where, "kind"),
                    f"required key is missing (one of: {', '.join(kinds)})",
                )
            )
            continue
        if not isinstance(kind, str) or kind not in PROBES:
            hint = did_you_mean(str(kind), kinds)
            issues.append(
                ConfigIssue(
                    doc.file,
                    doc.line_of((*where, "kind")),
                    (*where, "kind"),
                    f"unknown probe kind {kind!r}{hint}; known kinds: {', '.join(kinds)}",
                )
            )
            continue
        config_class = PROBES[kind].config
        try:
            targets.append(config_class.model_validate(raw, context=context))
        except ValidationError as exc:
            issues.extend(issues_from_validation(exc, doc, config_class, raw, where))
    return targets


def _resolve_targets(
    targets: list[TargetBase],
    model: WatchdogConfig,
    doc: YamlDocument,
    issues: list[ConfigIssue],
) -> list[TargetSpec]:
    defaults = model.global_
    specs: list[TargetSpec] = []
    seen: dict[tuple[str, str], int] = {}
    for index, target in enumerate(targets):
        where = ("targets", index)
        interval = target.interval or defaults.interval
        timeout = target.timeout or min(defaults.timeout, interval)
        if timeout > interval:
            issues.append(
                ConfigIssue(
                    doc.file,
                    doc.line_of((*where, "timeout")),
                    (*where, "timeout"),
                    "timeout is longer than interval",
                )
            )
            continue
        instance = target.instance or target.default_instance()
        pair = (target.job, instance)
        if pair in seen:
            issues.append(
                ConfigIssue(
                    doc.file,
                    doc.line_of(where),
                    where,
                    f"duplicate target job={target.job!r} instance={instance!r} "
                    f"(first defined at targets[{seen[pair]}]); set a distinct 'instance'",
                )
            )
            continue
        seen[pair] = index
        specs.append(
            TargetSpec(
                job=target.job,
                instance=instance,
                kind=target.kind,
                interval=interval,
                timeout=timeout,
                series_limit=target.series_limit or defaults.series_limit,
                labels=dict(target.labels),
                config=target,
            )
        )
    return specs


def _resolve_rule_files(
    patterns: list[str], base: Path, doc: YamlDocument, issues: list[ConfigIssue]
) -> list[Path]:
    found: list[Path] = []
    for index, pattern in enumerate(patterns):
        where = ("rule_files", index)
        full = pattern if Path(pattern).is_absolute() else str(base / pattern)
        if glob.has_magic(full):
            # glob.glob, unlike Path.glob, takes the absolute patterns users write.
            hits = glob.glob(full)  # noqa: PTH207
            matches = sorted(Path(p) for p in hits if Path(p).is_file())
            if not matches:
                issues.append(
                    ConfigIssue(
                        doc.file, doc.line_of(where), where, f"pattern {pattern!r} matches no file"
                    )
                )
            found.extend(matches)
        elif not Path(full).is_file():
            issues.append(
                ConfigIssue(doc.file, doc.line_of(where), where, f"rule file {full} does not exist")
            )
        else:
            found.append(Path(full))
    unique: list[Path] = []
    for item in found:
        if item not in unique:
            unique.append(item)
    return unique
