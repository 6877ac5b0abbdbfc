"""Pure rows for the EKS workload and Kafka consumer validators (components/workload.py, components/consumer.py):
each rule at its edge, each enum and pattern accepted and refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

import pytest

from components import request_proxy
from components.consumer import (
    consumer_demand,
    consumer_network_policy_spec,
    resolved_max_replicas,
    trigger_metadata,
    validate_kafka_consumer_args,
)
from components.metrics_pipeline import MetricsCatalog, PodDemand
from components.network_policy import AppTraffic
from components.validation import ArgumentError
from components.workload import (
    SECRETS_DIR_VARIABLE,
    HpaMetric,
    ScalingPolicy,
    _checksum,
    _traffic,
    cpu_limit,
    disruptions_allowed,
    hpa_metrics,
    hpa_spec,
    memory_limit,
    validate_metrics_served,
    validate_pdb,
    validate_requests_for_utilization,
    validate_workload_args,
    workload_demand,
)
from tests.components.test_validator_boundaries import CONSUMER, WORKLOAD

COUNTER = request_proxy.REQUEST_COUNTER
RPS = WORKLOAD.requests_metric
TLS = dict(proxy_tls=True)
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/app/1"


def workload(**fields):
    """The call that validates the baseline workload with ``fields`` changed."""
    return lambda: validate_workload_args(replace(WORKLOAD, **fields))


def settings(**extra):
    """The design's settings plus ``extra`` (keys the rows try)."""
    return {**WORKLOAD.app_settings, **extra}


def _dns(path, value):
    return f"{path}: {value!r} is not a DNS label (lower-case letters, digits, '-', at most 63)"


def _taken(port, owner):
    return f"container_port: {port} is the port of {owner} in the same pod; expected another port"


def _quantity(value):
    return f"requests_per_pod: {value!r} is not a positive Kubernetes quantity such as \"1000\""


def _env_name(key):
    return (f"app_settings/endpoints/secrets: key {key!r} is not an environment variable name (upper-case letters, "
            "digits, '_')")


def _looks_secret(key):
    return (f"app_settings/endpoints: {key!r} looks secret; pass it in secrets so it lands in a Kubernetes Secret, "
            "never in the ConfigMap")


RESERVED = (f"app_settings/endpoints/secrets: {SECRETS_DIR_VARIABLE!r} is set by the workload (the folder of the "
            "secret files); expected another name")


WORKLOAD_ACCEPTED = {
    "defaults": workload(),
    "identity.edges": workload(name="a", namespace="a" * 63, image="a"),
    # the ports next to the proxy's three are free
    **{f"container_port.{port}": workload(container_port=port) for port in (8079, 8081, 9900, 9903)},
    "paths.root": workload(health_check_path="/", metrics_path="/"),
    "requests_metric.only": workload(cpu_utilization_percent=None, memory_utilization_percent=None),
    "cpu.only": workload(memory_utilization_percent=None, requests_metric=None),
    "memory.only": workload(cpu_utilization_percent=None, requests_metric=None),
    # without the Pods metric its counter is not compared with the pipeline's
    "no_requests_metric.any_counter": workload(requests_metric=None, request_counter="other_total"),
    # without a utilization target no request is needed for it (requests themselves are still checked)
    "limits.equal_to_requests": workload(cpu_limit_millicores=500, memory_limit_mib=512),
    **{f"requests_per_pod.{q}": workload(requests_per_pod=q)
       for q in ("1", "1000", "0.5", "10.25", "1.5k", "100m", "2M", "1G", "0.001")},
    **{f"policies.{kind}": workload(scale_down_policies=(ScalingPolicy(kind, 1, 1),),
                                    scale_up_policies=(ScalingPolicy(kind, 1, 1800),))
       for kind in ("Percent", "Pods")},
    **{f"select_policy.{p}": workload(scale_up_select_policy=p) for p in ("Max", "Min", "Disabled")},
    "pdb.one_of_two": workload(min_replicas=2, pdb_max_unavailable=1),
    "env.edges": workload(app_settings={"A": "1", "_": "2", "A_1": "3", "_9Z": "4"}, endpoints={"B9": 1},
                          secrets={"C_": "x"}),
    # a secret-looking name is what secrets is for; KEY or PRIVATE alone says nothing
    "env.secret_words_in_secrets": workload(secrets={w: "x" for w in ("DB_PASSWORD", "API_TOKEN", "CLIENT_SECRET",
                                                                       "AWS_CREDENTIALS", "SSH_PRIVATE_KEY")}),
    "env.key_and_private_alone": workload(app_settings=settings(API_KEY_ID="1", PRIVATE_NETWORK="1")),
    "tls.off_ignores_certificate_image": workload(certificate_image=""),
    "tls.on_with_image": workload(**TLS, certificate_image="a"),
    "target_group.with_cidrs": workload(target_group_arn=TARGET_GROUP, load_balancer_cidrs=("10.0.0.0/24",)),
    "cidrs.without_target_group": workload(load_balancer_cidrs=("203.0.113.0/24", "0.0.0.0/0")),
    "monitoring_namespace.edges": workload(monitoring_namespace="a" * 63),
    "monitoring_namespace.one": workload(monitoring_namespace="a"),
    "vpc_cidr.any_block": workload(vpc_cidr="172.16.0.0/12"),
    "data_tier_ports.edges": workload(data_tier_ports=(1, 65535)),
    "data_tier_ports.none": workload(data_tier_ports=()),
}


