"""Every default, threshold and text that carries one of the design's numbers reads it from scaling_kit.limits.

Each known pair is compared explicitly, so changing a limit in scaling_kit/limits.py without the code that
restates it following (a literal left behind) fails here, naming the pair.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import pytest

from components.auto_scaling_group import AutoScalingGroupArgs
from components.cache import CacheArgs
from components.database import DatabaseArgs
from components.load_balancer import LoadBalancerArgs
from components.metrics_pipeline import MetricsPipelineArgs
from components.rate_limit import RateLimitArgs
from components.sharded_database import ShardedDatabaseArgs
from components.streaming import StreamingArgs, TopicSpec
from components.workload import WorkloadArgs, design_app_settings
from policies import registry
from scaling_kit import sharding
from scaling_kit.limits import (
    AUTO_SCALING,
    CACHE,
    CIRCUIT_BREAKER,
    DATABASE,
    HPA,
    LOAD_BALANCING,
    MESSAGING,
    RATE_LIMIT,
)
from scaling_kit.waf_rate import waf_rate_limit
from stack import config

ROOT = Path(__file__).resolve().parents[2]


def default(cls, name):
    f = next(f for f in dataclasses.fields(cls) if f.name == name)
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return f.metadata["default"]


def setting_default(section, name):
    return next(f for f in dataclasses.fields(section) if f.name == name).metadata["default"]


# (where, actual, the documented limit)
COMPONENT_DEFAULTS = [
    ("LoadBalancerArgs.backends weights", tuple(b.weight for b in default(LoadBalancerArgs, "backends")),
     LOAD_BALANCING.backend_weights),
    ("LoadBalancerArgs.backend_port", default(LoadBalancerArgs, "backend_port"), LOAD_BALANCING.backend_port),
    ("LoadBalancerArgs.idle_timeout_seconds", default(LoadBalancerArgs, "idle_timeout_seconds"),
     LOAD_BALANCING.idle_timeout_seconds),
    ("LoadBalancerArgs.deregistration_delay_seconds", default(LoadBalancerArgs, "deregistration_delay_seconds"),
     LOAD_BALANCING.idle_timeout_seconds),
    ("RateLimitArgs.requests", default(RateLimitArgs, "requests"), RATE_LIMIT.max_requests),
    ("RateLimitArgs.window_seconds", default(RateLimitArgs, "window_seconds"), RATE_LIMIT.window_seconds),
    ("AutoScalingGroupArgs.min_size", default(AutoScalingGroupArgs, "min_size"), AUTO_SCALING.min_size),
    ("AutoScalingGroupArgs.max_size", default(AutoScalingGroupArgs, "max_size"), AUTO_SCALING.max_size),
    ("AutoScalingGroupArgs.desired_capacity", default(AutoScalingGroupArgs, "desired_capacity"),
     AUTO_SCALING.desired_capacity),
    ("AutoScalingGroupArgs.health_check_type", default(AutoScalingGroupArgs, "health_check_type"),
     AUTO_SCALING.health_check_type),
    ("AutoScalingGroupArgs.health_check_grace_period_seconds",
     default(AutoScalingGroupArgs, "health_check_grace_period_seconds"), AUTO_SCALING.health_check_grace_period_seconds),
    ("AutoScalingGroupArgs.port", default(AutoScalingGroupArgs, "port"), LOAD_BALANCING.backend_port),
    ("AutoScalingGroupArgs.cpu_target_percent", default(AutoScalingGroupArgs, "cpu_target_percent"),
     HPA.cpu_utilization_percent),
    ("DatabaseArgs.port", default(DatabaseArgs, "port"), DATABASE.port),
    ("DatabaseArgs.database_name", default(DatabaseArgs, "database_name"), DATABASE.database_name),
    ("DatabaseArgs.replica_count", default(DatabaseArgs, "replica_count"), DATABASE.min_read_replicas_prod),
    ("DatabaseArgs.pool_max_connections", default(DatabaseArgs, "pool_max_connections"), DATABASE.pool_max_connections),
    ("DatabaseArgs.pool_idle_timeout_seconds", default(DatabaseArgs, "pool_idle_timeout_seconds"),
     DATABASE.pool_idle_timeout_seconds),
    ("DatabaseArgs.pool_connect_timeout_seconds", default(DatabaseArgs, "pool_connect_timeout_seconds"),
     DATABASE.pool_connect_timeout_seconds),
    ("ShardedDatabaseArgs.shard_count", default(ShardedDatabaseArgs, "shard_count"), DATABASE.shard_count),
    ("scaling_kit.sharding.SHARD_KEY_HEX_CHARS", sharding.SHARD_KEY_HEX_CHARS, DATABASE.shard_key_hex_chars),
    ("CacheArgs.num_node_groups", default(CacheArgs, "num_node_groups"), CACHE.shards),
    ("CacheArgs.ttl_seconds", default(CacheArgs, "ttl_seconds"), CACHE.ttl_seconds),
    ("CacheArgs.feature_key_prefix", default(CacheArgs, "feature_key_prefix"), CACHE.feature_key_prefix),
    ("CacheArgs.session_key_prefix", default(CacheArgs, "session_key_prefix"), CACHE.session_key_prefix),
    ("StreamingArgs.replication_factor", default(StreamingArgs, "replication_factor"), MESSAGING.replication_factor),
    ("StreamingArgs.broker_count", default(StreamingArgs, "broker_count"), MESSAGING.replication_factor),
    ("StreamingArgs.min_insync_replicas", default(StreamingArgs, "min_insync_replicas"), MESSAGING.min_insync_replicas),
    ("StreamingArgs.default_partitions", default(StreamingArgs, "default_partitions"), MESSAGING.partitions),
    ("StreamingArgs.topics", tuple(default(StreamingArgs, "topics")),
     (TopicSpec(MESSAGING.topic, MESSAGING.partitions, MESSAGING.replication_factor),)),
    ("StreamingArgs.policy_topic", default(StreamingArgs, "policy_topic"), MESSAGING.topic),
    ("StreamingArgs.consumer_group", default(StreamingArgs, "consumer_group"), MESSAGING.consumer_group),
    ("MetricsPipelineArgs.metric_name", default(MetricsPipelineArgs, "metric_name"), HPA.requests_per_second_metric),
    ("WorkloadArgs.min_replicas", default(WorkloadArgs, "min_replicas"), HPA.min_replicas),
    ("WorkloadArgs.max_replicas", default(WorkloadArgs, "max_replicas"), HPA.max_replicas),
    ("WorkloadArgs.cpu_utilization_percent", default(WorkloadArgs, "cpu_utilization_percent"),
     HPA.cpu_utilization_percent),
    ("WorkloadArgs.memory_utilization_percent", default(WorkloadArgs, "memory_utilization_percent"),
     HPA.memory_utilization_percent),
    ("WorkloadArgs.requests_per_pod", default(WorkloadArgs, "requests_per_pod"), HPA.requests_per_second_average_value),
    ("WorkloadArgs.scale_down_stabilization_seconds", default(WorkloadArgs, "scale_down_stabilization_seconds"),
     HPA.scale_down_stabilization_seconds),
    ("WorkloadArgs.scale_down_policies", [(p.type, p.value, p.period_seconds)
                                          for p in default(WorkloadArgs, "scale_down_policies")],
     [("Percent", HPA.scale_down_percent, HPA.scale_down_period_seconds)]),
    ("WorkloadArgs.scale_up_policies", [(p.type, p.value, p.period_seconds)
                                        for p in default(WorkloadArgs, "scale_up_policies")],
     [("Percent", HPA.scale_up_percent, HPA.scale_up_percent_period_seconds),
      ("Pods", HPA.scale_up_pods, HPA.scale_up_pods_period_seconds)]),
    ("design_app_settings()", {k: design_app_settings()[k] for k in (
        "CIRCUIT_BREAKER_FAILURE_THRESHOLD", "DB_SHARD_COUNT", "DB_POOL_MAX", "RATE_LIMIT_MAX",
        "RATE_LIMIT_WINDOW_MS")},
     {"CIRCUIT_BREAKER_FAILURE_THRESHOLD": str(CIRCUIT_BREAKER.failure_threshold),
      "DB_SHARD_COUNT": str(DATABASE.shard_count), "DB_POOL_MAX": str(DATABASE.pool_max_connections),
      "RATE_LIMIT_MAX": str(RATE_LIMIT.max_requests), "RATE_LIMIT_WINDOW_MS": str(RATE_LIMIT.window_seconds * 1000)}),
]

SETTING_DEFAULTS = [
    (config.LoadBalancerSettings, "backend_weights", list(LOAD_BALANCING.backend_weights)),
    (config.LoadBalancerSettings, "idle_timeout_seconds", LOAD_BALANCING.idle_timeout_seconds),
    (config.LoadBalancerSettings, "deregistration_delay_seconds", LOAD_BALANCING.idle_timeout_seconds),
    (config.RateLimitSettings, "requests", RATE_LIMIT.max_requests),
    (config.RateLimitSettings, "window_seconds", RATE_LIMIT.window_seconds),
    (config.AutoScalingSettings, "min_size", AUTO_SCALING.min_size),
    (config.AutoScalingSettings, "max_size", AUTO_SCALING.max_size),
    (config.AutoScalingSettings, "desired_capacity", AUTO_SCALING.desired_capacity),
    (config.AutoScalingSettings, "health_check_grace_period_seconds", AUTO_SCALING.health_check_grace_period_seconds),
    (config.AutoScalingSettings, "cpu_target_percent", HPA.cpu_utilization_percent),
    (config.DatabaseSettings, "replica_count", DATABASE.min_read_replicas_prod),
    (config.DatabaseSettings, "shard_count", DATABASE.shard_count),
    (config.DatabaseSettings, "database_name", DATABASE.database_name),
    (config.DatabaseSettings, "pool_max_connections", DATABASE.pool_max_connections),
    (config.DatabaseSettings, "pool_idle_timeout_seconds", DATABASE.pool_idle_timeout_seconds),
    (config.DatabaseSettings, "pool_connect_timeout_seconds", DATABASE.pool_connect_timeout_seconds),
    (config.CacheSettings, "shards", CACHE.shards),
    (config.CacheSettings, "ttl_seconds", CACHE.ttl_seconds),
    (config.CacheSettings, "session_key_prefix", CACHE.session_key_prefix),
    (config.StreamingSettings, "broker_count", MESSAGING.replication_factor),
    (config.StreamingSettings, "topic_partitions", MESSAGING.partitions),
    (config.StreamingSettings, "topic_replication_factor", MESSAGING.replication_factor),
    (config.KubernetesSettings, "hpa_min_replicas", HPA.min_replicas),
    (config.KubernetesSettings, "hpa_max_replicas", HPA.max_replicas),
    (config.KubernetesSettings, "hpa_cpu_target_percent", HPA.cpu_utilization_percent),
    (config.KubernetesSettings, "hpa_memory_target_percent", HPA.memory_utilization_percent),
    (config.KubernetesSettings, "hpa_requests_per_second", int(HPA.requests_per_second_average_value)),
]

_WAF_LIMIT, _WAF_WINDOW = waf_rate_limit(RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds)
# (policy, knob, limit, numbers its description and remediation must state)
POLICY_THRESHOLDS = [
    ("aws-alb-target-group-load-balancing-algorithm", "algorithm", LOAD_BALANCING.algorithm, []),
    ("aws-alb-load-balancer-idle-timeout", "idleTimeoutSeconds", LOAD_BALANCING.idle_timeout_seconds,
     [LOAD_BALANCING.idle_timeout_seconds]),
    ("aws-wafv2-web-acl-rate-limit", "maxRequests", RATE_LIMIT.max_requests, [RATE_LIMIT.max_requests, _WAF_LIMIT]),
    ("aws-wafv2-web-acl-rate-limit", "windowSeconds", RATE_LIMIT.window_seconds,
     [RATE_LIMIT.window_seconds, _WAF_WINDOW]),
    ("aws-autoscaling-group-min-size", "minSize", AUTO_SCALING.min_size, [AUTO_SCALING.min_size]),
    ("aws-autoscaling-group-max-size", "maxSize", AUTO_SCALING.max_size, [AUTO_SCALING.max_size]),
    ("aws-autoscaling-group-health-check-type", "healthCheckType", AUTO_SCALING.health_check_type,
     [AUTO_SCALING.health_check_type]),
    ("aws-autoscaling-group-health-check-grace-period", "minSeconds", AUTO_SCALING.health_check_grace_period_seconds,
     [AUTO_SCALING.health_check_grace_period_seconds]),
    ("aws-rds-instance-read-replicas", "minReplicas", DATABASE.min_read_replicas_prod, []),
    ("aws-rds-instance-shard-count", "shardCount", DATABASE.shard_count, [DATABASE.shard_count]),
    ("aws-elasticache-replication-group-cluster-mode", "minShards", CACHE.shards, [CACHE.shards]),
    ("aws-msk-configuration-min-insync-replicas", "minInsyncReplicas", MESSAGING.min_insync_replicas,
     [MESSAGING.min_insync_replicas]),
    ("aws-msk-topic-partitions", "minPartitions", MESSAGING.partitions, [MESSAGING.partitions]),
    ("aws-msk-topic-replication-factor", "replicationFactor", MESSAGING.replication_factor,
     [MESSAGING.replication_factor]),
    ("kubernetes-hpa-min-replicas", "minReplicas", HPA.min_replicas, [HPA.min_replicas]),
    ("kubernetes-hpa-max-replicas", "maxReplicas", HPA.max_replicas, [HPA.max_replicas]),
    ("kubernetes-hpa-cpu-target", "averageUtilization", HPA.cpu_utilization_percent, [HPA.cpu_utilization_percent]),
    ("kubernetes-hpa-memory-target", "averageUtilization", HPA.memory_utilization_percent,
     [HPA.memory_utilization_percent]),
    ("kubernetes-hpa-requests-per-second", "averageValue", HPA.requests_per_second_average_value,
     [HPA.requests_per_second_average_value]),
    ("kubernetes-hpa-scale-down-behavior", "stabilizationWindowSeconds", HPA.scale_down_stabilization_seconds,
     [HPA.scale_down_stabilization_seconds, HPA.scale_down_percent, HPA.scale_down_period_seconds]),
    ("kubernetes-hpa-scale-down-behavior", "percent", HPA.scale_down_percent, []),
    ("kubernetes-hpa-scale-down-behavior", "periodSeconds", HPA.scale_down_period_seconds, []),
    ("kubernetes-hpa-scale-up-behavior", "percent", HPA.scale_up_percent,
     [HPA.scale_up_percent, HPA.scale_up_percent_period_seconds, HPA.scale_up_pods, HPA.scale_up_pods_period_seconds]),
    ("kubernetes-hpa-scale-up-behavior", "pods", HPA.scale_up_pods, []),
]


@pytest.mark.parametrize("where, actual, expected", COMPONENT_DEFAULTS, ids=[c[0] for c in COMPONENT_DEFAULTS])
def test_component_defaults_are_the_documented_limits(where, actual, expected):
    assert actual == expected, f"{where} is {actual!r}; scaling_kit.limits says {expected!r}"


@pytest.mark.parametrize("section, name, expected", SETTING_DEFAULTS, ids=[f"{s.__name__}.{n}" for s, n, _ in
                                                                          SETTING_DEFAULTS])
def test_setting_defaults_are_the_documented_limits(section, name, expected):
    assert setting_default(section, name) == expected, \
        f"{config.config_key(section, name)} defaults to {setting_default(section, name)!r}; scaling_kit.limits " \
        f"says {expected!r}"


@pytest.mark.parametrize("policy_name, knob, expected, stated", POLICY_THRESHOLDS,
                         ids=[f"{p}.{k}" for p, k, _, _ in POLICY_THRESHOLDS])
def test_policy_thresholds_and_texts_are_the_documented_limits(policy_name, knob, expected, stated):
    policy = next(p for p in registry.ALL_POLICIES if p.name == policy_name)
    assert policy.config_schema.properties[knob]["default"] == expected, (policy_name, knob)
    text = f"{policy.description} {policy.remediation_steps}"
    for number in stated:
        assert re.search(rf"(?<![\w.]){re.escape(str(number))}(?![\w])", text), \
            f"{policy_name}: {number!r} (from scaling_kit.limits) is not in its description/remediation: {text!r}"


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"(?<![\w.])\d+(?![\w])", text))


def test_policy_texts_state_no_number_that_is_not_a_limit():
    """A number in a policy's description or remediation that no limit explains is a restated literal."""
    from scaling_kit import limits
    allowed = {str(v) for group in (limits.LOAD_BALANCING, limits.HPA, limits.AUTO_SCALING, limits.DATABASE,
                                    limits.CACHE, limits.MESSAGING, limits.RATE_LIMIT, limits.CIRCUIT_BREAKER)
               for v in dataclasses.astuple(group) if isinstance(v, (int, str))}
    allowed |= {str(_WAF_LIMIT), str(_WAF_WINDOW)}
    for _, _, _, stated in POLICY_THRESHOLDS:
        allowed |= {str(n) for n in stated}
    design_policies = {p for p, _, _, _ in POLICY_THRESHOLDS}
    for policy in registry.ALL_POLICIES:
        if policy.name not in design_policies:
            continue
        stray = _numbers(f"{policy.description} {policy.remediation_steps}") - allowed
        assert not stray, f"{policy.name}: {sorted(stray)} in its texts come from no limit"


