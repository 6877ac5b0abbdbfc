"""Benchmark of the offline preview: wall time and peak memory, and how they grow with program size.

    .venv/bin/python scripts/benchmark.py            # prints a Markdown table
    .venv/bin/python scripts/benchmark.py --write    # also records it in BENCHMARKS.md

Each measurement runs in a fresh Python process, so peak RSS (``ru_maxrss``) belongs to that run
alone. Measured per run: the whole process as a user runs it (interpreter start, imports, evaluation,
policy pack, rendering), and separately the evaluation (which includes the first use of the pulumi-aws
and pulumi-kubernetes modules) and the policy pack. Cases: the dev and prod stacks as committed, and a synthetic
program that builds N copies of the prod service set (N = 1, 5, 20) to show how cost grows.

Targets (issue 2): prod preview under 2 s and 250 MB on a 2-core machine, growing linearly with N.
This is a measurement, not a test: timings depend on the machine, so no test asserts them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 3


def child(stack: str, copies: int) -> None:
    """One measured run; prints a JSON line."""
    start = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from offline import preview
    from offline.engine import evaluate
    from scaling_kit.stackfiles import read_stack_config
    from stack.preflight import load_checked_settings
    from stack.program import build

    imported = time.perf_counter()
    if copies == 0:
        evaluation = evaluate(stack, root=ROOT)
    else:
        raw, _ = read_stack_config(stack, ROOT)
        settings = load_checked_settings(raw, stack)

        def program() -> None:
            for i in range(copies):
                build(settings, prefix=f"set{i}-")

        evaluation = evaluate(stack, root=ROOT, program=program)
    evaluated = time.perf_counter()
    assert evaluation.error is None, evaluation.error
    from offline.policy_check import render as render_policies, run_policies
    report = run_policies(evaluation, stack)
    checked = time.perf_counter()
    rendered = preview.render_tree(evaluation) + preview.render_counts(evaluation) + render_policies(report)
    end = time.perf_counter()
    print(json.dumps({
        "resources": len(evaluation.resources),
        "import_s": imported - start,
        "evaluate_s": evaluated - imported,
        "policies_s": checked - evaluated,
        "render_s": end - checked,
        "rendered_chars": len(rendered),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


def measure(stack: str, copies: int) -> dict:
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        out = subprocess.run([sys.executable, __file__, "--child", stack, str(copies)], cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout
        wall = time.perf_counter() - start
        runs.append({**json.loads(out.strip().splitlines()[-1]), "wall_s": wall})
    return {
        "resources": runs[0]["resources"],
        "wall_s": statistics.median(r["wall_s"] for r in runs),
        "evaluate_s": statistics.median(r["evaluate_s"] for r in runs),
        "import_s": statistics.median(r["import_s"] for r in runs),
        "policies_s": statistics.median(r["policies_s"] for r in runs),
        "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", nargs=2, metavar=("STACK", "COPIES"))
    parser.add_argument("--write", action="store_true", help="record the table in BENCHMARKS.md")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], int(args.child[1]))
        return

    cases = [("dev stack", "dev", 0), ("prod stack", "prod", 0)] + \
            [(f"synthetic: {n} x prod service set", "prod", n) for n in (1, 5, 20)]
    rows = []
    for label, stack, copies in cases:
        result = measure(stack, copies)
        rows.append((label, result))
        print(f"{label}: {result}", file=sys.stderr)

    base = rows[2][1]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; median of {REPEATS} fresh processes, peak RSS is the maximum.",
        "",
        "| case | resources | wall time, whole process (s) | of which imports (s) | evaluation (s) | "
        "evaluation per resource (ms) | policy pack (s) | peak RSS (MB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, r in rows:
        lines.append(f"| {label} | {r['resources']} | {r['wall_s']:.2f} | {r['import_s']:.2f} | "
                     f"{r['evaluate_s']:.2f} | {1000 * r['evaluate_s'] / r['resources']:.2f} | "
                     f"{r['policies_s']:.2f} | {r['peak_rss_mb']:.0f} |")
    growth = [f"N={label.split(':')[1].split('x')[0].strip()}: {r['evaluate_s'] / base['evaluate_s']:.1f}x time "
              f"for {r['resources'] / base['resources']:.1f}x resources"
              for label, r in rows[2:]]
    lines += ["", "Growth against N=1: " + "; ".join(growth) + "."]
    table = "\n".join(lines) + "\n"
    print(table)
    if args.write:
        path = ROOT / "BENCHMARKS.md"
        header = ("# Benchmarks\n\nProduced by `.venv/bin/python scripts/benchmark.py --write` "
                  "(see the script's docstring for what is measured).\n"
                  "Targets: prod preview under 2 s and 250 MB on a 2-core machine; cost linear in N.\n\n")
        path.write_text(header + table)


if __name__ == "__main__":
    main()
