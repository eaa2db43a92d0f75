"""What ``make demo`` prints once the stack is up: where to look and what to break."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from devstack.demo.configs import FOR_CAP
from devstack.demo.layout import Layout
from devstack.demo.processes import DemoState
from devstack.demo.stack import REPO
from watchdog.durations import format_duration

__all__ = ["ALL_STAGES", "banner", "drill_command", "shown"]

ALL_STAGES = "vault-restore,log-failover,ca-outage,alerting"


def shown(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, shell-quoted."""
    try:
        text = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        text = str(path)
    return shlex.quote(text)


def _newest_snapshot(layout: Layout) -> Path | None:
    snapshots = sorted(layout.snapshots.glob("vault-*.snap"), key=lambda p: p.stat().st_mtime)
    return snapshots[-1] if snapshots else None


def _cli(layout: Layout) -> str:
    """How to run this package's commands against ``layout`` from anywhere."""
    python = shlex.quote(sys.executable)
    root = shlex.quote(str(layout.root.resolve()))
    return f"(cd {shlex.quote(str(REPO))} && {python} -m devstack.demo --state-dir {root}"


def drill_command(layout: Layout) -> str:
    """The full drill against the demo: every stage, the disruptive ones named."""
    python = shlex.quote(sys.executable)
    config = shown(layout.watchdog_config)
    return f"{python} -m watchdog drill -c {config} --stage {ALL_STAGES} --hold 5s"


