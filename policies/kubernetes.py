"""Kubernetes workload: the design's "Kubernetes HPA" section (ai-agent-system)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from scaling_kit.limits import HPA

from .common import HIGH, MEDIUM, as_number, fmt, get, integer, items, resource_policy, schema, string

HPA_TYPES = ("kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
             "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler")

_SUFFIXES: dict[str, Decimal | int] = {"": 1, "m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
             "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(value) -> Decimal | None:
    """A Kubernetes quantity ("1000", "1k", "500m", 1000.0) as a number; None when unparsable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return Decimal(str(value))
    match = re.fullmatch(r"\s*([0-9.]+)\s*([a-zA-Z]*)\s*", str(value or ""))
    if not match or match.group(2) not in _SUFFIXES:
        return None
    try:
        return Decimal(match.group(1)) * _SUFFIXES[match.group(2)]
    except InvalidOperation:
        return None


def _spec(args):
    return get(args.props, "spec")


def _min_replicas(args, k, violation):
    value = as_number(get(_spec(args), "minReplicas", default=1))  # Kubernetes defaults to 1
    if value < k["minReplicas"]:
        violation(f"spec.minReplicas is {fmt(value)}; keep at least {k['minReplicas']} pods for availability")


hpa_min_replicas = resource_policy(
    "kubernetes-hpa-min-replicas",
    f"HPAs keep at least the documented {HPA.min_replicas} replicas.",
    HPA_TYPES, _min_replicas, severity=HIGH,
    remediation=f"Set spec.minReplicas={HPA.min_replicas} (scaling:eksHpaMinReplicas).",
    config_schema=schema(minReplicas=integer(HPA.min_replicas, "Lowest allowed minReplicas.", 1)))


def _max_replicas(args, k, violation):
    value = as_number(get(_spec(args), "maxReplicas"))
    if value is None:
        violation(f"spec.maxReplicas is not set; the documented ceiling is {k['maxReplicas']}")
    elif value > k["maxReplicas"]:
        violation(f"spec.maxReplicas is {fmt(value)}; the documented ceiling is {k['maxReplicas']}")


hpa_max_replicas = resource_policy(
    "kubernetes-hpa-max-replicas",
    f"HPAs do not scale past the documented {HPA.max_replicas} replicas.",
    HPA_TYPES, _max_replicas, severity=HIGH,
    remediation=f"Set spec.maxReplicas to {HPA.max_replicas} or less (scaling:eksHpaMaxReplicas).",
    config_schema=schema(maxReplicas=integer(HPA.max_replicas, "Highest allowed maxReplicas.", 1)))


def _resource_target(spec, name):
    for metric in items(get(spec, "metrics")):
        if get(metric, "type") == "Resource" and get(metric, "resource", "name") == name:
            return get(metric, "resource", "target")
    return None


def _utilization_check(resource_name: str, knob_name: str):
    def check(args, k, violation):
        target = _resource_target(_spec(args), resource_name)
        expected = k[knob_name]
        if target is None:
            violation(f"no Resource metric for {resource_name}; the design scales at {expected} % utilization")
            return
        kind, value = get(target, "type"), as_number(get(target, "averageUtilization"))
        if kind != "Utilization" or value != expected:
            violation(f"{resource_name} target is {kind} {fmt(value)}; the design uses Utilization {expected} %")
    return check


hpa_cpu_target = resource_policy(
    "kubernetes-hpa-cpu-target",
    f"HPAs scale on {HPA.cpu_utilization_percent} % average CPU utilization.",
    HPA_TYPES, _utilization_check("cpu", "averageUtilization"), severity=MEDIUM,
    remediation="Add metric {type: Resource, resource: {name: cpu, target: {type: Utilization, "
                f"averageUtilization: {HPA.cpu_utilization_percent}}}}}}}.",
    config_schema=schema(averageUtilization=integer(HPA.cpu_utilization_percent, "CPU target in percent.", 1)))

