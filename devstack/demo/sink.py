"""The demo's webhook sink: it stands in for Slack and for the emergency webhook.

It accepts what each sender really posts — Alertmanager's webhook payload (version 4) from
Alertmanager and from monitor-watchdog's generic emergency webhook, a Slack incoming-webhook
message from monitor-watchdog's Slack receiver, and the dead man's switch ping — answers
200 like the real services, prints one readable line per alert, and appends every request to
a JSON-lines file (``received_at``, ``channel``, ``path``, ``body``) that tests read.

Run: ``python -m devstack.demo.sink --port 19095 --out demo-state/sink/notifications.jsonl``
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import signal
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from aiohttp import web

__all__ = ["CHANNELS", "describe", "main", "sink_app"]

CHANNELS = {
    "/alertmanager": "via Alertmanager",
    "/emergency": "EMERGENCY webhook",
    "/slack": "EMERGENCY Slack",
    "/heartbeat": "heartbeat ping",
}
"""Path → who posts there (Alertmanager's receiver, or monitor-watchdog directly)."""

_WIDTH = max(len(name) for name in CHANNELS.values())


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _alert_line(alert: dict[str, Any]) -> str:
    labels = dict(alert.get("labels", {}))
    annotations = alert.get("annotations", {})
    name = labels.pop("alertname", "?")
    for noise in ("severity", "watchdog", "monitor"):
        labels.pop(noise, None)
    shown = " ".join(f"{k}={v}" for k, v in sorted(labels.items()))
    summary = annotations.get("summary") or annotations.get("description") or ""
    line = f"{str(alert.get('status', '?')).upper():8} {name}  {shown}  {_clip(summary)}"
    reason = annotations.get("watchdog_fallback_reason")
    if reason:
        line += f"  [why here: {_clip(reason, 200)}]"
    return line.rstrip()


def describe(path: str, body: Any) -> list[str]:
    """The readable lines for one request (without time and channel)."""
    if path == "/heartbeat":
        return ["monitor-watchdog's dead man's switch pinged"]
    if path == "/slack" and isinstance(body, dict):
        return [_clip(html.unescape(str(body.get("text", "(no text)"))), 400)]
    if isinstance(body, dict) and isinstance(body.get("alerts"), list):
        return [_alert_line(a) for a in body["alerts"] if isinstance(a, dict)]
    return [f"unexpected body: {_clip(str(body))}"]


def sink_app(out: TextIO, console: TextIO) -> web.Application:
    """The aiohttp application: record, print, answer 200."""
    pings = 0

    async def receive(request: web.Request) -> web.Response:
        nonlocal pings
        raw = await request.read()
        try:
            body: Any = json.loads(raw) if raw.strip() else None
        except ValueError:
            body = raw.decode("utf-8", errors="replace")
        now = datetime.now(UTC)
        entry = {
            "received_at": now.isoformat(timespec="milliseconds"),
            "channel": CHANNELS[request.path],
            "path": request.path,
            "body": body,
        }
        out.write(json.dumps(entry) + "\n")
        out.flush()
        if request.path == "/heartbeat":
            pings += 1
            if pings > 1:
                return web.Response(text="OK")  # printed once; every ping is in the file
        stamp = now.astimezone().strftime("%H:%M:%S")
        for line in describe(request.path, body):
            console.write(f"{stamp}  {CHANNELS[request.path]:{_WIDTH}}  {line}\n")
        console.flush()
        return web.Response(text="ok")

    async def healthy(_request: web.Request) -> web.Response:
        return web.Response(text="ok")

    app = web.Application(client_max_size=4 * 1024 * 1024)
    for path in CHANNELS:
        app.router.add_post(path, receive)
    app.router.add_get("/heartbeat", receive)
    app.router.add_get("/-/healthy", healthy)
    return app


async def _serve(port: int, out_path: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    with out_path.open("a", encoding="utf-8") as out:
        runner = web.AppRunner(sink_app(out, sys.stdout), handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        print(f"webhook sink listening on http://127.0.0.1:{port}; recording to {out_path}")
        sys.stdout.flush()
        await stop.wait()
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM/SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m devstack.demo.sink", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="JSON-lines file to append to")
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
