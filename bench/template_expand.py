"""Template expansion cost: the bounded, Go-exact executor versus the previous implementation.

Every expansion now charges a budget (steps, time, text) and tracks the node Go would report an
error at, which is the hot path of every alert of every rule evaluation. The peer is the
template package as it was before that change (``--baseline``, a git revision), imported side by
side from ``git show``. Both expand the same templates on the same data: every label and
annotation template of the shipped rule files (seed included) and common idioms of public rule
collections (humanize, printf, reReplaceAll, ``query`` with ``first`` and ``range`` over 20
series). Outputs are compared too. Rounds alternate between the two; prints JSON with the
fastest round of each and the median of per-round ratios (> 1: the new code is slower).

    python -m bench.template_expand [--baseline fc3208e] [--rounds 15] [--repeat 200]
"""

from __future__ import annotations

import argparse
import importlib
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from devstack.procs import REPO
from watchdog.rules import templates as current
from watchdog.rules.files import load_rule_files
from watchdog.rules.model import AlertingRule

PACKAGE = "watchdog/rules/templates"
IDIOMS = [
    "{{ $value | humanizePercentage }} of {{ $labels.job }} requests fail.",
    '{{ printf "%.2f" $value }}% of disk used on {{ $labels.instance }}',
    "{{ $value | humanize1024 }}B free, {{ humanizeDuration $value }} left",
    '{{ $labels.instance | reReplaceAll ":.*" "" | toUpper }}',
    '{{ with query "node_uname_info" }}{{ . | first | label "nodename" }}{{ end }}',
    '{{ range query "up == 0" }}{{ .Labels.instance }}={{ .Value }} {{ end }}',
    "{{ if gt $value 80.0 }}critical{{ else if gt $value 50.0 }}warning{{ else }}info{{ end }}",
]
LABELS = {
    "__name__": "metric",
    "instance": "db-1.example:9100",
    "job": "node",
    "name": "web",
    "path": "/etc/ssl/cert.pem",
    "backend": "loki",
    "subject_cn": "vault.example",
}


def load_baseline(revision: str, workdir: Path) -> ModuleType:
    """The template package at ``revision``, importable as ``baseline_templates``."""
    names = subprocess.run(
        ["git", "ls-tree", "--name-only", f"{revision}:{PACKAGE}"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    target = workdir / "baseline_templates"
    target.mkdir()
    for name in names:
        source = subprocess.run(
            ["git", "show", f"{revision}:{PACKAGE}/{name}"],
            cwd=REPO,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        text = source.replace("watchdog.rules.templates", "baseline_templates")
        (target / name).write_text(text)
    sys.path.insert(0, str(workdir))
    return importlib.import_module("baseline_templates")


def shipped_texts() -> list[str]:
    """Every label and annotation template text of the shipped rule files."""
    files = [
        *sorted((REPO / "config" / "rules").glob("*.yaml")),
        REPO / "config" / "rules" / "seed" / "prometheus-self-monitoring.yaml",
    ]
    texts = []
    for group in load_rule_files(files):
        for rule in group.rules:
            if isinstance(rule, AlertingRule):
                texts += [t.text for t in (*rule.labels.values(), *rule.annotations.values())]
    return [t for t in texts if "{{" in t]


def expander(module: ModuleType, texts: list[str], *, new_api: bool) -> Callable[[], list[str]]:
    """A function expanding every text once with ``module``'s implementation."""
    compiled = [module.Template.compile(text, "__alert_Bench") for text in texts]
    data = module.AlertTemplateData(labels=LABELS, external_url="https://wd.example", value=42.5)
    samples = [
        module.QuerySample({"instance": f"host-{i}", "nodename": f"n{i}"}, float(i))
        for i in range(20)
    ]

    def query_new(_expr: str, _budget: Any) -> list[Any]:
        return samples

    def query_old(_expr: str) -> list[Any]:
        return samples

    query = query_new if new_api else query_old

    def run() -> list[str]:
        return [template.expand(data, query) for template in compiled]

    return run


def timed(run: Callable[[], list[str]], repeat: int) -> float:
    """Seconds to call ``run`` ``repeat`` times."""
    started = time.perf_counter()
    for _ in range(repeat):
        run()
    return time.perf_counter() - started


def best_of(
    new: Callable[[], list[str]], old: Callable[[], list[str]], rounds: int, repeat: int
) -> tuple[float, float, float]:
    """Fastest round of each (rounds alternate, so load from other processes hits both alike)
    and the median of the per-round ratios."""
    new_times, old_times = [], []
    for _ in range(rounds):
        new_times.append(timed(new, repeat))
        old_times.append(timed(old, repeat))
    ratios = [n / o for n, o in zip(new_times, old_times, strict=True)]
    return min(new_times), min(old_times), statistics.median(ratios)


def main(argv: list[str]) -> int:
    """Measure both implementations on both template sets; print JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", default="fc3208e", help="git revision of the peer")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        baseline = load_baseline(args.baseline, Path(tmp))
        sets = {"shipped_rules": shipped_texts(), "public_idioms": IDIOMS}
        report: dict[str, Any] = {"benchmark": "template_expand", "baseline": args.baseline}
        for name, texts in sets.items():
            new = expander(current, texts, new_api=True)
            old = expander(baseline, texts, new_api=False)
            differ = sum(a != b for a, b in zip(new(), old(), strict=True))
            new_s, old_s, ratio = best_of(new, old, args.rounds, args.repeat)
            expansions = len(texts) * args.repeat
            report[name] = {
                "templates": len(texts),
                "outputs_differing": differ,
                "us_per_expansion": round(new_s / expansions * 1e6, 2),
                "baseline_us_per_expansion": round(old_s / expansions * 1e6, 2),
                "ratio_best": round(new_s / old_s, 3),
                "ratio_median_of_rounds": round(ratio, 3),
            }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