hpa_memory_target = resource_policy(
    "kubernetes-hpa-memory-target",
    f"HPAs scale on {HPA.memory_utilization_percent} % average memory utilization.",
    HPA_TYPES, _utilization_check("memory", "averageUtilization"), severity=MEDIUM,
    remediation="Add metric {type: Resource, resource: {name: memory, target: {type: Utilization, "
                f"averageUtilization: {HPA.memory_utilization_percent}}}}}}}.",
    config_schema=schema(averageUtilization=integer(HPA.memory_utilization_percent, "Memory target in percent.", 1)))


def _requests_per_second(args, k, violation):
    expected_name, expected = k["metricName"], k["averageValue"]
    for metric in items(get(_spec(args), "metrics")):
        if get(metric, "type") == "Pods" and get(metric, "pods", "metric", "name") == expected_name:
            target = get(metric, "pods", "target")
            kind, value = get(target, "type"), get(target, "averageValue")
            if kind != "AverageValue" or quantity(value) != quantity(expected):
                violation(f"{expected_name} target is {kind} {value!r}; the design uses AverageValue {expected!r}")
            return
    violation(f"no Pods metric {expected_name!r}; the design scales on {expected} requests per second per pod")


hpa_requests_per_second = resource_policy(
    "kubernetes-hpa-requests-per-second",
    f"HPAs scale on the {HPA.requests_per_second_metric} Pods metric at an AverageValue of "
    f"{HPA.requests_per_second_average_value}.",
    HPA_TYPES, _requests_per_second, severity=MEDIUM,
    remediation=f"Add metric {{type: Pods, pods: {{metric: {{name: {HPA.requests_per_second_metric}}}, "
                f"target: {{type: AverageValue, averageValue: '{HPA.requests_per_second_average_value}'}}}}}} "
                "(needs a custom metrics adapter).",
    config_schema=schema(metricName=string(HPA.requests_per_second_metric, "Custom metric name."),
                         averageValue=string(HPA.requests_per_second_average_value, "Target per pod.")))


def _policies(rules) -> dict[str, list[tuple[float | None, float | None]]]:
    """Scaling policies by type: (value, periodSeconds), None where a value is not a number."""
    found: dict[str, list[tuple[float | None, float | None]]] = {}
    for rule in items(get(rules, "policies")):
        found.setdefault(get(rule, "type"), []).append(
            (as_number(get(rule, "value")), as_number(get(rule, "periodSeconds"))))
    return found


def _scale_down(args, k, violation):
    rules = get(_spec(args), "behavior", "scaleDown")
    # Kubernetes defaults: 300 s stabilization, up to 100 % of pods removed every 15 s.
    window = as_number(get(rules, "stabilizationWindowSeconds", default=300))
    if window < k["stabilizationWindowSeconds"]:
        violation(f"behavior.scaleDown.stabilizationWindowSeconds is {fmt(window)}; keep at least "
                  f"{k['stabilizationWindowSeconds']} s so a short dip does not remove pods")
    if get(rules, "selectPolicy") == "Disabled":
        return
    percent = _policies(rules).get("Percent") or []
    max_rate = k["percent"] / k["periodSeconds"]
    if not percent:
        violation(f"behavior.scaleDown has no Percent policy (Kubernetes removes up to 100 % per 15 s); "
                  f"the design removes at most {k['percent']} % per {k['periodSeconds']} s")
    for value, period in percent:
        # A value that is not a number cannot be shown to stay under the design's rate.
        if value is None or not period or value / period > max_rate:
            violation(f"behavior.scaleDown policy Percent {fmt(value)} per {fmt(period)} s is faster than "
                      f"{k['percent']} % per {k['periodSeconds']} s")
    if _policies(rules).get("Pods") and get(rules, "selectPolicy", default="Max") == "Max":
        violation("behavior.scaleDown has a Pods policy with selectPolicy Max, which can remove pods faster than "
                  "the Percent policy allows")


