"""The simulator's model: load files, pods on nodes, the weighted split over the backends, the EC2 pools'
target tracking, costs, and the stack it reads.

Exact series are worked out by hand in the comments; synthetic stacks keep them independent of the stack
files (unless a test says otherwise the pods are the only backend and get the whole load), and the last
tests check that the simulator reads the HPA, the weights and each pool's scaling policies the program
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
from simulator.stack_inputs import (
    AsgPolicy,
    AutoScalingGroupModel,
    Backend,
    FixedTiers,
    NodeGroup,
    StackInputs,
    load_stack,
    shares,
)
from tests.conftest import OPERATOR_VALUES_FILE, evaluate_stack

ROOT = Path(__file__).resolve().parents[2]
PROD_VALUES = (OPERATOR_VALUES_FILE,)

FAST = HpaSpec(2, 10, (Metric("Pods", "requests_per_second", 1_000_000),),
               Rules(0, (Policy("Pods", 100, 15),)), Rules(0, (Policy("Pods", 100, 15),)))
SMALL_NODES = NodeGroup("m6i.large", 1, 4, allocatable_pods=10, allocatable_cpu_millicores=2000,
                        allocatable_memory_mib=4000, fixed_demand=(PodDemand("system", 1, 500, 1000),))
PODS_ONLY = (Backend("pods", 1, "eks", 1.0),)
TIERS = FixedTiers(2, "db.r6g.large", "db.r6g.large", 1, True, "valkey", "cache.r7g.large", 2, "kafka.m7g.large", 3)
NO_POOLS: dict[str, int] = {}   # vCPUs by instance type: no EC2 pool, none needed


def inputs(hpa: HpaSpec = FAST, nodes: NodeGroup = SMALL_NODES, backends: tuple[Backend, ...] = PODS_ONLY,
           pools: tuple[AutoScalingGroupModel, ...] = ()) -> StackInputs:
    return StackInputs("test", "us-east-1", hpa, 500, 512, nodes, backends, pools, TIERS)


def pool(backend: str, *policies: AsgPolicy, instance_type: str = "m6i.large", bounds=(1, 20, 2),
         warmup: int = 0) -> AutoScalingGroupModel:
    return AutoScalingGroupModel(backend, instance_type, *bounds, warmup, policies)


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
    result = simulate(inputs(), curve((0, 6000), (60, 6000)), Options(pod_ready_seconds=0, node_ready_seconds=30), NO_POOLS)
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
    result = simulate(inputs(), curve((0, 6000), (60, 0), (120, 0)), options, NO_POOLS)
    assert [(tick["t"], tick["pods"], tick["nodes"]) for tick in result.ticks] == [
        (0, 6, 2), (15, 6, 2), (30, 6, 2), (45, 6, 2), (60, 2, 2), (75, 2, 2), (90, 2, 1), (105, 2, 1)]


def test_max_replicas_that_do_not_fit_are_reported():
    hpa = HpaSpec(2, 20, FAST.metrics, FAST.scale_up, FAST.scale_down)
    result = simulate(inputs(hpa), curve((0, 30000), (120, 30000)), Options(pod_ready_seconds=0, node_ready_seconds=15), NO_POOLS)
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
                      Options(pod_ready_seconds=ready_seconds), NO_POOLS)
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
    assert simulate(inputs(hpa, BIG_NODES), load, heavy, NO_POOLS).ticks[0]["pods"] == 6
    only_requests = Options(pod_ready_seconds=0, cpu_millicores_per_rps=2.0, metrics=("requests_per_second",))
    assert simulate(inputs(hpa, BIG_NODES), load, only_requests, NO_POOLS).ticks[0]["pods"] == 2


def test_daily_example_runs_5760_syncs():
    from simulator.load import read_load
    result = simulate(inputs(DESIGN_UP, BIG_NODES), read_load(ROOT / "examples" / "load_daily.csv"), Options(),
                      NO_POOLS)
    assert len(result.ticks) == 5760 and result.ticks[-1]["t"] == 86385


# ---------------------------------------------------------------- Auto Scaling group

def test_target_tracking_scales_out_after_three_datapoints_and_in_after_fifteen():
    model = pool("a", AsgPolicy("cpu", "ASGAverageCPUUtilization", 50.0), bounds=(1, 10, 2), warmup=120)
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
    model = pool("a", AsgPolicy("requests-a", "ALBRequestCountPerTarget", 600.0), bounds=(1, 10, 2))
    options = Options(instance_ready_seconds=0)
    asg = AutoScalingGroupSim(model, 2, options)
    for t in range(0, 181, 15):
        if t and t % 60 == 0:
            asg.minute(t)
        asg.sample(t, 50, options)
    # 50/s to this pool's target group over 2 instances: 50 x 60 / 2 = 1,500 per minute per target,
    # 2.5 x the target -> ceil(2 x 2.5) = 5 after three datapoints.
    assert asg.datapoints[0] == [1500.0, 1500.0, 1500.0]
    assert len(asg.instances) == 5


# ---------------------------------------------------------------- the weighted split over the backends

# Weights 5 / 3 / 2 of 10: pool a 50 %, pool b 30 %, the pods 20 %.
SPLIT = shares([("a", 5, "ec2"), ("b", 3, "ec2"), ("pods", 2, "eks")])
# 60,000 requests per minute per instance = 1,000/s per instance.
PER_INSTANCE = AsgPolicy("requests", "ALBRequestCountPerTarget", 60_000.0)


def test_shares_are_weight_over_the_sum_of_all_weights():
    assert [(b.name, b.share) for b in SPLIT] == [("a", 0.5), ("b", 0.3), ("pods", 0.2)]
    # Every weight 0: the load balancer routes nothing anywhere, not a division by zero.
    assert [b.share for b in shares([("a", 0, "ec2"), ("b", 0, "eks")])] == [0.0, 0.0]


def test_each_pool_scales_on_its_own_share_and_the_pods_get_the_eks_share():
    # 20,000/s for 240 s (syncs 0..225). The pods get 20 % = 4,000/s: 2 pods at 2,000/s, twice the 1,000/s target
    # -> 4 at t=0 (FAST allows +100 pods), then 1,000/s each: within tolerance, 4 for good.
    # Pool a gets 10,000/s over 2 instances = 300,000 per minute per instance, 5 x its target; pool b 6,000/s =
    # 180,000, 3 x. Datapoints at t=60, 120, 180: the third breach at t=180 -> a: ceil(2 x 5) = 10,
    # b: ceil(2 x 3) = 6, serving at once (--instance-ready-seconds 0), then exactly at target: no more.
    stack = inputs(DESIGN_UP, BIG_NODES, SPLIT, (pool("a", PER_INSTANCE), pool("b", PER_INSTANCE)))
    result = simulate(stack, curve((0, 20000), (240, 20000)), Options(pod_ready_seconds=0, instance_ready_seconds=0),
                      {"m6i.large": 2})
    ticks = result.ticks
    assert {tick["pod_load"] for tick in ticks} == {4000.0} and {tick["pods"] for tick in ticks} == {4}
    assert [(tick["t"], tick["pools"]["a"]["instances"], tick["pools"]["b"]["instances"], tick["instances"])
            for tick in ticks if tick["t"] in (165, 180, 225)] == [(165, 2, 2, 4), (180, 10, 6, 16), (225, 10, 6, 16)]
    pools = result.summary["pools"]
    # a: 2 instances for 180 s and 10 for 60 s; b: 2 for 180 s and 6 for 60 s.
    assert (pools["a"]["peak_instances"], pools["a"]["instance_hours"]) == (10, (2 * 180 + 10 * 60) / 3600)
    assert (pools["b"]["peak_instances"], pools["b"]["instance_hours"]) == (6, (2 * 180 + 6 * 60) / 3600)
    assert (pools["a"]["share"], pools["b"]["share"]) == (0.5, 0.3)
    assert result.summary["instance_hours"] == pytest.approx((2 * 180 + 10 * 60 + 2 * 180 + 6 * 60) / 3600)
    assert result.summary["peak"]["instances"] == 16 and result.summary["pods_scale_on_requests"] is True
    assert result.summary["backends"][2] == {"name": "pods", "weight": 2, "platform": "eks", "share": 0.2}


@pytest.mark.parametrize("backends", [shares([("a", 1, "ec2"), ("b", 1, "ec2")]),
                                      shares([("a", 1, "ec2"), ("pods", 0, "eks")])],
                         ids=["all-ec2", "eks-weight-0"])
def test_without_an_eks_share_no_pods_scale_on_requests(backends):
    # Every request goes to the pools: the pods see 0/s (requests metric 0 -> minReplicas) and idle CPU
    # (25m of 500m = 5 %) and memory (200 of 512 MiB = 39 %), both below 70 %: they stay at 2.
    hpa = HpaSpec(2, 50, (Metric("Resource", "cpu", 70), Metric("Resource", "memory", 70), *FAST.metrics),
                  FAST.scale_up, FAST.scale_down)
    pools = tuple(pool(b.name, PER_INSTANCE) for b in backends if b.platform == "ec2")
    result = simulate(inputs(hpa, BIG_NODES, backends, pools), curve((0, 50000), (120, 50000)), Options(),
                      {"m6i.large": 2})
    assert {(tick["pod_load"], tick["pods"]) for tick in result.ticks} == {(0.0, 2)}
    assert result.summary["pods_scale_on_requests"] is False and result.summary["seconds_short_of_capacity"] == 0
    assert any("no pods scale on requests" in line for line in result.assumptions)


def test_pools_must_match_the_ec2_backends():
    with pytest.raises(ValueError, match=r"pools \['b'\] do not match the ec2 backends \['a', 'b'\]"):
        inputs(backends=SPLIT, pools=(pool("b", PER_INSTANCE),))


def test_a_pool_type_without_vcpus_is_refused():
    stack = inputs(backends=shares([("a", 1, "ec2")]), pools=(pool("a", PER_INSTANCE, instance_type="x9.huge"),))
    with pytest.raises(ValueError, match="x9.huge"):
        simulate(stack, curve((0, 1), (60, 1)), Options(), {"m6i.large": 2})


# ---------------------------------------------------------------- costs

def test_cost_table_per_tier():
    prices = PriceTable({**load_prices().data, "ec2_per_hour": {"m6i.large": {"usd": 0.1, "vcpus": 2}},
                         "rds_postgresql_single_az_per_hour": {"db.r6g.large": {"usd": 0.2, "vcpus": 2}},
                         "elasticache_per_node_hour": {"valkey": {"cache.r7g.large": 0.15}},
                         "msk_broker_per_hour": {"kafka.m7g.large": 0.25}, "eks_cluster_per_hour": 0.1,
                         "rds_proxy_per_vcpu_hour": 0.015, "rds_proxy_minimum_vcpus": 2, "hours_per_month": 730},
                        Path("prices.json"))
    two_pools = inputs(backends=shares([("a", 1, "ec2"), ("b", 1, "ec2")]),
                       pools=(pool("a", bounds=(2, 20, 5)), pool("b", bounds=(1, 4, 2))))
    table = cost_table(two_pools, prices, run_seconds=7200, instance_hours={"a": 10.0, "b": 2.0}, node_hours=3.0)
    lines = {line["tier"]: line for line in table["tiers"]}
    # Each pool at its own bounds: a 2 and 20 x $0.1 x 730 h, b 1 and 4; the run bills each pool's hours.
    assert [(line["tier"], line["monthly_usd_at_min"], line["monthly_usd_at_max"], line["run_usd"])
            for line in table["tiers"][:2]] == [("instances (pool a)", 146.0, 1460.0, 1.0),
                                                ("instances (pool b)", 73.0, 292.0, 0.2)]
    assert lines["node group (EKS)"]["run_usd"] == 0.3
    # 2 Multi-AZ primaries bill 4 instances; 2 replicas; proxies bill 2 vCPUs each.
    assert (lines["RDS primaries (Multi-AZ)"]["min_count"], lines["RDS primaries (Multi-AZ)"]["monthly_usd_at_min"]) == (
        4, 584.0)
    assert lines["RDS read replicas"]["monthly_usd_at_max"] == 292.0
    assert lines["RDS proxies"]["monthly_usd_at_min"] == 43.8
    assert (lines["cache nodes"]["monthly_usd_at_min"], lines["Kafka brokers"]["run_usd"]) == (219.0, 1.5)
    assert table["monthly_usd_at_min"] == round(146.0 + 73.0 + 1 * 0.1 * 730 + 73.0 + 584.0 + 292.0 + 43.8 + 219.0 +
                                                547.5, 2)
    assert table["run_usd"] == round(1.0 + 0.2 + 0.3 + 0.1 * 2 + 4 * 0.2 * 2 + 2 * 0.2 * 2 + 2 * 0.03 * 2 +
                                     2 * 0.15 * 2 + 3 * 0.25 * 2, 2)


def test_unknown_price_is_reported_not_guessed():
    stack = inputs(backends=shares([("a", 1, "ec2")]), pools=(pool("a", instance_type="x9.huge", bounds=(1, 2, 1)),))
    table = cost_table(stack, load_prices(), 3600, {"a": 1.0}, 1.0)
    line = next(line for line in table["tiers"] if line["what"] == "x9.huge")
    assert line["monthly_usd_at_min"] is None and line["note"] == "no price for x9.huge in the table"
    assert table["monthly_usd_at_min"] is None


def test_price_table_says_where_and_when():
    data = json.loads((ROOT / "simulator" / "prices_us_east_1.json").read_text())
    assert data["region"] == "us-east-1" and data["recorded"] and "AWS" in data["source"]


# ---------------------------------------------------------------- the stack the program builds

@pytest.fixture(scope="module")
def prod_declared():
    evaluation = evaluate_stack("prod")     # with the operator values, as the --set-file below
    assert evaluation.error is None, evaluation.error
    return evaluation


@pytest.fixture(scope="module")
def prod_inputs():
    return load_stack("prod", ROOT, set_files=PROD_VALUES)


def test_prod_needs_the_operator_values_as_the_program_does():
    from stack.config import ConfigurationError
    with pytest.raises(ConfigurationError, match="scaling:appImage"):
        load_stack("prod", ROOT)


def test_reads_the_hpa_the_program_declares(prod_declared, prod_inputs):
    declared = next(r for r in prod_declared.resources if r.type == "kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    spec = dict(declared.inputs["spec"])
    assert prod_inputs.hpa == HpaSpec.from_spec(spec)


def test_reads_the_weights_and_platforms_the_load_balancer_declares(prod_declared, prod_inputs):
    listener = next(r for r in prod_declared.resources
                    if r.type == "aws:lb/listener:Listener" and r.inputs["defaultActions"][0]["type"] == "forward")
    weights = [group["weight"] for group in listener.inputs["defaultActions"][0]["forward"]["targetGroups"]]
    assert [float(b.weight) for b in prod_inputs.backends] == weights
    target_types = {r.name: r.inputs["targetType"] for r in prod_declared.resources
                    if r.type == "aws:lb/targetGroup:TargetGroup"}
    # The eks backend's target group takes pod IPs, an ec2 backend's takes instances.
    assert [target_types[f"edge-lb-tg-{b.name}"] for b in prod_inputs.backends] == [
        "ip" if b.platform == "eks" else "instance" for b in prod_inputs.backends]
    assert prod_inputs.pod_share == pytest.approx(3 / 13)       # the design's 5/5/3 with api3 on EKS


def test_reads_each_pools_scaling_policies_the_program_declares(prod_declared, prod_inputs):
    from stack.edge import Backend as EdgeBackend
    from stack.edge import pool_name
    assert [p.backend for p in prod_inputs.pools] == ["api1", "api2"]
    for index, model in enumerate(prod_inputs.pools):
        component = pool_name("", EdgeBackend(model.backend, 0, "ec2", index))
        group = next(r for r in prod_declared.resources
                     if r.type == "aws:autoscaling/group:Group" and r.parent.endswith(f"::{component}"))
        assert (model.min_size, model.max_size, model.desired_capacity, model.warmup_seconds) == (
            group.inputs["minSize"], group.inputs["maxSize"], group.inputs["desiredCapacity"],
            group.inputs["defaultInstanceWarmup"])
        tracking = [r.inputs["targetTrackingConfiguration"] for r in prod_declared.resources
                    if r.type == "aws:autoscaling/policy:Policy" and r.parent == group.urn]
        declared = sorted((c["predefinedMetricSpecification"]["predefinedMetricType"], float(c["targetValue"]))
                          for c in tracking)
        assert sorted((p.metric, p.target) for p in model.policies) == declared


def test_an_all_ec2_layout_has_a_pool_per_backend_and_no_pod_share():
    stack = load_stack("dev", ROOT, ['lbBackendPlatforms=["ec2","ec2","ec2"]'])
    assert [p.backend for p in stack.pools] == ["api1", "api2", "api3"] and stack.pod_share == 0
    assert [round(stack.share_of(p), 4) for p in stack.pools] == [round(5 / 13, 4), round(5 / 13, 4), round(3 / 13, 4)]


def test_set_overrides_a_setting_as_the_preview_does():
    # 80 pods need more nodes than prod's 12 (the preflight's capacity check): raise both, as a user would.
    assert load_stack("prod", ROOT, ["eksHpaMaxReplicas=80", "eksNodeMaxSize=16"], PROD_VALUES).hpa.max_replicas == 80
    assert load_stack("dev", ROOT).hpa.max_replicas != 80
