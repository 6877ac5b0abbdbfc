"""The Horizontal Pod Autoscaler controller, as kube-controller-manager computes it, in integer seconds.

Followed function by function from kubernetes/kubernetes ``pkg/controller/podautoscaler``:

* ``horizontal.go`` ``reconcileAutoscaler``: the min/max guards, ``computeReplicasForMetrics`` (maximum
  over metrics; no change when every metric fails, or when some fail and the others would scale down),
  ``normalizeDesiredReplicasWithBehaviors`` = ``stabilizeRecommendationWithBehaviors`` then
  ``convertDesiredReplicasWithBehaviorRate`` (``calculateScaleUpLimitWithScalingRules`` /
  ``calculateScaleDownLimitWithBehaviors`` over ``getReplicasChangePerPeriod``), ``storeScaleEvent`` and
  ``recordInitialRecommendation``.
* ``replica_calculator.go`` ``GetResourceReplicas`` and ``calcPlainMetricReplicas`` (ready, unready and
  missing pods; tolerance 0.1 both ways) with ``metrics/utilization.go`` ``GetResourceUtilizationRatio``
  (integer percent) and ``GetMetricUsageRatio`` (integer milli-value average).

Time is whole seconds. The controller compares timestamps with ``time.After(now - window)``: a record
made exactly ``window`` seconds ago no longer counts. In a real cluster a sync comes slightly more than
15 s after the previous one (the work queue re-adds the key after processing), so a record that is
"exactly" one window old there is in fact a little older: the strict comparison is the faithful one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

SYNC_PERIOD_SECONDS = 15     # --horizontal-pod-autoscaler-sync-period default
TOLERANCE = 0.1              # --horizontal-pod-autoscaler-tolerance default
SELECT_POLICIES = ("Max", "Min", "Disabled")
_QUANTITY = re.compile(r"([0-9]+(?:\.[0-9]+)?)(m|k|M|G|Ki|Mi|Gi)?")
_SUFFIX_MILLI = {None: 1000, "m": 1, "k": 1000 ** 2, "M": 1000 ** 3, "G": 1000 ** 4,
                 "Ki": 1024 * 1000, "Mi": 1024 ** 2 * 1000, "Gi": 1024 ** 3 * 1000}


def quantity_milli(text: str) -> int:
    """A Kubernetes quantity as its ``MilliValue()`` (rounded up, as resource.Quantity does)."""
    match = _QUANTITY.fullmatch(text)
    if not match:
        raise ValueError(f"averageValue: {text!r} is not a Kubernetes quantity such as \"1000\" or \"500m\"")
    number, suffix = match.groups()
    whole, _, fraction = number.partition(".")
    scale = _SUFFIX_MILLI[suffix]
    numerator = int(whole + fraction) * scale
    return -(-numerator // 10 ** len(fraction))


@dataclass(frozen=True)
class Policy:
    """One HPAScalingPolicy."""
    type: str
    value: int
    period_seconds: int


@dataclass(frozen=True)
class Rules:
    """HPAScalingRules of one direction, with the API server's defaults applied."""
    stabilization_window_seconds: int
    policies: tuple[Policy, ...]
    select_policy: str = "Max"


@dataclass(frozen=True)
class Metric:
    """One metric of the HPA: ``Resource`` (cpu/memory, ``target`` = utilization percent) or ``Pods``
    (``target`` = AverageValue in milli-units)."""
    kind: str
    name: str
    target: int


