"""Timing of the simulation alone (no interpreter start, no stack loading): ``python -m simulator.bench``.

Runs the 24-hour example (5,760 HPA syncs) through each stack REPEATS times and prints the best and the
median wall time. The issue's target is under one second; this is a measurement, no test asserts it.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from .costs import load_prices
from .load import read_load
from .model import Options, simulate
from .stack_inputs import load_stack

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5
# prod needs values only its operator knows (image, domain); the bench runs from the repository, so it passes
# the example values the tests and CI previews pass.
SET_FILES = {"prod": (ROOT / "tests" / "fixtures" / "prod-operator-values.yaml",)}


def measure(stack: str, load_file: Path) -> dict:
    inputs = load_stack(stack, ROOT, set_files=SET_FILES.get(stack, ()))
    load = read_load(load_file)
    prices = load_prices()
    vcpus: dict[str, int] = {}
    for pool in inputs.pools:
        if (count := prices.ec2_vcpus(pool.instance_type)) is None:
            raise SystemExit(f"bench: the price table has no vCPUs for {pool.instance_type}; add it to "
                             f"ec2_per_hour in {prices.path.name}")
        vcpus[pool.instance_type] = count
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = simulate(inputs, load, Options(), vcpus)
        runs.append(time.perf_counter() - start)
    return {"stack": stack, "syncs": len(result.ticks), "best_s": min(runs), "median_s": statistics.median(runs)}


def main(argv: list[str]) -> int:
    load_file = Path(argv[0]) if argv else ROOT / "examples" / "load_daily.csv"
    print(f"| stack | syncs | best (s) | median of {REPEATS} (s) |\n|---|---|---|---|")
    for stack in ("dev", "prod"):
        m = measure(stack, load_file)
        print(f"| {m['stack']} | {m['syncs']} | {m['best_s']:.3f} | {m['median_s']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
