"""Mutation testing of the rule-bearing modules with mutmut, in a copy of the repository.

    .venv/bin/python scripts/mutation.py                          # every target (about 15-25 min on 2 cores)
    .venv/bin/python scripts/mutation.py policies/kubernetes.py   # one module, with its own tests (1-3 min)
    .venv/bin/python scripts/mutation.py waf_rate sharding        # targets by name (see TARGETS)
    .venv/bin/python scripts/mutation.py --from-head config       # the committed tree, not the working tree

mutmut rewrites the modules it mutates, so it never runs in this checkout: the script copies the working
tree (tracked and untracked files git does not ignore; ``--from-head`` copies HEAD instead) to ``--workdir``
(default /tmp/scaling-mutation), writes a ``[tool.mutmut]`` section into the copy's pyproject.toml, runs
``mutmut run`` there and prints killed/total per module with every surviving mutant's diff. Nothing is
written back; kill a survivor by adding a test here and running again.

Each target runs only its fast, engine-free test files (mutmut forks once per mutant and runs the tests
that cover the mutated function), so the default ``pytest`` run stays as it is and a run takes minutes.
A mutant whose tests time out counts as killed (mutmut's rule: the change was noticed). Mutants in code
that runs only at import time (module constants, a closure built while the module loads) are not
generated or not reachable by mutmut 3's trampolines; they are reported as "no tests" when generated.
"""

from __future__ import annotations

import argparse
import fnmatch
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Target:
    modules: tuple[str, ...]
    """Globs of the files mutated, relative to the repository root."""
    tests: tuple[str, ...]
    """Test files (or folders) that judge them: pure and fast, no mock engine, no hypothesis."""


TARGETS = {
    "policies": Target(("policies/[a-z]*.py",), ("tests/policies",)),
    "waf_rate": Target(("scaling_kit/waf_rate.py",), ("tests/kit/test_waf_rate.py",)),
    "sharding": Target(("scaling_kit/sharding.py",), ("tests/kit/test_sharding.py",)),
    "config": Target(("stack/config.py",), ("tests/stack/test_config.py", "tests/stack/test_config_boundaries.py",
                                            "tests/stack/test_config_rows.py")),
    # The component modules also hold the ComponentResource classes, which only the mock-engine tests construct:
    # judged by the pure boundary file alone, their mutants are "no tests" and not scored; the validate_*
    # functions (and components/validation.py) are what this target measures.
    "validators": Target(("components/[a-z]*.py",), (
        "tests/components/test_validator_boundaries.py",
        # One file per group of components, so the rows for one module can grow without touching the others.
        "tests/components/test_asg_validator_rows.py",
        "tests/components/test_workload_validator_rows.py",
        "tests/components/test_data_validator_rows.py",
        "tests/components/test_edge_validator_rows.py",
    )),
}
# policies/__main__.py only assembles the PolicyPack (its constructor starts a server): nothing to judge.
EXCLUDED = ("policies/__main__.py", "policies/__init__.py")


def resolve(names: list[str]) -> dict[str, Target]:
    """Target names or module paths -> {module path: target}; every module of every target when empty."""
    chosen: dict[str, Target] = {}
    for name in names or list(TARGETS):
        if name in TARGETS:
            targets = [TARGETS[name]]
            pattern = None
        else:
            pattern = Path(name).as_posix()
            targets = [t for t in TARGETS.values() if any(fnmatch.fnmatch(pattern, m) for m in t.modules)]
            if not targets:
                known = ", ".join(TARGETS)
                raise SystemExit(f"{name}: not a target ({known}) nor a module of one")
        for target in targets:
            for glob in target.modules:
                for path in sorted(ROOT.glob(glob)):
                    module = path.relative_to(ROOT).as_posix()
                    if module not in EXCLUDED and (pattern is None or module == pattern):
                        chosen[module] = target
    return chosen


def copy_tree(workdir: Path, from_head: bool) -> None:
    if workdir.resolve() == ROOT or ROOT in workdir.resolve().parents:
        raise SystemExit(f"--workdir {workdir} is inside the repository; mutants must never land here")
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    if from_head:
        archive = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(workdir)
        return
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT,
                            check=True, capture_output=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a tracked file someone deleted in the working tree is simply absent
            (workdir / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, workdir / name)


def toml_list(values) -> str:
    return "[" + ", ".join(f'"{v}"' for v in values) + "]"


