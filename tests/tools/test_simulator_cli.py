"""``python -m simulator`` as a user runs it: JSON shape, text summary, plot, and one-line errors with exit 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.__main__ import run

ROOT = Path(__file__).resolve().parents[2]
STEP = ROOT / "examples" / "load_step.csv"
PROD = ["--stack", "prod", "--set-file", str(ROOT / "tests" / "fixtures" / "prod-operator-values.yaml")]


def test_json_has_a_tick_per_sync_and_a_summary(capsys):
    assert run(["--stack", "dev", "--load", str(STEP), "--json", "--pod-ready-seconds", "0"]) == 0
    report = json.loads(capsys.readouterr().out)
    end = int(STEP.read_text().strip().splitlines()[-1].split(",")[0])
    assert [tick["t"] for tick in report["ticks"]] == list(range(0, end, 15))
    first = report["ticks"][0]
    assert {"t", "pods", "instances", "nodes", "ready_pods", "pending_pods", "load"} <= set(first)
    assert first["pods"] == report["summary"]["hpa"]["min_replicas"]          # 500/s at t=0: no scale-up
    assert {"seconds_to_peak_pods", "first_time_at_max_replicas", "seconds_at_max_replicas", "first_scale_down_at",
            "peak", "pod_seconds", "instance_hours", "node_hours", "cost"} <= set(report["summary"])
    assert report["summary"]["cost"]["region"] == "us-east-1"
    assert any("Auto Scaling target tracking" in a for a in report["assumptions"])
    # dev keeps the default layout: api1 and api2 on EC2 pools, api3 (3 of 13) on the pods.
    assert list(first["pools"]) == list(report["summary"]["pools"]) == ["api1", "api2"]
    assert all(tick["instances"] == sum(p["instances"] for p in tick["pools"].values()) for tick in report["ticks"])
    assert all(tick["pod_load"] == tick["load"] * 3 / 13 for tick in report["ticks"])
    tiers = [line["tier"] for line in report["summary"]["cost"]["tiers"]]
    assert tiers[:2] == ["instances (pool api1)", "instances (pool api2)"]


def test_text_output_states_assumptions(capsys):
    assert run([*PROD, "--load", str(STEP)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("stack prod:") and "assumptions:" in out and "month@max" in out
    assert "load split by weight: api1 ec2 5 (38.5 %), api2 ec2 5 (38.5 %), api3 eks 3 (23.1 %)" in out


def test_all_ec2_layout_says_no_pods_scale_on_requests(capsys):
    assert run(["--stack", "dev", "--load", str(STEP), "--set", 'lbBackendPlatforms=["ec2","ec2","ec2"]']) == 0
    out = capsys.readouterr().out
    assert "no pods scale on requests" in out and "api3 1-3" in out


def test_plot_writes_a_png(tmp_path, capsys):
    pytest.importorskip("matplotlib", reason="matplotlib is a development dependency of --plot only")
    target = tmp_path / "run.png"
    assert run(["--stack", "dev", "--load", str(STEP), "--plot", str(target)]) == 0
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("content, message", [
    ("seconds,requests_per_second\n0,10\n60,5\n30,5\n", "row 4: seconds 30 is not after the previous row's 60"),
    ("seconds,requests_per_second\n0,-1\n60,5\n", "row 2: requests_per_second -1 is negative"),
    ("seconds;rps\n", "row 1: header"),
])
def test_bad_load_file_is_one_line_and_exit_2(tmp_path, capsys, content, message):
    load = tmp_path / "load.csv"
    load.write_text(content)
    assert run(["--stack", "dev", "--load", str(load)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and str(load) in err


@pytest.mark.parametrize("argv, message", [
    (["--stack", "staging"], "--stack staging: no stack file Pulumi.staging.yaml"),
    (["--stack", "prod"], "--stack prod: invalid configuration: scaling:appImage: missing"),
    (["--stack", "prod", "--set-file", "/nonexistent/values.yaml"],
     "--set-file /nonexistent/values.yaml: no such file"),
    (["--stack", "dev", "--metrics", "latency"], "--metrics: latency names no metric of this HPA"),
    (["--stack", "dev", "--pod-ready-seconds", "-5"], "--pod-ready-seconds: -5 is negative"),
    (["--stack", "dev", "--set", "eksHpaMinReplicas=0"], "--stack dev: invalid configuration: scaling:eksHpaMinReplicas"),
    (["--stack", "dev", "--load", "/nonexistent/load.csv"], "/nonexistent/load.csv: cannot read"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, message):
    if "--load" not in argv:
        argv = [*argv, "--load", str(STEP)]
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_module_entry_point_exit_code():
    done = subprocess.run([sys.executable, "-m", "simulator", "--stack", "dev"], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 2 and "--load" in done.stderr and done.stdout == ""
