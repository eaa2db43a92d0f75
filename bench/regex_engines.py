"""User regexes: Python's ``re`` against RE2 (PyPI ``google-re2``), compile and match cost.

The peer is Python's ``re`` in the same process, on the same patterns and inputs: typical label
matchers from alert rules, compiled anchored as Prometheus anchors them, matched against typical
label values; then a catastrophic-backtracking pattern (``^(a|a)+$``, issue 11) on growing
inputs. RE2 is measured through ``watchdog.userregex`` (what the daemon uses) and through
google-re2's own ``re``-like API, and through a selector's ``Matcher`` over many series (which
memoises answers per label value). Prints JSON; ``ratio`` > 1 means RE2 is slower.

    python -m bench.regex_engines [--rounds 2000]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import re2

from watchdog.store import Matcher
from watchdog.userregex import compile_regex

PATTERNS = [
    "5..",
    "vault|consul|nomad",
    ".*-prod-.*",
    "(?i)prod.*",
    "node_(cpu|memory|filesystem)_.*",
    "[a-z]+-[0-9]+",
    "10\\.0\\.[0-9]+\\.[0-9]+:9100",
    "api|web|worker|cron|batch|ingest|export|import|search|auth",
    "/var/log/.+\\.log",
    ".+",
]
VALUES = [
    "500",
    "404",
    "vault",
    "prometheus",
    "api-prod-eu-1",
    "node_cpu_seconds_total",
    "web-12",
    "10.0.3.17:9100",
    "/var/log/syslog.log",
    "a-rather-long-label-value-that-matches-nothing-in-particular-0123456789",
]


def _python_anchored(pattern: str) -> str:
    """The Python ``re`` spelling of Prometheus' anchoring (``re`` refuses a mid-pattern (?i))."""
    if pattern.startswith("(?i)"):
        pattern = f"(?i:{pattern[4:]})"
    return f"^(?:{pattern})\\Z"


def _best(fn: Callable[[], object], rounds: int) -> float:
    """Median seconds per call of ``fn`` over ``rounds`` calls, in 5 batches."""
    batches = []
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(rounds):
            fn()
        batches.append((time.perf_counter() - started) / rounds)
    return statistics.median(batches)


def _compile_cost(rounds: int) -> dict[str, float]:
    def python_re() -> None:
        re.purge()
        for pattern in PATTERNS:
            re.compile(_python_anchored(pattern), re.ASCII)

    def re2_via_watchdog() -> None:
        compile_regex.cache_clear()
        for pattern in PATTERNS:
            compile_regex(pattern, anchored=True)

    per_pattern = len(PATTERNS)
    return {
        "python_re_us": _best(python_re, rounds) / per_pattern * 1e6,
        "re2_us": _best(re2_via_watchdog, rounds) / per_pattern * 1e6,
    }


def _match_cost(rounds: int) -> dict[str, float]:
    python = [re.compile(_python_anchored(p), re.ASCII) for p in PATTERNS]
    ours = [compile_regex(p, anchored=True) for p in PATTERNS]
    options = re2.Options()
    public = [re2.compile(f"^(?:{p})$", options) for p in PATTERNS]
    # The engines must agree on every pair before their speed means anything.
    for py, mine, pub in zip(python, ours, public, strict=True):
        for value in VALUES:
            expected = py.match(value) is not None
            assert mine.matches(value) == expected == (pub.search(value) is not None), (py, value)

    def python_re() -> None:
        for regex in python:
            for value in VALUES:
                regex.match(value)

    def re2_watchdog() -> None:
        for regex in ours:
            for value in VALUES:
                regex.matches(value)

    def re2_public_api() -> None:
        for regex in public:
            for value in VALUES:
                regex.search(value)

    pairs = len(PATTERNS) * len(VALUES)
    return {
        "python_re_us": _best(python_re, rounds) / pairs * 1e6,
        "re2_us": _best(re2_watchdog, rounds) / pairs * 1e6,
        "re2_google_api_us": _best(re2_public_api, rounds) / pairs * 1e6,
    }


def _store_matcher_cost(rounds: int) -> dict[str, float]:
    """A selector's regex matcher over 10,000 series with 50 distinct label values."""
    values = [f"job-{i % 50}" for i in range(10_000)]
    python = re.compile(_python_anchored("job-(1|2|3)[0-9]"), re.ASCII)
    matcher = Matcher("job", "=~", "job-(1|2|3)[0-9]")
    assert [python.match(v) is not None for v in values] == [matcher.matches(v) for v in values]

    def python_re() -> None:
        for value in values:
            python.match(value)

    def re2_memoised() -> None:
        for value in values:
            matcher.matches(value)

    loops = max(rounds // 100, 5)
    return {
        "python_re_us": _best(python_re, loops) / len(values) * 1e6,
        "re2_memoised_us": _best(re2_memoised, loops) / len(values) * 1e6,
    }


def _backtracking() -> list[dict[str, Any]]:
    python = re.compile("^(a|a)+$")
    ours = compile_regex("^(a|a)+$")
    out = []
    for length in (16, 18, 20, 22):
        text = "a" * length + "b"
        started = time.perf_counter()
        python.search(text)
        python_s = time.perf_counter() - started
        started = time.perf_counter()
        ours.matches(text)
        re2_s = time.perf_counter() - started
        out.append({"length": length + 1, "python_re_s": python_s, "re2_s": re2_s})
    return out


def main(argv: list[str]) -> int:
    """Measure and print the JSON report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args(argv)
    compile_cost = _compile_cost(max(args.rounds // 10, 10))
    match_cost = _match_cost(args.rounds)
    report = {
        "benchmark": "regex_engines",
        "patterns": len(PATTERNS),
        "values": len(VALUES),
        "compile_per_pattern": {
            **compile_cost,
            "ratio": compile_cost["re2_us"] / compile_cost["python_re_us"],
        },
        "match_per_call": {
            **match_cost,
            "ratio": match_cost["re2_us"] / match_cost["python_re_us"],
        },
        "store_matcher_per_series": _store_matcher_cost(args.rounds),
        "catastrophic_backtracking_^(a|a)+$": _backtracking(),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
