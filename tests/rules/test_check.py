"""``check`` loads and lints rule files; ``--live`` names selectors no target exposes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import yaml
from aiohttp import web

from tests.rules.test_files import SEED
from watchdog.cli import main

FLUENTBIT_METRICS = """\
# HELP fluentbit_input_records_total Number of input records.
# TYPE fluentbit_input_records_total counter
fluentbit_input_records_total{name="tail.0"} 1200
# TYPE fluentbit_output_proc_records_total counter
fluentbit_output_proc_records_total{name="loki.0"} 1100
# TYPE fluentbit_output_errors_total counter
fluentbit_output_errors_total{name="loki.0"} 0
# TYPE fluentbit_output_retries_failed_total counter
fluentbit_output_retries_failed_total{name="loki.0"} 0
# TYPE fluentbit_output_dropped_records_total counter
fluentbit_output_dropped_records_total{name="loki.0"} 0
"""


@pytest.fixture
async def fluentbit() -> AsyncIterator[str]:
    """A Fluent Bit-shaped server: GET /api/v1/metrics/prometheus answers 200 with the
    documented metric names (label ``name`` = plugin instance), as Fluent Bit 2.x does."""

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=FLUENTBIT_METRICS, content_type="text/plain")

    app = web.Application()
    app.router.add_get("/api/v1/metrics/prometheus", metrics)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/api/v1/metrics/prometheus"
    await runner.cleanup()


def write_config(tmp_path: Path, targets: list[dict[str, str]]) -> Path:
    config = {"state_dir": str(tmp_path / "state"), "targets": targets, "rule_files": [str(SEED)]}
    path = tmp_path / "watchdog.yml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_check_reports_unknown_jobs_as_warnings_that_strict_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A rule on a job no target has is a warning (exit 0, as the daemon runs it); --strict
    turns warnings into exit 1."""
    path = write_config(
        tmp_path, [{"job": "prometheus", "kind": "http", "url": "http://127.0.0.1:1/"}]
    )
    assert main(["check", "-c", str(path)]) == 0
    captured = capsys.readouterr()
    assert "warning: " in captured.err
    assert 'rule VaultDown: job="vault" matches no configured job (jobs: prometheus)' in (
        captured.err
    )
    assert captured.out.startswith("OK: ")
    assert main(["check", "-c", str(path), "--strict"]) == 1
    assert "FAILED: " in capsys.readouterr().err


def test_check_warns_on_names_no_kind_produces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Static lint: vault_core_unsealed from only http/tcp targets is a warning."""
    targets = [
        {"job": j, "kind": "tcp", "address": "127.0.0.1:1"}
        for j in ("prometheus", "alertmanager", "vault")
    ]
    path = write_config(tmp_path, targets)
    main(["check", "-c", str(path)])
    err = capsys.readouterr().err
    assert "warning:" in err
    assert "rule VaultSealed: vault_core_unsealed is produced by no configured target" in err


async def test_check_live_flags_log_pipeline_down(
    tmp_path: Path, fluentbit: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--live: LogPipelineDown's fluentbit_output_records_total is named with a suggestion."""
    path = write_config(
        tmp_path,
        [
            {"job": "fluentbit", "kind": "scrape", "url": fluentbit},
            {"job": "prometheus", "kind": "http", "url": fluentbit},
            {"job": "alertmanager", "kind": "http", "url": fluentbit},
            {"job": "vault", "kind": "http", "url": fluentbit},
        ],
    )
    import asyncio

    code = await asyncio.to_thread(main, ["check", "-c", str(path), "--live"])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "rule LogPipelineDown: fluentbit_output_records_total is exposed by no target; "
        "did you mean fluentbit_output_proc_records_total?"
    ) in err
    assert "fluentbit_input_records_total" not in err
