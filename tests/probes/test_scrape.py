"""The scrape kind: local expositions and a real Prometheus' /metrics."""

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp import web

from tests.support.components import Running, start_prometheus
from tests.support.probe_harness import load_spec, run_target, value
from tests.support.webapp import serve

EXPOSITION = """\
# TYPE fluentbit_output_proc_records_total counter
fluentbit_output_proc_records_total{name="loki.0"} 120
fluentbit_output_proc_records_total{name="es.1"} 118
queue{job="inner-job"} 3
"""


@pytest.fixture
async def exporter() -> AsyncIterator[dict[str, str]]:
    """An exporter whose body the test can change."""
    state = {"body": EXPOSITION, "status": "200"}

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(text=state["body"], status=int(state["status"]))

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    async with serve(app) as url:
        state["url"] = f"{url}/metrics"
        yield state


async def test_scrape_keeps_labels_and_adds_target_labels(
    tmp_path: Path, exporter: dict[str, str]
) -> None:
    """Every sample keeps its labels, gains job/instance, and clashing job is exported_job."""
    spec = load_spec(
        {"job": "fluentbit", "kind": "scrape", "url": exporter["url"], "labels": {"site": "dc1"}},
        tmp_path,
    )
    outcome = await run_target(spec, tmp_path)
    assert outcome.success
    assert (
        value(
            outcome,
            "fluentbit_output_proc_records_total",
            name="loki.0",
            job="fluentbit",
            instance=spec.instance,
            site="dc1",
        )
        == 120
    )
    assert value(outcome, "queue", exported_job="inner-job", job="fluentbit") == 3
    assert outcome.facts == {"series": "3"}


async def test_malformed_exposition_fails_with_line(
    tmp_path: Path, exporter: dict[str, str]
) -> None:
    """A malformed line fails the whole scrape and says which line."""
    exporter["body"] = EXPOSITION + "this is not a metric\n"
    spec = load_spec({"job": "x", "kind": "scrape", "url": exporter["url"]}, tmp_path)
    outcome = await run_target(spec, tmp_path)
    assert not outcome.up
    assert outcome.error == (
        f"{exporter['url']}: malformed exposition: line 5: not a valid sample line: "
        "'this is not a metric'"
    )


async def test_non_200_fails_the_scrape(tmp_path: Path, exporter: dict[str, str]) -> None:
    """An exporter answering 503 is down for the scrape kind."""
    exporter["status"] = "503"
    spec = load_spec({"job": "x", "kind": "scrape", "url": exporter["url"]}, tmp_path)
    outcome = await run_target(spec, tmp_path)
    assert outcome.error == f"{exporter['url']} answered HTTP 503"


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A real Debian Prometheus."""
    running = start_prometheus(
        tmp_path_factory.mktemp("prom"), {"global": {"scrape_interval": "1m"}}
    )
    yield running
    running.stop()


async def test_scrape_real_prometheus_metrics(tmp_path: Path, prometheus: Running) -> None:
    """A real, large exposition (histograms, summaries, escapes) parses completely."""
    spec = load_spec(
        {"job": "prometheus", "kind": "scrape", "url": f"{prometheus.url}/metrics"}, tmp_path
    )
    outcome = await run_target(spec, tmp_path)
    assert outcome.success, outcome.error
    names = {key.name for key in outcome.series}
    assert len(outcome.series) > 200
    assert {
        "prometheus_build_info",
        "prometheus_config_last_reload_successful",
        "prometheus_http_request_duration_seconds_bucket",
    } <= names
    assert value(outcome, "prometheus_config_last_reload_successful") == 1
    buckets = [
        k for k in outcome.series if k.name == "prometheus_http_request_duration_seconds_bucket"
    ]
    assert any(k.get("le") == "+Inf" for k in buckets)


async def test_hash_in_label_value_and_tab_escape_keep_the_target_up(
    tmp_path: Path, exporter: dict[str, str]
) -> None:
    """``" # "`` inside a label value and a ``\\t`` escape parse as Prometheus parses them."""
    exporter["body"] = 'a{x="foo # bar"} 1\nb{y="t\\tz"} 2\n'
    spec = load_spec({"job": "odd", "kind": "scrape", "url": exporter["url"]}, tmp_path)
    outcome = await run_target(spec, tmp_path)
    assert outcome.success, outcome
    assert value(outcome, "a", x="foo # bar", job="odd") == 1
    assert value(outcome, "b", y="t\\tz", job="odd") == 2
