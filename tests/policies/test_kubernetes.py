import copy

import pytest

from policies import kubernetes
from policies.common import resource_policy
from tests.policies import run
from tests.policies.cases import Case, case_tests

HPA = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
SPEC = {
    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "ai-agent-system"},
    "minReplicas": 2.0, "maxReplicas": 50.0,
    "metrics": [
        {"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70.0}}},
        {"type": "Resource", "resource": {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80.0}}},
        {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                  "target": {"type": "AverageValue", "averageValue": "1000"}}}],
    "behavior": {
        "scaleDown": {"stabilizationWindowSeconds": 300.0,
                      "policies": [{"type": "Percent", "value": 50.0, "periodSeconds": 60.0}]},
        "scaleUp": {"stabilizationWindowSeconds": 0.0, "selectPolicy": "Max",
                    "policies": [{"type": "Percent", "value": 100.0, "periodSeconds": 30.0},
                                 {"type": "Pods", "value": 5.0, "periodSeconds": 30.0}]}},
}
GOOD = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "ai-agent-system"},
        "spec": SPEC}


def changed(path, value=None, delete=False):
    props = copy.deepcopy(GOOD)
    node = props
    for step in path[:-1]:
        node = node[step]
    if delete:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return props


def metric(index, value):
    props = copy.deepcopy(GOOD)
    props["spec"]["metrics"][index] = value
    return props


def without_metric(index):
    props = copy.deepcopy(GOOD)
    del props["spec"]["metrics"][index]
    return props