WORKLOAD_REFUSED = {
    "name": (workload(name="App"), _dns("name", "App")),
    "namespace": (workload(namespace="a" * 64), _dns("namespace", "a" * 64)),
    "image": (workload(image="a b"), "image: 'a b' is not an image reference"),
    **{f"container_port.{port}": (workload(container_port=port), _taken(port, owner)) for port, owner in (
        (request_proxy.PROXY_PORT, "the proxy"), (request_proxy.METRICS_PORT, "the proxy's metrics"),
        (request_proxy.ADMIN_PORT, "the proxy's admin interface"))},
    "health_check_path": (workload(health_check_path="health"), "health_check_path: 'health' must start with '/'"),
    "metrics_path": (workload(metrics_path="stats/prometheus"),
                     "metrics_path: 'stats/prometheus' must start with '/'"),
    "health_check_path.empty": (workload(health_check_path=""), "health_check_path: '' must start with '/'"),
    # metrics the cluster does not serve
    "catalog.resource": (
        workload(metrics_catalog=MetricsCatalog(frozenset({"memory", "gpu"}), {RPS: COUNTER})),
        "metrics_catalog: the HPA's Resource metric 'cpu' is not served (served: ['gpu', 'memory']); install "
        "metrics-server"),
    "catalog.resource_memory": (
        workload(metrics_catalog=MetricsCatalog(frozenset({"cpu"}), {RPS: COUNTER})),
        "metrics_catalog: the HPA's Resource metric 'memory' is not served (served: ['cpu']); install metrics-server"),
    "catalog.pods": (
        workload(metrics_catalog=MetricsCatalog(frozenset({"cpu", "memory"}), {"zeta": COUNTER, "alpha": COUNTER})),
        f"metrics_catalog: the HPA's Pods metric {RPS!r} is not served (served: ['alpha', 'zeta']); add a "
        "prometheus-adapter rule for it"),
    "catalog.counter": (
        workload(request_counter="app_requests_total"),
        f"request_counter: 'app_requests_total' is not the series the pipeline computes {RPS!r} from ({COUNTER!r}); "
        "the HPA would see no data"),
    # requests: None is refused like 0 (the utilization rule, without targets, does not get there first)
    **{f"requests.{name}_none": (
        workload(cpu_utilization_percent=None, memory_utilization_percent=None, **{name: None}),
        f"{name}: None is not allowed; every container needs requests (the scheduler and the node sizing count "
        "them); expected at least 1") for name in ("cpu_request_millicores", "memory_request_mib")},
    "utilization.cpu_request_none": (
        workload(cpu_request_millicores=None),
        "cpu_request: container 'app' has no cpu request; the HPA's cpu utilization target needs one on every "
        "container"),
    "limits.cpu_below_request": (workload(cpu_limit_millicores=499), "cpu_limit_millicores: 499 is below the request "
                                 "(500); expected at least the request"),
    "limits.memory_below_request": (workload(memory_limit_mib=511), "memory_limit_mib: 511 is below the request "
                                    "(512); expected at least the request"),
    "metrics.none": (workload(cpu_utilization_percent=None, memory_utilization_percent=None, requests_metric=None),
                     "cpu_utilization_percent/memory_utilization_percent/requests_metric: all None; the HPA needs at "
                     "least one metric"),
    **{f"requests_per_pod.{q!r}": (workload(requests_per_pod=q), _quantity(q))
       for q in ("0", "0.0", "0m", "-1", "1e3", "1.", ".5", "1K", "1Ki", "1000 ", "", "k", "1mm")},
    **{f"{name}.empty": (workload(**{name: ()}), f"{name}: empty; expected at least one policy")
       for name in ("scale_down_policies", "scale_up_policies")},
    **{f"{name}.type": (workload(**{name: (ScalingPolicy("Pods", 1, 60), ScalingPolicy("percent", 1, 60))}),
                        f"{name}: policy type 'percent' is not allowed; expected one of ('Percent', 'Pods')")
       for name in ("scale_down_policies", "scale_up_policies")},
    "select_policy": (workload(scale_up_select_policy="max"), "scale_up_select_policy: 'max' is not allowed; expected "
                      "one of ('Max', 'Min', 'Disabled')"),
    # the budget is checked at the workload's own min_replicas
    "pdb.every_pod": (workload(min_replicas=2, pdb_max_unavailable=2), "pdb_max_unavailable: 2 lets a drain evict "
                      "every pod at min_replicas (2); expected below min_replicas (raise min_replicas to at least 2)"),
    # 1 is within the range of min_replicas, but every allowed budget (at least 1) would evict the only pod
    "pdb.min_replicas_1": (workload(min_replicas=1), "pdb_max_unavailable: 1 lets a drain evict every pod at "
                           "min_replicas (1); expected below min_replicas (raise min_replicas to at least 2)"),
    "pdb.none": (workload(min_replicas=4, pdb_max_unavailable=0), "pdb_max_unavailable: 0 allows no disruption at "
                 "min_replicas (4); node drains would block forever. Expected at least 1"),
    **{f"env.{where}.{key}": (workload(**{where: {key: "1"}}), _env_name(key))
       for where in ("app_settings", "endpoints", "secrets") for key in ("lower", "1A", "A-B", "A B", "")},
    **{f"env.reserved.{where}": (workload(**{where: {SECRETS_DIR_VARIABLE: "/x"}}), RESERVED)
       for where in ("app_settings", "endpoints", "secrets")},
    **{f"env.secret.{key}": (workload(app_settings=settings(**{key: "x"})), _looks_secret(key))
       for key in ("DB_PASSWORD", "API_TOKEN", "CLIENT_SECRET", "AWS_CREDENTIALS", "SSH_PRIVATE_KEY", "TOKEN")},
    "env.secret.endpoints": (workload(endpoints={"REDIS_PASSWORD": "x"}), _looks_secret("REDIS_PASSWORD")),
    "env.twice": (workload(endpoints={"B_URL": "b", "A_URL": "a", "C_URL": "c"}, secrets={"B_URL": "b", "A_URL": "a"}),
                  "secrets: ['A_URL', 'B_URL'] also appear in app_settings/endpoints; give each key once"),
    "env.twice_in_settings": (workload(secrets={"DB_NAME": "x"}),
                              "secrets: ['DB_NAME'] also appear in app_settings/endpoints; give each key once"),
    **{f"tls.certificate_image_{value!r}": (workload(**TLS, certificate_image=value),
                                            f"certificate_image: {value!r} is not an image reference")
       for value in ("", "a b", "a\tb", "image\n")},
    "target_group.without_cidrs": (workload(target_group_arn=TARGET_GROUP), "load_balancer_cidrs: empty while "
                                   "target_group_arn is set; the NetworkPolicy would keep the load balancer out. "
                                   "Expected its subnets' CIDRs"),
    **{f"monitoring_namespace.{value[:5]!r}": (workload(monitoring_namespace=value),
                                               f"monitoring_namespace: {value!r} is not a DNS label")
       for value in ("Monitoring", "a" * 64, "-a", "a-", "")},
    **{f"load_balancer_cidrs.{cidr}": (workload(load_balancer_cidrs=("10.0.0.0/24", cidr)),
                                       f"load_balancer_cidrs: {cidr!r} is not an IPv4 CIDR block such as 10.0.0.0/16")
       for cidr in ("10.0.0.1/24", "10.0.0.0/33", "fd00::/8", "x")},
    **{f"vpc_cidr.{cidr}": (workload(vpc_cidr=cidr), f"vpc_cidr: {cidr!r} is not an IPv4 CIDR block such as "
                            "10.0.0.0/16") for cidr in ("10.0.0.1/16", "10.0.0.0/33", "")},
    **{f"data_tier_ports.{port}": (workload(data_tier_ports=(5432, port)),
                                   f"data_tier_ports: {port} is out of range; expected 1 to 65535")
       for port in (0, 65536)},
}


