"""``python -m devstack.demo``: start, inspect, break and stop the demo stack.

``start`` runs in the foreground by default: it prints where to look and what to try, shows
notifications as the webhook sink receives them, and stops everything on Ctrl-C or SIGTERM.
``start --no-wait`` returns once the stack is up; ``stop`` ends it (by PID) from any shell.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from devstack.demo.banner import banner, shown
from devstack.demo.layout import Layout, PortError, choose_ports, parse_port_overrides
from devstack.demo.processes import DemoState, is_running, terminate, this_process
from devstack.demo.stack import (
    MissingComponentsError,
    restart_alertmanager,
    start_stack,
    stop_processes,
    wait_targets_up,
)

__all__ = ["main"]


def _say(text: str) -> None:
    print(f"[demo] {text}", flush=True)


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # SIGTERM unwinds like Ctrl-C: everything started gets stopped


def _running_demo(layout: Layout) -> DemoState | None:
    state = DemoState.load(layout.state_file)
    if state is None:
        return None
    supervisor_up = state.supervisor is not None and is_running(state.supervisor)
    return state if supervisor_up or state.running() else None


def _fresh_root(layout: Layout) -> None:
    """Remove what a previous, stopped demo left (only a directory the demo made)."""
    root = layout.root
    if not root.exists():
        return
    if layout.state_file.exists() or not any(root.iterdir()):
        shutil.rmtree(root)
        return
    raise SystemExit(f"{root} exists and was not made by the demo; pass another --state-dir")


def _start(layout: Layout, args: argparse.Namespace) -> int:
    running = _running_demo(layout)
    if running is not None:
        _say(f"a demo is already running ({shown(layout.state_file)}); `make demo-stop` first")
        return 1
    try:
        overrides = parse_port_overrides(args.port)
        ports, notes = choose_ports(overrides, all_free=args.free_ports)
    except PortError as exc:
        _say(str(exc))
        return 2
    for note in notes:
        _say(note)
    _fresh_root(layout)
    for signum in (signal.SIGTERM, signal.SIGHUP):  # a closed terminal stops it cleanly too
        signal.signal(signum, _interrupt)
    state: DemoState | None = None
    try:
        layout.make_dirs()
        supervisor = this_process()
        state = start_stack(layout, ports, _say, supervisor)
        down = wait_targets_up(ports["watchdog"], timeout=args.ready_timeout)
        if down:
            for target in down:
                _say(f"not up yet: {target['labels']['job']}: {target['lastError']}")
        else:
            _say(f"all {len(state.processes)} processes running, every target up")
        print(banner(layout, state), flush=True)
        if args.no_wait:
            state.supervisor = None
            state.save()
            _say("running in the background; the Stop line above says how to end it")
            return 0
        _follow(layout, state)
    except KeyboardInterrupt:
        print(flush=True)
    except MissingComponentsError as exc:
        _say(str(exc))
        return 1
    except (RuntimeError, AssertionError, OSError) as exc:
        _say(f"start failed: {exc}")
        _say(f"logs are under {shown(layout.root)}/")
        return 1
    finally:
        if state is not None and (state.supervisor is not None):
            for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                signal.signal(signum, signal.SIG_IGN)  # let the (bounded) clean-up finish
            _say("stopping the demo")
            stop_processes(DemoState.load(layout.state_file) or state, _say)
            state = DemoState.load(layout.state_file) or state
            state.supervisor = None
            state.save()
    return 0


def _follow(layout: Layout, state: DemoState) -> None:
    """Print the sink's lines as they arrive and note processes that stop or come back."""
    log = layout.sink / "sink.log"
    offset = log.stat().st_size if log.exists() else 0
    was_running = dict.fromkeys(state.processes, True)
    print("Notifications as the sink receives them (Ctrl-C stops the demo):\n", flush=True)
    while True:
        with contextlib.suppress(ChildProcessError):
            while os.waitpid(-1, os.WNOHANG)[0]:  # reap children stopped from elsewhere
                pass
        if log.exists():
            with log.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
            if b"\n" in data:
                complete = data[: data.rindex(b"\n") + 1]
                offset += len(complete)
                sys.stdout.write(complete.decode(errors="replace"))
                sys.stdout.flush()
        current = DemoState.load(layout.state_file) or state
        for name, record in current.processes.items():
            now = is_running(record)
            if now != was_running.get(name, True):
                status = f"running again (pid {record.pid})" if now else "no longer running"
                _say(f"{name} {status}")
            was_running[name] = now
        time.sleep(0.3)