CASES = [
    Case(kubernetes.hpa_min_replicas, HPA, GOOD, changed(["spec", "minReplicas"], 1.0),
         changed(["spec", "minReplicas"], delete=True), True, "minReplicas is 1"),
    Case(kubernetes.hpa_max_replicas, HPA, GOOD, changed(["spec", "maxReplicas"], 100.0),
         changed(["spec", "maxReplicas"], delete=True), True, "maxReplicas is 100"),
    Case(kubernetes.hpa_cpu_target, HPA, GOOD, metric(0, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 90.0}}}), without_metric(0), True,
         "Utilization 90"),
    Case(kubernetes.hpa_memory_target, HPA, GOOD, metric(1, {"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}}), without_metric(1), True,
         "AverageValue"),
    Case(kubernetes.hpa_requests_per_second, HPA, GOOD, metric(2, {"type": "Pods", "pods": {
        "metric": {"name": "requests_per_second"}, "target": {"type": "AverageValue", "averageValue": "5k"}}}),
         without_metric(2), True, "'5k'"),
    Case(kubernetes.hpa_scale_down, HPA, GOOD, changed(["spec", "behavior", "scaleDown", "stabilizationWindowSeconds"], 60.0),
         changed(["spec", "behavior", "scaleDown"], delete=True), True, "is 60"),
    Case(kubernetes.hpa_scale_up, HPA, GOOD, changed(["spec", "behavior", "scaleUp", "selectPolicy"], "Min"),
         # Kubernetes' default (100 % or 4 pods per 15 s) reacts at least as fast as the design.
         changed(["spec", "behavior", "scaleUp"], delete=True), False, "'Min'"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_requests_per_second_accepts_equal_quantities():
    props = metric(2, {"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                                "target": {"type": "AverageValue", "averageValue": "1k"}}})
    assert run(kubernetes.hpa_requests_per_second, HPA, props) == []


def test_scale_down_faster_than_documented_is_reported():
    props = changed(["spec", "behavior", "scaleDown", "policies"], [{"type": "Percent", "value": 100.0, "periodSeconds": 15.0}])
    assert any("faster" in m for m in run(kubernetes.hpa_scale_down, HPA, props))


def test_scale_up_without_pods_policy_is_reported():
    props = changed(["spec", "behavior", "scaleUp", "policies"], [{"type": "Percent", "value": 100.0, "periodSeconds": 30.0}])
    assert any("Pods" in m for m in run(kubernetes.hpa_scale_up, HPA, props))


def test_max_replicas_knob():
    assert run(kubernetes.hpa_max_replicas, HPA, changed(["spec", "maxReplicas"], 100.0), {"maxReplicas": 100}) == []


def test_quantity_parser():
    assert kubernetes.quantity("1k") == kubernetes.quantity("1000") == kubernetes.quantity(1000.0)
    assert kubernetes.quantity("500m") * 2 == 1
    assert kubernetes.quantity("lots") is None


# Whole messages, Kubernetes' defaults for absent fields and each comparison's edges (mutation testing, issue 19).

def scale(direction, **rules):
    return changed(["spec", "behavior", direction], rules)


def test_quantity_parser_edges():
    assert kubernetes.quantity(" 1.5Gi ") == 1.5 * 2**30
    assert kubernetes.quantity("2Mi") == 2 * 2**20 and kubernetes.quantity("3G") == 3 * 10**9
    assert kubernetes.quantity("7") == 7 and kubernetes.quantity(7) == 7
    assert kubernetes.quantity("5X") is None      # not a Kubernetes suffix
    assert kubernetes.quantity("1.2.3") is None   # digits and dots, but not a number
    assert kubernetes.quantity(None) is None and kubernetes.quantity("") is None
    assert kubernetes.quantity(True) is None      # a boolean is not a count


def test_replica_messages_and_the_default_minimum():
    assert run(kubernetes.hpa_min_replicas, HPA, changed(["spec", "minReplicas"], delete=True)) == [
        "spec.minReplicas is 1; keep at least 2 pods for availability"]
    assert run(kubernetes.hpa_min_replicas, HPA, changed(["spec", "minReplicas"], delete=True), {"minReplicas": 1}) == []
    assert run(kubernetes.hpa_max_replicas, HPA, changed(["spec", "maxReplicas"], delete=True)) == [
        "spec.maxReplicas is not set; the documented ceiling is 50"]
    assert run(kubernetes.hpa_max_replicas, HPA, changed(["spec", "maxReplicas"], 51.0)) == [
        "spec.maxReplicas is 51; the documented ceiling is 50"]


def rebuilt(policy, resource_name):
    """``policy`` built again from ``_utilization_check`` now: the module builds its checks once, on import, so this
    also judges the factory itself (the same name, types, knobs and severity as the module's policy)."""
    return resource_policy(policy.name, policy.description, kubernetes.HPA_TYPES,
                           kubernetes._utilization_check(resource_name, "averageUtilization"), severity=policy.severity,
                           remediation=policy.remediation_steps, config_schema=policy.config_schema)


@pytest.mark.parametrize("fresh", [False, True], ids=["module", "rebuilt"])
def test_utilization_messages_and_metric_matching(fresh):
    cpu, memory = kubernetes.hpa_cpu_target, kubernetes.hpa_memory_target
    if fresh:
        cpu, memory = rebuilt(cpu, "cpu"), rebuilt(memory, "memory")
    assert run(cpu, HPA, GOOD) == [] and run(memory, HPA, GOOD) == []
    assert run(cpu, HPA, without_metric(0)) == [
        "no Resource metric for cpu; the design scales at 70 % utilization"]
    assert run(memory, HPA, without_metric(1)) == [
        "no Resource metric for memory; the design scales at 80 % utilization"]
    assert run(memory, HPA, metric(1, {"type": "Resource", "resource": {
        "name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}})) == [
        "memory target is AverageValue None; the design uses Utilization 80 %"]
    assert run(cpu, HPA, metric(0, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60.0}}})) == [
        "cpu target is Utilization 60; the design uses Utilization 70 %"]
    # Only a Resource metric of that name counts: a Pods or ContainerResource metric named cpu does not.
    props = metric(0, {"type": "ContainerResource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70.0}}})
    assert run(cpu, HPA, props) == ["no Resource metric for cpu; the design scales at 70 % utilization"]
    # The type matters even when the number is the design's.
    assert run(cpu, HPA, metric(0, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "AverageValue", "averageUtilization": 70.0}}})) == [
        "cpu target is AverageValue 70; the design uses Utilization 70 %"]
    assert run(cpu, HPA, metric(0, {"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50.0}}}), {"averageUtilization": 50}) == []


def test_requests_per_second_messages_and_matching():
    def rps(target, name="requests_per_second", kind="Pods"):
        return metric(2, {"type": kind, "pods": {"metric": {"name": name}, "target": target}})

    assert run(kubernetes.hpa_requests_per_second, HPA, without_metric(2)) == [
        "no Pods metric 'requests_per_second'; the design scales on 1000 requests per second per pod"]
    assert run(kubernetes.hpa_requests_per_second, HPA, rps({"type": "AverageValue", "averageValue": "900"})) == [
        "requests_per_second target is AverageValue '900'; the design uses AverageValue '1000'"]
    assert run(kubernetes.hpa_requests_per_second, HPA, rps({"type": "Value", "value": "1000"})) == [
        "requests_per_second target is Value None; the design uses AverageValue '1000'"]
    assert run(kubernetes.hpa_requests_per_second, HPA, rps({"type": "Value", "averageValue": "1000"})) == [
        "requests_per_second target is Value '1000'; the design uses AverageValue '1000'"]
    assert run(kubernetes.hpa_requests_per_second, HPA, rps({"type": "AverageValue", "averageValue": 1000.0})) == []
    assert run(kubernetes.hpa_requests_per_second, HPA, rps({"type": "AverageValue", "averageValue": "1000"},
                                                            kind="Object")) == [
        "no Pods metric 'requests_per_second'; the design scales on 1000 requests per second per pod"]
    # The first matching metric decides; a later duplicate is not read.
    props = copy.deepcopy(GOOD)
    props["spec"]["metrics"].append({"type": "Pods", "pods": {"metric": {"name": "requests_per_second"},
                                                              "target": {"type": "AverageValue", "averageValue": "1"}}})
    assert run(kubernetes.hpa_requests_per_second, HPA, props) == []
    other = rps({"type": "AverageValue", "averageValue": "5"}, name="queue_depth")
    assert run(kubernetes.hpa_requests_per_second, HPA, other, {"metricName": "queue_depth", "averageValue": "5"}) == []


def test_scale_down_messages_and_defaults():
    design = [{"type": "Percent", "value": 50.0, "periodSeconds": 60.0}]
    # An absent window is Kubernetes' 300 s, which meets the design, and not a design of 301 s.
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=design)) == []
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=design),
               {"stabilizationWindowSeconds": 301}) == [
        "behavior.scaleDown.stabilizationWindowSeconds is 300; keep at least 301 s so a short dip does not remove "
        "pods"]
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", stabilizationWindowSeconds=299.0,
                                                     policies=design)) == [
        "behavior.scaleDown.stabilizationWindowSeconds is 299; keep at least 300 s so a short dip does not remove "
        "pods"]
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=[
        {"type": "Percent", "value": 60.0, "periodSeconds": 60.0}])) == [
        "behavior.scaleDown policy Percent 60 per 60 s is faster than 50 % per 60 s"]
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=[
        {"type": "Percent", "periodSeconds": 60.0}])) == [
        "behavior.scaleDown policy Percent None per 60 s is faster than 50 % per 60 s"]
    # Every Percent policy is judged, not only the first.
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=[
        *design, {"type": "Percent", "value": 10.0, "periodSeconds": 5.0}])) == [
        "behavior.scaleDown policy Percent 10 per 5 s is faster than 50 % per 60 s"]
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", policies=[
        {"type": "Percent", "value": 10.0, "periodSeconds": 5.0}]), {"percent": 2, "periodSeconds": 1}) == []
    assert run(kubernetes.hpa_scale_down, HPA, scale("scaleDown", stabilizationWindowSeconds=30.0, policies=design),
               {"stabilizationWindowSeconds": 30}) == []
    # Without a behavior block Kubernetes removes up to 100 % per 15 s.
    assert run(kubernetes.hpa_scale_down, HPA, changed(["spec", "behavior"], delete=True)) == [
        "behavior.scaleDown has no Percent policy (Kubernetes removes up to 100 % per 15 s); the design removes at "
        "most 50 % per 60 s"]


