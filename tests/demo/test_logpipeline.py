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


async def test_a_silent_loss_is_invisible_to_fluent_bit(tmp_path: Path) -> None:
    """POST …/drop?share=0.5 loses every other record after the hand-off: Fluent Bit counts
    them delivered, Elasticsearch never stores them; a share out of range is a 400."""
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
        async with TestClient(TestServer(pipeline.control_app())) as control:
            answer = await control.post("/outputs/elasticsearch/drop", params={"share": "0.5"})
            assert (await answer.json())["elasticsearch"]["drop_share"] == 0.5
            for bad in ("1", "-0.1", "lots"):
                refused = await control.post("/outputs/elasticsearch/drop", params={"share": bad})
                assert refused.status == 400
            assert (await control.post("/outputs/splunk/drop", params={"share": "0"})).status == 400
        _append(log, "one", "two", "three", "four")
        await pipeline.step()
        es = fluentbit.outputs["es.1"]
        assert (es["proc_records"], es["dropped_records"]) == (4, 0)
        assert len(elasticsearch.documents()) == 2
        assert len(loki.lines()) == 4
        assert pipeline.outputs()["elasticsearch"]["lost_silently"] == 2


async def test_a_paused_output_keeps_its_records_in_the_buffer(tmp_path: Path) -> None:
    """…/pause holds the output's records in chunk files; …/resume delivers them in order and
    the chunks are gone."""
    log, buffer = tmp_path / "app.log", tmp_path / "flb-storage"
    async with (
        aiohttp.ClientSession() as session,
        FakeLoki() as loki,
        FakeElasticsearch(status="green") as elasticsearch,
        FakeFluentBit() as fluentbit,
    ):
        shipper = CountingShipper(log, SystemClock(), session)
        shipper.route("loki", Route("loki", loki.url))
        shipper.route("elasticsearch", Route("elasticsearch", elasticsearch.url))
        pipeline = Pipeline(shipper, fluentbit, buffer)
        async with TestClient(TestServer(pipeline.control_app())) as control:
            paused = await (await control.post("/outputs/elasticsearch/pause")).json()
            assert paused["elasticsearch"]["paused"] is True
            _append(log, "one", "two")
            await pipeline.step()
            _append(log, "three")
            await pipeline.step()
            chunks = list((buffer / "elasticsearch").glob("*.flb"))
            assert "".join(c.read_text() for c in sorted(chunks)) == "one\ntwo\nthree\n"
            assert list((buffer / "loki").glob("*.flb")) == []
            assert elasticsearch.documents() == []
            await control.post("/outputs/elasticsearch/resume")
        await pipeline.step()
        assert [d["log"] for d in elasticsearch.documents()] == ["one", "two", "three"]
        assert list((buffer / "elasticsearch").glob("*.flb")) == []
