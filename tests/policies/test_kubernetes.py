import copy

from policies import kubernetes
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
