"""The HPA controller of the simulator against worked cases derived by hand from horizontal.go and
replica_calculator.go (each expected series is worked out in the comment above it)."""

from __future__ import annotations

import pytest

from simulator.hpa import (
    HorizontalController,
    HpaSpec,
    Metric,
    PodGroups,
    Policy,
    Rules,
    pods_metric_replicas,
    quantity_milli,
    resource_replicas,
)

# The design's HPA (scaling_kit/limits.py), spelled out here on purpose: these cases fix the algorithm, the
# simulator itself reads the stack's HPA through components.workload.hpa_spec (tests/tools/test_simulator.py).
DESIGN = HpaSpec(
    min_replicas=2, max_replicas=50, metrics=(Metric("Pods", "requests_per_second", 1_000_000),),
    scale_up=Rules(0, (Policy("Percent", 100, 30), Policy("Pods", 5, 30)), "Max"),
    scale_down=Rules(300, (Policy("Percent", 50, 60),), "Max"))


def run(spec: HpaSpec, start: int, proposals: list[int | None]) -> list[int]:
    """Sync every 15 s from t=0 with the given proposal of the one metric; the series of replica counts."""
    controller, current, series = HorizontalController(spec), start, []
    for i, proposal in enumerate(proposals):
        current = controller.reconcile(15 * i, current, {"m": proposal}).desired
        series.append(current)
    return series


def test_scale_up_policies_counted_per_period_from_the_period_start():
    # t=0: start 2 -> Percent 100 % gives 4, Pods 5 gives 7, Max -> 7 (event +5 at 0).
    # t=15: the +5 at 0 is inside 30 s, so the period started at 2 -> still 7.
    # t=30: the event at 0 is exactly 30 s old (not After the cutoff) -> start 7 -> 14 vs 12 -> 14.
    # t=45: start 14 - 7 = 7 -> 14.  t=60: start 14 -> 28.  t=75: 28.  t=90: start 28 -> 56 >= 40 -> 40.
    assert run(DESIGN, 2, [40] * 8) == [7, 7, 14, 14, 28, 28, 40, 40]


def test_scale_down_waits_for_the_window_then_halves_per_minute():
    # 40 is recommended until t=285, then 4. The down window keeps the highest recommendation of the last
    # 300 s: the last 40 (t=285) falls out at t=585. Then 50 % per 60 s from the period's start: 40 -> 20
    # at 585, 10 at 645, 5 at 705, and at 765 int(5 * 0.5) = 2 allows the desired 4.
    series = run(DESIGN, 40, [40] * 20 + [4] * 40)
    times = {15 * i: n for i, n in enumerate(series)}
    assert [times[t] for t in (285, 300, 570, 585, 630, 645, 690, 705, 750, 765, 885)] == [
        40, 40, 40, 20, 20, 10, 10, 5, 5, 4, 4]


def test_scale_up_stabilization_takes_the_lowest_recommendation_of_the_window():
    spec = HpaSpec(1, 20, DESIGN.metrics, Rules(45, (Policy("Pods", 100, 15),)), DESIGN.scale_down)
    # recordInitialRecommendation stores the current 3 at t=0; scale-up takes the lowest recommendation of the
    # last 45 s, so 3 holds until that record is exactly 45 s old (t=45, no longer After the cutoff).
    assert run(spec, 3, [10, 10, 10, 10, 10]) == [3, 3, 3, 10, 10]


@pytest.mark.parametrize("select, expected", [("Max", 7), ("Min", 4), ("Disabled", 2)])
def test_select_policy(select, expected):
    spec = HpaSpec(2, 50, DESIGN.metrics, Rules(0, DESIGN.scale_up.policies, select), DESIGN.scale_down)
    assert run(spec, 2, [40]) == [expected]


def test_scale_down_select_min_keeps_the_most_pods():
    rules = Rules(0, (Policy("Percent", 50, 60), Policy("Pods", 2, 60)), "Min")
    spec = HpaSpec(1, 50, DESIGN.metrics, DESIGN.scale_up, rules)
    # Start 20: Percent -> 10, Pods -> 18; Min (smallest change) -> 18; then nothing more within 60 s.
    assert run(spec, 20, [1, 1, 1, 1, 1]) == [18, 18, 18, 18, 16]


def test_clamped_to_min_and_max():
    assert run(DESIGN, 60, [60, 60]) == [50, 50]       # above maxReplicas: set to max at once
    assert run(DESIGN, 1, [1]) == [2]                  # below minReplicas: set to min at once
    assert run(DESIGN, 48, [90, 90]) == [50, 50]


