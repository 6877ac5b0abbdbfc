"""``python -m simulator --stack <name> --load <file.csv> [--json] [--plot file.png] ...``

Exit codes: 0 done, 2 bad input (load file, stack, flags, price table: one line naming what and where).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, Optional

ROOT = Path(__file__).resolve().parent.parent


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # usage errors are bad input too: one line, exit 2
        self.exit(2, f"simulate: {message}\n")


def parser() -> argparse.ArgumentParser:
    from .model import Options
    d = Options()
    p = _Parser(prog="simulate", description="Replay a load curve through a stack's weighted backends: the HPA "
                "and EKS node group of the eks backend, an Auto Scaling group per ec2 backend (docs/simulator.md).")
    p.add_argument("--stack", required=True, help="stack name (Pulumi.<stack>.yaml)")
    p.add_argument("--load", required=True, type=Path, help="CSV with the header seconds,requests_per_second")
    p.add_argument("--json", action="store_true", help="print one JSON document (ticks and summary)")
    p.add_argument("--plot", type=Path, help="write a PNG of load, pods, nodes and instances (needs matplotlib)")
    p.add_argument("--metrics", help="comma-separated HPA metrics that drive the run (default: all)")
    p.add_argument("--pod-ready-seconds", type=int, default=d.pod_ready_seconds,
                   help=f"scheduling to Ready (default {d.pod_ready_seconds}; 0: new pods count at once)")
    p.add_argument("--cpu-base-millicores", type=float, default=d.cpu_base_millicores)
    p.add_argument("--cpu-millicores-per-rps", type=float, default=d.cpu_millicores_per_rps)
    p.add_argument("--memory-base-mib", type=float, default=d.memory_base_mib)
    p.add_argument("--memory-mib-per-rps", type=float, default=d.memory_mib_per_rps)
    p.add_argument("--node-ready-seconds", type=int, default=d.node_ready_seconds)
    p.add_argument("--instance-ready-seconds", type=int, default=d.instance_ready_seconds)
    p.add_argument("--asg-scale-in-ratio", type=float, default=d.asg_scale_in_ratio)
    p.add_argument("--prices", type=Path, help="price table JSON (default simulator/prices_us_east_1.json)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="try a setting without editing the stack file, e.g. --set eksHpaMaxReplicas=80 (repeatable)")
    p.add_argument("--set-file", action="append", default=[], type=Path, metavar="FILE",
                   help="settings from a YAML/JSON mapping KEY: VALUE, as one --set each (repeatable; applied in "
                        "order, then the --set values), e.g. prod's operator values "
                        "tests/fixtures/prod-operator-values.yaml")
    p.add_argument("--cwd", type=Path, default=ROOT, help="folder of the Pulumi project (default: this repository)")
    return p


def _minutes(seconds: Optional[float]) -> str:
    if seconds is None:
        return "never"
    return f"{seconds:.0f} s ({seconds / 60:.1f} min)"


def _money(value: Optional[float]) -> str:
    return "n/a" if value is None else f"${value:,.2f}"


def render_text(report: dict[str, Any]) -> str:
    s, c = report["summary"], report["summary"]["cost"]
    peak, group = s["peak"], s["node_group"]
    split = ", ".join(f"{b['name']} {b['platform']} {b['weight']} ({b['share'] * 100:.1f} %)" for b in s["backends"])
    pools = "; ".join(f"{name} {p['min_size']}-{p['max_size']}, peak {p['peak_instances']}, "
                      f"{p['instance_hours']:.2f} h" for name, p in s["pools"].items())
    lines = [
        f"stack {report['stack']}: {s['syncs']} HPA syncs over {_minutes(s['duration_seconds'])}; "
        f"HPA {s['hpa']['min_replicas']}-{s['hpa']['max_replicas']} pods on {', '.join(s['hpa']['metrics'])}",
        f"  load split by weight: {split}",
        f"  peak pods {peak['pods']} (first at {_minutes(s['seconds_to_peak_pods'])}), Ready {peak['ready_pods']}, "
        f"pending {peak['pending_pods']}; nodes {peak['nodes']}; EC2 instances {peak['instances']} (all pools)",
        f"  EC2 pools: {pools or 'none (no ec2 backend)'}",
        f"  at maxReplicas: first {_minutes(s['first_time_at_max_replicas'])}, for {_minutes(s['seconds_at_max_replicas'])}",
        f"  first scale-down: {_minutes(s['first_scale_down_at'])}; short of capacity (load above Ready pods x "
        f"target x 1.1): {_minutes(s['seconds_short_of_capacity'])}",
        f"  pod-seconds {s['pod_seconds']:,}; node-hours {s['node_hours']:.2f}; instance-hours {s['instance_hours']:.2f}",
        f"  node group {group['min_size']}-{group['max_size']} x {group['instance_type']} holds "
        f"{group['workload_pods_at_max_size']} workload pods at its maximum: maxReplicas "
        f"{'fits' if group['max_replicas_fit'] else 'does NOT fit'}",
        *([] if s["pods_scale_on_requests"] else
          ["  no pods scale on requests: the eks backend carries no share of the load (see assumptions)"]),
        "",
        f"cost ({c['currency']}, on-demand {c['region']}, prices of {c['prices_recorded']}; stack region "
        f"{c['stack_region'] or 'unset'}):",
        f"  {'tier':32} {'type':28} {'min':>5} {'max':>5} {'month@min':>12} {'month@max':>12} {'this run':>10}",
    ]
    for line in c["tiers"]:
        lines.append(f"  {line['tier']:32} {line['what']:28} {line['min_count']:>5} {line['max_count']:>5} "
                     f"{_money(line['monthly_usd_at_min']):>12} {_money(line['monthly_usd_at_max']):>12} "
                     f"{_money(line['run_usd']):>10}")
    lines.append(f"  {'total':32} {'':28} {'':>5} {'':>5} {_money(c['monthly_usd_at_min']):>12} "
                 f"{_money(c['monthly_usd_at_max']):>12} {_money(c['run_usd']):>10}")
    lines += ["", "assumptions:"] + [f"  - {a}" for a in report["assumptions"]]
    return "\n".join(lines) + "\n"


def run(argv: Sequence[str]) -> int:
    args = parser().parse_args(argv)
    from scaling_kit.stackfiles import StackFileError
    from stack.config import ConfigurationError

    from .costs import DEFAULT_PRICES, PriceTableError, cost_table, load_prices
    from .load import LoadFileError, read_load
    from .model import Options, simulate
    from .stack_inputs import load_stack

    def fail(message: str) -> int:
        print(f"simulate: {message}", file=sys.stderr)
        return 2

    metrics = tuple(m.strip() for m in args.metrics.split(",")) if args.metrics is not None else None
    options = Options(pod_ready_seconds=args.pod_ready_seconds, cpu_base_millicores=args.cpu_base_millicores,
                      cpu_millicores_per_rps=args.cpu_millicores_per_rps, memory_base_mib=args.memory_base_mib,
                      memory_mib_per_rps=args.memory_mib_per_rps, node_ready_seconds=args.node_ready_seconds,
                      instance_ready_seconds=args.instance_ready_seconds, asg_scale_in_ratio=args.asg_scale_in_ratio,
                      metrics=metrics)
    if (problems := options.problems()):
        return fail(problems[0])
    try:
        load = read_load(args.load)
        prices = load_prices(args.prices or DEFAULT_PRICES)
        inputs = load_stack(args.stack, args.cwd, args.set, args.set_file)
    except (LoadFileError, PriceTableError) as error:
        return fail(str(error))
    except StackFileError as error:
        if str(error).startswith("--set"):
            return fail(str(error))
        return fail(f"--stack {args.stack}: {error}")
    except ConfigurationError as error:
        return fail(f"--stack {args.stack}: invalid configuration: {'; '.join(error.problems)}")
    vcpus = {}
    for pool in inputs.pools:
        if (count := prices.ec2_vcpus(pool.instance_type)) is None:
            return fail(f"--prices: the table has no vCPUs for the {pool.backend} pool's {pool.instance_type}; "
                        f"add it to ec2_per_hour in {prices.path.name}")
        vcpus[pool.instance_type] = count
    try:
        result = simulate(inputs, load, options, vcpus)
    except ValueError as error:  # --metrics naming no metric of the HPA
        return fail(str(error))
    summary = dict(result.summary)
    summary["cost"] = cost_table(inputs, prices, load.end,
                                 {name: pool["instance_hours"] for name, pool in summary["pools"].items()},
                                 summary["node_hours"])
    report = {"stack": result.stack, "ticks": result.ticks, "summary": summary, "assumptions": result.assumptions}
    if args.plot:
        from .plot import PlotUnavailable, write_plot
        try:
            write_plot(result, args.plot)
        except PlotUnavailable as error:
            return fail(str(error))
        except OSError as error:
            return fail(f"--plot {args.plot}: cannot write: {error.strerror or error}")
    if args.json:
        print(json.dumps(report))
    else:
        print(render_text(report), end="")
    return 0


def cli() -> None:
    sys.exit(run(sys.argv[1:]))


if __name__ == "__main__":
    cli()
