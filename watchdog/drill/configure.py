"""Validate the ``drill:`` section: each stage's sub-section with that stage's own model.

Called by the config loader once the targets are known, so a stage can also relate its
settings to them (``DrillStage.cross_check``). Every problem becomes a ``file:line: key:
reason`` issue, like the rest of the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from watchdog.config.errors import ConfigIssue
from watchdog.config.targets import TargetSpec
from watchdog.config.types import ConfigPath, Model
from watchdog.config.validation import did_you_mean, issues_from_validation
from watchdog.config.yamlsource import YamlDocument
from watchdog.drill.settings import DrillConfig
from watchdog.drill.stages import STAGES

__all__ = ["validate_drill"]


class _Common(Model):
    """The keys of ``drill:`` that belong to no stage."""

    report_dir: ConfigPath | None = None


def validate_drill(
    raw: Any,
    doc: YamlDocument,
    context: dict[str, Any],
    targets: Sequence[TargetSpec],
    issues: list[ConfigIssue],
) -> DrillConfig:
    """The validated section (empty when absent); problems are appended to ``issues``."""
    if raw is None:
        return DrillConfig()
    where = ("drill",)
    if not isinstance(raw, dict):
        issues.append(
            ConfigIssue(doc.file, doc.line_of(where), where, "must be a mapping of stages")
        )
        return DrillConfig()
    configurable = {stage.key: stage for stage in STAGES if stage.settings is not None}
    common_keys = set(_Common.model_fields)
    common: _Common | None = None
    try:
        common = _Common.model_validate(
            {k: v for k, v in raw.items() if k in common_keys}, context=context
        )
    except ValidationError as exc:
        issues.extend(issues_from_validation(exc, doc, _Common, raw, where))
    stages: dict[str, BaseModel] = {}
    for key, value in raw.items():
        if key in common_keys:
            continue
        stage = configurable.get(key)
        path = (*where, key)
        if stage is None or stage.settings is None:
            known = sorted([*common_keys, *configurable])
            hint = did_you_mean(str(key), known)
            issues.append(
                ConfigIssue(
                    doc.file,
                    doc.line_of(path),
                    path,
                    f"unknown drill stage{hint}; stages with settings: "
                    f"{', '.join(sorted(configurable))} (and report_dir)",
                )
            )
            continue
        if not isinstance(value, dict):
            issues.append(
                ConfigIssue(doc.file, doc.line_of(path), path, "must be a mapping of settings")
            )
            continue
        try:
            settings = stage.settings.model_validate(value, context=context)
        except ValidationError as exc:
            issues.extend(issues_from_validation(exc, doc, stage.settings, value, path))
            continue
        for inner, reason in stage.cross_check(settings, targets):
            full = (*path, *inner)
            issues.append(ConfigIssue(doc.file, doc.line_of(full), full, reason))
        stages[key] = settings
    return DrillConfig(common.report_dir if common else None, stages)
