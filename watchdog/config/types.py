"""Reusable config field types: durations, URLs, label names, paths and secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    SecretStr,
    ValidationInfo,
)

from watchdog.durations import DurationError, format_duration, parse_duration
from watchdog.redact import register_secret, register_url_secret
from watchdog.samples import METRIC_NAME_PATTERN

__all__ = [
    "ByteSize",
    "ConfigPath",
    "Duration",
    "HttpUrl",
    "LabelName",
    "MetricName",
    "Model",
    "Secret",
    "SecretFile",
    "SecretUrl",
    "check_http_url",
    "pick_secret",
    "reveal",
]


class Model(BaseModel):
    """Base for every config section: unknown keys are refused, values are frozen."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=False, defer_build=True
    )


def _duration(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("expected a duration such as '15s' or '1m30s'")
    if isinstance(value, int):
        if value == 0:
            return 0.0
        raise ValueError(f"duration {value} has no unit; write e.g. '{value}s'")
    try:
        return parse_duration(value)
    except DurationError as exc:
        raise ValueError(str(exc)) from None


Duration = Annotated[float, BeforeValidator(_duration), PlainSerializer(format_duration)]
"""Seconds, written in Prometheus duration syntax."""

_SIZE = re.compile(r"^(\d+)\s*(B|KiB|MiB|GiB|KB|MB|GB)?$")
_SIZE_FACTORS = {
    None: 1,
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}


def _byte_size(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a size such as '10MiB'")
    if isinstance(value, int):
        return value
    match = _SIZE.match(str(value).strip())
    if not match:
        raise ValueError(f"invalid size {value!r}: use e.g. '512KiB', '10MiB' or a byte count")
    return int(match.group(1)) * _SIZE_FACTORS[match.group(2)]


ByteSize = Annotated[int, BeforeValidator(_byte_size)]
"""A byte count; accepts ``10MiB``, ``512KiB``, ``1GB`` or a plain integer."""

_LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _label_name(value: str) -> str:
    if not _LABEL_NAME.match(value):
        raise ValueError(f"{value!r} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)")
    if value.startswith("__"):
        raise ValueError(f"label names starting with '__' are reserved: {value!r}")
    return value


LabelName = Annotated[str, AfterValidator(_label_name)]


def _metric_name(value: str) -> str:
    if not METRIC_NAME_PATTERN.match(value):
        raise ValueError(f"{value!r} is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    return value


MetricName = Annotated[str, AfterValidator(_metric_name)]


def check_http_url(value: str) -> str:
    """Refuse anything but an absolute http(s) URL with a host."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http:// or https:// URL with a host")
    return value


HttpUrl = Annotated[str, AfterValidator(check_http_url)]
"""An absolute http(s) URL, kept as the string the user wrote."""


def _config_path(value: Any, info: ValidationInfo) -> Path:
    if not isinstance(value, str | Path) or not str(value):
        raise ValueError("expected a file system path")
    path = Path(value).expanduser()
    base = (info.context or {}).get("base_dir")
    if not path.is_absolute() and base is not None:
        path = Path(base) / path
    return path


ConfigPath = Annotated[Path, BeforeValidator(_config_path)]
"""A path; relative paths are taken relative to the config file's directory."""


def _secret_value(value: Any) -> SecretStr:
    if isinstance(value, SecretStr):
        secret = value
    elif isinstance(value, str):
        secret = SecretStr(value)
    else:
        raise ValueError("expected a string")
    register_secret(secret.get_secret_value())
    return secret


Secret = Annotated[SecretStr, BeforeValidator(_secret_value)]
"""A secret given inline or via ``${ENV}``; never printed, redacted from logs."""


def _read_secret_file(value: Any, info: ValidationInfo) -> SecretStr:
    path = _config_path(value, info)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ValueError(f"secret file {path} does not exist") from None
    except PermissionError:
        raise ValueError(f"secret file {path} is not readable by this user") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read secret file {path}: {type(exc).__name__}") from None
    if not text:
        raise ValueError(f"secret file {path} is empty")
    register_secret(text)
    return SecretStr(text)


SecretFile = Annotated[SecretStr, BeforeValidator(_read_secret_file)]
"""A ``*_file`` field: the path is given, the file's stripped content is the secret."""


def _secret_url(value: Any) -> SecretStr:
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str):
        raise ValueError("expected a URL string")
    # Tokens usually live in the path or query (Slack, healthchecks): hide those on their own too.
    register_url_secret(raw)
    try:
        check_http_url(raw)
    except ValueError:
        raise ValueError("must be an http:// or https:// URL with a host") from None
    return SecretStr(raw)


SecretUrl = Annotated[SecretStr, BeforeValidator(_secret_url)]
"""A URL that may embed a credential (Slack, healthchecks): validated, never printed."""


def reveal(inline: SecretStr | None, from_file: SecretStr | None) -> str:
    """The value of a required ``name`` / ``name_file`` pair (validated by ``pick_secret``)."""
    chosen = inline if inline is not None else from_file
    assert chosen is not None, "validated as required"
    return chosen.get_secret_value()


def pick_secret(
    inline: SecretStr | None, from_file: SecretStr | None, name: str, *, required: bool
) -> SecretStr | None:
    """Combine ``name`` and ``name_file``: at most one may be set, one if ``required``."""
    if inline is not None and from_file is not None:
        raise ValueError(f"set either {name} or {name}_file, not both")
    if required and inline is None and from_file is None:
        raise ValueError(f"one of {name} or {name}_file is required")
    return inline if inline is not None else from_file