def banner(layout: Layout, state: DemoState) -> str:
    """The whole text. The make targets are named when the state is make's ``demo-state``."""
    make = layout.root.resolve() == (REPO / "demo-state").resolve() and Path.cwd() == REPO
    p = state.ports
    local = "http://127.0.0.1"
    env = f". {shown(layout.openbao / 'env.sh')}"
    snapshot = _newest_snapshot(layout)
    snap = shown(snapshot) if snapshot else "<newest .snap file>"
    snap_size = snapshot.stat().st_size if snapshot else 0
    am_pid = state.processes["alertmanager"].pid
    cap = format_duration(FOR_CAP)
    am_stop = "make demo-am-stop" if make else f"{_cli(layout)} am-stop)"
    am_start = "make demo-am-start" if make else f"{_cli(layout)} am-start)"
    logs_stop = f"curl -sX POST {local}:{p['pipeline']}/outputs/elasticsearch/stop"
    logs_start = f"curl -sX POST {local}:{p['pipeline']}/outputs/elasticsearch/start"
    stop = "`make demo-stop`" if make else f"`{_cli(layout)} stop)`"
    config, log = shown(layout.watchdog_config), shown(layout.watchdog / "watchdog.log")
    fresh = f"{shown(layout.snapshots)}/vault-$(date +%Y%m%d-%H%M%S).snap"
    unseal_key = shown(layout.openbao / "DEMO-ONLY-unseal-key")
    logs_stop_make = "make demo-logs-stop" if make else logs_stop
    logs_start_make = "make demo-logs-start" if make else logs_start
    outputs = f"{local}:{p['pipeline']}/outputs/elasticsearch"
    drop = "make demo-logs-drop" if make else f"curl -sX POST '{outputs}/drop?share=0.2'"
    nodrop = "make demo-logs-nodrop" if make else f"curl -sX POST '{outputs}/drop?share=0'"
    pause = "make demo-logs-pause" if make else f"curl -sX POST {outputs}/pause"
    resume = "make demo-logs-resume" if make else f"curl -sX POST {outputs}/resume"
    drill_cmd = drill_command(layout)
    drill = "make demo-drill" if make else drill_cmd
    reports = shown(layout.watchdog / "state" / "drills")
    return f"""
================================================================================
 monitor-watchdog demo: everything on 127.0.0.1, state and logs in {shown(layout.root)}/
================================================================================

Where to look
  monitor-watchdog  {local}:{p["watchdog"]}/api/v1/targets
                    {local}:{p["watchdog"]}/api/v1/alerts
                    {local}:{p["watchdog"]}/metrics
                    config {config}, log {log}
  Prometheus        {local}:{p["prometheus"]}/alerts   (scrapes the daemon; its always-firing
                    Watchdog alert reaches the daemon's heartbeat-in through Alertmanager)
  Alertmanager      {local}:{p["alertmanager"]}   (alerts → the sink; Watchdog → the daemon)
  OpenBao           {state.info.get("openbao_url", "")}/v1/sys/health   (raft, TLS from a demo CA;
                    `{env}` sets up the bao CLI)
  Log pipeline      Loki {local}:{p["loki"]}  Elasticsearch {local}:{p["elasticsearch"]}
                    Fluent Bit {local}:{p["fluentbit"]}/api/v1/metrics/prometheus
  Webhook sink      stands in for Slack and the emergency webhook: every notification is a
                    line in {shown(layout.sink / "sink.log")} (shown below as it arrives),
                    raw JSON in {shown(layout.notifications)}

The demo's rules are the example rules with every `for` cut to {cap}, probes run every
3-5 s: each failure below shows within about a minute. Try one at a time, undo it, go on.

1. Seal Vault
     {env} && bao operator seal
   ~15 s: via Alertmanager  FIRING VaultSealed (the daemon reads the seal state from
   /v1/sys/health; a sealed Vault's own metrics endpoint answers 503, so a scrape never sees it).
   Undo: {env} && bao operator unseal "$(cat {unseal_key})"
   → ~10 s: RESOLVED VaultSealed.

2. Stop Alertmanager
     {am_stop}        (or: kill {am_pid})
   ~15 s: EMERGENCY webhook and EMERGENCY Slack: FIRING AlertmanagerDown, sent by the daemon
   itself, [why here: no Alertmanager accepts alerts: … connection refused]; Prometheus'
   own PrometheusNotificationsDropped/-Failing come the same way. ~1 min: also
   WatchdogHeartbeatMissing (Prometheus' Watchdog alert no longer gets through).
   Undo: {am_start}
   → at once: the notice "Alertmanager accepts alerts again; delivery returned to it", the
   waiting alerts via Alertmanager, RESOLVED AlertmanagerDown on both paths; ~20 s later
   RESOLVED WatchdogHeartbeatMissing.

3. Corrupt the newest snapshot
     truncate -s {snap_size // 2} {snap}
   ~15 s: via Alertmanager  FIRING VaultSnapshotCorrupt; the reason ("truncated: …") is the
   vault-backup target's lastError in /api/v1/targets.
   Undo, a fresh snapshot as the seed's cron script takes them (~10 s: RESOLVED):
     {env} && bao operator raft snapshot save {fresh}

4. Break the log pipeline's Elasticsearch output
     {logs_stop_make}        (or: {logs_stop})
   ~5 s: via Alertmanager  FIRING FluentBitDroppingRecords and FluentBitRetriesFailing
   (output es.1); ~15 s: FluentBitOutputErrors; ~25 s: FluentBitUnhealthy and LogCanaryLost
   backend=elasticsearch (the canary written to the log never arrived there).
   LogPipelineDown ("receiving but not shipping") needs 5 minutes of nothing shipped.
   Undo: {logs_start_make}        (or: {logs_start})
   → the canary arrives again at once; the alerts resolve when their windows pass the
   outage: LogCanaryLost after 2 min, the Fluent Bit ones after 5 min.

5. Make Elasticsearch silently lose a fifth of the records
     {drop}
   No Fluent Bit alert: the shipper believes it delivered them. ~30 s: FIRING
   AuditLogRecordsMissing backend=elasticsearch (20% missing); the log-reconcile target's
   facts name the missing order ids. ~1 min: AuditLogRecordsLost (those windows never
   reconcile; it stays for its one-hour window: the records are gone).
   Undo: {nodrop}        → AuditLogRecordsMissing resolves ~20 s later.

6. Make Elasticsearch unreachable for half a minute: its records wait in the buffer
     {pause}
   The fluentbit-buffer target's files and bytes grow; ~30 s: AuditLogRecordsMissing (100%).
   Within a minute: {resume}
   → the buffered records arrive, the windows reconcile late (the log-reconcile target's facts
   in /api/v1/targets: "late elasticsearch/app: N windows, last catch-up 45s"), RESOLVED.
   Resume later than a minute (the demo's max_settle) and the oldest windows are given up:
   AuditLogRecordsLost, although their records arrive afterwards.

7. Run the whole quarterly DR drill (docs/operations-once-drill.md)
     {drill}
   (= {drill_cmd};
    add --dry-run to see the plan first: it touches nothing)
   ~1 min: vault-restore restores the newest intact snapshot into a throw-away OpenBao and
   reads demo-canary; log-failover stops Loki (LokiDown/LogCanaryLost fire meanwhile: that is
   the drill), checks Elasticsearch still gets each canary within 30 s and Loki its backlog
   when back; ca-outage closes the CA for 20 s while every certificate is checked, then waits
   for the renewer to be Ready; alerting sends a test alert through every channel, held 5 s so
   Alertmanager is seen notifying the sink. Without --stage only the non-disruptive
   vault-restore and alerting run (as the systemd timer does). Report: {reports}/drill-*.md;
   then {local}:{p["watchdog"]}/metrics shows watchdog_drill_stage_success{{stage=…}}.

Stop: Ctrl-C here (in the foreground), or {stop} from another terminal; then
remove {shown(layout.root)}/ (`make demo-clean` does both).
"""
