"""Where the Prometheus v2.42 conformance data is: an env var, the vendored copy, or shared/.

``WATCHDOG_CONFORMANCE_DIR`` wins; then ``tests/conformance/`` (vendored, so CI always has it);
then ``../shared/conformance/`` next to the repository. When none holds the folder, the test is
skipped with the reason, or failed under ``WATCHDOG_TEST_STRICT=1`` (CI).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from devstack.procs import REPO

__all__ = ["conformance_dir"]


def _candidates() -> list[Path]:
    configured = os.environ.get("WATCHDOG_CONFORMANCE_DIR")
    if configured:
        return [Path(configured)]
    return [REPO / "tests" / "conformance", REPO.parent / "shared" / "conformance"]


def conformance_dir(kind: str) -> Path:
    """The folder ``kind`` (``promql-testdata`` or ``promtool-testdata``), or skip/fail."""
    tried = [base / kind for base in _candidates()]
    for folder in tried:
        if folder.is_dir() and any(folder.iterdir()):
            return folder
    message = f"Prometheus v2.42 conformance data {kind!r} not found in " + ", ".join(
        str(folder) for folder in tried
    )
    if os.environ.get("WATCHDOG_TEST_STRICT") == "1":
        pytest.fail(message)
    pytest.skip(message)
