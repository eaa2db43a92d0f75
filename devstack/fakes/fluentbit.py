"""A fake Fluent Bit HTTP server (``HTTP_Server On``) with the documented monitoring API.

Reproduces (docs.fluentbit.io/manual/administration/monitoring; src/http_server/api/v1/
register.c, metrics.c and health.c):

* ``GET /api/v1/metrics/prometheus``: ``text/plain; version=0.0.4``; one sample per plugin
  instance and counter, named ``fluentbit_<input|output>_<key>_total{name="<alias or plugin.N>"}``
  with a millisecond timestamp, sorted, each metric preceded by ``# HELP``/``# TYPE … counter``;
  then ``process_start_time_seconds`` and ``fluentbit_build_info{version,edition}``. Input keys:
  ``records``, ``bytes``; output keys: ``proc_records``, ``proc_bytes``, ``errors``,
  ``retries``, ``retries_failed``, ``dropped_records``, ``retried_records``. Before the first
  metrics snapshot exists the endpoint answers 404 (``started=False``).
* ``GET /api/v1/health``: registered only with ``Health_Check On`` (otherwise 404). 200 ``ok``,
  or 500 ``error`` when, within the last ``HC_Period`` seconds, output errors exceeded
  ``HC_Errors_Count`` or failed retries exceeded ``HC_Retry_Failure_Count`` (summed over all
  outputs). Defaults 5, 5, 60 as documented.

Counters move only through the methods below, so a test drives the pipeline explicitly; the
clock decides which errors are still inside ``HC_Period``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from devstack.fakes.server import FakeServer
from watchdog.clock import Clock, SystemClock

__all__ = ["FakeFluentBit"]

OUTPUT_KEYS = (
    "proc_records",
    "proc_bytes",
    "errors",
    "retries",
    "retries_failed",
    "dropped_records",
    "retried_records",
)
_HELP = {
    "input_bytes": "Number of input bytes.",
    "input_records": "Number of input records.",
    "output_errors": "Number of output errors.",
    "output_proc_bytes": "Number of processed output bytes.",
    "output_proc_records": "Number of processed output records.",
    "output_retries_failed": "Number of output retries failed.",
    "output_retries": "Number of output retries.",
}


@dataclass
class FakeFluentBit(FakeServer):
    """See the module docstring."""

    clock: Clock = field(default_factory=SystemClock)
    health_check: bool = True
    hc_errors_count: int = 5
    hc_retry_failure_count: int = 5
    hc_period: float = 60.0
    started: bool = True
    inputs: dict[str, dict[str, int]] = field(
        default_factory=lambda: {"tail.0": {"records": 0, "bytes": 0}}
    )
    outputs: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: dict.fromkeys(OUTPUT_KEYS, 0) for name in ("loki.0", "es.1")}
    )
    _events: list[tuple[float, str, int]] = field(default_factory=list)

    def routes(self, app: web.Application) -> None:
        """The monitoring API routes."""
        app.router.add_get("/api/v1/metrics/prometheus", self._prometheus)
        if self.health_check:
            app.router.add_get("/api/v1/health", self._health)

    def receive(self, records: int, size: int = 100, name: str = "tail.0") -> None:
        """The input ingested ``records`` records."""
        counters = self.inputs.setdefault(name, {"records": 0, "bytes": 0})
        counters["records"] += records
        counters["bytes"] += records * size

    def ship(self, output: str, records: int, size: int = 100) -> None:
        """The output delivered ``records`` records."""
        self.outputs[output]["proc_records"] += records
        self.outputs[output]["proc_bytes"] += records * size

    def fail(
        self, output: str, chunks: int = 1, records: int = 0, retry_failed: bool = False
    ) -> None:
        """A chunk failed (an error and a retry), or its retries expired (records dropped)."""
        counters = self.outputs[output]
        counters["errors"] += chunks
        if retry_failed:
            counters["retries_failed"] += chunks
            counters["dropped_records"] += records
            self._events.append((self.clock.now(), "retry_failure", chunks))
        else:
            counters["retries"] += chunks
            counters["retried_records"] += records
        self._events.append((self.clock.now(), "error", chunks))

    def healthy(self) -> bool:
        """The documented health formula over the last ``hc_period`` seconds."""
        since = self.clock.now() - self.hc_period
        errors = sum(n for t, kind, n in self._events if kind == "error" and t >= since)
        failures = sum(n for t, kind, n in self._events if kind == "retry_failure" and t >= since)
        return not (errors > self.hc_errors_count or failures > self.hc_retry_failure_count)

    async def _health(self, _request: web.Request) -> web.Response:
        if self.healthy():
            return web.Response(status=200, text="ok")
        return web.Response(status=500, text="error")

    async def _prometheus(self, _request: web.Request) -> web.Response:
        if not self.started:
            return web.Response(status=404)
        stamp = int(self.clock.now() * 1000)
        lines = sorted(
            f'fluentbit_{section}_{key}_total{{name="{name}"}} {value} {stamp}'
            for section, plugins in (("input", self.inputs), ("output", self.outputs))
            for name, counters in plugins.items()
            for key, value in counters.items()
        )
        text = ""
        previous = ""
        for line in lines:
            metric = line.split("{", 1)[0]
            if metric != previous:
                short = metric.removeprefix("fluentbit_").removesuffix("_total")
                text += f"# HELP {metric} {_HELP.get(short, 'Fluentbit metrics.')}\n"
                text += f"# TYPE {metric} counter\n"
                previous = metric
            text += line + "\n"
        text += (
            "# HELP process_start_time_seconds "
            "Start time of the process since unix epoch in seconds.\n"
        )
        text += "# TYPE process_start_time_seconds gauge\n"
        text += f"process_start_time_seconds {int(self.clock.now()) - 3600}\n"
        text += "# HELP fluentbit_build_info Build version information.\n"
        text += "# TYPE fluentbit_build_info gauge\n"
        text += 'fluentbit_build_info{version="2.1.10",edition="Community"} 1\n'
        return web.Response(
            body=text.encode(), headers={"Content-Type": "text/plain; version=0.0.4"}
        )
