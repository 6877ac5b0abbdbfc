"""Benchmark of the offline preview, the policy pack and the test suite against the goals of issue 18.

    .venv/bin/python scripts/benchmark.py                         # prints the goals table and the details
    .venv/bin/python scripts/benchmark.py --cdk "$PEER_ROOT"      # also `cdk synth` of the CDK peer, side by side
    .venv/bin/python scripts/benchmark.py --tests                 # also the whole test suite (about a minute)
    .venv/bin/python scripts/benchmark.py --write ...             # also records it in BENCHMARKS.md

Every figure comes from fresh processes timed from outside (wall clock from start to exit; peak RSS of
that process from ``wait4``), so interpreter start-up, imports and exit are included, as a user sees
them. What is measured, all in one run so the figures share the machine's load:

1. the cold prod preview (``python -m offline.preview --stack prod --set-file <operator values>``) and,
   with ``--cdk PEER_ROOT``, ``cdk synth --quiet`` of the same stack in AWS CDK (folder prepared as
   ../shared/peers/cdk/README.md says), run in turn A B A B ... with the ratio taken pair by pair;
2. a watched re-preview (``--watch``) of a copy of the project after an edit of one of its source files:
   the time from the edit to the printed diff (polling interval included);
3. the floor: a process that imports exactly the provider modules the prod preview imports and registers
   the same resources flat (no components, no program logic, no policies, no rendering) under the same
   mock engine; the ratio of the cold preview to it, with and without the policy pack;
4. the policy pack alone on N = 1, 5 and 20 copies of the prod service set: time per 1,000 resources and
   how it grows;
5. with ``--tests``, the whole suite (``./scaling test``'s pytest with the project's addopts);
6. peak memory of the prod preview and of the 20-copy evaluation with its policy run.

This is a measurement, not a test: timings depend on the machine and its load (printed with the results),
so no test asserts them. ``--write`` replaces only this benchmark's section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parent.parent
OPERATOR_VALUES = ROOT / "tests" / "fixtures" / "prod-operator-values.yaml"
PREVIEW = [sys.executable, "-m", "offline.preview", "--stack", "prod", "--set-file", str(OPERATOR_VALUES)]
SECTION_TITLE = "## Offline preview, policy pack and tests (issue 18)"
SERVICE_SETS = (1, 5, 20)
# Issue 18's size for the policy pack goal: 20 service sets when one had 295 resources (one has ~500 now).
GOAL_RESOURCES = 5_900
# The project as a program folder: what a watched copy needs (the tool, the program and its packages).
PROJECT_ENTRIES = ("__main__.py", "Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "scaling_kit", "components",
                   "policies", "stack", "offline", "tests/fixtures")

GOALS = {
    "cdk": 0.25, "warm_s": 1.5, "floor": 1.25, "policies_s": 1.5, "growth": 1.5, "tests_s": 60.0,
    "prod_mb": 250.0, "sets20_mb": 400.0,
}


# --- measured processes ---------------------------------------------------------------------------------

def user_environment(env: Optional[dict] = None) -> dict:
    """Bytecode caches as a user's shell has them: a PYTHONDONTWRITEBYTECODE in the benchmark's environment
    would make every measured process compile the project's modules (and the preview's provider-type cache)
    anew, and every watched re-preview recompile every module it reloads."""
    return {key: value for key, value in (env or os.environ).items() if key != "PYTHONDONTWRITEBYTECODE"}


def timed_run(command: list[str], *, cwd: Path = ROOT, env: Optional[dict] = None,
              accepted: tuple[int, ...] = (0, 1)) -> dict[str, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of one process, its output discarded. Any exit code
    outside `accepted` stops the benchmark: a process that failed early would be timed as a fast one.
    (For the preview, 1 is a mandatory policy violation, still a whole preview.)"""
    env = user_environment(env)
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.returncode not in accepted:
        raise RuntimeError(f"{' '.join(command)} exited {process.returncode}:\n{stderr[-2000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def child_json(*args: str, cwd: Path = ROOT) -> Any:
    """Run this script as a child in one of its measuring modes and return the JSON it prints last."""
    out = subprocess.run([sys.executable, __file__, *args], cwd=cwd, check=True, capture_output=True,
                         text=True, env=user_environment()).stdout
    return json.loads(out.strip().splitlines()[-1])


def cdk_command(peer_root: Path) -> tuple[list[str], dict]:
    env = {**os.environ, "PEER_ROOT": str(peer_root)}
    return ["sh", "-c", '. "$PEER_ROOT/env.sh" && cd "$PEER_ROOT/app" && exec cdk synth --quiet'], env


def measure_cold(runs: int, peer_root: Optional[Path]) -> dict[str, Any]:
    """The cold prod preview, alternating with `cdk synth` when a peer folder is given (one warm-up each)."""
    cdk, env = cdk_command(peer_root) if peer_root else (None, None)
    previews, synths = [], []
    for index in range(runs + 1):
        preview = timed_run(PREVIEW)
        synth = None
        if cdk is not None and peer_root is not None:
            shutil.rmtree(peer_root / "app" / "cdk.out", ignore_errors=True)  # fresh output, as its bench does
            synth = timed_run(cdk, cwd=peer_root / "app", env=env, accepted=(0,))
        if index == 0:
            continue  # warm-up: file caches, .pyc files
        previews.append(preview)
        if synth is not None:
            synths.append(synth)
        print(f"  cold preview {preview['wall_s']:.2f} s" +
              (f", cdk synth {synth['wall_s']:.2f} s" if synth else ""), file=sys.stderr)
    result: dict[str, Any] = {"preview": summarize(previews)}
    if synths:
        result["cdk"] = summarize(synths)
        pairs = list(zip(previews, synths, strict=True))
        result["ratio"] = statistics.median(p["wall_s"] / s["wall_s"] for p, s in pairs)
        result["cpu_ratio"] = statistics.median(p["cpu_s"] / s["cpu_s"] for p, s in pairs)
    return result


def measure_floor(runs: int) -> dict[str, Any]:
    """The floor, and the preview without policies, alternating with it."""
    with tempfile.TemporaryDirectory() as folder:
        record = Path(folder) / "prod.json"
        child_json("--child-record", str(record))
        floors, bare_previews = [], []
        for index in range(runs + 1):
            floor = timed_run([sys.executable, __file__, "--child-floor", str(record)])
            bare = timed_run(PREVIEW + ["--no-policies"])
            if index:
                floors.append(floor)
                bare_previews.append(bare)
                print(f"  floor {floor['wall_s']:.2f} s, preview --no-policies {bare['wall_s']:.2f} s",
                      file=sys.stderr)
        recorded = json.loads(record.read_text())
    return {"floor": summarize(floors), "no_policies": summarize(bare_previews),
            "modules": len(recorded["modules"]), "resources": len(recorded["resources"])}


def measure_warm(runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "project"
        for entry in PROJECT_ENTRIES:
            source = ROOT / entry
            target = copy / entry
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "venv", "*.pyc"))
            elif source.exists():
                shutil.copy2(source, target)
        times = child_json("--child-watch", str(copy), str(runs), cwd=copy)
    return {"runs": times, "median_s": statistics.median(times)}


