"""Journal entries as one human-readable line each."""

from __future__ import annotations

import json
from typing import Any

from watchdog.alerts import iso_time
from watchdog.journal.chain import JournalEntry

__all__ = ["render_entry"]

# Shown first, in this order, when present; everything else follows alphabetically.
_LEADING = ("alertname", "from", "to", "channel", "outcome", "latency", "count", "alerts", "error")


def render_entry(entry: JournalEntry) -> str:
    """``<time> #<seq> <kind> key=value …``."""
    fields = entry.fields()
    keys = [k for k in _LEADING if k in fields] + sorted(k for k in fields if k not in _LEADING)
    parts = [f"{key}={_value(key, fields[key])}" for key in keys]
    return f"{iso_time(entry.ts)} #{entry.seq} {entry.kind} {' '.join(parts)}".rstrip()


def _value(key: str, value: Any) -> str:
    if key == "latency" and isinstance(value, int | float):
        return f"{value * 1000:.0f}ms"
    if isinstance(value, str):
        return (
            value
            if value and not any(c.isspace() or c in '"=' for c in value)
            else (json.dumps(value, ensure_ascii=False))
        )
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        inner = ", ".join(f'{k}="{v}"' for k, v in sorted(value.items()))
        return "{" + inner + "}"
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
