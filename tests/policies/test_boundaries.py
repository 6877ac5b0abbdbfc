"""Every numeric limit of the policy pack tried at the documented number, one step past it and one step
short of it (issue 19: a rule mutated to accept 60-299 s, or maxSize 21, went unnoticed by the
compliant/violating cases, which only try values far from the limit).

Each ``Limit`` row names a policy, how to build props for a value, the limit (read from
``scaling_kit.limits`` or, for numbers the design does not state, from the policy's own config schema
default) and which side of it is allowed. ``boundary_cases`` turns a row into the three (or four) cases.
The HPA behavior block gets one row per field: stabilization windows, each policy's value and period.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from policies import alb, autoscaling, cloudwatch, elasticache, kubernetes, msk, rds, stack_rules, waf
from scaling_kit.limits import AUTO_SCALING, CACHE, DATABASE, HPA, LOAD_BALANCING, MESSAGING, RATE_LIMIT
from scaling_kit.waf_rate import waf_rate_limit
from tests.policies import UNKNOWN, link, resource, run, run_stack
from tests.policies.test_autoscaling import GOOD as ASG_GOOD
from tests.policies.test_autoscaling import SCHEDULE, SCHEDULE_GOOD
from tests.policies.test_elasticache import GOOD as CACHE_GOOD
from tests.policies.test_kubernetes import GOOD as HPA_GOOD
from tests.policies.test_msk import TOPIC_OK
from tests.policies.test_rds import PRIMARY

ASG = "aws:autoscaling/group:Group"
HPA_TYPE = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
LB = "aws:lb/loadBalancer:LoadBalancer"
RG = "aws:elasticache/replicationGroup:ReplicationGroup"
MSK_CONFIG, TOPIC = "aws:msk/configuration:Configuration", "aws:msk/topic:Topic"
DB = "aws:rds/instance:Instance"
ACL = "aws:wafv2/webAcl:WebAcl"

AT_LEAST, AT_MOST, EXACTLY = "at least", "at most", "exactly"


def schema_default(policy, knob: str) -> int:
    """A limit the design does not state (retention days): the policy's own default is the contract."""
    return policy.config_schema.properties[knob]["default"]


@dataclass
class Limit:
    policy: Any
    resource_type: str
    props: Callable[[float], dict]
    limit: float
    allowed: str
    """AT_LEAST: the limit and above pass; AT_MOST: the limit and below pass; EXACTLY: only the limit."""
    expect: Callable[[float], str]
    """The fragment the violation message carries for a rejected value."""
    id: str
    step: float = 1
    short_side: bool = True
    """False when one step short of the limit is not a value anyone could set (a negative window)."""


def boundary_cases(rows: list[Limit]) -> list:
    cases = []
    for row in rows:
        below, above = row.limit - row.step, row.limit + row.step
        passes = {AT_LEAST: {row.limit: True, below: False, above: True},
                  AT_MOST: {row.limit: True, below: True, above: False},
                  EXACTLY: {row.limit: True, below: False, above: False}}[row.allowed]
        for value, ok in passes.items():
            if not row.short_side and value == below:
                continue
            where = "at" if value == row.limit else ("below" if value == below else "above")
            cases.append(pytest.param(row, value, ok, id=f"{row.id}-{where}-{'passes' if ok else 'fails'}"))
    return cases


def check(row: Limit, value: float, ok: bool) -> None:
    messages = run(row.policy, row.resource_type, row.props(value))
    if ok:
        assert messages == []
    else:
        assert messages and any(row.expect(value) in m for m in messages), (row.expect(value), messages)


def with_value(base: dict, *path: Any) -> Callable[[float], dict]:
    def build(value: float) -> dict:
        props = copy.deepcopy(base)
        node = props
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        return props
    return build


def n(value: float) -> str:
    """A number as the policies print it (the engine sends floats; messages drop the .0)."""
    return str(int(value)) if float(value).is_integer() else str(value)