def _stop(layout: Layout) -> int:
    state = DemoState.load(layout.state_file)
    if state is None:
        _say(f"no demo state in {shown(layout.root)}; nothing to stop")
        return 0
    if state.supervisor is not None and is_running(state.supervisor):
        _say(f"asking the foreground demo (pid {state.supervisor.pid}) to stop")
        terminate(state.supervisor, timeout=60)
        state = DemoState.load(layout.state_file) or state
    stop_processes(state, _say)
    left = state.running()
    for record in left:
        _say(f"still running: {record.name} (pid {record.pid})")
    if not left:
        _say("no demo process is running")
    state.supervisor = None
    state.save()
    return 1 if left else 0


def _status(layout: Layout) -> int:
    state = DemoState.load(layout.state_file)
    if state is None:
        _say("no demo state")
        return 1
    for record in state.processes.values():
        up = "running" if is_running(record) else "stopped"
        port = state.ports.get("pipeline" if record.name == "logpipeline" else record.name)
        print(f"{record.name:13} pid {record.pid:<8} {up:8} 127.0.0.1:{port}")
    return 0


def _am(layout: Layout, action: str) -> int:
    state = DemoState.load(layout.state_file)
    if state is None or "alertmanager" not in state.processes:
        _say("no demo running")
        return 1
    record = state.processes["alertmanager"]
    if action == "stop":
        if terminate(record):
            _say(f"stopped Alertmanager (pid {record.pid})")
        else:
            _say("Alertmanager was not running")
        return 0
    if is_running(record):
        _say(f"Alertmanager is running (pid {record.pid})")
        return 0
    _say(f"started Alertmanager again (pid {restart_alertmanager(state)})")
    return 0


def _logs(layout: Layout, action: str, output: str, share: float = 0.0) -> int:
    state = DemoState.load(layout.state_file)
    if state is None:
        _say("no demo running")
        return 1
    query = f"?share={share}" if action == "drop" else ""
    url = f"http://127.0.0.1:{state.ports['pipeline']}/outputs/{output}/{action}{query}"
    request = urllib.request.Request(url, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            outputs = json.load(response)
    except urllib.error.HTTPError as exc:
        _say(exc.read().decode().strip())
        return 1
    except OSError as exc:
        _say(f"the log pipeline does not answer: {exc}")
        return 1
    what = "forwarding" if outputs[output]["forwarding"] else "dropping everything"
    if outputs[output]["paused"]:
        what = "paused, its records wait in the buffer"
    if outputs[output]["drop_share"]:
        what += f", silently losing {outputs[output]['drop_share']:.0%} of the records"
    _say(f"log pipeline output {output}: {what}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__)
    parser.add_argument(
        "--state-dir", type=Path, default=Path("demo-state"), help="default: demo-state"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    start = sub.add_parser("start", help="start the stack (foreground unless --no-wait)")
    start.add_argument("--no-wait", action="store_true", help="return once it is up")
    start.add_argument("--free-ports", action="store_true", help="free ports, not the defaults")
    start.add_argument(
        "--port", action="append", default=[], metavar="NAME=PORT", help="override one port"
    )
    start.add_argument("--ready-timeout", type=float, default=60.0, metavar="SECONDS")
    sub.add_parser("stop", help="stop every process of the demo (by PID)")
    sub.add_parser("status", help="which demo processes run")
    sub.add_parser("am-stop", help="stop Alertmanager")
    sub.add_parser("am-start", help="start Alertmanager again")
    for action in ("stop", "start", "pause", "resume"):
        logs = sub.add_parser(f"logs-{action}", help=f"{action} forwarding to one log backend")
        logs.add_argument("output", nargs="?", default="elasticsearch", help="loki|elasticsearch")
    drop = sub.add_parser("logs-drop", help="one log backend silently loses a share of records")
    drop.add_argument("output", nargs="?", default="elasticsearch", help="loki|elasticsearch")
    drop.add_argument("--share", type=float, default=0.2, help="0 to 0.99 (default 0.2)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Dispatch a subcommand."""
    args = _parser().parse_args(argv)
    layout = Layout(args.state_dir.resolve())
    if args.command == "start":
        return _start(layout, args)
    if args.command == "stop":
        return _stop(layout)
    if args.command == "status":
        return _status(layout)
    if args.command.startswith("am-"):
        return _am(layout, args.command.removeprefix("am-"))
    return _logs(
        layout, args.command.removeprefix("logs-"), args.output, getattr(args, "share", 0.0)
    )


if __name__ == "__main__":
    sys.exit(main())