@dataclass(frozen=True)
class HpaSpec:
    """What the controller reads from the HPA object."""
    min_replicas: int
    max_replicas: int
    metrics: tuple[Metric, ...]
    scale_up: Rules
    scale_down: Rules

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> HpaSpec:
        """From the ``spec`` dict the Workload component declares (``components.workload.hpa_spec``)."""
        metrics = []
        for m in spec["metrics"]:
            if m["type"] == "Resource":
                metrics.append(Metric("Resource", m["resource"]["name"], int(m["resource"]["target"]["averageUtilization"])))
            elif m["type"] == "Pods":
                metrics.append(Metric("Pods", m["pods"]["metric"]["name"], quantity_milli(m["pods"]["target"]["averageValue"])))
            else:
                raise ValueError(f"metrics: type {m['type']!r} is not simulated; expected Resource or Pods")
        behavior = spec["behavior"]

        def rules(raw: Mapping[str, Any]) -> Rules:
            # SetDefaults_HorizontalPodAutoscalerBehavior: selectPolicy defaults to Max.
            return Rules(int(raw["stabilizationWindowSeconds"]),
                         tuple(Policy(p["type"], int(p["value"]), int(p["periodSeconds"])) for p in raw["policies"]),
                         raw.get("selectPolicy") or "Max")

        return cls(int(spec.get("minReplicas") or 1), int(spec["maxReplicas"]), tuple(metrics),
                   rules(behavior["scaleUp"]), rules(behavior["scaleDown"]))

    def only(self, names: Sequence[str]) -> HpaSpec:
        """The same HPA driven by some of its metrics (``--metrics``)."""
        known = [m.name for m in self.metrics]
        unknown = [n for n in names if n not in known]
        if unknown or not names:
            raise ValueError(f"--metrics: {','.join(names) or '(empty)'} names no metric of this HPA; "
                             f"expected a comma-separated choice of {','.join(known)}")
        return HpaSpec(self.min_replicas, self.max_replicas, tuple(m for m in self.metrics if m.name in names),
                       self.scale_up, self.scale_down)


# ------------------------------------------------------------------ replica_calculator.go

@dataclass(frozen=True)
class PodGroups:
    """The pods of the target as ``groupPods`` sorts them, all pods of a group alike: ``ready`` pods report
    ``value`` each (milli-units), ``unready`` pods (Pending, or not Ready yet) are left out, ``missing`` pods are
    Ready but have no sample."""
    ready: int
    unready: int
    missing: int
    value: int
    request: int = 0
    """Per-pod request in the same units as ``value`` (Resource metrics only)."""


def _within_tolerance(ratio: float, tolerance: float) -> bool:
    # Tolerances.isWithin: (1 - down) <= ratio <= (1 + up), one tolerance both ways by default.
    return (1.0 - tolerance) <= ratio <= (1.0 + tolerance)


