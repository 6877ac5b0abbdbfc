"""The simulator's model: load files, pods on nodes, the Auto Scaling group, costs, and the stack it reads.

Exact series are worked out by hand in the comments; synthetic stacks keep them independent of the stack
files, and the last tests check that the simulator reads the HPA and the scaling policies the program
actually declares."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from components.metrics_pipeline import PodDemand
from simulator.costs import PriceTable, cost_table, load_prices
from simulator.hpa import HpaSpec, Metric, Policy, Rules
from simulator.load import LoadFileError, parse_load
from simulator.model import AutoScalingGroupSim, Options, nodes_needed, pods_that_fit, simulate
from simulator.stack_inputs import AsgPolicy, AutoScalingGroupModel, FixedTiers, NodeGroup, StackInputs, load_stack

ROOT = Path(__file__).resolve().parents[2]

FAST = HpaSpec(2, 10, (Metric("Pods", "requests_per_second", 1_000_000),),
               Rules(0, (Policy("Pods", 100, 15),)), Rules(0, (Policy("Pods", 100, 15),)))
SMALL_NODES = NodeGroup("m6i.large", 1, 4, allocatable_pods=10, allocatable_cpu_millicores=2000,
                        allocatable_memory_mib=4000, fixed_demand=(PodDemand("system", 1, 500, 1000),))
QUIET_ASG = AutoScalingGroupModel("m6i.large", 1, 1, 1, 0, (AsgPolicy("cpu", "ASGAverageCPUUtilization", 100.0, 1.0),))
TIERS = FixedTiers(2, "db.r6g.large", "db.r6g.large", 1, True, "valkey", "cache.r7g.large", 2, "kafka.m7g.large", 3)


def inputs(hpa: HpaSpec = FAST, nodes: NodeGroup = SMALL_NODES, asg: AutoScalingGroupModel = QUIET_ASG) -> StackInputs:
    return StackInputs("test", "us-east-1", hpa, 500, 512, nodes, asg, TIERS)


def curve(*rows: tuple[int, float]):
    return parse_load("seconds,requests_per_second\n" + "\n".join(f"{t},{r}" for t, r in rows))


# ---------------------------------------------------------------- load file

def test_load_is_a_step_function_ending_at_the_last_row():
    load = curve((0, 100), (40, 200), (60, 0))
    assert load.sampled(15) == [100, 100, 100, 200, 0]     # t = 0, 15, 30, 45, 60
    assert load.end == 60


@pytest.mark.parametrize("text, message", [
    ("", r"row 1: header '\(empty file\)'; expected seconds,requests_per_second"),
    ("time,rps\n0,1\n", r"row 1: header 'time,rps'"),
    ("seconds,requests_per_second\n0,1\n30,x\n", r"row 3: requests_per_second 'x' is not a number"),
    ("seconds,requests_per_second\n0,1\n30,-2\n", r"row 3: requests_per_second -2 is negative"),
    ("seconds,requests_per_second\n0,1\n-30,2\n", r"row 3: seconds -30 is negative"),
    ("seconds,requests_per_second\n0,1\n60,2\n30,2\n", r"row 4: seconds 30 is not after the previous row's 60"),
    ("seconds,requests_per_second\n0,1\n0,2\n", r"row 3: seconds 0 is not after the previous row's 0"),
    ("seconds,requests_per_second\n10,1\n20,2\n", r"row 2: the first row is at 10 s; expected 0"),
    ("seconds,requests_per_second\n0,1\n1.5,2\n", r"row 3: seconds 1.5 is not a whole number"),
    ("seconds,requests_per_second\n0,1,2\n", r"row 2: 3 column\(s\)"),
    ("seconds,requests_per_second\n0,1\n", r"1 data row\(s\); expected at least two"),
    ("seconds,requests_per_second\n0,1\n30,nan\n", r"row 3: requests_per_second 'nan' is not a finite number"),
])
def test_bad_load_files_name_the_row_and_the_problem(text, message):
    with pytest.raises(LoadFileError, match=message):
        parse_load(text, "load.csv")


# ---------------------------------------------------------------- nodes

def test_pods_pack_by_requests_beside_the_fixed_pods():
    # One node: pods 10 - 1 = 9, CPU (2000 - 500) // 500 = 3, memory (4000 - 1000) // 512 = 5 -> 3.
    assert pods_that_fit(SMALL_NODES, 1, 500, 512) == 3
    assert pods_that_fit(SMALL_NODES, 2, 500, 512) == 7        # CPU 3500 // 500
    assert nodes_needed(SMALL_NODES, 5, 500, 512) == 2
    assert nodes_needed(SMALL_NODES, 0, 500, 512) == 1         # never below the group's minimum
    assert nodes_needed(SMALL_NODES, 20, 500, 512) == 4        # 15 fit at the maximum: capped


def test_pending_pods_wait_for_a_node_then_serve():
    # t=0: 2 pods at 3000/s each -> 6 (Pods +100 per 15 s). One node holds 3: 1 new pod is scheduled (Ready at
    #      once with --pod-ready-seconds 0), 3 stay pending; the autoscaler wants 2 nodes, Ready at t=30.
    # t=15: 3 Ready at 2000/s and 3 unready -> 6000/6 = 1000/s -> within tolerance: 6.
    # t=30: the node is Ready after the HPA's sync; the 3 pending pods are scheduled and Ready.
    result = simulate(inputs(), curve((0, 6000), (60, 6000)), Options(pod_ready_seconds=0, node_ready_seconds=30), 2)
    series = {k: [tick[k] for tick in result.ticks] for k in ("pods", "ready_pods", "pending_pods", "nodes", "ready_nodes")}
    assert series == {"pods": [6, 6, 6, 6], "ready_pods": [3, 3, 6, 6], "pending_pods": [3, 3, 0, 0],
                      "nodes": [2, 2, 2, 2], "ready_nodes": [1, 1, 2, 2]}
    assert result.summary["node_group"] == {"instance_type": "m6i.large", "min_size": 1, "max_size": 4,
                                            "workload_pods_at_max_size": 15, "max_replicas_fit": True}


def test_unneeded_nodes_leave_after_the_autoscaler_delays():
    # As above, then no load from t=60: the HPA goes to minReplicas (2) at once (no down window), one node is
    # enough from t=60, unneeded for 30 s at t=90 and 90 s after the scale-up: removed.
    options = Options(pod_ready_seconds=0, node_ready_seconds=30, node_scale_down_unneeded_seconds=30,
                      node_scale_down_delay_after_add_seconds=30)
    result = simulate(inputs(), curve((0, 6000), (60, 0), (120, 0)), options, 2)
    assert [(tick["t"], tick["pods"], tick["nodes"]) for tick in result.ticks] == [
        (0, 6, 2), (15, 6, 2), (30, 6, 2), (45, 6, 2), (60, 2, 2), (75, 2, 2), (90, 2, 1), (105, 2, 1)]


def test_max_replicas_that_do_not_fit_are_reported():
    hpa = HpaSpec(2, 20, FAST.metrics, FAST.scale_up, FAST.scale_down)
    result = simulate(inputs(hpa), curve((0, 30000), (120, 30000)), Options(pod_ready_seconds=0, node_ready_seconds=15), 2)
    assert result.summary["node_group"]["max_replicas_fit"] is False
    # 20 pods at once (t=0), the group's 4 nodes Ready from t=15 hold 15: 5 stay pending for good.
    assert [(tick["pods"], tick["ready_pods"], tick["pending_pods"]) for tick in result.ticks[-2:]] == [(20, 15, 5)] * 2


# ---------------------------------------------------------------- HPA through the simulation

DESIGN_UP = HpaSpec(2, 50, FAST.metrics, Rules(0, (Policy("Percent", 100, 30), Policy("Pods", 5, 30))),
                    Rules(300, (Policy("Percent", 50, 60),)))
BIG_NODES = NodeGroup("m6i.xlarge", 3, 12, 56, 3795, 14407, ())


@pytest.mark.parametrize("ready_seconds, ready", [(0, [7, 7, 14, 14, 20, 20, 20]), (30, [2, 2, 7, 7, 14, 14, 20])])
def test_a_sudden_overload_shows_its_first_step_at_t0(ready_seconds, ready):
    # 20,000/s from t=0 with 1,000/s per pod: 2 -> 7 -> 14 -> 20 (see test_simulator_hpa). With 30 s to Ready the
    # new pods are unready at the next sync and count as 0 on a scale-up, which gives the same 20 here.
    result = simulate(inputs(DESIGN_UP, BIG_NODES), curve((0, 20000), (105, 20000)),
                      Options(pod_ready_seconds=ready_seconds), 2)
    assert [tick["t"] for tick in result.ticks] == [0, 15, 30, 45, 60, 75, 90]
    assert [tick["pods"] for tick in result.ticks] == [7, 7, 14, 14, 20, 20, 20]
    assert [tick["ready_pods"] for tick in result.ticks] == ready
    summary = result.summary
    assert (summary["seconds_to_peak_pods"], summary["first_scale_down_at"], summary["pod_seconds"]) == (
        60, None, 15 * (7 + 7 + 14 + 14 + 20 + 20 + 20))
    # Short of capacity while the load per Ready pod is above 1,100/s: 20,000 > 1.1 x 1,000 x Ready.
    assert summary["seconds_short_of_capacity"] == 15 * sum(1 for n in ready if 20000 > 1100 * n)


def test_metrics_flag_drives_the_run_with_some_metrics():
    hpa = HpaSpec(2, 50, (Metric("Resource", "cpu", 70), *FAST.metrics), FAST.scale_up, FAST.scale_down)
    load = curve((0, 1000), (60, 1000))
    # 2 pods at 500/s: CPU 25m + 0.25 x 500 = 150m of 500m = 30 % -> ceil(0.43 x 2) = 1 -> min 2; the requests
    # metric says ceil(0.5 x 2) = 1 too. With a CPU cost of 2m per request/s CPU says ceil(1025/500*100/70*2)=6.
    heavy = Options(pod_ready_seconds=0, cpu_millicores_per_rps=2.0)
    assert simulate(inputs(hpa, BIG_NODES), load, heavy, 2).ticks[0]["pods"] == 6
    only_requests = Options(pod_ready_seconds=0, cpu_millicores_per_rps=2.0, metrics=("requests_per_second",))
    assert simulate(inputs(hpa, BIG_NODES), load, only_requests, 2).ticks[0]["pods"] == 2


def test_daily_example_runs_5760_syncs():
    from simulator.load import read_load
    result = simulate(inputs(DESIGN_UP, BIG_NODES), read_load(ROOT / "examples" / "load_daily.csv"), Options(), 2)
    assert len(result.ticks) == 5760 and result.ticks[-1]["t"] == 86385


# ---------------------------------------------------------------- Auto Scaling group

def test_target_tracking_scales_out_after_three_datapoints_and_in_after_fifteen():
    model = AutoScalingGroupModel("m6i.large", 1, 10, 2, 120, (AsgPolicy("cpu", "ASGAverageCPUUtilization", 50.0, 1.0),))
    options = Options(cpu_base_millicores=0, cpu_millicores_per_rps=1.0, instance_ready_seconds=90)
    asg = AutoScalingGroupSim(model, 1, options)   # 1 vCPU: CPU % = requests/s per instance / 10
    counts = {}
    for t in range(0, 1500, 15):
        if t and t % 60 == 0:
            asg.minute(t)
        asg.sample(t, 1500, options)
        counts[t] = len(asg.instances)
    # 750/s per instance = 75 %: datapoints 75 at t=60, 120, 180 -> the third breach: ceil(2 x 75/50) = 3.
    # The third instance serves from t=270; the minute ending at 300 averages 75, 75, 50, 50 = 62.5 -> ceil(3 x
    # 62.5/50) = 4, serving from 390 (37.5 %). Scale-in needs 15 datapoints below 45 %: 43.75 at t=420, then
    # 37.5: the 15th at t=1260, after the warm-up (510), to ceil(4 x 37.5/50) = 3.
    assert [counts[t] for t in (165, 180, 285, 300, 1245, 1260, 1485)] == [2, 3, 3, 4, 4, 3, 3]


def test_request_count_policy_uses_requests_per_minute_per_target():
    model = AutoScalingGroupModel("m6i.large", 1, 10, 2, 0, (AsgPolicy("requests-a", "ALBRequestCountPerTarget", 600.0, 0.5),))
    options = Options(instance_ready_seconds=0)
    asg = AutoScalingGroupSim(model, 2, options)
    for t in range(0, 181, 15):
        if t and t % 60 == 0:
            asg.minute(t)
        asg.sample(t, 100, options)
    # 100/s, half to this target group, over 2 instances: 100 x 0.5 x 60 / 2 = 1,500 per minute per target,
    # 2.5 x the target -> ceil(2 x 2.5) = 5 after three datapoints.
    assert asg.datapoints[0] == [1500.0, 1500.0, 1500.0]
    assert len(asg.instances) == 5


# ---------------------------------------------------------------- costs

def test_cost_table_per_tier():
    prices = PriceTable({**load_prices().data, "ec2_per_hour": {"m6i.large": {"usd": 0.1, "vcpus": 2}},
                         "rds_postgresql_single_az_per_hour": {"db.r6g.large": {"usd": 0.2, "vcpus": 2}},
                         "elasticache_per_node_hour": {"valkey": {"cache.r7g.large": 0.15}},
                         "msk_broker_per_hour": {"kafka.m7g.large": 0.25}, "eks_cluster_per_hour": 0.1,
                         "rds_proxy_per_vcpu_hour": 0.015, "rds_proxy_minimum_vcpus": 2, "hours_per_month": 730},
                        Path("prices.json"))
    table = cost_table(inputs(nodes=SMALL_NODES, asg=AutoScalingGroupModel("m6i.large", 2, 20, 5, 0, ())), prices,
                       run_seconds=7200, instance_hours=10.0, node_hours=3.0)
    lines = {line["tier"]: line for line in table["tiers"]}
    assert (lines["instances (Auto Scaling group)"]["monthly_usd_at_min"],
            lines["instances (Auto Scaling group)"]["monthly_usd_at_max"],
            lines["instances (Auto Scaling group)"]["run_usd"]) == (146.0, 1460.0, 1.0)
    assert lines["node group (EKS)"]["run_usd"] == 0.3
    # 2 Multi-AZ primaries bill 4 instances; 2 replicas; proxies bill 2 vCPUs each.
    assert (lines["RDS primaries (Multi-AZ)"]["min_count"], lines["RDS primaries (Multi-AZ)"]["monthly_usd_at_min"]) == (
        4, 584.0)
    assert lines["RDS read replicas"]["monthly_usd_at_max"] == 292.0
    assert lines["RDS proxies"]["monthly_usd_at_min"] == 43.8
    assert (lines["cache nodes"]["monthly_usd_at_min"], lines["Kafka brokers"]["run_usd"]) == (219.0, 1.5)
    assert table["monthly_usd_at_min"] == round(146.0 + 1 * 0.1 * 730 + 73.0 + 584.0 + 292.0 + 43.8 + 219.0 + 547.5, 2)


def test_unknown_price_is_reported_not_guessed():
    table = cost_table(inputs(asg=AutoScalingGroupModel("x9.huge", 1, 2, 1, 0, ())), load_prices(), 3600, 1.0, 1.0)
    line = next(line for line in table["tiers"] if line["what"] == "x9.huge")
    assert line["monthly_usd_at_min"] is None and line["note"] == "no price for x9.huge in the table"
    assert table["monthly_usd_at_min"] is None


def test_price_table_says_where_and_when():
    data = json.loads((ROOT / "simulator" / "prices_us_east_1.json").read_text())
    assert data["region"] == "us-east-1" and data["recorded"] and "AWS" in data["source"]


# ---------------------------------------------------------------- the stack the program builds

@pytest.fixture(scope="module")
def prod_declared():
    from offline.engine import evaluate
    evaluation = evaluate("prod", root=ROOT)
    assert evaluation.error is None, evaluation.error
    return evaluation


def test_reads_the_hpa_the_program_declares(prod_declared):
    declared = next(r for r in prod_declared.resources if r.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    spec = dict(declared.inputs["spec"])
    assert load_stack("prod", ROOT).hpa == HpaSpec.from_spec(spec)


def test_reads_the_scaling_policies_the_program_declares(prod_declared):
    declared = sorted(r.inputs["targetTrackingConfiguration"]["targetValue"] for r in prod_declared.resources
                      if r.type == "aws:autoscaling/policy:Policy")
    asg = load_stack("prod", ROOT).asg
    assert sorted(p.target for p in asg.policies) == sorted(float(v) for v in declared)
    group = next(r for r in prod_declared.resources if r.type == "aws:autoscaling/group:Group")
    assert (asg.min_size, asg.max_size, asg.desired_capacity, asg.warmup_seconds) == (
        group.inputs["minSize"], group.inputs["maxSize"], group.inputs["desiredCapacity"],
        group.inputs["defaultInstanceWarmup"])


def test_set_overrides_a_setting_as_the_preview_does():
    assert load_stack("prod", ROOT, ["eksHpaMaxReplicas=80"]).hpa.max_replicas == 80
    assert load_stack("dev", ROOT).hpa.max_replicas != 80