def test_scale_up_messages_and_defaults():
    design = [{"type": "Percent", "value": 100.0, "periodSeconds": 30.0}, {"type": "Pods", "value": 5.0,
                                                                            "periodSeconds": 30.0}]
    # Absent window (0 s) and selectPolicy (Max) are what the design wants.
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", policies=design)) == []
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", stabilizationWindowSeconds=1.0, policies=design)) == [
        "behavior.scaleUp.stabilizationWindowSeconds is 1; the design reacts to load at once (0 s)"]
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", stabilizationWindowSeconds=60.0, policies=design),
               {"stabilizationWindowSeconds": 60}) == []
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", stabilizationWindowSeconds=0.0)) == [
        "behavior.scaleUp has no Percent policy of at least 100 per 30 s",
        "behavior.scaleUp has no Pods policy of at least 5 per 30 s"]
    # Exactly the design's rate counts; any slower does not. A Pods policy is not a Percent one.
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", policies=[
        {"type": "Percent", "value": 50.0, "periodSeconds": 15.0}, {"type": "Pods", "value": 5.0,
                                                                    "periodSeconds": 30.0}])) == []
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", policies=[
        {"type": "Pods", "value": 100.0, "periodSeconds": 30.0}, {"type": "Pods", "value": 4.0,
                                                                  "periodSeconds": 30.0}])) == [
        "behavior.scaleUp has no Percent policy of at least 100 per 30 s"]
    assert run(kubernetes.hpa_scale_up, HPA, scale("scaleUp", policies=design),
               {"pods": 6, "podsPeriodSeconds": 30, "percent": 101, "percentPeriodSeconds": 30}) == [
        "behavior.scaleUp has no Percent policy of at least 101 per 30 s",
        "behavior.scaleUp has no Pods policy of at least 6 per 30 s"]
    # Kubernetes' default scale-up (100 % or 4 pods per 15 s) meets a design of 8 pods per 30 s, not of 9.
    no_behavior = changed(["spec", "behavior"], delete=True)
    assert run(kubernetes.hpa_scale_up, HPA, no_behavior, {"pods": 8, "podsPeriodSeconds": 30}) == []
    assert run(kubernetes.hpa_scale_up, HPA, no_behavior, {"pods": 9, "podsPeriodSeconds": 30}) == [
        "behavior.scaleUp has no Pods policy of at least 9 per 30 s"]
    assert run(kubernetes.hpa_scale_up, HPA, no_behavior, {"percent": 200, "percentPeriodSeconds": 30}) == []
    assert run(kubernetes.hpa_scale_up, HPA, no_behavior, {"percent": 201, "percentPeriodSeconds": 30}) == [
        "behavior.scaleUp has no Percent policy of at least 201 per 30 s"]
