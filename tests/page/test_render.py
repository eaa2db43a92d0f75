"""The HTML page: escaping, sparklines, times, the one script and style allowed by the CSP."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest

from watchdog.page.assets import CSP, SCRIPT, STYLE
from watchdog.page.document import render_page
from watchdog.page.html import link
from watchdog.page.sparkline import describe, sparkline
from watchdog.page.times import absolute, duration, relative
from watchdog.probe_history import ProbeHistory
from watchdog.status.views import (
    AlertDelivery,
    AlertView,
    DeliveryView,
    FallbackView,
    HeartbeatInView,
    HeartbeatOutView,
    JobGroup,
    JournalView,
    OutboxView,
    StatusView,
    TargetView,
    Verdict,
    When,
)

NOW = 1_800_000_000.0
EVIL = '<script>alert("x")</script>'


def _hour(*states: str) -> ProbeHistory:
    """A history whose last ``len(states)`` minutes had these outcomes (``none``: no probe)."""
    history = ProbeHistory()
    start = NOW - 60 * (len(states) - 1)
    for index, state in enumerate(states):
        if state != "none":
            history.record(
                start + 60 * index,
                up=state != "down",
                success=state == "ok",
                duration=0.1 * (index + 1),
            )
    return history


def test_sparkline_draws_state_by_height_and_merges_runs() -> None:
    """Equal minutes merge into one bar; down is full height, failed half, ok short."""
    buckets = _hour("ok", "ok", "failed", "down", "down", "none").last_hour(NOW)
    svg = sparkline(buckets)
    rects = re.findall(r'<rect class="s-(\w+)" x="(\d+)" y="(\d+)" width="(\d+)"', svg)
    assert rects == [
        ("ok", "108", "7", "4"),
        ("failed", "112", "4", "2"),
        ("down", "114", "0", "4"),
    ]
    assert 'role="img"' in svg and '<path class="dur"' in svg
    assert describe(buckets) == (
        "last hour: 2 min ok, 1 min failing, 2 min down, 55 min no data; slowest probe 500 ms"
    )


def test_times_are_relative_and_absolute_utc() -> None:
    """Relative wording for the on-call, UTC for the incident report."""
    assert relative(NOW - 190, NOW) == "3 min 10 s ago"
    assert relative(NOW + 120, NOW) == "in 2 min"
    assert relative(NOW, NOW) == "just now"
    assert duration(2.0) == "2 s" and duration(0.25) == "250 ms" and duration(90061) == "1 d 1 h"
    assert absolute(NOW - 60, NOW) == "07:59:00 UTC"
    assert absolute(NOW - 86400 * 2, NOW) == "2027-01-13 08:00 UTC"


def test_links_stay_on_this_server() -> None:
    """Only local paths become links."""
    assert link("/api/v1/targets", "t") == '<a href="/api/v1/targets">t</a>'
    for bad in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        with pytest.raises(ValueError, match="not a local link"):
            link(bad, "x")


def _view() -> StatusView:
    target = TargetView(
        job=EVIL,
        instance=EVIL,
        kind="http",
        endpoint=EVIL,
        health="down",
        error=EVIL,
        hint=None,
        last_probe=When(NOW - 5),
        last_success=None,
        duration=0.2,
        interval=15.0,
        facts=[(EVIL, EVIL)],
        history=_hour("down").last_hour(NOW),
    )
    alert = AlertView(
        name=EVIL,
        state="firing",
        severity=EVIL,
        fingerprint=EVIL,
        labels={EVIL: EVIL},
        summary=EVIL,
        since=When(NOW - 60),
        for_remaining=None,
        value="1",
        group=EVIL,
        delivery=AlertDelivery("outbox", EVIL, When(NOW)),
        silenced_by=[EVIL],
        inhibited_by=[],
        fallback_receivers=["pagerduty", "slack"],
    )
    delivery = DeliveryView(
        replicas=[],
        fallback=FallbackView(True, EVIL, When(NOW - 30), 1, True, True),
        receivers=[],
        outbox=OutboxView(1, When(NOW)),
        heartbeat_out=HeartbeatOutView(False, "off", None, None),
        heartbeat_in=HeartbeatInView(False, None, None, overdue=False),
        journal=JournalView(1, EVIL, EVIL, "intact", EVIL, None),
    )
    return StatusView(
        generated_at=When(NOW),
        verdict=Verdict("degraded", EVIL, [EVIL], 1, 0, 0, 1),
        alerts=[alert],
        groups=[JobGroup(EVIL, ["http"], {"down": 1}, [target], hidden=2)],
        delivery=delivery,
        peers=None,
        drills=None,
        job=EVIL,
    )


def test_every_value_from_outside_is_escaped() -> None:
    """Labels, errors, facts, names and reasons holding markup are shown as text, never run."""
    html = render_page(_view(), name=EVIL, refresh=5, marks_known=True)
    assert "<script>alert" not in html
    assert html.count("<script>") == 1  # the page's own, allowed by hash
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert '<span class="badge b-silenced">silenced</span> by &lt;script&gt;' in html
    assert "inhibited" not in html and "fallback route: pagerduty, slack" in html
    assert "Not configured: this daemon runs alone." in html
    assert "Not configured: no drill history on this daemon." in html


def _sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_csp_allows_exactly_the_inline_script_and_style() -> None:
    """The policy names the hashes of the page's own script and style and nothing else runs."""
    html = render_page(_view(), name="n", refresh=0, marks_known=False)
    assert f"<script>{SCRIPT}</script>" in html and f"<style>{STYLE}</style>" in html
    assert f"script-src 'sha256-{_sha(SCRIPT)}'" in CSP
    assert f"style-src 'sha256-{_sha(STYLE)}'" in CSP
    assert "default-src 'none'" in CSP and "unsafe-inline" not in CSP
    assert 'data-refresh="0"' in html and " style=" not in html