def configure(workdir: Path, chosen: dict[str, Target]) -> None:
    sources = sorted({m.split("/")[0] for m in chosen})
    tests = sorted({t for target in chosen.values() for t in target.tests})
    also_copy = sorted(p.name for p in workdir.iterdir() if p.name not in sources and p.name != "mutants")
    section = (f"\n[tool.mutmut]\nsource_paths = {toml_list(sources)}\nonly_mutate = {toml_list(sorted(chosen))}\n"
               f"also_copy = {toml_list(also_copy)}\npytest_add_cli_args_test_selection = {toml_list(tests)}\n"
               # quiet output keeps mutmut's log readable; -n 0 undoes pyproject's "-n auto": mutmut records which
               # tests reach each function in its own process and forks per mutant, which xdist workers defeat.
               'pytest_add_cli_args = ["-q", "-p", "no:cacheprovider", "-n", "0"]\n')
    pyproject = workdir / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + section)


def mutmut(workdir: Path, *args: str, capture: bool = True) -> str:
    result = subprocess.run([sys.executable, "-m", "mutmut", *args], cwd=workdir, text=True,
                            capture_output=capture, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    if result.returncode != 0 and capture:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"mutmut {' '.join(args)} failed with exit code {result.returncode}")
    return result.stdout if capture else ""


def report(workdir: Path, chosen: dict[str, Target]) -> tuple[str, int]:
    lines = mutmut(workdir, "results", "--all", "true")
    statuses: dict[str, Counter] = defaultdict(Counter)
    survivors: list[tuple[str, str]] = []
    for line in lines.splitlines():
        # module.x_function__mutmut_N or module.xǁClassǁmethod__mutmut_N
        match = re.fullmatch(r"\s*(\S+?)\.x[_ǁ]\S*__mutmut_\d+: (.+)", line)
        if not match:
            continue
        name, status = line.strip().split(": ", 1)
        dotted = match.group(1)
        module = next((m for m in chosen if m[:-3].replace("/", ".") == dotted), dotted)
        statuses[module][status] += 1
        if status not in ("killed", "timeout", "not checked", "no tests"):  # "no tests": counted, not shown
            survivors.append((name, status))
    version = subprocess.run([sys.executable, "-m", "pip", "show", "mutmut"], capture_output=True, text=True).stdout
    version = next((v.split(":", 1)[1].strip() for v in version.splitlines() if v.startswith("Version:")), "?")
    out = [f"mutmut {version}", "", "| module | killed | timeout | survived | no tests | not run yet | total | "
           "score (killed+timeout / run with tests) |", "|---|---|---|---|---|---|---|---|"]
    total_all = detected_all = 0
    for module in sorted(statuses):
        c = statuses[module]
        total = sum(c.values())
        detected = c["killed"] + c["timeout"]
        pending = c["not checked"]
        # "no tests": no selected test reaches the mutated line, so nothing was run; counted, not scored.
        run_count = total - pending - c["no tests"]
        total_all, detected_all = total_all + run_count, detected_all + detected
        score = f"{100 * detected / run_count:.1f} %" if run_count else "-"
        out.append(f"| {module} | {c['killed']} | {c['timeout']} | {c['survived']} | {c['no tests']} | {pending} | "
                   f"{total} | {score} |")
    if total_all:
        out.append(f"| all | | | | | | | {100 * detected_all / total_all:.1f} % |")
    for name, status in survivors:
        diff = mutmut(workdir, "show", name)
        changed = "\n".join(line for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---"))
        out += ["", f"{name} ({status}):", changed]
    return "\n".join(out), len(survivors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help=f"target names ({', '.join(TARGETS)}) or module paths")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scaling-mutation"))
    parser.add_argument("--from-head", action="store_true", help="mutate the committed tree (HEAD)")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--report-only", action="store_true", help="print the results of the last run in --workdir")
    args = parser.parse_args()
    chosen = resolve(args.targets)
    if not args.report_only:
        copy_tree(args.workdir, args.from_head)
        configure(args.workdir, chosen)
        print(f"mutating {len(chosen)} module(s) in {args.workdir}: {', '.join(chosen)}", flush=True)
        mutmut(args.workdir, "run", "--max-children", str(args.max_children), capture=False)
    text, survivors = report(args.workdir, chosen)
    print(text)
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
