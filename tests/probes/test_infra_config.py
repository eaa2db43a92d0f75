"""Config validation of the prometheus, alertmanager, host and dns kinds: file:line, key, reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.support.components import REPO
from tests.support.probe_harness import config_issues, load_spec
from watchdog.config.load import load_config
from watchdog.probes.kinds.dns import DnsTarget
from watchdog.probes.kinds.host.probe import HostTarget

CASES: list[tuple[dict[str, Any], str]] = [
    (
        {"job": "d", "kind": "dns", "query_name": "x.test", "record_type": "PTR"},
        "targets[0].record_type: Input should be 'A', 'AAAA', 'CNAME', 'MX', 'TXT' or 'SRV'",
    ),
    (
        {"job": "d", "kind": "dns", "query_name": "x.test", "nameserver": "dns.google"},
        "targets[0].nameserver: nameserver 'dns.google' must be an IP address (optionally :port)",
    ),
    (
        {"job": "d", "kind": "dns", "query_name": "x.test", "nameserver": "192.0.2.1:99999"},
        "targets[0].nameserver: nameserver '192.0.2.1:99999': port out of range 1-65535",
    ),
    (
        {"job": "d", "kind": "dns", "query_name": "x.test", "answer_regex": "("},
        "targets[0].answer_regex: invalid regular expression '(': missing ): (",
    ),
    (
        {"job": "d", "kind": "dns", "query_name": "x.test", "expected_answers": ["nope"]},
        "targets[0].expected_answers: 'nope' is not a valid A answer",
    ),
    (
        {"job": "d", "kind": "dns", "query_name": "a..b"},
        "targets[0].query_name: query_name is not a valid DNS name: A DNS label is empty.",
    ),
    (
        {"job": "h", "kind": "host", "processes": {"deny": ["xmrig", "(miner"]}},
        "targets[0].processes.deny[1]: invalid regular expression '(miner': missing ): (miner",
    ),
    (
        {"job": "h", "kind": "host", "processes": {"deny": [".*"]}},
        "targets[0].processes.deny: deny pattern '.*' matches everything",
    ),
    (
        {"job": "h", "kind": "host", "listeners": {"allow_ports": ["22/sctp"]}},
        "targets[0].listeners.allow_ports: '22/sctp' is not a port rule "
        "(e.g. 22, 53/udp, 8000-8100/tcp)",
    ),
    (
        {"job": "h", "kind": "host", "listeners": {"protocols": ["icmp"]}},
        "targets[0].listeners.protocols[0]: Input should be 'tcp' or 'udp'",
    ),
    (
        {"job": "h", "kind": "host", "files": {"watch": ["etc/cron*"]}},
        "targets[0].files.watch: watch entries must be absolute paths: ['etc/cron*']",
    ),
    (
        {"job": "h", "kind": "host", "files": {"wacth": ["/etc"]}},
        "targets[0].files.wacth: unknown key (did you mean 'watch'?)",
    ),
    (
        {"job": "p", "kind": "prometheus", "url": "http://p:9090", "extra_metrics": ["a-b"]},
        "targets[0].extra_metrics[0]: 'a-b' is not a valid metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)",
    ),
    (
        {"job": "p", "kind": "prometheus", "url": "http://p:9090", "metrics_path": "metrics"},
        "targets[0].metrics_path: metrics_path must start with '/'",
    ),
    (
        {"job": "a", "kind": "alertmanager", "url": "http://a:9093", "min_cluster_peers": 0},
        "targets[0].min_cluster_peers: Input should be greater than or equal to 1",
    ),
    (
        {
            "job": "a",
            "kind": "alertmanager",
            "url": "http://a:9093",
            "max_notification_failure_ratio": 2,
        },
        "targets[0].max_notification_failure_ratio: Input should be less than or equal to 1",
    ),
]


@pytest.mark.parametrize(("target", "message"), CASES, ids=[m.split(":")[0] for _, m in CASES])
def test_invalid_fields_are_refused_precisely(
    tmp_path: Path, target: dict[str, Any], message: str
) -> None:
    """Each bad field is one issue naming the key and the reason."""
    issues = config_issues(target, tmp_path)
    assert len(issues) == 1
    assert issues[0].endswith(message), issues[0]


def test_host_defaults_are_the_seed_script(tmp_path: Path) -> None:
    """Without settings, the host kind checks what the seed's degraded-mode script checked."""
    spec = load_spec({"job": "host", "kind": "host"}, tmp_path)
    assert isinstance(spec.config, HostTarget)
    assert spec.config.processes.deny == ["xmrig", "cryptonight", "minerd", "stratum"]
    assert spec.config.listeners.allow_ports == [22, 80, 443, 8080, 8443, 9090, 9100, 6443]
    assert spec.config.files.watch == ["/etc/cron*", "/var/spool/cron"]


def test_dns_instance_names_query_and_server(tmp_path: Path) -> None:
    """The default instance of a dns target is the name queried and the server asked."""
    spec = load_spec(
        {"job": "dns", "kind": "dns", "query_name": "vault.example", "nameserver": "[::1]:5353"},
        tmp_path,
    )
    assert isinstance(spec.config, DnsTarget)
    assert spec.instance == "vault.example@[::1]:5353"


def test_instance_defaults_for_components(tmp_path: Path) -> None:
    """Prometheus and Alertmanager targets default to host:port, like a scrape."""
    prom = load_spec({"job": "p", "kind": "prometheus", "url": "https://prom.example"}, tmp_path)
    assert prom.instance == "prom.example:443"


def test_shipped_example_config_loads() -> None:
    """config/probes-infra.example.yaml is accepted by the loader (as by `check`)."""
    config = load_config(REPO / "config" / "probes-infra.example.yaml")
    assert {spec.kind for spec in config.targets} >= {"prometheus", "alertmanager", "host", "dns"}
    assert len(config.rule_paths) == 6