hpa_scale_down = resource_policy(
    "kubernetes-hpa-scale-down-behavior",
    f"HPAs scale down slowly: {HPA.scale_down_stabilization_seconds} s stabilization and at most "
    f"{HPA.scale_down_percent} % of pods per {HPA.scale_down_period_seconds} s.",
    HPA_TYPES, _scale_down, severity=MEDIUM,
    remediation=f"Set behavior.scaleDown={{stabilizationWindowSeconds: {HPA.scale_down_stabilization_seconds}, "
                f"policies: [{{type: Percent, value: {HPA.scale_down_percent}, "
                f"periodSeconds: {HPA.scale_down_period_seconds}}}]}}.",
    config_schema=schema(
        stabilizationWindowSeconds=integer(HPA.scale_down_stabilization_seconds, "Fewest seconds of stabilization."),
        percent=integer(HPA.scale_down_percent, "Most pods (percent) removed per period.", 1),
        periodSeconds=integer(HPA.scale_down_period_seconds, "Period of the Percent policy.", 1)))


def _scale_up(args, k, violation):
    rules = get(_spec(args), "behavior", "scaleUp")
    # Kubernetes defaults: no stabilization, 100 % or 4 pods per 15 s, whichever is more.
    window = as_number(get(rules, "stabilizationWindowSeconds", default=0))
    if window > k["stabilizationWindowSeconds"]:
        violation(f"behavior.scaleUp.stabilizationWindowSeconds is {fmt(window)}; the design reacts to load at once "
                  f"({k['stabilizationWindowSeconds']} s)")
    select = get(rules, "selectPolicy", default="Max")
    if select != "Max":
        violation(f"behavior.scaleUp.selectPolicy is {select!r}; the design takes the larger step (Max)")
    found = _policies(rules) if rules is not None else {"Percent": [(100.0, 15.0)], "Pods": [(4.0, 15.0)]}
    wanted = (("Percent", k["percent"], k["percentPeriodSeconds"]), ("Pods", k["pods"], k["podsPeriodSeconds"]))
    for kind, value, period in wanted:
        if not any(v is not None and p and v / p >= value / period for v, p in found.get(kind, [])):
            violation(f"behavior.scaleUp has no {kind} policy of at least {value} per {period} s")


hpa_scale_up = resource_policy(
    "kubernetes-hpa-scale-up-behavior",
    f"HPAs scale up fast: {HPA.scale_up_stabilization_seconds} s stabilization, {HPA.scale_up_percent} % per "
    f"{HPA.scale_up_percent_period_seconds} s or {HPA.scale_up_pods} pods per {HPA.scale_up_pods_period_seconds} s, "
    "whichever is more.",
    HPA_TYPES, _scale_up, severity=MEDIUM,
    remediation=f"Set behavior.scaleUp={{stabilizationWindowSeconds: {HPA.scale_up_stabilization_seconds}, "
                f"selectPolicy: {HPA.scale_up_select_policy}, policies: [{{type: Percent, value: {HPA.scale_up_percent}, "
                f"periodSeconds: {HPA.scale_up_percent_period_seconds}}}, {{type: Pods, value: {HPA.scale_up_pods}, "
                f"periodSeconds: {HPA.scale_up_pods_period_seconds}}}]}}.",
    config_schema=schema(
        stabilizationWindowSeconds=integer(HPA.scale_up_stabilization_seconds, "Most seconds of stabilization."),
        percent=integer(HPA.scale_up_percent, "Percent policy value.", 1),
        percentPeriodSeconds=integer(HPA.scale_up_percent_period_seconds, "Percent policy period.", 1),
        pods=integer(HPA.scale_up_pods, "Pods policy value.", 1),
        podsPeriodSeconds=integer(HPA.scale_up_pods_period_seconds, "Pods policy period.", 1)))

POLICIES = [hpa_min_replicas, hpa_max_replicas, hpa_cpu_target, hpa_memory_target, hpa_requests_per_second,
            hpa_scale_down, hpa_scale_up]