@pytest.mark.parametrize("name", WORKLOAD_ACCEPTED)
def test_a_workload_at_the_edge_of_a_rule_is_accepted(name):
    WORKLOAD_ACCEPTED[name]()


@pytest.mark.parametrize("name", WORKLOAD_REFUSED)
def test_a_workload_past_a_rule_is_refused_with_the_whole_message(name):
    call, message = WORKLOAD_REFUSED[name]
    with pytest.raises(ArgumentError, match=re.escape(message)) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("fields, value", [
    (dict(vpc_cidr="10.0.0.1/16"), "10.0.0.1/16"), (dict(load_balancer_cidrs=("x",)), "x"),
    (dict(data_tier_ports=(0,)), 0),
])
def test_a_network_error_carries_the_refused_value(fields, value):
    with pytest.raises(ArgumentError) as info:
        workload(**fields)()
    assert info.value.value == value


def test_the_hpa_metrics_follow_the_designs_order_with_the_given_targets():
    args = replace(WORKLOAD, cpu_utilization_percent=61, memory_utilization_percent=72, requests_metric="rps",
                   requests_per_pod="7")
    assert hpa_metrics(args) == [HpaMetric("Resource", "cpu", "61"), HpaMetric("Resource", "memory", "72"),
                                 HpaMetric("Pods", "rps", "7")]
    assert hpa_metrics(replace(args, cpu_utilization_percent=None)) == [HpaMetric("Resource", "memory", "72"),
                                                                        HpaMetric("Pods", "rps", "7")]
    assert hpa_metrics(replace(args, memory_utilization_percent=None)) == [HpaMetric("Resource", "cpu", "61"),
                                                                           HpaMetric("Pods", "rps", "7")]
    assert hpa_metrics(replace(args, requests_metric=None)) == [HpaMetric("Resource", "cpu", "61"),
                                                                HpaMetric("Resource", "memory", "72")]
    assert hpa_metrics(replace(args, cpu_utilization_percent=None, memory_utilization_percent=None,
                               requests_metric=None)) == []


