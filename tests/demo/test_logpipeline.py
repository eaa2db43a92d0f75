"""The demo's log pipeline keeps Fluent Bit's counters in step with what the shipper did."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestClient, TestServer

from devstack.demo.logpipeline import CountingShipper, Pipeline
from devstack.fakes.elasticsearch import FakeElasticsearch
from devstack.fakes.fluentbit import FakeFluentBit
from devstack.fakes.loki import FakeLoki
from devstack.fakes.shipper import Route
from watchdog.clock import SystemClock


def _append(path: Path, *lines: str) -> None:
    with path.open("a") as handle:
        handle.writelines(f"{line}\n" for line in lines)


async def test_shipping_and_a_stopped_output_move_the_fluent_bit_counters(tmp_path: Path) -> None:
    """Read lines count as input; delivered ones as proc_records; a stopped output's as drops."""
    log = tmp_path / "app.log"
    async with (
        aiohttp.ClientSession() as session,
        FakeLoki() as loki,
        FakeElasticsearch(status="green") as elasticsearch,
        FakeFluentBit() as fluentbit,
    ):
        shipper = CountingShipper(log, SystemClock(), session)
        shipper.route("loki", Route("loki", loki.url))
        shipper.route("elasticsearch", Route("elasticsearch", elasticsearch.url))
        pipeline = Pipeline(shipper, fluentbit)
        _append(log, "one", "two", "three")
        await pipeline.step()
        assert fluentbit.inputs["tail.0"]["records"] == 3
        assert fluentbit.outputs["loki.0"]["proc_records"] == 3
        assert fluentbit.outputs["es.1"]["proc_records"] == 3

        async with TestClient(TestServer(pipeline.control_app())) as control:
            answer = await control.post("/outputs/elasticsearch/stop")
            assert (await answer.json())["elasticsearch"]["forwarding"] is False
            assert (await control.post("/outputs/splunk/stop")).status == 404
        _append(log, "four", "five")
        await pipeline.step()
        es = fluentbit.outputs["es.1"]
        assert (es["proc_records"], es["errors"], es["retries_failed"]) == (3, 2, 2)
        assert es["dropped_records"] == 2
        assert fluentbit.outputs["loki.0"]["proc_records"] == 5
        assert fluentbit.inputs["tail.0"]["records"] == 5
        assert pipeline.outputs()["elasticsearch"]["dropped"] == 2
