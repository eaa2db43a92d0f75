"""Start-up stays cheap: commands import only what they use (timings are in bench/startup.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml

from devstack.procs import REPO

HEAVY = (
    "aiohttp",
    "hvac",
    "requests",
    "dns",
    "cryptography",
    "psutil",
    "prometheus_client",
    "structlog",
    "watchdog.app",
    "watchdog.probes.kinds.vault",
    "watchdog.probes.kinds.dns",
)
_RUN = """
import json, sys
from watchdog.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
heavy = json.loads(sys.stdin.read())
loaded = sorted(m for m in heavy if m in sys.modules)
print("LOADED " + json.dumps(loaded), file=sys.stderr)
"""


def _loaded(*args: str) -> list[str]:
    """The HEAVY modules a fresh process has imported after running ``args``."""
    result = subprocess.run(
        [sys.executable, "-c", _RUN, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    line = next(x for x in result.stderr.splitlines() if x.startswith("LOADED "))
    loaded: list[str] = json.loads(line.removeprefix("LOADED "))
    return loaded


def test_help_imports_no_subcommand_machinery() -> None:
    """``--help`` and a subcommand's ``--help`` load none of the daemon's libraries."""
    assert _loaded("--help") == []
    assert _loaded("once", "--help") == []


def test_check_imports_only_the_kinds_the_config_uses(tmp_path: Path) -> None:
    """``check`` of a config with tcp and http targets and rules loads no HTTP client, TLS,
    DNS, Vault, process or metrics library, and nothing of the daemon."""
    rules = tmp_path / "rules.yml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: Down\n        expr: up == 0\n"
    )
    config = tmp_path / "watchdog.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "targets": [
                    {"job": "ssh", "kind": "tcp", "address": "127.0.0.1:22"},
                    {"job": "web", "kind": "http", "url": "https://127.0.0.1:1/"},
                ],
                "rule_files": [str(rules)],
            }
        )
    )
    assert _loaded("check", "-c", str(config)) == []


def test_loading_every_kinds_config_needs_no_client_library() -> None:
    """Every registered kind's module (what the config loader imports for a target of that
    kind) imports no HTTP client, TLS, DNS, Vault, process or metrics library at import."""
    script = (
        "import json, sys\n"
        "from watchdog.probes import PROBES\n"
        "for name in PROBES: PROBES[name].config\n"
        "heavy = json.loads(sys.stdin.read())\n"
        "print(json.dumps(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(HEAVY[:-3]),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
        check=True,
    )
    assert json.loads(result.stdout) == []