def resource_replicas(current: int, target_percent: int, pods: PodGroups,
                      tolerance: float = TOLERANCE) -> Optional[int]:
    """``GetResourceReplicas``; None when the controller gets an error (no ready pod reports)."""
    if pods.ready == 0:
        return None  # "did not receive metrics for targeted pods (pods might be unready)"

    def ratio(total: int, requests: int) -> float:
        # GetResourceUtilizationRatio: currentUtilization = int32((metricsTotal * 100) / requestsTotal)
        return ((total * 100) // requests) / target_percent

    usage_ratio = ratio(pods.ready * pods.value, pods.ready * pods.request)
    scale_up_with_unready = pods.unready > 0 and usage_ratio > 1.0
    if not scale_up_with_unready and pods.missing == 0:
        if _within_tolerance(usage_ratio, tolerance):
            return current
        return math.ceil(usage_ratio * pods.ready)
    total, requests, counted = pods.ready * pods.value, pods.ready * pods.request, pods.ready
    if pods.missing:
        if usage_ratio < 1.0:
            # Scale-down: a missing pod counts as using max(100 %, target) of its request.
            total += pods.missing * (pods.request * max(100, target_percent) // 100)
            requests += pods.missing * pods.request
            counted += pods.missing
        elif usage_ratio > 1.0:
            requests += pods.missing * pods.request
            counted += pods.missing
    if scale_up_with_unready:
        requests += pods.unready * pods.request
        counted += pods.unready
    new_ratio = ratio(total, requests)
    if (_within_tolerance(new_ratio, tolerance) or (usage_ratio < 1.0 < new_ratio)
            or (usage_ratio > 1.0 > new_ratio)):
        return current
    replicas = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current
    return replicas


def pods_metric_replicas(current: int, target_milli: int, pods: PodGroups,
                         tolerance: float = TOLERANCE) -> Optional[int]:
    """``calcPlainMetricReplicas`` for a Pods metric with an AverageValue target."""
    if pods.ready == 0:
        return None

    def ratio(total: int, count: int) -> float:
        # GetMetricUsageRatio: currentUsage = metricsTotal / int64(len(metrics)) (integer division)
        return (total // count) / target_milli

    usage_ratio = ratio(pods.ready * pods.value, pods.ready)
    scale_up_with_unready = pods.unready > 0 and usage_ratio > 1.0
    if not scale_up_with_unready and pods.missing == 0:
        if _within_tolerance(usage_ratio, tolerance):
            return current
        return math.ceil(usage_ratio * pods.ready)
    total, counted = pods.ready * pods.value, pods.ready
    if pods.missing:
        if usage_ratio < 1.0:
            total += pods.missing * target_milli  # "treat missing pods as using exactly the target amount"
            counted += pods.missing
        elif usage_ratio > 1.0:
            counted += pods.missing
    if scale_up_with_unready:
        counted += pods.unready
    new_ratio = ratio(total, counted)
    if (_within_tolerance(new_ratio, tolerance) or (usage_ratio < 1.0 < new_ratio)
            or (usage_ratio > 1.0 > new_ratio)):
        return current
    replicas = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and replicas > current) or (new_ratio > 1.0 and replicas < current):
        return current
    return replicas


# ------------------------------------------------------------------ horizontal.go

@dataclass
class Decision:
    """What one sync decided, for the output."""
    desired: int
    proposals: dict[str, Optional[int]]
    reason: str


@dataclass
class HorizontalController:
    """The controller's memory of one HPA (recommendations, scale events) and its sync."""
    spec: HpaSpec
    tolerance: float = TOLERANCE
    recommendations: list[tuple[int, int]] = field(default_factory=list)
    up_events: list[tuple[int, int]] = field(default_factory=list)
    down_events: list[tuple[int, int]] = field(default_factory=list)

    def reconcile(self, now: int, current: int, proposals: Mapping[str, Optional[int]]) -> Decision:
        """``reconcileAutoscaler`` for one sync: ``proposals`` holds each metric's replica count (None when
        the metric failed). Returns the replica count written to the scale subresource."""
        spec = self.spec
        if not self.recommendations:  # recordInitialRecommendation
            self.recommendations.append((now, current))
        if current == 0 and spec.min_replicas != 0:
            return Decision(current, dict(proposals), "ScalingDisabled")
        if current > spec.max_replicas:
            desired, reason = spec.max_replicas, "above maxReplicas"
        elif current < spec.min_replicas:
            desired, reason = spec.min_replicas, "below minReplicas"
        else:
            valid = [p for p in proposals.values() if p is not None]
            invalid = len(proposals) - len(valid)
            replicas = max(valid, default=0)
            # computeReplicasForMetrics: all metrics invalid, or some invalid and the rest would scale
            # down -> error, no rescale and no recommendation recorded.
            if invalid >= len(proposals) or (invalid > 0 and replicas < current):
                return Decision(current, dict(proposals), "FailedComputeMetricsReplicas")
            stabilized = self._stabilize(now, current, replicas)
            desired, reason = self._rate_limited(now, current, stabilized)
        if desired != current:
            self._store_scale_event(now, current, desired)
        return Decision(desired, dict(proposals), reason)

    def _stabilize(self, now: int, current: int, desired: int) -> int:
        """``stabilizeRecommendationWithBehaviors``: scale up to the lowest recommendation of the up window,
        down to the highest of the down window; then record the unstabilized recommendation."""
        up_cutoff = now - self.spec.scale_up.stabilization_window_seconds
        down_cutoff = now - self.spec.scale_down.stabilization_window_seconds
        up = down = desired
        for timestamp, recommendation in self.recommendations:
            if timestamp > up_cutoff:
                up = min(recommendation, up)
            if timestamp > down_cutoff:
                down = max(recommendation, down)
        recommendation = current
        if recommendation < up:
            recommendation = up
        if recommendation > down:
            recommendation = down
        # The controller reuses one slot older than both windows; dropping them all is equivalent and keeps
        # the list short.
        oldest = min(up_cutoff, down_cutoff)
        self.recommendations = [r for r in self.recommendations if r[0] >= oldest]
        self.recommendations.append((now, desired))
        return recommendation

    def _change_in_period(self, events: list[tuple[int, int]], now: int, period: int) -> int:
        # getReplicasChangePerPeriod: events strictly after now - period.
        cutoff = now - period
        return sum(change for timestamp, change in events if timestamp > cutoff)

    def _scale_up_limit(self, now: int, current: int) -> int:
        """``calculateScaleUpLimitWithScalingRules``."""
        rules = self.spec.scale_up
        if rules.select_policy == "Disabled":
            return current
        proposals = []
        for policy in rules.policies:
            start = (current - self._change_in_period(self.up_events, now, policy.period_seconds)
                     + self._change_in_period(self.down_events, now, policy.period_seconds))
            if policy.type == "Pods":
                proposals.append(start + policy.value)
            else:  # Percent: rounded up, or a small group could never grow
                proposals.append(math.ceil(float(start) * (1 + float(policy.value) / 100)))
        return min(proposals) if rules.select_policy == "Min" else max(proposals)

    def _scale_down_limit(self, now: int, current: int) -> int:
        """``calculateScaleDownLimitWithBehaviors``."""
        rules = self.spec.scale_down
        if rules.select_policy == "Disabled":
            return current
        proposals = []
        for policy in rules.policies:
            start = (current - self._change_in_period(self.up_events, now, policy.period_seconds)
                     + self._change_in_period(self.down_events, now, policy.period_seconds))
            if policy.type == "Pods":
                proposals.append(start - policy.value)
            else:  # Percent: int32(float64(start) * (1 - value/100)) truncates
                proposals.append(int(float(start) * (1 - float(policy.value) / 100)))
        # For scale-down the "Min" policy is the smallest change, i.e. the highest count.
        return max(proposals) if rules.select_policy == "Min" else min(proposals)

    def _rate_limited(self, now: int, current: int, desired: int) -> tuple[int, str]:
        """``convertDesiredReplicasWithBehaviorRate``: the policies' limit, then min/max."""
        spec = self.spec
        if desired > current:
            limit = max(self._scale_up_limit(now, current), current)
            allowed = min(spec.max_replicas, limit)
            if desired > allowed:
                return allowed, "ScaleUpLimit" if allowed == limit and limit < spec.max_replicas else "TooManyReplicas"
        elif desired < current:
            limit = min(self._scale_down_limit(now, current), current)
            allowed = max(spec.min_replicas, limit)
            if desired < allowed:
                return allowed, "ScaleDownLimit" if allowed == limit and limit > spec.min_replicas else "TooFewReplicas"
        return desired, "DesiredWithinRange"

    def _store_scale_event(self, now: int, previous: int, new: int) -> None:
        """``storeScaleEvent``: events of this direction older than its longest policy period are marked
        outdated and the last of them is overwritten, else the event is appended. Outdated events are still
        counted by ``getReplicasChangePerPeriod`` (it looks at timestamps only) until overwritten, which
        matters when the other direction has longer periods, so the slots are kept exactly."""
        if new > previous:
            events, policies, change = self.up_events, self.spec.scale_up.policies, new - previous
        else:
            events, policies, change = self.down_events, self.spec.scale_down.policies, previous - new
        cutoff = now - max(p.period_seconds for p in policies)
        outdated = [i for i, event in enumerate(events) if event[0] < cutoff]
        if outdated:
            events[outdated[-1]] = (now, change)
        else:
            events.append((now, change))
