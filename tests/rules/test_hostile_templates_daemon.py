# ruff: noqa: E501 - exact messages read best unwrapped
"""Hostile templates against the real daemon: it keeps answering, stops promptly on SIGTERM,
and refuses too-deep templates with file:line in ``check``, at ``run`` and on every reload."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from devstack.polling import wait_for
from devstack.procs import REPO, free_port, run_watchdog_cli
from tests.support.components import start_daemon

pytestmark = pytest.mark.slow

DOUBLING = '{{ $s := "ab" }}' + "{{ $s = print $s $s }}" * 30
HOSTILE = {
    "groups": [
        {
            "name": "hostile",
            "interval": "200ms",
            "rules": [
                {
                    "alert": "HostileTemplates",
                    "expr": "vector(1)",
                    "annotations": {
                        "query": '{{ query "count_over_time(vector(1)[30d:1ms])" }}',
                        "width": '{{ printf "%10000000d" 1 }}',
                        "grow": DOUBLING,
                        "loops": "{{ $m := args 0 1 2 3 4 5 6 7 8 9 }}"
                        + "{{ range $m }}" * 6
                        + "{{ end }}" * 6,
                        "ts": "{{ humanizeTimestamp 1e300 }}",
                    },
                }
            ],
        }
    ]
}
GOOD = {"groups": [{"name": "good", "rules": [{"alert": "Fine", "expr": "vector(0) > 1"}]}]}
PARENS = "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}"
IFS = "{{ if true }}" * 3000 + "x" + "{{ end }}" * 3000
NESTING = "nesting exceeds the template limit of 100 levels (if/with/range blocks, else-if chains and parentheses)"


def deep(annotation: str) -> str:
    """A rule file whose only rule has one too-deeply nested annotation (on line 8)."""
    return (
        "groups:\n  - name: g\n    rules:\n      - alert: Deep\n        expr: vector(1)\n"
        f"        annotations:\n          summary: ok\n          x: '{annotation}'\n"
    )


def get(url: str) -> tuple[int, str]:
    """GET with a generous timeout; HTTP errors are answers too."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def post(url: str) -> tuple[int, str]:
    """POST without a body."""
    request = urllib.request.Request(url, method="POST")  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def config(workdir: Path, rules: dict[str, Any], port: int) -> dict[str, Any]:
    """A daemon config with short intervals and one rule file."""
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "rules.yml").write_text(yaml.safe_dump(rules, width=100_000))
    return {
        "global": {"interval": "200ms", "timeout": "150ms", "evaluation_interval": "200ms"},
        "server": {"listen": f"127.0.0.1:{port}"},
        "targets": [{"job": "one", "kind": "tcp", "address": "127.0.0.1:1"}],
        "rule_files": [str(workdir / "rules.yml")],
    }


def iterations(base: str, group: str) -> float:
    """``watchdog_rule_group_iterations_total`` of ``group``."""
    _, text = get(f"{base}/metrics")
    for line in text.splitlines():
        if line.startswith("watchdog_rule_group_iterations_total{") and group in line:
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def test_daemon_stays_responsive_and_stops_promptly_with_hostile_templates(tmp_path: Path) -> None:
    """Query, printf, doubling and loop bombs cost error texts; /-/healthy and SIGTERM work."""
    port = free_port()
    daemon = start_daemon(tmp_path, config(tmp_path, HOSTILE, port), port=port)
    try:

        def fired() -> dict[str, Any] | None:
            status, body = get(f"{daemon.url}/api/v1/alerts")
            assert status == 200
            alerts = [a for a in json.loads(body)["data"]["alerts"] if a["state"] == "firing"]
            return alerts[0] if alerts else None

        alert = wait_for(fired, timeout=30, message="the hostile alert to fire")
        notes = alert["annotations"]
        assert "error calling query:" in notes["query"]
        assert (
            "printf width 10000000 exceeds the template string limit of 65536 characters"
            in notes["width"]
        )
        assert "value exceeds the template string limit of 65536 characters" in notes["grow"]
        assert "template exceeds its limit of 100000 execution steps" in notes["loops"]
        assert "overflows int64" in notes["ts"]

        first = iterations(daemon.url, "hostile")

        def evaluated_again_while_healthy() -> bool:
            assert get(f"{daemon.url}/-/healthy")[0] == 200
            return iterations(daemon.url, "hostile") >= first + 5

        wait_for(evaluated_again_while_healthy, timeout=30, message="five more evaluations")
        daemon.process.signal(signal.SIGTERM)
        assert daemon.process.proc.wait(timeout=20) == 0
    finally:
        daemon.stop()


