"""Where the demo keeps its files, and which loopback ports it uses."""

from __future__ import annotations

import socket
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from devstack.procs import free_port

__all__ = ["DEFAULT_PORTS", "Layout", "PortError", "choose_ports", "parse_port_overrides"]

DEFAULT_PORTS: dict[str, int] = {
    "watchdog": 19911,
    "prometheus": 19090,
    "alertmanager": 19093,
    "openbao": 18200,  # and 18201, its raft cluster port
    "sink": 19095,
    "loki": 13100,
    "elasticsearch": 19200,
    "fluentbit": 12020,
    "pipeline": 12021,
    "ca": 18443,  # the demo's issuing CA (devstack/demo/ca.py)
    "ca_tls": 18444,  # a TLS server presenting the certificate it renews
    "ca_control": 18445,  # stop/start the CA; cert-manager-like /metrics
}
"""The components' usual ports + 10000, so a real Prometheus on 9090 is not in the way."""


class PortError(ValueError):
    """A port override that cannot be used."""


@dataclass(frozen=True)
class Layout:
    """Every path under the demo's state directory."""

    root: Path

    @property
    def state_file(self) -> Path:
        """Ports, processes (PIDs and command lines) and URLs of the running demo."""
        return self.root / "demo.json"

    @property
    def pki(self) -> Path:
        """The demo CA and OpenBao's certificate."""
        return self.root / "pki"

    @property
    def openbao(self) -> Path:
        """OpenBao's config, raft data, log and the DEMO-ONLY keys."""
        return self.root / "openbao"

    @property
    def snapshots(self) -> Path:
        """Raft snapshots the ``snapshot`` target watches."""
        return self.root / "snapshots"

    @property
    def prometheus(self) -> Path:
        """Prometheus' config, rules, TSDB and log."""
        return self.root / "prometheus"

    @property
    def alertmanager(self) -> Path:
        """Alertmanager's config, data and log."""
        return self.root / "alertmanager"

    @property
    def sink(self) -> Path:
        """The webhook sink's log and its JSON lines."""
        return self.root / "sink"

    @property
    def notifications(self) -> Path:
        """Every request the sink received, one JSON object per line."""
        return self.sink / "notifications.jsonl"

    @property
    def logs(self) -> Path:
        """The fake log pipeline: the file it ships, and its own log."""
        return self.root / "logs"

    @property
    def app_log(self) -> Path:
        """The file the fake shipper tails; the canary is written into it too."""
        return self.logs / "app.log"

    @property
    def flb_storage(self) -> Path:
        """The pipeline's filesystem buffer (Fluent Bit's ``storage.path``)."""
        return self.logs / "flb-storage"

    @property
    def ca(self) -> Path:
        """The issuing CA's root and the certificate its renewer keeps current."""
        return self.root / "ca"

    @property
    def watchdog(self) -> Path:
        """The daemon's generated config, demo rules, state and log."""
        return self.root / "watchdog"

    @property
    def watchdog_config(self) -> Path:
        """The generated daemon config."""
        return self.watchdog / "watchdog.yaml"

    def make_dirs(self) -> None:
        """Create every directory (private: the state holds demo keys and tokens)."""
        for path in (
            self.root,
            self.pki,
            self.openbao,
            self.snapshots,
            self.prometheus,
            self.alertmanager,
            self.sink,
            self.logs,
            self.ca,
            self.watchdog,
        ):
            path.mkdir(mode=0o700, parents=True, exist_ok=True)


def parse_port_overrides(items: list[str]) -> dict[str, int]:
    """``["prometheus=9090", …]`` → ``{"prometheus": 9090}``, refusing unknown names."""
    ports: dict[str, int] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in DEFAULT_PORTS or not value.isdigit():
            known = ", ".join(DEFAULT_PORTS)
            raise PortError(f"--port {item!r}: expected NAME=PORT with NAME one of {known}")
        port = int(value)
        if not 0 < port < 65535:
            raise PortError(f"--port {item!r}: port out of range")
        ports[name] = port
    return ports


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers themselves do: a port whose old connections linger in TIME_WAIT
        # (a demo just stopped) is free to listen on.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _usable(name: str, port: int) -> bool:
    # OpenBao binds its raft cluster listener on the next port.
    return _free(port) and (name != "openbao" or _free(port + 1))


def _any_free(name: str, taken: set[int]) -> int:
    for _ in range(100):
        port = free_port()
        if port not in taken and port + 1 not in taken and _usable(name, port):
            return port
    raise PortError(f"no free loopback port for {name}")


def choose_ports(
    overrides: Mapping[str, int], all_free: bool = False
) -> tuple[dict[str, int], list[str]]:
    """Ports for every component, and notes on defaults that were busy and replaced.

    An override must be usable (else ``PortError``); a busy default is replaced by a free
    port; with ``all_free`` every port not overridden is a free one.
    """
    ports: dict[str, int] = {}
    notes: list[str] = []
    taken: set[int] = set()
    for name, default in DEFAULT_PORTS.items():
        if name in overrides:
            port = overrides[name]
            if not _usable(name, port) or port in taken:
                raise PortError(f"port {port} for {name} is in use")
        elif not all_free and default not in taken and _usable(name, default):
            port = default
        else:
            port = _any_free(name, taken)
            if not all_free:
                notes.append(f"port {default} for {name} is in use; using {port}")
        ports[name] = port
        taken.update({port, port + 1} if name == "openbao" else {port})
    return ports, notes