def hpa_metric(index: int, metric: dict) -> dict:
    props = copy.deepcopy(HPA_GOOD)
    props["spec"]["metrics"][index] = metric
    return props


def utilization(name: str, index: int) -> Callable[[float], dict]:
    return lambda value: hpa_metric(index, {"type": "Resource", "resource": {
        "name": name, "target": {"type": "Utilization", "averageUtilization": value}}})


def requests_per_second(value: float) -> dict:
    return hpa_metric(2, {"type": "Pods", "pods": {"metric": {"name": HPA.requests_per_second_metric},
                                                   "target": {"type": "AverageValue", "averageValue": n(value)}}})


def scale_down_percent(value: float = HPA.scale_down_percent, period: float = HPA.scale_down_period_seconds) -> dict:
    props = copy.deepcopy(HPA_GOOD)
    props["spec"]["behavior"]["scaleDown"]["policies"] = [{"type": "Percent", "value": value, "periodSeconds": period}]
    return props


def scale_up_policy(kind: str, value: float, period: float) -> dict:
    """The design's scale-up block with the ``kind`` policy replaced by ``value`` per ``period``."""
    props = copy.deepcopy(HPA_GOOD)
    design = {"Percent": (HPA.scale_up_percent, HPA.scale_up_percent_period_seconds),
              "Pods": (HPA.scale_up_pods, HPA.scale_up_pods_period_seconds)}
    design[kind] = (value, period)
    props["spec"]["behavior"]["scaleUp"]["policies"] = [
        {"type": k, "value": float(v), "periodSeconds": float(p)} for k, (v, p) in design.items()]
    return props


def msk_configuration(value: float) -> dict:
    return {"serverProperties": f"auto.create.topics.enable=false\nmin.insync.replicas={n(value)}\n"}


def rds_logging(value: float) -> dict:
    return {"family": "postgres17", "parameters": [
        {"name": "log_min_duration_statement", "value": n(value)}, {"name": "log_connections", "value": "1"},
        {"name": "log_disconnections", "value": "1"}]}


def waf_acl(window: int) -> Callable[[float], dict]:
    return lambda limit: {"rules": [{"name": "rate", "action": {"block": {}}, "statement": {"rateBasedStatement": {
        "limit": limit, "evaluationWindowSec": float(window), "aggregateKeyType": "IP"}}}]}


