"""The daemon's Prometheus API against Debian's Prometheus 2.42, key by key and byte by byte.

Both evaluate the same rule file; ``/api/v1/rules``, ``/api/v1/alerts``, ``/api/v1/targets``
and ``/api/v1/status/buildinfo`` must have Prometheus' keys in Prometheus' order with the same
JSON types (the daemon may add keys after them), and the same values wherever the two do not
depend on their own data and clocks. ``/api/v1/query`` and ``/query_range`` on expressions
that read no series must answer with the same bytes, errors with the same status, type and
(where the daemon mirrors it) message.
"""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from devstack.polling import wait_for
from devstack.procs import free_port
from tests.support.components import Running, require_binary, start_daemon, start_prometheus

pytestmark = pytest.mark.slow

RULES = """\
groups:
  - name: shapes
    interval: 1s
    rules:
      - record: job:up:sum
        expr: sum by (job) (up)
      - record: job:up:labelled
        expr: sum by (job) (up)
        labels: {team: sre, area: core}
      - alert: Firing
        expr: vector(1)
        labels: {severity: page}
        annotations: {summary: "it fires <now> & then"}
      - alert: Pending
        expr: vector(2.5)
        for: 10m
        keep_firing_for: 5m
      - alert: Inactive
        expr: vector(1) == 0
        for: 1500ms
"""


@dataclass
class Pair:
    """The same request to both servers."""

    prometheus: Running
    daemon: Running

    def get(self, path: str, data: dict[str, str] | None = None) -> tuple[Any, Any]:
        """Both answers, parsed."""
        return (
            json.loads(_fetch(self.prometheus.url + path, data)[1]),
            json.loads(_fetch(self.daemon.url + path, data)[1]),
        )

    def raw(self, path: str, data: dict[str, str] | None = None) -> tuple[Any, Any]:
        """Both answers as (status, body text)."""
        return _fetch(self.prometheus.url + path, data), _fetch(self.daemon.url + path, data)


def _fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 - loopback test servers
    if body is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    """Prometheus and the daemon, each evaluating RULES every second."""
    root = tmp_path_factory.mktemp("shapes")
    rules = root / "rules.yml"
    rules.write_text(RULES)
    closed = free_port()
    prometheus = start_prometheus(
        root / "prometheus",
        {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": [str(rules)],
            "scrape_configs": [
                {"job_name": "ssh", "static_configs": [{"targets": [f"127.0.0.1:{closed}"]}]}
            ],
        },
    )
    try:
        daemon = start_daemon(
            root / "daemon",
            {
                "global": {"interval": "1s", "timeout": "500ms", "evaluation_interval": "1s"},
                "targets": [{"job": "ssh", "kind": "tcp", "address": f"127.0.0.1:{closed}"}],
                "rule_files": [str(rules)],
            },
        )
    except BaseException:
        prometheus.stop()
        raise
    both = Pair(prometheus, daemon)

    def evaluated() -> bool:
        for answer in both.get("/api/v1/targets"):
            targets = answer["data"]["activeTargets"]
            if not targets or targets[0]["health"] == "unknown":
                return False
        for answer in both.get("/api/v1/rules"):
            rules = answer["data"]["groups"][0]["rules"]
            if any(r["lastEvaluation"].startswith("0001") for r in rules):
                return False
            if rules[2]["state"] != "firing":
                return False
        return True

    try:
        wait_for(evaluated, timeout=30, message="both evaluated the rules")
        yield both
    finally:
        daemon.stop()
        prometheus.stop()


def _json_type(value: Any) -> str:
    """The JSON type: one ``number`` for ints and floats, as JSON has."""
    if isinstance(value, bool) or value is None:
        return repr(value) if value is None else "boolean"
    return "number" if isinstance(value, int | float) else type(value).__name__


def _same_shape(theirs: Any, ours: Any, where: str = "") -> None:
    """Prometheus' keys first, in its order, with the same JSON types, recursively."""
    assert _json_type(ours) == _json_type(theirs), (where, theirs, ours)
    if isinstance(theirs, dict):
        assert list(ours)[: len(theirs)] == list(theirs), (where, list(theirs), list(ours))
        for key, value in theirs.items():
            _same_shape(value, ours[key], f"{where}.{key}")
    elif isinstance(theirs, list) and theirs and ours:
        for index, (a, b) in enumerate(zip(theirs, ours, strict=False)):
            _same_shape(a, b, f"{where}[{index}]")


