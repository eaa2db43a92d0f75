"""The file descriptor budget: the server's connection limit always leaves room for probes."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from devstack.procs import REPO
from watchdog.serverguard import plan_fd_budget


@pytest.mark.parametrize(
    ("nofile", "max_connections", "reserved", "limit"),
    [
        (65_536, 512, 256, 512),  # plenty: max_connections applies
        (1024, 2000, 256, 768),  # the reserve caps it
        (256, 512, 128, 128),
    ],
)
def test_limit_is_max_connections_within_the_reserve(
    nofile: int, max_connections: int, reserved: int, limit: int
) -> None:
    """The limit is max_connections, never closer than reserved_fds to the process limit."""
    budget = plan_fd_budget(nofile, max_connections, reserved)
    assert (budget.connection_limit, budget.reserved, budget.warning) == (
        limit,
        nofile - limit,
        None,
    )


@pytest.mark.parametrize(("reserved", "batch"), [(16, 8), (192, 24), (65_024, 128)])
def test_accept_batch_fits_twice_into_the_reserve(reserved: int, batch: int) -> None:
    """The listen backlog (sockets accepted per turn) is an eighth of the reserve, 8 to 128."""
    assert plan_fd_budget(reserved + 64, 64, reserved).accept_batch == batch


def test_too_low_a_process_limit_halves_and_warns() -> None:
    """A process limit below the reserve keeps half for the server and says what to raise."""
    budget = plan_fd_budget(200, 512, 256)
    assert (budget.connection_limit, budget.reserved) == (100, 100)
    assert budget.warning is not None
    assert "LimitNOFILE=" in budget.warning and "(200)" in budget.warning


def test_soft_limit_is_raised_towards_the_hard_limit() -> None:
    """A low soft limit (the shell's 1024) is raised to the hard limit at start."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, 4096)
    code = (
        "import resource; from watchdog.serverguard import raise_nofile_limit;"
        f" print(raise_nofile_limit({target}), resource.getrlimit(resource.RLIMIT_NOFILE)[0])"
    )

    def lower() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(soft, 64), hard))

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=REPO,
        preexec_fn=lower,
        check=True,
    )
    assert result.stdout.split() == [str(target), str(target)]