ROWS = [
    # --- EC2 Auto Scaling ("AWS Auto Scaling")
    Limit(autoscaling.group_min_size, ASG, with_value(ASG_GOOD, "minSize"), AUTO_SCALING.min_size, AT_LEAST,
          lambda v: f"minSize is {n(v)}", "asg-min-size"),
    Limit(autoscaling.group_max_size, ASG, with_value(ASG_GOOD, "maxSize"), AUTO_SCALING.max_size, AT_MOST,
          lambda v: f"maxSize is {n(v)}", "asg-max-size"),
    Limit(autoscaling.schedule_max_size, SCHEDULE, with_value(SCHEDULE_GOOD, "maxSize"), AUTO_SCALING.max_size,
          AT_MOST, lambda v: f"maxSize is {n(v)}; a scheduled action", "asg-schedule-max-size"),
    Limit(autoscaling.schedule_max_size, SCHEDULE, lambda v: {**SCHEDULE_GOOD, "minSize": v, "desiredCapacity": v},
          AUTO_SCALING.max_size, AT_MOST, lambda v: f"minSize is {n(v)}; a scheduled action", "asg-schedule-min-size"),
    Limit(autoscaling.schedule_max_size, SCHEDULE, with_value(SCHEDULE_GOOD, "desiredCapacity"),
          AUTO_SCALING.max_size, AT_MOST, lambda v: f"desiredCapacity is {n(v)}; a scheduled action",
          "asg-schedule-desired-capacity"),
    Limit(autoscaling.group_health_check_grace_period, ASG, with_value(ASG_GOOD, "healthCheckGracePeriod"),
          AUTO_SCALING.health_check_grace_period_seconds, AT_LEAST, lambda v: f"healthCheckGracePeriod is {n(v)} s",
          "asg-grace-period"),
    # --- Kubernetes HPA: replicas and metric targets
    Limit(kubernetes.hpa_min_replicas, HPA_TYPE, with_value(HPA_GOOD, "spec", "minReplicas"), HPA.min_replicas,
          AT_LEAST, lambda v: f"spec.minReplicas is {n(v)}", "hpa-min-replicas"),
    Limit(kubernetes.hpa_max_replicas, HPA_TYPE, with_value(HPA_GOOD, "spec", "maxReplicas"), HPA.max_replicas,
          AT_MOST, lambda v: f"spec.maxReplicas is {n(v)}", "hpa-max-replicas"),
    Limit(kubernetes.hpa_cpu_target, HPA_TYPE, utilization("cpu", 0), HPA.cpu_utilization_percent, EXACTLY,
          lambda v: f"cpu target is Utilization {n(v)}", "hpa-cpu-target"),
    Limit(kubernetes.hpa_memory_target, HPA_TYPE, utilization("memory", 1), HPA.memory_utilization_percent, EXACTLY,
          lambda v: f"memory target is Utilization {n(v)}", "hpa-memory-target"),
    Limit(kubernetes.hpa_requests_per_second, HPA_TYPE, requests_per_second,
          int(HPA.requests_per_second_average_value), EXACTLY, lambda v: f"AverageValue '{n(v)}'",
          "hpa-requests-per-second"),
    # --- Kubernetes HPA: every behavior field
    Limit(kubernetes.hpa_scale_down, HPA_TYPE,
          with_value(HPA_GOOD, "spec", "behavior", "scaleDown", "stabilizationWindowSeconds"),
          HPA.scale_down_stabilization_seconds, AT_LEAST, lambda v: f"stabilizationWindowSeconds is {n(v)}",
          "hpa-scale-down-stabilization"),
    Limit(kubernetes.hpa_scale_down, HPA_TYPE, lambda v: scale_down_percent(value=v), HPA.scale_down_percent, AT_MOST,
          lambda v: f"Percent {n(v)} per {HPA.scale_down_period_seconds} s is faster", "hpa-scale-down-percent"),
    Limit(kubernetes.hpa_scale_down, HPA_TYPE, lambda v: scale_down_percent(period=v), HPA.scale_down_period_seconds,
          AT_LEAST, lambda v: f"Percent {HPA.scale_down_percent} per {n(v)} s is faster", "hpa-scale-down-period"),
    Limit(kubernetes.hpa_scale_up, HPA_TYPE,
          with_value(HPA_GOOD, "spec", "behavior", "scaleUp", "stabilizationWindowSeconds"),
          HPA.scale_up_stabilization_seconds, AT_MOST, lambda v: f"stabilizationWindowSeconds is {n(v)}",
          "hpa-scale-up-stabilization", short_side=HPA.scale_up_stabilization_seconds > 0),
    Limit(kubernetes.hpa_scale_up, HPA_TYPE,
          lambda v: scale_up_policy("Percent", v, HPA.scale_up_percent_period_seconds), HPA.scale_up_percent,
          AT_LEAST, lambda v: f"no Percent policy of at least {HPA.scale_up_percent}", "hpa-scale-up-percent"),
    Limit(kubernetes.hpa_scale_up, HPA_TYPE, lambda v: scale_up_policy("Percent", HPA.scale_up_percent, v),
          HPA.scale_up_percent_period_seconds, AT_MOST, lambda v: "no Percent policy of at least",
          "hpa-scale-up-percent-period"),
    Limit(kubernetes.hpa_scale_up, HPA_TYPE, lambda v: scale_up_policy("Pods", v, HPA.scale_up_pods_period_seconds),
          HPA.scale_up_pods, AT_LEAST, lambda v: f"no Pods policy of at least {HPA.scale_up_pods}",
          "hpa-scale-up-pods"),
    Limit(kubernetes.hpa_scale_up, HPA_TYPE, lambda v: scale_up_policy("Pods", HPA.scale_up_pods, v),
          HPA.scale_up_pods_period_seconds, AT_MOST, lambda v: "no Pods policy of at least", "hpa-scale-up-pods-period"),
    # --- load balancer, cache, Kafka, database
    Limit(alb.load_balancer_idle_timeout, LB, lambda v: {"idleTimeout": v}, LOAD_BALANCING.idle_timeout_seconds,
          EXACTLY, lambda v: f"idleTimeout is {n(v)} s", "alb-idle-timeout"),
    Limit(elasticache.cluster_mode, RG, with_value(CACHE_GOOD, "numNodeGroups"), CACHE.shards, AT_LEAST,
          lambda v: n(v), "cache-shards"),
    Limit(elasticache.snapshot_retention, RG, with_value(CACHE_GOOD, "snapshotRetentionLimit"),
          schema_default(elasticache.snapshot_retention, "minDays"), AT_LEAST,
          lambda v: f"snapshotRetentionLimit is {n(v)} days", "cache-snapshot-retention"),
    Limit(msk.min_insync_replicas, MSK_CONFIG, msk_configuration, MESSAGING.min_insync_replicas, AT_LEAST,
          lambda v: f"min.insync.replicas is '{n(v)}'", "msk-configuration-min-insync"),
    Limit(msk.min_insync_replicas, TOPIC, lambda v: {**TOPIC_OK, "configs": {"min.insync.replicas": n(v)}},
          MESSAGING.min_insync_replicas, AT_LEAST, lambda v: f"configs min.insync.replicas is '{n(v)}'",
          "msk-topic-min-insync"),
    Limit(msk.topic_partitions, TOPIC, with_value(TOPIC_OK, "partitionCount"), MESSAGING.partitions, AT_LEAST,
          lambda v: f"partitionCount is {n(v)}", "msk-partitions"),
    Limit(msk.topic_replication_factor, TOPIC, with_value(TOPIC_OK, "replicationFactor"),
          MESSAGING.replication_factor, AT_LEAST, lambda v: f"replicationFactor is {n(v)}", "msk-replication-factor"),
    Limit(rds.backup_retention, DB, with_value(PRIMARY, "backupRetentionPeriod"),
          schema_default(rds.backup_retention, "minDays"), AT_LEAST,
          lambda v: f"backupRetentionPeriod is {n(v)} days", "rds-backup-retention"),
    Limit(rds.parameter_group_logging, "aws:rds/parameterGroup:ParameterGroup", rds_logging,
          schema_default(rds.parameter_group_logging, "maxLogMinDurationMs"), AT_MOST,
          lambda v: f"log_min_duration_statement is {n(v)} ms", "rds-log-min-duration"),
    # --- CloudWatch Logs
    Limit(cloudwatch.log_group_retention, "aws:cloudwatch/logGroup:LogGroup", lambda v: {"retentionInDays": v},
          schema_default(cloudwatch.log_group_retention, "minDays"), AT_LEAST,
          lambda v: f"retentionInDays is {n(v)}", "log-group-retention"),
]

