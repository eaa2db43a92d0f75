"""Debian's Prometheus scrapes the daemon's /metrics through TLS with a client certificate
and basic auth, with its own ``tls_config`` and ``basic_auth``: the real client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from devstack.polling import async_wait_for
from devstack.procs import free_port
from tests.support.components import start_prometheus
from tests.webconfig.pki import PASSWORD, USER, make_web_pki, write_web_config
from watchdog.app import Daemon
from watchdog.config.load import load_config

pytestmark = pytest.mark.slow


async def _api(url: str) -> Any:
    # aiohttp, not urllib: the daemon under test runs on this event loop
    async with aiohttp.ClientSession() as session, session.get(url) as answer:
        return (await answer.json())["data"]


async def _targets(prometheus_url: str) -> dict[str, dict[str, Any]]:
    active = (await _api(f"{prometheus_url}/api/v1/targets"))["activeTargets"]
    return {t["labels"]["job"]: t for t in active}


async def test_prometheus_scrapes_through_tls_and_basic_auth(tmp_path: Path) -> None:
    """The right credentials scrape (up, the daemon's series stored); a wrong password and a
    missing client certificate each leave their job down with the reason."""
    pki = make_web_pki(tmp_path / "pki")
    web = write_web_config(tmp_path / "web.yml", pki)
    port = free_port()
    config = tmp_path / "watchdog.yml"
    config.write_text(
        yaml.safe_dump(
            {"server": {"listen": f"127.0.0.1:{port}"}, "state_dir": str(tmp_path / "state")}
        )
    )
    (tmp_path / "password").write_text(PASSWORD)
    (tmp_path / "wrong").write_text("not the password")
    tls = {"ca_file": str(pki.ca), "cert_file": str(pki.client[0]), "key_file": str(pki.client[1])}

    def job(name: str, password_file: Path, tls_config: dict[str, str]) -> dict[str, Any]:
        return {
            "job_name": name,
            "scheme": "https",
            "scrape_interval": "1s",
            "scrape_timeout": "1s",
            "basic_auth": {"username": USER, "password_file": str(password_file)},
            "tls_config": tls_config,
            "static_configs": [{"targets": [f"127.0.0.1:{port}"]}],
        }

    daemon = Daemon(load_config(config, web_config_file=web))
    await daemon.start()
    prometheus = start_prometheus(
        tmp_path / "prometheus",
        {
            "global": {"scrape_interval": "1s"},
            "scrape_configs": [
                job("watchdog", tmp_path / "password", tls),
                job("wrong-password", tmp_path / "wrong", tls),
                job("no-client-cert", tmp_path / "password", {"ca_file": str(pki.ca)}),
            ],
        },
    )
    try:

        async def settled() -> dict[str, dict[str, Any]] | None:
            targets = await _targets(prometheus.url)
            done = len(targets) == 3 and all(t["health"] != "unknown" for t in targets.values())
            return targets if done and targets["watchdog"]["health"] == "up" else None

        targets = await async_wait_for(settled, timeout=30, message="three scrapes done")
        assert targets["watchdog"]["lastError"] == ""
        assert targets["wrong-password"]["health"] == "down"
        assert "401" in targets["wrong-password"]["lastError"]
        assert targets["no-client-cert"]["health"] == "down"
        query = f"{prometheus.url}/api/v1/query?query=watchdog_build_info"
        result = (await _api(query))["result"]
        assert [r["metric"]["job"] for r in result] == ["watchdog"]
    finally:
        prometheus.stop()
        await daemon.stop()