def write_config(tmp_path: Path, rules: dict[str, Any] | str) -> tuple[Path, Path]:
    """A config naming one rule file; returns both paths."""
    rule_file = tmp_path / "rules.yml"
    text = rules if isinstance(rules, str) else yaml.safe_dump(rules, width=100_000)
    rule_file.write_text(text)
    config_file = tmp_path / "watchdog.yml"
    config_file.write_text(
        yaml.safe_dump({"state_dir": str(tmp_path / "state"), "rule_files": ["rules.yml"]})
    )
    return config_file, rule_file


@pytest.mark.parametrize(
    ("annotation", "line"),
    [(PARENS, 1), (IFS, 1)],
    ids=["5000-parentheses", "3000-ifs"],
)
def test_check_and_run_refuse_deep_templates_with_file_and_line(
    tmp_path: Path, annotation: str, line: int
) -> None:
    """`check` and `run` both exit 2 (invalid), each naming file:line, rule and annotation."""
    config_file, rule_file = write_config(tmp_path, deep(annotation))
    expected = (
        f'{rule_file}:8: groups[0].rules[0].annotations.x: rule "Deep" (group "g"): '
        f"annotation 'x': error parsing template __alert_Deep: template: __alert_Deep:{line}: {NESTING}"
    )
    checked = run_watchdog_cli("check", "-c", str(config_file))
    assert checked.returncode == 2
    assert expected in checked.stderr
    assert "Traceback" not in checked.stderr + checked.stdout
    ran = subprocess.run(
        [sys.executable, "-m", "watchdog", "--log-format", "json", "run", "-c", str(config_file)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
        timeout=60,
    )
    assert ran.returncode == 2
    assert "nesting exceeds the template limit of 100 levels" in ran.stdout
    assert "Traceback" not in ran.stdout + ran.stderr


def test_check_refuses_deeply_nested_yaml_with_the_file(tmp_path: Path) -> None:
    """A rule file of 5,000 nested YAML lists is invalid YAML, not a RecursionError."""
    config_file, rule_file = write_config(tmp_path, "groups: " + "[" * 5000 + "]" * 5000 + "\n")
    checked = run_watchdog_cli("check", "-c", str(config_file))
    assert checked.returncode == 2
    assert f"{rule_file}:1: <document>: invalid YAML: nested too deeply" in checked.stderr
    assert "Traceback" not in checked.stderr


def reload_metric(base: str) -> str:
    """The value of ``watchdog_config_last_reload_successful``."""
    _, text = get(f"{base}/metrics")
    for line in text.splitlines():
        if line.startswith("watchdog_config_last_reload_successful "):
            return line.split()[1]
    return ""


def test_reload_refuses_deep_templates_and_reports_it(tmp_path: Path) -> None:
    """SIGHUP and POST /-/reload refuse, log the issue, set the metric to 0, keep old rules."""
    port = free_port()
    daemon = start_daemon(
        tmp_path, config(tmp_path, GOOD, port), port=port, extra_args=("--web.enable-lifecycle",)
    )
    rule_file = tmp_path / "rules.yml"
    try:
        assert reload_metric(daemon.url) == "1.0"
        rule_file.write_text(deep(IFS))
        daemon.process.signal(signal.SIGHUP)
        wait_for(lambda: reload_metric(daemon.url) == "0.0", timeout=30, message="SIGHUP refused")
        refused = [
            json.loads(line)
            for line in daemon.process.output().splitlines()
            if line.startswith("{") and '"reload refused"' in line
        ]
        assert refused and refused[0]["trigger"] == "SIGHUP"
        assert f"{rule_file}:8: groups[0].rules[0].annotations.x" in refused[0]["issue"]
        assert NESTING in refused[0]["issue"]

        rule_file.write_text(yaml.safe_dump(GOOD))
        assert post(f"{daemon.url}/-/reload") == (200, "config reloaded\n")
        assert reload_metric(daemon.url) == "1.0"
        for hostile in (deep(PARENS), "groups: " + "[" * 5000 + "]" * 5000):
            rule_file.write_text(hostile)
            status, body = post(f"{daemon.url}/-/reload")
            assert status == 500
            assert "config refused, old config stays in force" in body
            assert reload_metric(daemon.url) == "0.0"
        _, rules = get(f"{daemon.url}/api/v1/rules")
        names = [g["name"] for g in json.loads(rules)["data"]["groups"]]
        assert [n for n in names if not n.startswith("monitor-watchdog")] == ["good"]
        assert get(f"{daemon.url}/-/healthy")[0] == 200
    finally:
        assert daemon.stop() == 0