# The WAF rule: the design's rate over each WAF window, rounded either way, is allowed; one request more than
# the upper rounding or less than the lower one is not. The bounds come from the design's rate, not literals.
WAF_ROWS = []
for _window in (60, 120, 300, 600):
    _exact = RATE_LIMIT.max_requests * _window / RATE_LIMIT.window_seconds
    _low, _high = int(_exact), -(-RATE_LIMIT.max_requests * _window // RATE_LIMIT.window_seconds)
    WAF_ROWS += [Limit(waf.web_acl_rate_limit, ACL, waf_acl(_window), _low, AT_LEAST,
                       lambda v, w=_window: f"limit {n(v)} per {w} s", f"waf-{_window}s-lower-rounding"),
                 Limit(waf.web_acl_rate_limit, ACL, waf_acl(_window), _high, AT_MOST,
                       lambda v, w=_window: f"limit {n(v)} per {w} s", f"waf-{_window}s-upper-rounding")]


@pytest.mark.parametrize("row, value, ok", boundary_cases(ROWS + WAF_ROWS))
def test_limit_boundaries(row, value, ok):
    check(row, value, ok)


def test_every_numeric_knob_of_the_resource_policies_has_a_boundary_row():
    """A new numeric limit in the pack needs a row here; the knobs below are covered elsewhere or not limits."""
    covered = {row.policy.name for row in ROWS + WAF_ROWS}
    # Stack policies (shard count, replicas) are covered below; knobs that are not numeric limits are skipped.
    numeric = {p.name for module in (alb, autoscaling, cloudwatch, elasticache, kubernetes, msk, rds, waf)
               for p in module.POLICIES
               if any(prop.get("type") == "integer" and name != "environment"
                      for name, prop in ((p.config_schema.properties if p.config_schema else {}) or {}).items())}
    assert numeric and numeric <= covered, sorted(numeric - covered)


def test_waf_design_rule_is_the_conversion_the_component_declares():
    limit, window = waf_rate_limit(RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds)
    assert run(waf.web_acl_rate_limit, ACL, waf_acl(window)(float(limit))) == []


# --- HPA selectPolicy: the scale-up takes the larger step; a scale-down Pods policy may not win by Max

@pytest.mark.parametrize("select, ok", [(HPA.scale_up_select_policy, True), ("Min", False), ("Disabled", False)])
def test_scale_up_select_policy(select, ok):
    props = with_value(HPA_GOOD, "spec", "behavior", "scaleUp", "selectPolicy")(select)
    messages = run(kubernetes.hpa_scale_up, HPA_TYPE, props)
    assert messages == [] if ok else [f"behavior.scaleUp.selectPolicy is {select!r}; the design takes the larger "
                                      "step (Max)"]


def scale_down_with_pods_policy(select: Any) -> dict:
    props = copy.deepcopy(HPA_GOOD)
    rules = props["spec"]["behavior"]["scaleDown"]
    rules["policies"].append({"type": "Pods", "value": 1.0, "periodSeconds": float(HPA.scale_down_period_seconds)})
    if select is not None:
        rules["selectPolicy"] = select
    return props


@pytest.mark.parametrize("select, ok", [("Max", False), (None, False), ("Min", True), ("Disabled", True)])
def test_scale_down_pods_policy_needs_select_policy_min(select, ok):
    messages = run(kubernetes.hpa_scale_down, HPA_TYPE, scale_down_with_pods_policy(select))
    if ok:
        assert messages == []
    else:
        assert messages == ["behavior.scaleDown has a Pods policy with selectPolicy Max, which can remove pods faster "
                            "than the Percent policy allows"]


def test_scale_down_at_the_documented_rate_over_a_longer_period_passes():
    """Twice the percent over twice the period is the same rate: allowed. Over one second less it is faster."""
    double = 2 * HPA.scale_down_percent
    assert run(kubernetes.hpa_scale_down, HPA_TYPE,
               scale_down_percent(double, 2 * HPA.scale_down_period_seconds)) == []
    assert run(kubernetes.hpa_scale_down, HPA_TYPE, scale_down_percent(double, 2 * HPA.scale_down_period_seconds - 1))
    assert any("is faster" in m for m in run(kubernetes.hpa_scale_down, HPA_TYPE,
                                              scale_down_percent(double, HPA.scale_down_period_seconds)))


def test_scale_down_disabled_skips_the_rate_rules_but_not_the_window():
    props = scale_down_percent(100.0, 1.0)
    props["spec"]["behavior"]["scaleDown"]["selectPolicy"] = "Disabled"
    assert run(kubernetes.hpa_scale_down, HPA_TYPE, props) == []
    props["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] = 0.0
    assert [m for m in run(kubernetes.hpa_scale_down, HPA_TYPE, props)
            if "stabilizationWindowSeconds is 0" in m]


def test_scale_down_without_a_percent_policy_is_reported():
    props = copy.deepcopy(HPA_GOOD)
    props["spec"]["behavior"]["scaleDown"]["policies"] = []
    assert run(kubernetes.hpa_scale_down, HPA_TYPE, props) == [
        f"behavior.scaleDown has no Percent policy (Kubernetes removes up to 100 % per 15 s); the design removes at "
        f"most {HPA.scale_down_percent} % per {HPA.scale_down_period_seconds} s"]


def test_scale_down_percent_policy_without_period_is_reported():
    messages = run(kubernetes.hpa_scale_down, HPA_TYPE, scale_down_percent(float(HPA.scale_down_percent), 0.0))
    assert any("is faster" in m for m in messages), messages


def test_scale_up_defaults_when_the_block_is_absent_meet_the_design():
    props = copy.deepcopy(HPA_GOOD)
    del props["spec"]["behavior"]["scaleUp"]
    assert run(kubernetes.hpa_scale_up, HPA_TYPE, props) == []


def test_scale_up_policy_without_value_or_period_does_not_count():
    for broken in ({"type": "Pods", "periodSeconds": 30.0}, {"type": "Pods", "value": 5.0, "periodSeconds": 0.0}):
        props = scale_up_policy("Percent", HPA.scale_up_percent, HPA.scale_up_percent_period_seconds)
        props["spec"]["behavior"]["scaleUp"]["policies"] = [
            p for p in props["spec"]["behavior"]["scaleUp"]["policies"] if p["type"] != "Pods"] + [broken]
        assert run(kubernetes.hpa_scale_up, HPA_TYPE, props) == [
            f"behavior.scaleUp has no Pods policy of at least {HPA.scale_up_pods} per "
            f"{HPA.scale_up_pods_period_seconds} s"]


# --- stack policies: shard count (exactly) and read replicas per primary (at least)

def shards(count: int, replicas: int) -> list:
    resources = []
    for i in range(count):
        primary = resource(DB, f"p{i}", {"identifier": f"p{i}"})
        resources.append(primary)
        resources += [link(resource(DB, f"p{i}-r{j}", {"replicateSourceDb": UNKNOWN}), "replicateSourceDb", primary)
                      for j in range(replicas)]
    return resources


@pytest.mark.parametrize("count, ok", [(DATABASE.shard_count, True), (DATABASE.shard_count - 1, False),
                                       (DATABASE.shard_count + 1, False)])
def test_shard_count_boundaries(count, ok):
    found = run_stack(stack_rules.rds_shard_count, shards(count, DATABASE.min_read_replicas_prod))
    if ok:
        assert found == []
    else:
        assert [message for message, _ in found] == [
            f"the stack declares {count} primary database(s); the sharding strategy routes userId % "
            f"{DATABASE.shard_count}, so it needs exactly {DATABASE.shard_count} shards"]


@pytest.mark.parametrize("replicas, ok", [(DATABASE.min_read_replicas_prod, True),
                                          (DATABASE.min_read_replicas_prod - 1, False),
                                          (DATABASE.min_read_replicas_prod + 1, True)])
def test_read_replica_boundaries(replicas, ok):
    found = run_stack(stack_rules.rds_read_replicas, shards(1, replicas))
    if ok:
        assert found == []
    else:
        assert [message for message, _ in found] == [
            f"{DB} p0 has {replicas} read replica(s); every primary has at least {DATABASE.min_read_replicas_prod}"]