def test_failed_metrics_hold_the_count_and_record_nothing():
    controller = HorizontalController(DESIGN)
    # All metrics failed: no change.
    assert controller.reconcile(0, 10, {"cpu": None, "rps": None}).desired == 10
    # One failed and the other would scale down: no change either.
    assert controller.reconcile(15, 10, {"cpu": None, "rps": 3}).desired == 10
    # One failed and the other scales up: scale up (5 pods or 100 %: 20).
    assert controller.reconcile(30, 10, {"cpu": None, "rps": 30}).desired == 20
    # No recommendation was recorded by the failed syncs: only the initial 10 and the 30 at t=30.
    assert [r for _, r in controller.recommendations] == [10, 30]


def test_maximum_over_metrics():
    controller = HorizontalController(DESIGN)
    assert controller.reconcile(0, 4, {"cpu": 5, "memory": 3, "rps": 6}).desired == 6


def pods(ready, unready=0, missing=0, rps=0.0):
    return PodGroups(ready, unready, missing, round(rps * 1000))


def test_tolerance_is_ten_percent_both_ways():
    target = 1_000_000  # 1000 requests/s in milli
    assert pods_metric_replicas(10, target, pods(10, rps=1100)) == 10     # ratio 1.1: within
    assert pods_metric_replicas(10, target, pods(10, rps=1101)) == 12     # ceil(1.101 x 10)
    assert pods_metric_replicas(10, target, pods(10, rps=900)) == 10
    assert pods_metric_replicas(10, target, pods(10, rps=899)) == 9       # ceil(8.99)


def test_unready_pods_count_as_zero_on_scale_up():
    target = 1_000_000
    # 2 Ready pods at 1500/s, 2 unready: 3000/4 = 750/s -> the direction would flip: keep 4.
    assert pods_metric_replicas(4, target, pods(2, unready=2, rps=1500)) == 4
    # 2 Ready at 3000/s, 2 unready: 6000/4 = 1500/s -> ceil(1.5 x 4) = 6.
    assert pods_metric_replicas(4, target, pods(2, unready=2, rps=3000)) == 6
    # No Ready pod: the metric fails.
    assert pods_metric_replicas(4, target, pods(0, unready=4)) is None


def test_missing_pods_count_as_target_on_scale_down_and_zero_on_scale_up():
    target = 1_000_000
    # 4 Ready at 500/s, 4 missing: (2000 + 4 x 1000) / 8 = 750 -> ceil(0.75 x 8) = 6.
    assert pods_metric_replicas(8, target, pods(4, missing=4, rps=500)) == 6
    # 4 Ready at 2000/s, 4 missing: 8000 / 8 = 1000 -> within tolerance -> 8.
    assert pods_metric_replicas(8, target, pods(4, missing=4, rps=2000)) == 8


def test_resource_utilization_is_an_integer_percent_of_the_requests():
    # 3 pods at 349m of 500m: (1047 x 100) // 1500 = 69 % -> 69/70 within tolerance -> unchanged.
    assert resource_replicas(3, 70, PodGroups(3, 0, 0, 349, 500)) == 3
    # 3 pods at 450m: 90 % -> 90/70 = 1.2857 -> ceil(3.857) = 4.
    assert resource_replicas(3, 70, PodGroups(3, 0, 0, 450, 500)) == 4
    # Missing pods on a scale-down count at max(100 %, target) of their request: 4 Ready at 50m and 2 missing
    # at 500m = 1200 of 3000 = 40 % -> 40/70 -> ceil(0.571 x 6) = 4 (the Ready pods alone would say 1).
    assert resource_replicas(6, 70, PodGroups(4, 0, 2, 50, 500)) == 4


@pytest.mark.parametrize("text, milli", [("1000", 1_000_000), ("500m", 500), ("1.5", 1500), ("2k", 2_000_000),
                                         ("0.0005", 1)])
def test_quantity_milli(text, milli):
    assert quantity_milli(text) == milli


def test_quantity_milli_rejects_garbage():
    with pytest.raises(ValueError, match=r"averageValue: 'ten' is not a Kubernetes quantity"):
        quantity_milli("ten")


def test_only_some_metrics():
    spec = HpaSpec(2, 50, (Metric("Resource", "cpu", 70), *DESIGN.metrics), DESIGN.scale_up, DESIGN.scale_down)
    assert [m.name for m in spec.only(["requests_per_second"]).metrics] == ["requests_per_second"]
    with pytest.raises(ValueError, match=r"--metrics: rps names no metric of this HPA; expected a comma-separated "
                                         r"choice of cpu,requests_per_second"):
        spec.only(["rps"])