_VOLATILE = {"evaluationTime", "lastEvaluation", "activeAt", "lastScrape", "lastScrapeDuration"}


def _stable(value: Any) -> Any:
    """``value`` without what depends on each server's clock."""
    if isinstance(value, dict):
        return {k: _stable(v) for k, v in value.items() if k not in _VOLATILE}
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def test_rules_api_matches_prometheus_key_by_key(pair: Pair) -> None:
    """/api/v1/rules: same keys, order, types and values (clock-dependent ones aside); the
    daemon's built-in groups (its journal check) come after the rule files' groups."""
    theirs, ours = pair.get("/api/v1/rules")
    _same_shape(theirs, ours)
    ours["data"]["groups"] = [g for g in ours["data"]["groups"] if g["file"]]
    assert _stable(ours) == _stable(theirs)
    (group,) = ours["data"]["groups"]
    assert "labels" not in group["rules"][0] and "lastError" not in group["rules"][0]
    raw_theirs, raw_ours = pair.raw("/api/v1/rules")
    for text in ('"duration":600,"keepFiringFor":300', '"interval":1,"limit":0'):
        assert text in raw_theirs[1] and text in raw_ours[1]


def test_alerts_api_matches_prometheus(pair: Pair) -> None:
    """/api/v1/alerts: the same alerts with the same keys, types and values; the daemon's one
    extra key (``fallback``: how its fallback path treats the alert) comes after them."""
    theirs, ours = pair.get("/api/v1/alerts")
    _same_shape(theirs, ours)
    for alert, their in zip(ours["data"]["alerts"], theirs["data"]["alerts"], strict=True):
        assert list(alert)[-1] == "fallback" and list(alert)[:-1] == list(their)
        del alert["fallback"]
    assert _stable(ours) == _stable(theirs)
    assert "\\u003cnow\\u003e \\u0026 then" in pair.raw("/api/v1/alerts")[1][1]


def test_targets_and_buildinfo_have_prometheus_keys_and_types(pair: Pair) -> None:
    """/api/v1/targets and /api/v1/status/buildinfo: Prometheus' keys in its order, its types."""
    for path in ("/api/v1/targets", "/api/v1/targets?state=active", "/api/v1/status/buildinfo"):
        theirs, ours = pair.get(path)
        target_theirs = theirs["data"].get("activeTargets", [{}])[0]
        if target_theirs:
            target_theirs["discoveredLabels"] = {}  # relabeling input, which probes do not have
        _same_shape(theirs, ours, path)
    for state in ("dropped", "bogus"):
        theirs, ours = pair.get(f"/api/v1/targets?state={state}")
        assert ours == theirs


INSTANT = [
    {"query": "vector(2.5)", "time": "1700000000.5"},
    {"query": "1e-7", "time": "1700000000"},
    {"query": "vector(1e-7)", "time": "1700000000"},
    {"query": "-vector(1e22)", "time": "1700000000"},
    {"query": "time()", "time": "1700000000.123"},
    {"query": '"a string"', "time": "1700000000"},
    {"query": 'label_replace(vector(1e21), "a", "<b&c>", "", "")', "time": "1700000000"},
    {"query": "vector(0.1 + 0.2) * 1e-3", "time": "2023-11-14T22:13:20.25Z"},
    {"query": "sum(nothing_here)", "time": "1700000000"},
    {"query": "vector(1)", "time": "1700000000", "timeout": "5s"},
]
RANGE = [
    {"query": "vector(time())", "start": "1700000000", "end": "1700000030", "step": "10"},
    {"query": "time() / 7", "start": "1700000000.5", "end": "1700000001.5", "step": "500ms"},
    {"query": "absent(nothing)", "start": "1700000000", "end": "1700000060", "step": "1m"},
]
ERRORS = [
    ("/api/v1/query", {"query": ""}),
    ("/api/v1/query", {"query": "up{"}),
    ("/api/v1/query", {"query": "up", "time": "abc"}),
    ("/api/v1/query", {"query": "up", "timeout": "1ns"}),
    ("/api/v1/query_range", {"query": "up", "start": "x", "end": "1", "step": "1"}),
    ("/api/v1/query_range", {"query": "up", "start": "1", "end": "y", "step": "1"}),
    ("/api/v1/query_range", {"query": "up", "end": "1", "step": "1"}),
    ("/api/v1/query_range", {"query": "up", "start": "1", "end": "0", "step": "1"}),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "10"}),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "10", "step": "0"}),
    ("/api/v1/query_range", {"query": "up", "start": "0", "end": "100000000", "step": "1"}),
    ("/api/v1/query_range", {"query": "up[1m]", "start": "0", "end": "1", "step": "1"}),
    ("/api/v1/query_range", {"query": '"s"', "start": "0", "end": "1", "step": "1"}),
]