def test_served_metrics_pass_and_each_kind_is_judged_by_its_own_catalog():
    catalog = MetricsCatalog(frozenset({"cpu"}), {"rps": COUNTER})
    validate_metrics_served([HpaMetric("Resource", "cpu", "70"), HpaMetric("Pods", "rps", "1")], catalog, COUNTER)
    # a Pods metric named like a served resource is still looked up among the Pods metrics, and the reverse
    with pytest.raises(ArgumentError) as info:
        validate_metrics_served([HpaMetric("Pods", "cpu", "1")], catalog, COUNTER)
    assert str(info.value) == ("metrics_catalog: the HPA's Pods metric 'cpu' is not served (served: ['rps']); add a "
                               "prometheus-adapter rule for it")
    with pytest.raises(ArgumentError) as info:
        validate_metrics_served([HpaMetric("Resource", "rps", "70")], catalog, COUNTER)
    assert str(info.value) == ("metrics_catalog: the HPA's Resource metric 'rps' is not served (served: ['cpu']); "
                               "install metrics-server")


def test_every_resource_metric_needs_its_request_on_every_container_after_a_pods_metric_too():
    metrics = [HpaMetric("Pods", "rps", "1"), HpaMetric("Resource", "memory", "80")]
    validate_requests_for_utilization(metrics, {"app": {"memory": 1}, "proxy": {"memory": 64}})
    with pytest.raises(ArgumentError) as info:
        validate_requests_for_utilization(metrics, {"app": {"memory": 1}, "proxy": {"cpu": 50}})
    assert str(info.value) == ("memory_request: container 'proxy' has no memory request; the HPA's memory utilization "
                               "target needs one on every container")
    # a Pods metric needs no request
    validate_requests_for_utilization([HpaMetric("Pods", "rps", "1")], {"app": {}})


