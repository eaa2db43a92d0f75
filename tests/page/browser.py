"""Debian's chromium, headless, driven by Selenium through Debian's chromedriver.

The machine has no internet: chromium runs with everything that would phone home turned off
and a fresh profile per browser. Screenshots go to the artifact directory
(``$WATCHDOG_TEST_ARTIFACTS``, default ``test-artifacts/`` in the repository).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.components import REPO, require_binary

__all__ = ["CHROMIUM_FLAGS", "DOCS_SCREENSHOT", "artifact_dir", "chromium", "phone", "screenshot"]

DOCS_SCREENSHOT = REPO / "docs" / "images" / "statuspage.png"
"""The README's picture of the page; written when ``WATCHDOG_UPDATE_DOCS=1``."""

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def artifact_dir() -> Path:
    """Where tests keep screenshots for people to look at."""
    directory = Path(os.environ.get("WATCHDOG_TEST_ARTIFACTS") or REPO / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@contextmanager
def chromium(profile: Path, width: int = 1280, height: int = 1000) -> Iterator[webdriver.Chrome]:
    """A headless chromium with a fresh profile in ``profile``; quit on exit."""
    binary = require_binary("chromium")
    driver_path = require_binary("chromedriver")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def phone(driver: webdriver.Chrome) -> None:
    """Emulate a phone screen (390 by 844 CSS pixels, touch, mobile viewport)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )


def screenshot(url: str, name: str, profile: Path, *, docs: bool = False) -> Path:
    """Load ``url`` (refresh off) at desktop width and keep a full-page screenshot as artifact
    ``name``; with ``docs`` and ``WATCHDOG_UPDATE_DOCS=1`` also as the README's picture."""
    with chromium(profile, width=1100, height=1000) as driver:
        driver.get(url)
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1100, min(int(height) + 40, 4000))
        target = artifact_dir() / name
        driver.save_screenshot(str(target))
    if docs and os.environ.get("WATCHDOG_UPDATE_DOCS") == "1":
        DOCS_SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        DOCS_SCREENSHOT.write_bytes(target.read_bytes())
    return target