def measure_scaling() -> list[dict[str, Any]]:
    rows = []
    for copies in SERVICE_SETS:
        start = time.perf_counter()
        row = child_json("--child-scale", str(copies))
        row["wall_s"] = time.perf_counter() - start
        print(f"  {copies} service set(s): {row}", file=sys.stderr)
        rows.append(row)
    return rows


def measure_tests(workers: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly"] + (["-n", workers] if workers else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    if done.returncode not in (0, 1) or not lines:  # 1: some tests failed, named in the report
        raise RuntimeError(f"pytest exited {done.returncode} without a whole run (is the development set "
                           f"installed? ./scaling test installs it):\n{(done.stdout + done.stderr)[-2000:]}")
    failed = [line.split(" ", 1)[1].split(" - ")[0] for line in lines if line.startswith(("FAILED ", "ERROR "))]
    return {"wall_s": wall, "summary": lines[-1].strip("= "), "exit": done.returncode, "workers": workers or "1",
            "failed": failed}


def summarize(runs: list[dict[str, float]]) -> dict[str, float]:
    return {"wall_s": statistics.median(r["wall_s"] for r in runs), "min_s": min(r["wall_s"] for r in runs),
            "max_s": max(r["wall_s"] for r in runs), "cpu_s": statistics.median(r["cpu_s"] for r in runs),
            "peak_mb": max(r["peak_mb"] for r in runs), "runs": len(runs)}


# --- child modes (each runs in a fresh process) ----------------------------------------------------------

def _settings_and_overrides():
    from scaling_kit.stackfiles import read_overrides_file, read_stack_config
    overrides = read_overrides_file(OPERATOR_VALUES, "scaling")
    raw, _ = read_stack_config("prod", ROOT)
    raw.update(overrides)
    return raw, overrides


def child_record(out: Path) -> None:
    """Evaluate prod as the preview does; write the provider modules it imported and its resources."""
    sys.path.insert(0, str(ROOT))
    from offline.engine import display_value, evaluate
    from scaling_kit.stackfiles import read_overrides_file
    evaluation = evaluate("prod", root=ROOT, config_overrides=read_overrides_file(OPERATOR_VALUES, "scaling"))
    assert evaluation.error is None, evaluation.error
    from offline.sdk import LAZY_PROVIDER_PACKAGES
    modules = sorted(name for name, module in sys.modules.items()
                     if name.split(".")[0] in LAZY_PROVIDER_PACKAGES and getattr(module, "__file__", None))
    resources = [{"type": r.type, "name": r.name, "custom": r.custom, "inputs": display_value(r.inputs)}
                 for r in evaluation.resources]
    out.write_text(json.dumps({"modules": modules, "resources": resources}))
    print(json.dumps({"modules": len(modules), "resources": len(resources)}))


def child_floor(record: Path) -> None:
    """The floor: the same provider modules, the same resources registered flat, nothing else; exits as
    the preview does (flushed ``os._exit``)."""
    import gc
    gc.set_threshold(100_000, 50, 100)
    sys.path.insert(0, str(ROOT))
    import importlib

    import pulumi

    from offline.sdk import (
        InputEchoingMonitor,
        evaluate_types_once,
        load_provider_packages_lazily,
        reset_engine_state,
        skip_stack_traces,
        wait_for_pending_work,
    )
    recorded = json.loads(record.read_text())
    # The modules as the SDK ships them: every class of their _inputs and outputs defined on import.
    load_provider_packages_lazily(lazy_types=False)
    for name in recorded["modules"]:
        importlib.import_module(name)

    class FlatMocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            return "", dict(args.inputs)

        def call(self, args):
            return {}

    reset_engine_state()
    skip_stack_traces()
    evaluate_types_once()  # as evaluate() does (generic resources carry no annotations to evaluate)
    mocks = FlatMocks()
    pulumi.runtime.set_mocks(mocks, project="scaling", stack="prod", preview=True, monitor=InputEchoingMonitor(mocks))
    for resource in recorded["resources"]:
        if resource["custom"]:
            pulumi.CustomResource(resource["type"], resource["name"], resource["inputs"])
        else:
            pulumi.ComponentResource(resource["type"], resource["name"])
    wait_for_pending_work()
    sys.stdout.flush()
    os._exit(0)


def child_scale(copies: int) -> None:
    """N copies of the prod service set: evaluation, then the policy pack alone (pack loaded beforehand)."""
    import resource
    sys.path.insert(0, str(ROOT))
    from offline.engine import evaluate
    from offline.policy_check import run_policies
    from offline.policy_pack import load_policy_pack
    from stack.preflight import load_checked_settings
    from stack.program import build
    raw, overrides = _settings_and_overrides()
    settings = load_checked_settings(raw, "prod")

    def program() -> None:
        for index in range(copies):
            build(settings, prefix=f"set{index}-")

    start = time.perf_counter()
    evaluation = evaluate("prod", root=ROOT, program=program, config_overrides=overrides)
    evaluated = time.perf_counter()
    assert evaluation.error is None, evaluation.error
    pack = load_policy_pack()
    loaded = time.perf_counter()
    report = run_policies(evaluation, "prod", pack=pack)
    checked = time.perf_counter()
    print(json.dumps({
        "copies": copies, "resources": len(evaluation.resources), "evaluate_s": evaluated - start,
        "pack_load_s": loaded - evaluated, "policies_s": checked - loaded, "policies_run": report.policies_run,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))
    sys.stdout.flush()
    os._exit(0)


EDIT_DELAY_S = 1.0


def child_watch(copy: Path, edits: int) -> None:
    """--watch on a copy of the project: after each preview, append a comment to stack/program.py and time
    how long until the next preview is printed."""
    sys.path.insert(0, str(copy))
    import gc
    import io
    import threading
    from contextlib import redirect_stderr, redirect_stdout

    from offline import preview
    args = preview.build_parser().parse_args(["--stack", "prod", "--cwd", str(copy), "--set-file",
                                              str(copy / "tests" / "fixtures" / OPERATOR_VALUES.name),
                                              "--watch", "--watch-interval", "0.05"])
    edited_at: list[float] = []
    times: list[float] = []
    gc.disable()  # as preview.cli() runs

    def edit(count: int) -> None:
        program = copy / "stack" / "program.py"
        program.write_text(program.read_text() + f"\n# edit {count}\n")
        edited_at.append(time.perf_counter())

    def after_preview(count: int) -> None:
        if edited_at:
            times.append(time.perf_counter() - edited_at[-1])
        if count <= edits:
            # Edited a second after the preview is printed, as a person would: not while the watcher collects
            # the last evaluation's garbage (about 0.2 s, done before it polls again).
            threading.Timer(EDIT_DELAY_S, edit, args=(count,)).start()

    with redirect_stdout(io.StringIO()) as printed, redirect_stderr(io.StringIO()):
        preview.watch(args, max_previews=edits + 1, after_preview=after_preview)
    assert printed.getvalue().count("changed; evaluated again") == edits, printed.getvalue()[-2000:]
    print(json.dumps(times))


# --- report -----------------------------------------------------------------------------------------------

def _verdict(value: Optional[float], goal: float) -> str:
    if value is None:
        return "not measured"
    return "**met**" if value <= goal else "**not met**"


def render(results: dict[str, Any]) -> str:
    cold, floor, warm, scaling = results["cold"], results["floor"], results["warm"], results["scaling"]
    tests = results.get("tests")
    preview_s = cold["preview"]["wall_s"]
    floor_s = floor["floor"]["wall_s"]
    # CPU time, not wall: under load the waits for a core differ from run to run more than the work does.
    cpu_floor = cold["preview"]["cpu_s"] / floor["floor"]["cpu_s"]
    by_copies = {row["copies"]: row for row in scaling}
    per_thousand = {n: 1e6 * row["policies_s"] / row["resources"] for n, row in by_copies.items()}  # ms
    growth = per_thousand[SERVICE_SETS[-1]] / per_thousand[SERVICE_SETS[0]]
    largest = by_copies[SERVICE_SETS[-1]]
    at_goal_size = largest["policies_s"] * GOAL_RESOURCES / largest["resources"]
    ratio = cold.get("ratio")
    load = results["load"]
    lines = [
        f"Measured {results['date']} on {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; load average {load['start']:.2f} at the start and {load['end']:.2f} at "
        f"the end (1 min). {results['note']}",
        "",
        "| goal | target | measured | |",
        "|---|---|---|---|",
        f"| 1. cold prod preview / `cdk synth`, wall (median of {cold['preview']['runs']} paired runs) | <= "
        f"{GOALS['cdk']}x | " + (f"{ratio:.2f}x ({preview_s:.2f} s vs {cold['cdk']['wall_s']:.2f} s); CPU time "
                                 f"{cold['cpu_ratio']:.2f}x"
                                 if ratio is not None else f"{preview_s:.2f} s; `cdk synth` not run (--cdk)") +
        f" | {_verdict(ratio, GOALS['cdk'])} |",
        f"| 2. watched re-preview of prod after an edit (median of {len(warm['runs'])}) | < {GOALS['warm_s']} s | "
        f"{warm['median_s']:.2f} s | {_verdict(warm['median_s'], GOALS['warm_s'])} |",
        f"| 3. cold prod preview / floor, CPU time (wall in brackets) | <= {GOALS['floor']}x | "
        f"{cpu_floor:.2f}x with the policy pack ({preview_s / floor_s:.2f}x), "
        f"{floor['no_policies']['cpu_s'] / floor['floor']['cpu_s']:.2f}x with --no-policies "
        f"({floor['no_policies']['wall_s'] / floor_s:.2f}x); floor {floor['floor']['cpu_s']:.2f} s CPU | "
        f"{_verdict(cpu_floor, GOALS['floor'])} |",
        f"| 4. policy pack on {GOAL_RESOURCES:,} resources (at the rate measured on {SERVICE_SETS[-1]} service "
        f"sets, {largest['resources']:,} resources: {largest['policies_s']:.2f} s) | < {GOALS['policies_s']} s | "
        f"{at_goal_size:.2f} s | {_verdict(at_goal_size, GOALS['policies_s'])} |",
        f"| 4. policy pack growth: time per 1,000 resources at N={SERVICE_SETS[-1]} / at N={SERVICE_SETS[0]} | "
        f"<= {GOALS['growth']} (linear) | {growth:.2f} | {_verdict(growth, GOALS['growth'])} |",
        "| 5. whole test suite | <= 60 s on 2 cores | " +
        (f"{tests['wall_s']:.0f} s ({tests['summary']}; {tests['workers']} worker(s))" if tests else
         "not run (--tests)") + f" | {_verdict(tests['wall_s'] if tests else None, GOALS['tests_s'])} |",
        f"| 6. peak memory, prod preview | < {GOALS['prod_mb']:.0f} MB | {cold['preview']['peak_mb']:.0f} MB | "
        f"{_verdict(cold['preview']['peak_mb'], GOALS['prod_mb'])} |",
        f"| 6. peak memory, {SERVICE_SETS[-1]} service sets (evaluation + policy pack) | < "
        f"{GOALS['sets20_mb']:.0f} MB | {largest['peak_mb']:.0f} MB | "
        f"{_verdict(largest['peak_mb'], GOALS['sets20_mb'])} |",
        "",
        "Whole processes, wall clock (median, min-max) and CPU (median):",
        "",
        "| process | wall (s) | min-max (s) | CPU (s) | peak RSS (MB) |",
        "|---|---|---|---|---|",
    ]
    rows = [("cold prod preview", cold["preview"]), ("cold prod preview --no-policies", floor["no_policies"]),
            (f"floor: {floor['modules']} provider modules + {floor['resources']} flat registrations",
             floor["floor"])]
    if "cdk" in cold:
        rows.append(("`cdk synth --quiet` (CDK peer, largest process)", cold["cdk"]))
    for label, row in rows:
        lines.append(f"| {label} | {row['wall_s']:.2f} | {row['min_s']:.2f}-{row['max_s']:.2f} | "
                     f"{row['cpu_s']:.2f} | {row['peak_mb']:.0f} |")
    lines += [
        "",
        "Service sets (copies of the prod service set in one program; policy pack timed alone, pack loaded "
        "beforehand):",
        "",
        "| service sets | resources | evaluation (s) | policy pack (s) | policy pack per 1,000 resources (ms) | "
        "peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for n, row in by_copies.items():
        lines.append(f"| {n} | {row['resources']:,} | {row['evaluate_s']:.2f} | {row['policies_s']:.2f} | "
                     f"{per_thousand[n]:.0f} | {row['peak_mb']:.0f} |")
    lines += ["", f"Watched re-previews after an edit (s): {', '.join(f'{t:.2f}' for t in warm['runs'])}."]
    if tests and tests["failed"]:
        lines += ["", "Failing tests in that run: " + ", ".join(f"`{name}`" for name in tests["failed"]) + "."]
    return "\n".join(lines) + "\n"


def write_section(path: Path, body: str) -> None:
    """Replace this benchmark's section of BENCHMARKS.md (or, the first time, the untitled table the previous
    version of this script wrote under the title), keeping every other section as it is."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    head, *sections = text.split("\n## ")
    sections = ["## " + s for s in sections]
    section = (f"{SECTION_TITLE}\n\nProduced by `./scaling bench` (`scripts/benchmark.py --write`; "
               f"what is measured: [docs/benchmark.md](docs/benchmark.md)).\n\n{body}")
    mine = [i for i, s in enumerate(sections) if s.startswith(SECTION_TITLE)]
    if mine:
        sections[mine[0]] = section
    else:
        head = head.split("\n", 1)[0]  # the title; the rest was this script's previous, untitled output
        sections.insert(0, section)
    path.write_text(head.rstrip("\n") + "\n\n" + "\n".join(s.rstrip("\n") + "\n" for s in sections)
                    .replace("\n## ", "\n\n## ").lstrip("\n"))


def _goal_table_span(lines: list[str]) -> tuple[int, int]:
    start = next(i for i, line in enumerate(lines) if line.startswith("| goal |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    return start, end


def copy_goal_table(source: Path, readme: Path) -> None:
    """The README shows the latest goal table (tests/tools/test_docs.py keeps the two equal)."""
    table_lines = source.read_text().splitlines()
    start, end = _goal_table_span(table_lines)
    lines = readme.read_text().splitlines()
    at, stop = _goal_table_span(lines)
    readme.write_text("\n".join(lines[:at] + table_lines[start:end] + lines[stop:]) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--cdk", type=Path, metavar="PEER_ROOT", default=os.environ.get("PEER_ROOT") or None,
                        help="folder of the prepared CDK peer (default: $PEER_ROOT); without it `cdk synth` "
                             "is not run")
    parser.add_argument("--tests", action="store_true", help="also time the whole test suite")
    parser.add_argument("--test-workers", default="2", metavar="N",
                        help="pytest-xdist workers for --tests ('' for none; default: 2)")
    parser.add_argument("--runs", type=int, default=5, help="measured runs of each process (default: 5)")
    parser.add_argument("--note", default="", help="a sentence on the conditions, printed with the results")
    parser.add_argument("--write", action="store_true", help="record the results in BENCHMARKS.md")
    parser.add_argument("--child-record", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-floor", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--child-scale", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-watch", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_record:
        return child_record(args.child_record)
    if args.child_floor:
        return child_floor(args.child_floor)
    if args.child_scale:
        return child_scale(args.child_scale)
    if args.child_watch:
        return child_watch(Path(args.child_watch[0]), int(args.child_watch[1]))
    if args.runs < 1:
        parser.error(f"--runs must be at least 1, got {args.runs}")
    if args.cdk is not None and not (args.cdk / "env.sh").exists():
        parser.error(f"--cdk {args.cdk}: no env.sh there; prepare the peer as ../shared/peers/cdk/README.md says")

    results: dict[str, Any] = {"date": time.strftime("%Y-%m-%d %H:%M"), "note": args.note,
                               "load": {"start": os.getloadavg()[0]}}
    print("cold previews" + (" and cdk synth" if args.cdk else ""), file=sys.stderr)
    results["cold"] = measure_cold(args.runs, args.cdk)
    print("floor", file=sys.stderr)
    results["floor"] = measure_floor(args.runs)
    print("watched re-previews", file=sys.stderr)
    results["warm"] = measure_warm(args.runs)
    print("service sets", file=sys.stderr)
    results["scaling"] = measure_scaling()
    if args.tests:
        print("test suite", file=sys.stderr)
        results["tests"] = measure_tests(args.test_workers)
    results["load"]["end"] = os.getloadavg()[0]
    body = render(results)
    print(body)
    if args.write:
        write_section(ROOT / "BENCHMARKS.md", body)
        copy_goal_table(ROOT / "BENCHMARKS.md", ROOT / "README.md")


if __name__ == "__main__":
    main()