def test_limits_default_to_twice_the_cpu_request_and_to_the_memory_request():
    assert (cpu_limit(WORKLOAD), memory_limit(WORKLOAD)) == (2 * WORKLOAD.cpu_request_millicores,
                                                             WORKLOAD.memory_request_mib)
    given = replace(WORKLOAD, cpu_request_millicores=300, cpu_limit_millicores=301, memory_request_mib=100,
                    memory_limit_mib=101)
    assert (cpu_limit(given), memory_limit(given)) == (301, 101)
    assert cpu_limit(replace(WORKLOAD, cpu_request_millicores=300)) == 600
    assert cpu_limit(replace(WORKLOAD, cpu_request_millicores=None)) is None
    assert memory_limit(replace(WORKLOAD, memory_request_mib=None)) is None


@pytest.mark.parametrize("replicas, max_unavailable, allowed", [
    (3, 1, 1), (3, 2, 2), (3, 3, 3), (3, 5, 3), (2, 5, 2), (0, 2, 0), (3, 0, 0), (3, -1, 0),
])
def test_a_budget_lets_a_drain_evict_at_most_the_healthy_pods(replicas, max_unavailable, allowed):
    assert disruptions_allowed(replicas, max_unavailable) == allowed



# The pure builders the component declares from (engine-free here, so their mutants are judged too).

def test_the_hpa_spec_carries_every_argument_in_kubernetes_names():
    args = replace(WORKLOAD, min_replicas=3, max_replicas=9, cpu_utilization_percent=61, memory_utilization_percent=None,
                   requests_metric="rps", requests_per_pod="7", scale_down_stabilization_seconds=120,
                   scale_down_policies=(ScalingPolicy("Pods", 2, 45),), scale_up_stabilization_seconds=5,
                   scale_up_policies=(ScalingPolicy("Percent", 150, 15), ScalingPolicy("Pods", 4, 20)),
                   scale_up_select_policy="Min")
    assert hpa_spec(args) == {
        "minReplicas": 3, "maxReplicas": 9,
        "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization",
                                                                                "averageUtilization": 61}}},
                    {"type": "Pods", "pods": {"metric": {"name": "rps"},
                                              "target": {"type": "AverageValue", "averageValue": "7"}}}],
        "behavior": {
            # no selectPolicy on scale-down: the API server's default (Max) is what was declared
            "scaleDown": {"stabilizationWindowSeconds": 120, "policies": [{"type": "Pods", "value": 2,
                                                                            "periodSeconds": 45}]},
            "scaleUp": {"stabilizationWindowSeconds": 5,
                        "policies": [{"type": "Percent", "value": 150, "periodSeconds": 15},
                                     {"type": "Pods", "value": 4, "periodSeconds": 20}],
                        "selectPolicy": "Min"},
        },
    }


def test_the_hpa_spec_utilization_target_is_an_integer():
    metric = hpa_spec(replace(WORKLOAD, memory_utilization_percent=None, requests_metric=None))["metrics"]
    assert metric == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": WORKLOAD.cpu_utilization_percent}}}]
    assert type(metric[0]["resource"]["target"]["averageUtilization"]) is int


