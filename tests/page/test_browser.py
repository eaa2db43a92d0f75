"""The status page in a real browser (Debian's headless chromium) in the worst hour: a daemon
watching real components — one target up, one down, an OpenBao sealed, Alertmanager killed so
delivery has fallen back — read through the DOM; screenshots kept as test artifacts."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml
from selenium.webdriver.common.by import By

from devstack.openbao import start_dev
from devstack.polling import wait_for
from devstack.procs import free_port
from tests.page.browser import artifact_dir, chromium, phone
from tests.support.components import require_binary, start_alertmanager, start_daemon
from tests.support.httpsink import HttpSink, alertmanager_routing_to

pytestmark = pytest.mark.slow

RULES = {
    "groups": [
        {
            "name": "worst-hour",
            "interval": "1s",
            "rules": [
                {
                    "alert": "VaultSealed",
                    "expr": "vault_core_unsealed == 0",
                    "labels": {"severity": "critical"},
                    "annotations": {"summary": "Vault {{ $labels.instance }} is sealed"},
                },
                {
                    "alert": "TargetDown",
                    "expr": 'up{job="legacy-db"} == 0',
                    "labels": {"severity": "warning"},
                    "annotations": {"summary": "{{ $labels.job }} does not answer"},
                },
                {
                    "alert": "TargetDownForAnHour",
                    "expr": 'up{job="legacy-db"} == 0',
                    "for": "1h",
                    "labels": {"severity": "warning"},
                },
            ],
        }
    ]
}


def _json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback
        return json.load(answer)["data"]


def _alert(base: str, name: str) -> dict[str, Any] | None:
    return next(
        (a for a in _json(f"{base}/api/v1/status/alerts")["alerts"] if a["name"] == name), None
    )


def test_worst_hour_page_in_chromium(tmp_path: Path) -> None:
    """Banner, alerts with their delivery path, target rows with sparklines, fallback and
    its reason, JSON twins that answer; refresh keeps the scroll position; phone width does
    not scroll sideways; a stopped daemon leaves the page up with a stale warning."""
    require_binary("bao")
    sink = HttpSink().start()
    bao = start_dev(tmp_path / "bao")
    am = start_alertmanager(tmp_path / "am", alertmanager_routing_to(sink))
    daemon = None
    try:
        bao.seal()
        (tmp_path / "rules.yaml").write_text(yaml.safe_dump(RULES))
        config = {
            "global": {
                "interval": "1s",
                "timeout": "800ms",
                "evaluation_interval": "1s",
                "external_labels": {"watchdog": "bastion-1"},
            },
            "targets": [
                {"job": "webapp", "kind": "http", "url": sink.url("/health")},
                {"job": "legacy-db", "kind": "tcp", "address": f"127.0.0.1:{free_port()}"},
                {"job": "vault", "kind": "vault", "url": bao.url},
                {"job": "alertmanager", "kind": "alertmanager", "url": am.url},
            ],
            "rule_files": [str(tmp_path / "rules.yaml")],
            "alerting": {
                "alertmanagers": [{"url": am.url}],
                "emergency": [{"kind": "webhook", "url": sink.url("/emergency")}],
                "resend_delay": "2s",
            },
        }
        daemon = start_daemon(tmp_path / "daemon", config)
        base = daemon.url
        wait_for(
            lambda: (a := _alert(base, "VaultSealed")) and a["delivery"]["path"] == "alertmanager",
            timeout=30,
            message="VaultSealed accepted by Alertmanager",
        )
        am.stop()
        wait_for(
            lambda: (a := _alert(base, "VaultSealed")) and a["delivery"]["path"] == "emergency",
            timeout=30,
            message="VaultSealed sent by the fallback path",
        )
        _check_page(tmp_path, base)
        _check_stale_warning(tmp_path, daemon)
    finally:
        if daemon is not None:
            daemon.stop()
        am.stop()
        bao.stop()
        sink.stop()


def _check_page(tmp_path: Path, base: str) -> None:
    with chromium(tmp_path / "profile", height=2400) as browser:
        browser.get(f"{base}/?refresh=0")  # nothing swapped while the DOM is read
        banner = browser.find_element(By.ID, "verdict")
        assert banner.get_attribute("data-level") == "degraded"
        assert "DELIVERY DEGRADED" in banner.text
        assert "fallback active: alerts go to the emergency receivers" in banner.text
        alerts = {
            a.get_attribute("data-alertname"): a
            for a in browser.find_elements(By.CSS_SELECTOR, "#alerts li.alert")
        }
        assert list(alerts) == ["VaultSealed", "TargetDown", "TargetDownForAnHour"]
        sealed = alerts["VaultSealed"]
        assert sealed.get_attribute("data-state") == "firing"
        assert sealed.get_attribute("data-path") == "emergency"
        assert "is sealed" in sealed.text and "sent by the fallback path to webhook" in sealed.text
        pending = alerts["TargetDownForAnHour"]
        assert pending.get_attribute("data-state") == "pending" and "fires in" in pending.text
        rows = {
            r.get_attribute("data-job"): r
            for r in browser.find_elements(By.CSS_SELECTOR, "#components li.target")
        }
        health = {job: row.get_attribute("data-health") for job, row in rows.items()}
        assert health == {
            "webapp": "up",
            "legacy-db": "down",
            "vault": "failing",
            "alertmanager": "down",
        }
        assert "connection refused" in rows["legacy-db"].text
        assert "Nothing listens there" in rows["legacy-db"].text
        assert "sealed" in rows["vault"].text
        for job, row in rows.items():
            label = row.find_element(By.CSS_SELECTOR, "svg.spark").get_attribute("aria-label")
            assert label.startswith("last hour: "), (job, label)
        assert "min down" in rows["legacy-db"].find_element(
            By.CSS_SELECTOR, "svg.spark"
        ).get_attribute("aria-label")
        fallback = browser.find_element(By.ID, "fallback")
        assert (
            "FALLBACK ACTIVE" in fallback.text and "no Alertmanager accepts alerts" in fallback.text
        )
        replica = browser.find_element(By.CSS_SELECTOR, "tr[data-replica-available]")
        assert replica.get_attribute("data-replica-available") == "false"
        twins = {a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a.json")}
        assert len(twins) >= 12
        for twin in twins:
            with urllib.request.urlopen(twin, timeout=5) as answer:  # noqa: S310 - loopback
                assert json.load(answer)["status"] == "success", twin
        browser.save_screenshot(str(artifact_dir() / "statuspage-worst-hour.png"))
        _check_refresh_keeps_scroll(browser, base)
        phone(browser)
        browser.get(f"{base}/?refresh=0")
        overflow = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
        browser.save_screenshot(str(artifact_dir() / "statuspage-phone.png"))


def _check_refresh_keeps_scroll(browser: Any, base: str) -> None:
    browser.set_window_size(1280, 700)
    browser.get(f"{base}/?refresh=2")
    browser.execute_script(
        "document.getElementById('delivery').scrollIntoView();"
        "window.__oldPage = document.getElementById('page');"
    )
    before = browser.execute_script("return window.scrollY")
    assert before > 0
    wait_for(
        lambda: browser.execute_script(
            "return document.getElementById('page') !== window.__oldPage"
        ),
        timeout=20,
        message="the page refreshed in place",
    )
    assert browser.execute_script("return window.scrollY") == before


def _check_stale_warning(tmp_path: Path, daemon: Any) -> None:
    with chromium(tmp_path / "profile-stale") as browser:
        browser.get(f"{daemon.url}/?refresh=2")
        assert not browser.find_element(By.ID, "stale").is_displayed()
        daemon.stop()
        wait_for(
            lambda: browser.find_element(By.ID, "stale").is_displayed(),
            timeout=20,
            message="the stale warning",
        )
        stale = browser.find_element(By.ID, "stale").text
        assert "could not refresh since" in stale and "Is the daemon running?" in stale
        assert browser.find_element(By.ID, "verdict").is_displayed()  # what was shown stays
