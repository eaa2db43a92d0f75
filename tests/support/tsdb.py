"""Give a real Prometheus exactly the samples our store holds: OpenMetrics backfill + queries.

``write_openmetrics`` renders series (with explicit timestamps) as an OpenMetrics file,
``create_blocks`` turns it into TSDB blocks with ``promtool tsdb create-blocks-from openmetrics``,
``start_prometheus_on_blocks`` serves those blocks, and ``query`` asks ``/api/v1/query``.
A series in a backfilled block simply ends; there are no staleness markers, so Prometheus still
returns its last sample for the 5-minute lookback. Load the same series into a SampleStore
without markers (``load_store``) to compare like with like.
"""

from __future__ import annotations

import json
import math
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.support.components import Running, require_binary, start_prometheus
from watchdog.samples import METRIC_NAME, LabelSet
from watchdog.store import SampleStore

__all__ = [
    "BackfillSeries",
    "create_blocks",
    "format_value",
    "load_store",
    "query",
    "start_prometheus_on_blocks",
    "write_openmetrics",
]


@dataclass
class BackfillSeries:
    """One series with its (timestamp seconds, value) points, oldest first."""

    labels: LabelSet
    points: list[tuple[float, float]] = field(default_factory=list)


def format_value(value: float) -> str:
    """An OpenMetrics / Prometheus text rendering of a float."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def write_openmetrics(series: Iterable[BackfillSeries], path: Path) -> None:
    """Write ``series`` grouped by metric family (OpenMetrics forbids interleaving)."""
    families: dict[str, list[BackfillSeries]] = {}
    for item in series:
        families.setdefault(item.labels.name, []).append(item)
    lines: list[str] = []
    for name, members in families.items():
        lines.append(f"# TYPE {name} unknown")
        for item in members:
            inner = ",".join(
                f'{k}="{_escape(v)}"' for k, v in item.labels.pairs() if k != METRIC_NAME
            )
            head = f"{name}{{{inner}}}" if inner else name
            lines.extend(f"{head} {format_value(v)} {t:.3f}" for t, v in item.points)
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n")


def create_blocks(openmetrics: Path, tsdb_dir: Path) -> None:
    """Backfill ``openmetrics`` into TSDB blocks under ``tsdb_dir`` with promtool."""
    promtool = require_binary("promtool")
    tsdb_dir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [
            promtool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            "--quiet",
            str(openmetrics),
            str(tsdb_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"promtool backfill failed:\n{done.stdout}\n{done.stderr}")


def start_prometheus_on_blocks(workdir: Path, series: Sequence[BackfillSeries]) -> Running:
    """Backfill ``series`` and start Prometheus on the blocks (retention long enough for them)."""
    workdir.mkdir(parents=True, exist_ok=True)
    openmetrics = workdir / "backfill.om"
    write_openmetrics(series, openmetrics)
    create_blocks(openmetrics, workdir / "data")
    return start_prometheus(
        workdir, {"global": {}}, extra_args=("--storage.tsdb.retention.time=100y",)
    )


def load_store(store: SampleStore, series: Iterable[BackfillSeries]) -> None:
    """Append the same points to our store (in label order, like series in a TSDB block)."""
    store.configure_retention(None, 10 * 365 * 86400.0)
    for item in sorted(series, key=lambda s: s.labels.pairs()):
        for ts, value in item.points:
            store.append(item.labels, ts, value)


def query(base_url: str, expr: str, ts: float, timeout: float = 30.0) -> Mapping[str, Any]:
    """``/api/v1/query`` at ``ts``; returns the decoded JSON (errors included, not raised)."""
    params = urllib.parse.urlencode({"query": expr, "time": f"{ts:.3f}"})
    url = f"{base_url}/api/v1/query?{params}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            body = response.read()
    except urllib.error.HTTPError as exc:  # 400/422 carry the error JSON
        body = exc.read()
    decoded: Mapping[str, Any] = json.loads(body)
    return decoded