def test_the_workload_demand_is_its_maximum_with_the_proxy_in_every_pod():
    args = replace(WORKLOAD, name="api", max_replicas=7, cpu_request_millicores=250, memory_request_mib=300)
    assert workload_demand(args) == PodDemand("api", 7, 250 + 50, 300 + 64)
    # the proxy's requests are its own even where the app's are missing (refused by the validator, not here)
    assert workload_demand(replace(args, cpu_request_millicores=None, memory_request_mib=None)) == PodDemand(
        "api", 7, 50, 64)


def test_the_workload_traffic_admits_the_proxy_and_the_data_tier_of_its_vpc():
    args = replace(WORKLOAD, load_balancer_cidrs=("10.0.0.0/24",), monitoring_namespace="obs", vpc_cidr="10.1.0.0/16",
                   data_tier_ports=(5432,))
    assert _traffic(args, {"app": "a"}) == AppTraffic(
        pod_labels={"app": "a"}, ingress_port=8080, load_balancer_cidrs=("10.0.0.0/24",), metrics_port=9902,
        monitoring_namespace="obs", vpc_cidr="10.1.0.0/16", data_ports=(5432,))


def test_the_config_checksum_ignores_key_order_and_changes_with_any_value():
    expected = hashlib.sha256(b'{"A": "1", "B": "2"}').hexdigest()
    assert _checksum({"B": "2", "A": "1"}) == _checksum({"A": "1", "B": "2"}) == expected
    assert _checksum({"A": "1", "B": "3"}) != expected


# ------------------------------------------------------------------------------------------------------------------
# Kafka consumer (components/consumer.py). The numeric edges at the default ceiling are in test_validator_boundaries.
# ------------------------------------------------------------------------------------------------------------------

def consumer(**fields):
    """The call that validates the baseline consumer with ``fields`` changed."""
    return lambda: validate_kafka_consumer_args(replace(CONSUMER, **fields))


def _topic(value):
    return f"topic: {value!r} is not a Kafka topic name (letters, digits, '.', '_', '-')"


def _group(value):
    return (f"consumer_group: {value!r} is not a group id (letters, digits, '.', '_', '-'; MSK publishes no lag for a "
            "group with ':')")


CONSUMER_ACCEPTED = {
    "defaults": consumer(),
    "identity.edges": consumer(name="a" * 63, namespace="a", image="a"),
    **{f"topic.{value[:6]}": consumer(topic=value) for value in ("a", "t" * 249, "A.b_c-9", "...", ".a", "_")},
    **{f"group.{value[:6]}": consumer(consumer_group=value) for value in ("a", "g" * 255, "G.r_p-1", ".", "..")},
    # with a lower ceiling the floor may reach it, not the partitions
    "ceiling.given_floor_at_it": consumer(max_replicas=3, min_replicas=3),
    "ceiling.given_floor_zero": consumer(max_replicas=1, min_replicas=0),
    "ceiling.one_partition": consumer(partitions=1, min_replicas=1),
    **{f"offset_reset.{policy}": consumer(offset_reset_policy=policy) for policy in ("earliest", "latest")},
    **{f"vpc_cidr.{cidr}": consumer(vpc_cidr=cidr) for cidr in ("10.0.0.0/16", "0.0.0.0/0", "192.168.1.0/24")},
}


