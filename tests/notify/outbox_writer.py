"""Child process for the kill -9 test: writes outbox rounds forever, reporting each id written.

Usage: python -m tests.notify.outbox_writer OUTBOX_PATH
Each line on stdout is ``<row id> <fingerprint>`` printed only after ``Outbox.add`` returned.
"""

from __future__ import annotations

import sys
from pathlib import Path

from watchdog.alerts import Notification
from watchdog.notify.outbox import Outbox


def main(path: str) -> None:
    """Write forever (until killed)."""
    outbox = Outbox(Path(path), max_items=1_000_000, max_age=86_400.0)
    i = 0
    while True:
        i += 1
        n = Notification(
            labels={"alertname": "Kill9", "n": str(i)},
            annotations={"i": str(i)},
            starts_at=1_700_000_000.0 + i,
            ends_at=1_700_000_240.0 + i,
            status="firing",
            generator_url="http://g/",
        )
        rows, _ = outbox.add("g", [n], 1_700_000_000.0 + i)
        print(rows[0].id, rows[0].notification.fingerprint, flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
