"""The ``--plot`` PNG: load (and the pods' share), pods, nodes and instances (all pools, and each pool when
there are several) over time, with the HPA's bounds."""

from __future__ import annotations

from pathlib import Path

from .model import Result


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def write_plot(result: Result, path: Path) -> None:
    try:
        import matplotlib
        matplotlib.use("Agg")  # no display: write the file only
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: .venv/bin/pip install 'matplotlib>=3.8,<4' "
                              "(it is in requirements-dev.txt)") from None
    minutes = [tick["t"] / 60 for tick in result.ticks]
    figure, (top, bottom) = plt.subplots(2, 1, sharex=True, figsize=(10, 6.5), height_ratios=(1, 2))
    top.step(minutes, [tick["load"] for tick in result.ticks], where="post", color="tab:gray", label="load balancer")
    top.step(minutes, [tick["pod_load"] for tick in result.ticks], where="post", color="tab:blue",
             label="to the pods (eks share)")
    top.set_ylabel("requests/s")
    top.legend(loc="upper right", fontsize=8)
    top.set_title(f"stack {result.stack}: HPA {result.hpa.min_replicas}-{result.hpa.max_replicas} pods "
                  f"({', '.join(m.name for m in result.hpa.metrics)})")
    for key, label, colour in (("pods", "pods (HPA)", "tab:blue"), ("ready_pods", "Ready pods", "tab:cyan"),
                               ("nodes", "EKS nodes", "tab:green"), ("instances", "EC2 instances (all pools)",
                                                                      "tab:orange")):
        bottom.step(minutes, [tick[key] for tick in result.ticks], where="post", label=label, color=colour)
    pool_names = list(result.ticks[0]["pools"])
    if len(pool_names) > 1:
        # Pools of equal weight draw the same line: alternate the dash so both stay visible.
        styles = [("tab:brown", "--"), ("tab:purple", ":"), ("tab:olive", "-."), ("tab:pink", "--"), ("tab:gray", ":")]
        for name, (colour, dash) in zip(pool_names, styles, strict=False):  # at most 5 backends
            bottom.step(minutes, [tick["pools"][name]["instances"] for tick in result.ticks], where="post",
                        color=colour, linestyle=dash, linewidth=1.5, label=f"pool {name}")
    for bound, name in ((result.hpa.min_replicas, "minReplicas"), (result.hpa.max_replicas, "maxReplicas")):
        bottom.axhline(bound, color="tab:red", linestyle=":", linewidth=1)
        bottom.annotate(name, (minutes[0], bound), xytext=(2, 2), textcoords="offset points", color="tab:red",
                        fontsize=8)
    bottom.set_xlabel("minutes")
    bottom.set_ylabel("count")
    bottom.legend(loc="upper right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