CONSUMER_REFUSED = {
    "name": (consumer(name="Feature"), _dns("name", "Feature")),
    "namespace": (consumer(namespace="a_b"), _dns("namespace", "a_b")),
    "image": (consumer(image=""), "image: '' is not an image reference"),
    **{f"topic.{value[:6]!r}": (consumer(topic=value), _topic(value))
       for value in ("", "t" * 250, ".", "..", "a:b", "a b", "a/b", "é")},
    **{f"group.{value[:6]!r}": (consumer(consumer_group=value), _group(value))
       for value in ("", "g" * 256, "a:b", "a b", "a/b")},
    # a given max_replicas is the ceiling of min_replicas, and is itself bounded by the partitions of the topic
    "ceiling.floor_above_given": (consumer(max_replicas=3, min_replicas=4),
                                  "min_replicas: 4 is out of range; expected 0 to 3 (max_replicas)"),
    "ceiling.given_above_partitions": (
        consumer(partitions=4, max_replicas=5, topic="orders"),
        "max_replicas/partitions: 5 is out of range; expected 1 to 4 (the partitions of 'orders': a consumer beyond "
        "them is given no partition and sits idle)"),
    "ceiling.given_zero": (consumer(partitions=4, max_replicas=0), "max_replicas/partitions: 0 is out of range; "
                           "expected 1 to 4 (the partitions of 'features': a consumer beyond them is given no "
                           "partition and sits idle)"),
    **{f"offset_reset.{policy}": (consumer(offset_reset_policy=policy), f"offset_reset_policy: {policy!r} is not "
                                  "allowed; expected one of ('earliest', 'latest')")
       for policy in ("Earliest", "none", "")},
    **{f"vpc_cidr.{cidr}": (consumer(vpc_cidr=cidr), f"vpc_cidr: {cidr!r} is not an IPv4 CIDR block such as "
                            "10.0.0.0/16") for cidr in ("10.0.0.1/16", "10.0.0.0/33", "fd00::/8", "x", "")},
}


@pytest.mark.parametrize("name", CONSUMER_ACCEPTED)
def test_a_consumer_at_the_edge_of_a_rule_is_accepted(name):
    CONSUMER_ACCEPTED[name]()


@pytest.mark.parametrize("name", CONSUMER_REFUSED)
def test_a_consumer_past_a_rule_is_refused_with_the_whole_message(name):
    call, message = CONSUMER_REFUSED[name]
    with pytest.raises(ArgumentError, match=re.escape(message)) as info:
        call()
    assert str(info.value) == message


def test_the_consumer_ceiling_is_max_replicas_else_the_partitions():
    assert resolved_max_replicas(replace(CONSUMER, partitions=7)) == 7
    assert resolved_max_replicas(replace(CONSUMER, partitions=7, max_replicas=3)) == 3
    assert consumer_demand(replace(CONSUMER, name="c", partitions=7, cpu_request_millicores=11,
                                   memory_request_mib=13)) == PodDemand("c", 7, 11, 13)
    assert consumer_demand(replace(CONSUMER, name="c", partitions=7, max_replicas=2)).pods == 2


def test_a_budget_at_no_replicas_allows_no_disruption_whatever_its_size():
    """validate_pdb on its own (validate_workload_args refuses min_replicas 0 first): nothing to evict is the first
    rule broken, not "evicts every pod"."""
    with pytest.raises(ArgumentError) as info:
        validate_pdb(0, 1)
    assert str(info.value) == ("pdb_max_unavailable: 1 allows no disruption at min_replicas (0); node drains would "
                               "block forever. Expected at least 1")



def test_the_consumer_may_reach_dns_the_brokers_inside_its_vpc_and_https_outside_it_and_nothing_may_reach_it():
    dns = {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                   "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
           "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]}
    assert consumer_network_policy_spec({"app": "c"}, "10.0.0.0/16") == {
        "podSelector": {"matchLabels": {"app": "c"}}, "policyTypes": ["Ingress", "Egress"], "ingress": [],
        "egress": [dns,
                   {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 9098}]},
                   {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}],
                    "ports": [{"protocol": "TCP", "port": 443}]}]}
    # without the VPC's CIDR: 9098 and 443 to any address, still nothing else
    assert consumer_network_policy_spec({"app": "c"}, None)["egress"][1:] == [
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 9098}]},
        {"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}]


def test_the_lag_trigger_reads_the_group_over_msk_iam_with_every_value_a_string():
    args = replace(CONSUMER, topic="orders", consumer_group="billing", lag_threshold=25, offset_reset_policy="latest")
    assert trigger_metadata(args, "b-1:9098", "eu-west-1") == {
        "bootstrapServers": "b-1:9098", "consumerGroup": "billing", "topic": "orders", "lagThreshold": "25",
        "offsetResetPolicy": "latest", "allowIdleConsumers": "false", "sasl": "aws_msk_iam", "tls": "enable",
        "awsRegion": "eu-west-1"}