@pytest.mark.parametrize("params", INSTANT, ids=[p["query"] for p in INSTANT])
def test_instant_queries_answer_byte_for_byte_as_prometheus(
    pair: Pair, params: dict[str, str]
) -> None:
    """GET and POST /api/v1/query on expressions without series: the same status and bytes."""
    path = "/api/v1/query?" + urllib.parse.urlencode(params)
    theirs, ours = pair.raw(path)
    assert ours == theirs
    assert pair.raw("/api/v1/query", params)[1] == theirs


@pytest.mark.parametrize("params", RANGE, ids=[p["query"] for p in RANGE])
def test_range_queries_answer_byte_for_byte_as_prometheus(
    pair: Pair, params: dict[str, str]
) -> None:
    """/api/v1/query_range (GET and POST): the same status and bytes."""
    theirs, ours = pair.raw("/api/v1/query_range?" + urllib.parse.urlencode(params))
    assert ours == theirs
    assert pair.raw("/api/v1/query_range", params)[1] == theirs


@pytest.mark.parametrize(("path", "params"), ERRORS, ids=[str(p) for _, p in ERRORS])
def test_bad_requests_fail_as_in_prometheus(pair: Pair, path: str, params: dict[str, str]) -> None:
    """Bad parameters: the same HTTP status and errorType; the same message unless it is the
    parser's own wording."""
    (status_theirs, body_theirs), (status_ours, body_ours) = pair.raw(
        path + "?" + urllib.parse.urlencode(params)
    )
    theirs, ours = json.loads(body_theirs), json.loads(body_ours)
    assert (status_ours, ours["status"], ours["errorType"]) == (
        status_theirs,
        "error",
        theirs["errorType"],
    )
    if params.get("query") not in ("", "up{"):
        assert ours["error"] == theirs["error"]
    else:
        assert ours["error"].startswith('invalid parameter "query": ')


def test_the_query_form_wins_over_the_url_as_in_prometheus(pair: Pair) -> None:
    """POST with a query in both URL and form body: the form's is evaluated."""
    theirs, ours = pair.raw("/api/v1/query?query=1&time=1700000000", {"query": "2"})
    assert ours == theirs
    assert '"result":[1700000000,"2"]' in ours[1]


def test_queries_read_the_daemons_own_series(pair: Pair) -> None:
    """``up`` of the daemon's target is there, with the target's labels, as a vector."""
    _status, body = _fetch(pair.daemon.url + "/api/v1/query?query=up")
    (sample,) = json.loads(body)["data"]["result"]
    assert sample["metric"]["job"] == "ssh" and sample["value"][1] == "0"


def test_promtool_queries_the_daemon(pair: Pair) -> None:
    """Debian's ``promtool query instant``/``range`` read the daemon's series and print them
    as they print Prometheus'; a bad query fails with the daemon's reason."""
    promtool = require_binary("promtool")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [promtool, "query", *args], capture_output=True, text=True, timeout=60, check=False
        )

    instant = run("instant", pair.daemon.url, 'up{job="ssh"}')
    assert instant.returncode == 0, instant.stderr
    assert instant.stdout.startswith('up{instance="127.0.0.1:') and " => 0 @[" in instant.stdout
    theirs = run("instant", "--time=1700000000.5", pair.prometheus.url, "vector(2)")
    ours = run("instant", "--time=1700000000.5", pair.daemon.url, "vector(2)")
    assert ours.stdout == theirs.stdout == "{} => 2 @[1700000000.5]\n"
    ranged = [
        run("range", "--start=1700000000", "--end=1700000020", "--step=10s", server, "time()")
        for server in (pair.prometheus.url, pair.daemon.url)
    ]
    assert ranged[0].returncode == ranged[1].returncode == 0
    assert ranged[1].stdout == ranged[0].stdout
    bad = run("instant", pair.daemon.url, "up{")
    assert bad.returncode == 1
    assert 'invalid parameter "query"' in bad.stderr