def test_the_shard_key_length_is_defined_once():
    source = (ROOT / "scaling_kit" / "sharding.py").read_text()
    assert not re.search(r"SHARD_KEY_HEX_CHARS\s*=\s*\d", source)


@pytest.mark.parametrize("module", sorted((ROOT / "components").glob("*.py")), ids=lambda p: p.name)
def test_defaults_to_in_docstrings_matches_integer_defaults(module):
    """"Defaults to N" in an argument's docstring is the number the field defaults to (a docstring cannot be
    an f-string, so a limit that changes leaves a stale docstring unless this fails)."""
    tree = ast.parse(module.read_text())
    stale = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        body = cls.body
        for i, node in enumerate(body[:-1]):
            doc = body[i + 1]
            if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None
                    and isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant)
                    and isinstance(doc.value.value, str)):
                continue
            match = re.search(r"Defaults to (?:the design's )?(?:``)?\"?(-?\d+)\"?(?:``)?(?![\w.%/:-])", doc.value.value)
            if not match:
                continue
            module_name = f"components.{module.stem}"
            import importlib
            value = default(getattr(importlib.import_module(module_name), cls.name), node.target.id)
            if isinstance(value, bool) or not isinstance(value, (int, str)):
                continue
            if str(value) != match.group(1):
                stale.append(f"{cls.name}.{node.target.id}: docstring says {match.group(1)}, default is {value!r}")
    assert not stale, stale
