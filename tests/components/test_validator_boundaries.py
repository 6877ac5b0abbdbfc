"""Every numeric rule of the component validators tried at its edge (issue 19): the value at the limit and one
step inside pass, one step past fails with the whole message (path, value and what is allowed).

Pure: no engine, no hypothesis, a second or two, so ``scripts/mutation.py validators`` can judge the validators
with this file. The limits come from the components' own constants where they have one, so a changed limit
moves these rows with it; a literal here is a number only the message states (a port range, an AWS range).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import pytest

from components import cache, database, load_balancer, network, request_proxy, sharded_database
from components.auto_scaling_group import (
    MAX_INSTANCE_TYPES,
    MAX_SCHEDULED_ACTIONS,
    MAX_SCHEDULING_BUFFER_SECONDS,
    AutoScalingGroupArgs,
    MixedInstances,
    PredictiveScaling,
    ScheduledAction,
    TrafficSource,
    WarmPool,
    schedule_ceiling,
    validate_auto_scaling_group_args,
    validate_capacity,
    validate_predictive_scaling,
)
from components.cache import CacheArgs, parameter_group_family, validate_cache_args, windows_overlap
from components.consumer import KafkaConsumerArgs, validate_kafka_consumer_args
from components.container_app import ContainerApp, validate_container_app
from components.database import DatabaseArgs, validate_database_args
from components.eks_cluster import (
    INSTANCE_CAPACITY,
    EksClusterArgs,
    allocatable,
    kube_reserved_cpu_millicores,
    validate_eks_cluster_args,
    validate_node_capacity,
)
from components.load_balancer import TLS13_SSL_POLICY, BackendArgs, LoadBalancerArgs, validate_load_balancer_args
from components.metrics_pipeline import MetricsPipelineArgs, PodDemand, metrics_catalog
from components.network import NetworkArgs, validate_network_args
from components.sharded_database import ShardedDatabaseArgs, validate_sharded_database_args
from components.streaming import StreamingArgs, TopicSpec, validate_streaming_args
from components.validation import ArgumentError
from components.workload import (
    ScalingPolicy,
    WorkloadArgs,
    design_app_settings,
    validate_pdb,
    validate_workload_args,
)
from scaling_kit import limits
from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.limits import AUTO_SCALING

SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
ASG = AutoScalingGroupArgs(vpc_id="vpc-1", vpc_cidr_block="10.0.0.0/16", subnet_ids=SUBNETS[:2],
                           traffic_sources=(TrafficSource("api1", "arn:tg", "targetgroup/api1/1"),))
DB = DatabaseArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2])
CACHE = CacheArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2])
LB = LoadBalancerArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2])
STREAMING = StreamingArgs(vpc_id="vpc-1", subnet_ids=SUBNETS)
EKS = EksClusterArgs(subnet_ids=SUBNETS)
WORKLOAD = WorkloadArgs(metrics_catalog=metrics_catalog(MetricsPipelineArgs()))
WORKLOAD_BY_REQUESTS = replace(WORKLOAD, cpu_utilization_percent=None, memory_utilization_percent=None)
CONSUMER = KafkaConsumerArgs(cluster_arn="arn:msk", bootstrap_brokers_iam="b-1:9098", oidc_provider_arn="arn:oidc",
                             oidc_issuer="oidc.example", image="registry.example/consumer:1")


def out_of_range(path: str, value: Any, allowed: str) -> str:
    return f"{path}: {value} is out of range; expected {allowed}"


@dataclass(frozen=True)
class Edge:
    """``build(edge)`` and ``build(edge - step)`` are allowed; ``build(edge + step)`` is refused with ``message``."""
    name: str
    validate: Callable[[Any], Any]
    build: Callable[[int], Any]
    edge: int
    step: int
    """+1 for an upper bound, -1 for a lower bound."""
    message: str


def field(base: Any, name: str) -> Callable[[int], Any]:
    return lambda value: replace(base, **{name: value})


def ranged(validate, base, name, low, high, allowed=None, path=None) -> list[Edge]:
    """Both edges of ``low <= base.name <= high`` (either may be None: no such edge) with the usual message."""
    allowed = allowed or (f"{low} to {high}" if high is not None else f"at least {low}" if low != 0
                          else "0 or more")
    rows = []
    for edge, step in ((low, -1), (high, +1)):
        if edge is not None:
            rows.append(Edge(f"{type(base).__name__}.{name}{'<' if step < 0 else '>'}{edge}", validate,
                             field(base, name), edge, step, out_of_range(path or name, edge + step, allowed)))
    return rows


def validate_db(args: DatabaseArgs) -> None:
    validate_database_args(args, "prod-db")


def asg_with(**changes) -> Callable[[int], AutoScalingGroupArgs]:
    """An ASG whose nested argument is built from the value: ``asg_with(warm_pool=lambda v: WarmPool(min_size=v))``."""
    return lambda value: replace(ASG, **{name: make(value) for name, make in changes.items()})


def action(i: int, max_size: int = 10) -> ScheduledAction:
    return ScheduledAction(f"a{i}", "0 8 * * MON-FRI", 0, 0, max_size)


def instance_types(count: int) -> tuple[str, ...]:
    return tuple(f"m{i}.large" for i in range(count))


EDGES: list[Edge] = [
    # --- AutoScalingGroup: the two rules the issue found disabled without a failing test, then the rest.
    *ranged(validate_auto_scaling_group_args, ASG, "port", 1, 65535),
    *ranged(validate_auto_scaling_group_args, ASG, "requests_per_target", 1, None),
    *ranged(validate_auto_scaling_group_args, ASG, "root_volume_size_gb", 8, 16384),
    *ranged(validate_auto_scaling_group_args, ASG, "cpu_target_percent", 1, 100),
    *ranged(validate_auto_scaling_group_args, ASG, "instance_refresh_min_healthy_percent", 0, 100),
    *ranged(validate_auto_scaling_group_args, ASG, "health_check_grace_period_seconds", 0, None,
            "0 or more seconds"),
    *ranged(validate_auto_scaling_group_args, ASG, "default_instance_warmup_seconds", 0, None, "0 or more seconds"),
    Edge("ASG.data_tier_ports<1", validate_auto_scaling_group_args, lambda v: replace(ASG, data_tier_ports=(5432, v)),
         1, -1, out_of_range("data_tier_ports", 0, "1 to 65535")),
    Edge("ASG.data_tier_ports>65535", validate_auto_scaling_group_args,
         lambda v: replace(ASG, data_tier_ports=(v, 5432)), 65535, +1, out_of_range("data_tier_ports", 65536, "1 to 65535")),
    Edge("ASG.subnet_ids", validate_auto_scaling_group_args, lambda n: replace(ASG, subnet_ids=SUBNETS[:n]), 2, -1,
         "subnet_ids: 1 subnet(s) given; expected subnets in at least two availability zones so a zone outage leaves "
         "capacity"),
    Edge("ASG.warm_pool.min_size", validate_auto_scaling_group_args, asg_with(warm_pool=lambda v: WarmPool(min_size=v)),
         0, -1, out_of_range("warm_pool.min_size", -1, "0 or more")),
    Edge("ASG.warm_pool.max_group_prepared_capacity", validate_auto_scaling_group_args,
         asg_with(warm_pool=lambda v: WarmPool(min_size=3, max_group_prepared_capacity=v)), 3, -1,
         "warm_pool.max_group_prepared_capacity/min_size/warm_pool.min_size: 2 is below min_size 2 or warm_pool.min_size "
         "3; expected at least both (and 1), or none for the group's max_size"),
    Edge("ASG.mixed_instances.instance_types>max", validate_auto_scaling_group_args,
         asg_with(mixed_instances=lambda n: MixedInstances(instance_types(n))), MAX_INSTANCE_TYPES, +1,
         f"mixed_instances.instance_types: {MAX_INSTANCE_TYPES + 1} type(s) given; expected 1 to {MAX_INSTANCE_TYPES}"),
    Edge("ASG.mixed_instances.instance_types<1", validate_auto_scaling_group_args,
         asg_with(mixed_instances=lambda n: MixedInstances(instance_types(n))), 1, -1,
         f"mixed_instances.instance_types: 0 type(s) given; expected 1 to {MAX_INSTANCE_TYPES}"),
    Edge("ASG.mixed_instances.on_demand_base_capacity<0", validate_auto_scaling_group_args,
         asg_with(mixed_instances=lambda v: MixedInstances(("m6i.large",), on_demand_base_capacity=v)), 0, -1,
         out_of_range("mixed_instances.on_demand_base_capacity", -1, "0 or more")),
    Edge("ASG.mixed_instances.on_demand_base_capacity>max_size", validate_auto_scaling_group_args,
         asg_with(mixed_instances=lambda v: MixedInstances(("m6i.large",), on_demand_base_capacity=v)), ASG.max_size, +1,
         f"mixed_instances.on_demand_base_capacity/max_size: {ASG.max_size + 1} is above max_size {ASG.max_size}; "
         "expected at most max_size"),
    *[Edge(f"ASG.mixed_instances.on_demand_percentage_above_base{sign}{edge}", validate_auto_scaling_group_args,
           asg_with(mixed_instances=lambda v: MixedInstances(("m6i.large",), on_demand_percentage_above_base=v)),
           edge, step, out_of_range("mixed_instances.on_demand_percentage_above_base", edge + step, "0 to 100"))
      for sign, edge, step in (("<", 0, -1), (">", 100, +1))],
    Edge("ASG.scheduled_actions count", validate_auto_scaling_group_args,
         asg_with(scheduled_actions=lambda n: tuple(action(i) for i in range(n))), MAX_SCHEDULED_ACTIONS, +1,
         f"scheduled_actions: {MAX_SCHEDULED_ACTIONS + 1} actions given; AWS allows at most {MAX_SCHEDULED_ACTIONS} "
         "per group"),
    Edge("ASG.scheduled_actions.max_size", validate_auto_scaling_group_args,
         asg_with(scheduled_actions=lambda v: (action(0, v),)), schedule_ceiling(ASG.max_size), +1,
         f"scheduled_actions[0].max_size: {schedule_ceiling(ASG.max_size) + 1} is above "
         f"{schedule_ceiling(ASG.max_size)}, the documented maximum ({AUTO_SCALING.max_size}) or the group's "
         f"max_size ({ASG.max_size}) if higher"),
    Edge("ASG.scheduled_actions.min_size", validate_auto_scaling_group_args,
         asg_with(scheduled_actions=lambda v: (ScheduledAction("a", "0 8 * * *", v, 2, 5),)), 0, -1,
         "scheduled_actions[0].min_size/scheduled_actions[0].desired_capacity/scheduled_actions[0].max_size: -1/2/5 is "
         "not allowed; expected 0 <= min_size <= desired_capacity <= max_size"),
    *[Edge(f"ASG.predictive_scaling.scheduling_buffer_seconds{sign}", validate_auto_scaling_group_args,
           asg_with(predictive_scaling=lambda v: PredictiveScaling(scheduling_buffer_seconds=v)), edge, step,
           out_of_range("predictive_scaling.scheduling_buffer_seconds", edge + step,
                        f"0 to {MAX_SCHEDULING_BUFFER_SECONDS}"))
      for sign, edge, step in (("<", 0, -1), (">", MAX_SCHEDULING_BUFFER_SECONDS, +1))],
    *[Edge(f"ASG.predictive_scaling.max_capacity_buffer_percent{sign}", validate_auto_scaling_group_args,
           asg_with(predictive_scaling=lambda v: PredictiveScaling(max_capacity_breach_behavior="IncreaseMaxCapacity",
                                                                   mode="ForecastOnly", max_capacity_buffer_percent=v)),
           edge, step, out_of_range("predictive_scaling.max_capacity_buffer_percent", edge + step, "0 to 100"))
      for sign, edge, step in (("<", 0, -1), (">", 100, +1))],

    # --- Cache
    *ranged(validate_cache_args, CACHE, "num_node_groups", 1, cache.MAX_SHARDS),
    *ranged(validate_cache_args, CACHE, "replicas_per_node_group", None, cache.MAX_REPLICAS, f"0 to {cache.MAX_REPLICAS}"),
    Edge("Cache.replicas_per_node_group<1", validate_cache_args, field(CACHE, "replicas_per_node_group"), 1, -1,
         "replicas_per_node_group: 0 is not allowed with automatic failover (required in cluster mode); expected 1 to 5 "
         "so a replica can be promoted"),
    *ranged(validate_cache_args, CACHE, "auth_token_length", cache.AUTH_TOKEN_MIN, cache.AUTH_TOKEN_MAX),
    *ranged(validate_cache_args, CACHE, "port", 1, 65535),
    *ranged(validate_cache_args, CACHE, "snapshot_retention_days", 0, 35),
    *ranged(validate_cache_args, CACHE, "ttl_seconds", 1, None),

    # --- Database
    *ranged(validate_db, DB, "allocated_storage_gb", 20, None, "20 to 65536"),
    Edge("Database.allocated_storage_gb>65536", validate_db,
         lambda v: replace(DB, allocated_storage_gb=v, max_allocated_storage_gb=65536), 65536, +1,
         out_of_range("allocated_storage_gb", 65537, "20 to 65536")),
    *ranged(validate_db, DB, "max_allocated_storage_gb", DB.allocated_storage_gb, 65536,
            f"allocated_storage_gb ({DB.allocated_storage_gb}) to 65536"),
    *ranged(validate_db, DB, "replica_count", 0, database.MAX_REPLICAS),
    *ranged(validate_db, replace(DB, replica_count=0), "backup_retention_days", 0, 35),
    Edge("Database.backup_retention_days with replicas", validate_db, field(DB, "backup_retention_days"), 1, -1,
         f"backup_retention_days: 0 with replica_count {DB.replica_count}; read replicas need automated backups on the "
         "source, expected backup_retention_days >= 1 or replica_count 0"),
    *ranged(validate_db, DB, "port", 1150, 65535),
    *ranged(validate_db, DB, "log_min_duration_ms", -1, None, "-1 or more"),
    *ranged(validate_db, DB, "pool_max_connections", 1, None),
    *[Edge(f"Database.pool_idle_timeout_seconds{sign}", validate_db, field(DB, "pool_idle_timeout_seconds"), edge, step,
           out_of_range("pool_idle_timeout_seconds", edge + step, "1 to 14400 (the proxy's idle client timeout, twice "
                        "this, is at most 28800)")) for sign, edge, step in (("<", 1, -1), (">", 14400, +1))],
    *[Edge(f"Database.pool_connect_timeout_seconds{sign}", validate_db, field(DB, "pool_connect_timeout_seconds"), edge,
           step, out_of_range("pool_connect_timeout_seconds", edge + step, "1 to 3600 (the proxy's connection borrow "
                              "timeout)")) for sign, edge, step in (("<", 1, -1), (">", 3600, +1))],
    *ranged(validate_db, replace(DB, proxy_max_idle_connections_percent=0), "proxy_max_connections_percent", 1, 100),
    *ranged(validate_db, DB, "proxy_max_idle_connections_percent", 0, DB.proxy_max_connections_percent,
            f"0 to proxy_max_connections_percent ({DB.proxy_max_connections_percent})"),
    *ranged(validate_db, DB, "zone_offset", 0, None),
    Edge("Database.subnet_ids", validate_db, lambda n: replace(DB, subnet_ids=SUBNETS[:n]), 2, -1,
         "subnet_ids: 1 subnet(s) given; expected at least 2 in different zones (the DB subnet group and the proxy "
         "need two zones)"),
    *[Edge(f"ShardedDatabase.shard_count{sign}", lambda a: validate_sharded_database_args(a, "prod-db"),
           lambda n: ShardedDatabaseArgs(database=DB, shard_count=n), edge, step,
           f"shard_count: {edge + step} is out of range; expected an integer from 1 to {sharded_database.MAX_SHARDS}")
      for sign, edge, step in (("<", 1, -1), (">", sharded_database.MAX_SHARDS, +1))],

    # --- LoadBalancer
    *ranged(validate_load_balancer_args, LB, "backend_port", 1, 65535),
    *ranged(validate_load_balancer_args, LB, "idle_timeout_seconds", 1, 4000),
    *ranged(validate_load_balancer_args, LB, "deregistration_delay_seconds", 0, 3600),
    *ranged(validate_load_balancer_args, LB, "access_log_retention_days", 1, None),
    *[Edge(f"LoadBalancer.slow_start_seconds{sign}{edge}", validate_load_balancer_args, field(LB, "slow_start_seconds"),
           edge, step, f"slow_start_seconds: {edge + step} is not allowed; expected 0 (off) or 30 to 900")
      for sign, edge, step in (("<", 30, -1), (">", 900, +1))],
    Edge("LoadBalancer.backends count", validate_load_balancer_args,
         lambda n: replace(LB, backends=tuple(BackendArgs(f"b{i}") for i in range(n))), load_balancer.MAX_BACKENDS, +1,
         f"backends: {load_balancer.MAX_BACKENDS + 1} given; expected 1 to {load_balancer.MAX_BACKENDS} (the limit of "
         "target groups in one weighted forward action)"),
    Edge("LoadBalancer.backends weight", validate_load_balancer_args,
         lambda v: replace(LB, backends=(BackendArgs("blue", weight=v),)), load_balancer.MAX_WEIGHT, +1,
         f"backends: weight {load_balancer.MAX_WEIGHT + 1} of 'blue' is out of range; expected 0 to "
         f"{load_balancer.MAX_WEIGHT}"),
    Edge("LoadBalancer.health_check_path length", validate_load_balancer_args,
         lambda n: replace(LB, health_check_path="/" + "a" * (n - 1)), 1024, +1,
         f"health_check_path: {'/' + 'a' * 1024!r} is not allowed; expected a path starting with '/', at most 1024 "
         "characters"),

    # --- Streaming
    *ranged(validate_streaming_args, STREAMING, "volume_size_gb", 1, None, "1 to 16384"),
    Edge("Streaming.volume_size_gb>16384", validate_streaming_args,
         lambda v: replace(STREAMING, volume_size_gb=v, max_volume_size_gb=16384), 16384, +1,
         out_of_range("volume_size_gb", 16385, "1 to 16384")),
    *ranged(validate_streaming_args, STREAMING, "max_volume_size_gb", STREAMING.volume_size_gb, 16384,
            f"{STREAMING.volume_size_gb} (volume_size_gb) to 16384"),
    *ranged(validate_streaming_args, STREAMING, "storage_target_utilization_percent", 10, 80),
    *ranged(validate_streaming_args, replace(STREAMING, min_insync_replicas=1), "replication_factor", 1,
            STREAMING.broker_count, f"1 to broker_count ({STREAMING.broker_count})"),
    *ranged(validate_streaming_args, STREAMING, "min_insync_replicas", 1, STREAMING.replication_factor - 1,
            f"1 to {STREAMING.replication_factor - 1} (below replication_factor {STREAMING.replication_factor}, so "
            "acks=all survives one broker loss)"),
    *ranged(validate_streaming_args, STREAMING, "default_partitions", 1, None),
    Edge("Streaming.topics.partitions", validate_streaming_args,
         lambda v: replace(STREAMING, topics=(TopicSpec("orders", partitions=v),), policy_topic="orders"), 1, -1,
         "topics: 'orders' partitions 0 is out of range; expected at least 1"),
    Edge("Streaming.topics.replication_factor", validate_streaming_args,
         lambda v: replace(STREAMING, topics=(TopicSpec("orders", replication_factor=v),), policy_topic="orders"),
         STREAMING.broker_count, +1, f"topics: 'orders' replication_factor {STREAMING.broker_count + 1} is out of "
         f"range; expected 1 to broker_count ({STREAMING.broker_count})"),

    # --- EksCluster
    *ranged(validate_eks_cluster_args, EKS, "node_disk_size_gib", 20, 16384),
    *[Edge(f"EksCluster.node_min_size{sign}", validate_eks_cluster_args, field(EKS, "node_min_size"), edge, step,
           f"node_min_size: {edge + step} must be at least 1 and at most node_max_size ({EKS.node_max_size})")
      for sign, edge, step in (("<", 1, -1), (">", EKS.node_max_size, +1))],

    # --- Network
    *ranged(validate_network_args, NetworkArgs(), "az_count", network.MIN_ZONES, network.MAX_ZONES,
            f"{network.MIN_ZONES} to {network.MAX_ZONES} (the load balancer needs two zones)"),
    *[Edge(f"Network.cidr_block /{edge}", validate_network_args,
           lambda prefix: NetworkArgs(cidr_block=f"10.0.0.0/{prefix}"), edge, step,
           f"cidr_block: '10.0.0.0/{edge + step}' has prefix /{edge + step}; expected /16 to /23 (AWS allows /16 at "
           "most; subnets of /28 need at least /23)") for edge, step in ((16, -1), (23, +1))],

    # --- Workload
    *ranged(validate_workload_args, WORKLOAD, "service_port", 1, 65535),
    *ranged(validate_workload_args, WORKLOAD, "container_port", 1, None, "1 to 65535"),
    *ranged(validate_workload_args, WORKLOAD, "request_timeout_seconds", 1, 4000,
            "1 to 4000 (the load balancer's idle timeout range)"),
    Edge("Workload.min_replicas>max_replicas", validate_workload_args, field(WORKLOAD, "min_replicas"),
         WORKLOAD.max_replicas, +1, f"min_replicas: {WORKLOAD.max_replicas + 1} is above max_replicas "
         f"({WORKLOAD.max_replicas}); expected min <= max"),
    Edge("Workload.run_as_user", validate_workload_args, field(WORKLOAD, "run_as_user"), 1, -1,
         "run_as_user: 0 is root; expected a UID of at least 1"),
    # Without utilization targets, so the request rule itself (not the utilization one, below) is what refuses 0.
    *[Edge(f"Workload.{name}", validate_workload_args, field(WORKLOAD_BY_REQUESTS, name), 1, -1,
           f"{name}: 0 is not allowed; every container needs requests (the scheduler and the node sizing count them); "
           "expected at least 1") for name in ("cpu_request_millicores", "memory_request_mib")],
    *[row for name in ("cpu_utilization_percent", "memory_utilization_percent")
      for row in ranged(validate_workload_args, WORKLOAD, name, 1, 100, "1 to 100 or None")],
    *[row for name in ("scale_down_stabilization_seconds", "scale_up_stabilization_seconds")
      for row in ranged(validate_workload_args, WORKLOAD, name, 0, 3600)],
    *[Edge(f"Workload.{name}.value", validate_workload_args,
           lambda v, name=name: replace(WORKLOAD, **{name: (ScalingPolicy("Pods", v, 60),)}), 1, -1,
           f"{name}: policy value 0 is out of range; expected at least 1")
      for name in ("scale_down_policies", "scale_up_policies")],
    *[Edge(f"Workload.{name}.period_seconds{sign}", validate_workload_args,
           lambda v, name=name: replace(WORKLOAD, **{name: (ScalingPolicy("Pods", 1, v),)}), edge, step,
           f"{name}: period_seconds {edge + step} is out of range; expected 1 to 1800")
      for name in ("scale_down_policies", "scale_up_policies") for sign, edge, step in (("<", 1, -1), (">", 1800, +1))],
    # validate_pdb at min_replicas 3: 2 leaves one pod serving, 3 would evict every pod.
    Edge("Workload.pdb_max_unavailable>", lambda v: validate_pdb(3, v), lambda v: v, 2, +1,
         "pdb_max_unavailable: 3 lets a drain evict every pod at min_replicas (3); expected below min_replicas (raise "
         "min_replicas to at least 2)"),
    Edge("Workload.pdb_max_unavailable<", lambda v: validate_pdb(3, v), lambda v: v, 1, -1,
         "pdb_max_unavailable: 0 allows no disruption at min_replicas (3); node drains would block forever. Expected at "
         "least 1"),

    # --- KafkaConsumer
    *ranged(validate_kafka_consumer_args, CONSUMER, "partitions", 1, None),
    *[Edge(f"KafkaConsumer.max_replicas{sign}", validate_kafka_consumer_args, field(CONSUMER, "max_replicas"), edge,
           step, f"max_replicas/partitions: {edge + step} is out of range; expected 1 to {CONSUMER.partitions} (the "
           f"partitions of {CONSUMER.topic!r}: a consumer beyond them is given no partition and sits idle)")
      for sign, edge, step in (("<", 1, -1), (">", CONSUMER.partitions, +1))],
    *[Edge(f"KafkaConsumer.min_replicas{sign}", validate_kafka_consumer_args, field(CONSUMER, "min_replicas"), edge,
           step, out_of_range("min_replicas", edge + step, f"0 to {CONSUMER.partitions} (max_replicas)"))
      for sign, edge, step in (("<", 0, -1), (">", CONSUMER.partitions, +1))],
    *ranged(validate_kafka_consumer_args, CONSUMER, "lag_threshold", 1, None, "at least 1 message"),
    *ranged(validate_kafka_consumer_args, CONSUMER, "polling_interval_seconds", 5, 3600),
    *ranged(validate_kafka_consumer_args, CONSUMER, "cooldown_period_seconds", 0, 86400),
    *[Edge(f"KafkaConsumer.{name}", validate_kafka_consumer_args, field(CONSUMER, name), 1, -1,
           out_of_range(name, 0, "every container needs requests (the node sizing counts them); expected at least 1")
           .replace("; expected every", "; every"))
      for name in ("cpu_request_millicores", "memory_request_mib")],
    Edge("KafkaConsumer.run_as_user", validate_kafka_consumer_args, field(CONSUMER, "run_as_user"), 1, -1,
         "run_as_user: 0 is root; expected a UID of at least 1"),
]


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_the_limit_and_one_step_inside_are_allowed(edge):
    edge.validate(edge.build(edge.edge))
    edge.validate(edge.build(edge.edge - edge.step))


@pytest.mark.parametrize("edge", EDGES, ids=[e.name for e in EDGES])
def test_one_step_past_the_limit_is_refused_with_the_whole_message(edge):
    with pytest.raises(ArgumentError) as info:
        edge.validate(edge.build(edge.edge + edge.step))
    assert str(info.value) == edge.message


def test_the_edge_names_are_unique():
    names = [e.name for e in EDGES]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


# ------------------------------------------------------------------------------------------------------------------
# Rules that are not one number: min/desired/max of a group, equal pairs, and the capacity triple's four edges.
# ------------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sizes", [(0, 0, 1), (2, 2, 2), (1, 5, 20), (0, 1, 1)])
def test_capacity_allows_ordered_sizes_including_equal_ones(sizes):
    validate_capacity(*sizes)


@pytest.mark.parametrize("sizes", [(-1, 0, 1), (3, 2, 5), (1, 6, 5), (0, 0, 0)])
def test_capacity_refuses_each_broken_order_with_the_whole_message(sizes):
    text = "/".join(map(str, sizes))
    with pytest.raises(ArgumentError) as info:
        validate_capacity(*sizes)
    assert str(info.value) == (f"min_size/desired_capacity/max_size: {text} is not allowed; expected 0 <= min_size <= "
                               "desired_capacity <= max_size and max_size >= 1")


def test_asg_container_port_must_equal_the_group_port():
    from components.container_app import ContainerApp
    app = ContainerApp(image="registry.example/app:1", port=ASG.port, settings_parameter="/app/settings")
    validate_auto_scaling_group_args(replace(ASG, container=app))
    with pytest.raises(ArgumentError) as info:
        validate_auto_scaling_group_args(replace(ASG, container=replace(app, port=ASG.port + 1)))
    assert str(info.value) == (f"container.port: {ASG.port + 1} differs from port {ASG.port}, where the load balancer "
                               "sends traffic and health checks; use the same port")


def test_the_baselines_are_the_components_defaults_where_the_rows_assume_them():
    """Rows above read limits from the baselines (max_size, partitions, broker_count); pin what they assume."""
    assert ASG.max_size == AUTO_SCALING.max_size
    assert STREAMING.replication_factor - 1 >= 1
    assert CONSUMER.max_replicas is None and CONSUMER.partitions >= 2
    assert DB.proxy_max_idle_connections_percent < DB.proxy_max_connections_percent
    assert {f.name for f in dataclasses.fields(ASG)} >= {"port", "requests_per_target"}


def test_an_argument_error_names_each_path_and_keeps_the_reason():
    error = ArgumentError("min_size/max_size", "1/0 is not allowed")
    assert error.paths == ("min_size", "max_size") and error.path == "min_size/max_size"
    assert str(error) == "min_size/max_size: 1/0 is not allowed" and error.reason == "1/0 is not allowed"
    nested = error.within("database")
    assert nested.paths == ("database.min_size", "database.max_size") and nested.reason == error.reason
    assert str(nested) == "database.min_size/database.max_size: 1/0 is not allowed" and nested.__cause__ is error
    assert ArgumentError(("a", "b"), "x").paths == ("a", "b")
    assert re.fullmatch(r"a: x", str(ArgumentError(["a"], "x")))


def test_streaming_brokers_come_in_whole_rounds_of_the_zones():
    for brokers in (3, 6):
        validate_streaming_args(replace(STREAMING, broker_count=brokers))
    for brokers in (2, 4):
        with pytest.raises(ArgumentError) as info:
            validate_streaming_args(replace(STREAMING, broker_count=brokers, replication_factor=2, min_insync_replicas=1))
        assert str(info.value) == f"broker_count: {brokers} is not a multiple of the 3 zones; expected 3, 6, 9, ..."


def test_slow_start_is_off_at_0_and_refused_between_0_and_30():
    validate_load_balancer_args(replace(LB, slow_start_seconds=0))
    with pytest.raises(ArgumentError) as info:
        validate_load_balancer_args(replace(LB, slow_start_seconds=1))
    assert str(info.value) == "slow_start_seconds: 1 is not allowed; expected 0 (off) or 30 to 900"


def test_workload_min_replicas_below_1_is_refused_before_the_disruption_budget():
    with pytest.raises(ArgumentError) as info:
        validate_workload_args(replace(WORKLOAD, min_replicas=0))
    assert str(info.value) == "min_replicas: 0 is out of range; expected at least 1"


@pytest.mark.parametrize("resource", ["cpu", "memory"])
def test_a_utilization_target_needs_that_request_on_the_app_container(resource):
    only = {"cpu": dict(memory_utilization_percent=None), "memory": dict(cpu_utilization_percent=None)}[resource]
    unit = {"cpu": "cpu_request_millicores", "memory": "memory_request_mib"}[resource]
    with pytest.raises(ArgumentError) as info:
        validate_workload_args(replace(WORKLOAD, **only, **{unit: 0}))
    assert str(info.value) == (f"{resource}_request: container 'app' has no {resource} request; the HPA's {resource} "
                               "utilization target needs one on every container")


# ------------------------------------------------------------------------------------------------------------------
# Enum, pattern and arithmetic rules (issue 19's survivors: container app, cache, predictive scaling, EKS, load
# balancer, node capacity, the design's app settings). Each rule: a value at its edge accepted, one just outside
# refused with the whole message. Literals here are what the message or AWS states, on purpose: a changed enum
# or pattern in the component must fail a row.
# ------------------------------------------------------------------------------------------------------------------

APP = ContainerApp(image="registry.example/app:1", port=3000, settings_parameter="/project/stack/app")
TLS_APP = replace(APP, tls=True)
DIGEST = "@sha256:" + "0" * 64
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
IMAGE_EXAMPLE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.4.2"
ONE_SOURCE_WITH_ALB = replace(ASG, load_balancer_arn_suffix="app/alb/1")


def _image(value):
    return f"container.image: {value!r} is not an image reference such as {IMAGE_EXAMPLE}"


def _parameter(value):
    return f"container.settings_parameter: {value!r} is not an SSM parameter path such as /project/stack/app"


def _matcher(value):
    return (f"health_check_matcher: {value!r} is not allowed; expected HTTP codes such as '200' or '200-299' or "
            "'200,302'")


def _addon(name, value):
    return f"{name}: {value!r} is not an EKS add-on version such as v1.20.1-eksbuild.3"


def _predictive(args=ONE_SOURCE_WITH_ALB, **fields):
    return lambda: validate_predictive_scaling(PredictiveScaling(**fields), args)


def _cache(**fields):
    return lambda: validate_cache_args(replace(CACHE, **fields))


def _eks(**fields):
    return lambda: validate_eks_cluster_args(replace(EKS, **fields))


def _lb(**fields):
    return lambda: validate_load_balancer_args(replace(LB, **fields))


def _app(base=APP, **fields):
    return lambda: validate_container_app(replace(base, **fields))


def _capacity(node_max_size, *demands, instance_type="m6i.xlarge"):
    return lambda: validate_node_capacity(instance_type, node_max_size, demands)


ACCEPTED = {
    # container app: image references at the edges of the pattern
    "app.image.minimal": _app(image="a/b"),
    "app.image.registry_port_digest": _app(image="registry.example:5000/team/app" + DIGEST),
    "app.image.tag_128": _app(image="registry.example/app:" + "v" * 128),
    "app.image.ecr": _app(image=IMAGE_EXAMPLE),
    "app.port.1": _app(port=1),
    "app.port.65535": _app(port=65535),
    "app.parameter.one_level": _app(settings_parameter="/a"),
    "app.parameter.15_levels": _app(settings_parameter="/a" * 15),
    "app.parameter.characters": _app(settings_parameter="/Project_1/stack.dev-x"),
    "app.args.single_line": _app(args=("--port", "a b", "")),
    # without TLS the sidecar's settings are not read: nothing runs with them
    "app.no_tls.ignores_sidecar": _app(proxy_image="not an image", request_timeout_seconds=0,
                                       port=request_proxy.PROXY_PORT),
    "app.tls.timeout_1": _app(TLS_APP, request_timeout_seconds=1),
    "app.tls.timeout_4000": _app(TLS_APP, request_timeout_seconds=4000),
    "app.tls.proxy_image": _app(TLS_APP, proxy_image="registry.example/envoy:1"),
    # cache: engines and their majors, windows at exactly 60 minutes (also across midnight and the week end)
    "cache.valkey_7": _cache(engine_version="7.2"),
    "cache.valkey_8_patch": _cache(engine_version="8.0.1"),
    "cache.redis_6x": _cache(engine="redis", engine_version="6.x"),
    "cache.redis_7": _cache(engine="redis", engine_version="7.1"),
    "cache.single_az_one_subnet": _cache(multi_az=False, subnet_ids=SUBNETS[:1]),
    "cache.no_auth_no_tls": _cache(auth_token=False, transit_encryption=False),
    "cache.snapshot_60_across_midnight": _cache(snapshot_window="23:30-00:30"),
    "cache.snapshot_latest": _cache(snapshot_window="22:59-23:59"),
    "cache.maintenance_60_across_week": _cache(maintenance_window="sat:23:30-sun:00:30"),
    "cache.windows_touch_before": _cache(snapshot_window="04:00-05:00"),
    "cache.windows_touch_after": _cache(snapshot_window="06:00-07:00"),
    "cache.log_retention_1": _cache(log_retention_days=1),
    "cache.log_retention_3653": _cache(log_retention_days=3653),
    # predictive scaling: each enum value, requests with exactly one weighted source
    "predictive.defaults": _predictive(ASG),
    "predictive.forecast_and_scale": _predictive(mode="ForecastAndScale", max_capacity_breach_behavior="HonorMaxCapacity"),
    "predictive.requests": _predictive(metric="requests"),
    "predictive.requests_one_weighted_of_two": _predictive(
        replace(ONE_SOURCE_WITH_ALB, traffic_sources=(*ASG.traffic_sources,
                                                      TrafficSource("api2", "arn:tg2", "targetgroup/api2/2", weight=0))),
        metric="requests"),
    "predictive.increase_forecast_only": _predictive(max_capacity_breach_behavior="IncreaseMaxCapacity",
                                                     max_capacity_buffer_percent=0),
    # EKS
    "eks.version_1_34": _eks(version="1.34", kube_proxy_version="v1.34.0-eksbuild.1", cluster_autoscaler_version="v1.34.0"),
    "eks.two_subnets": _eks(subnet_ids=SUBNETS[:2]),
    "eks.cluster_name_1": _eks(cluster_name="a"),
    "eks.cluster_name_100": _eks(cluster_name="A" + "b-_9" * 24 + "xyz"),
    "eks.public_cidr": _eks(public_access_cidrs=("203.0.113.0/24", "0.0.0.0/0")),
    "eks.api_and_config_map": _eks(authentication_mode="API_AND_CONFIG_MAP"),
    "eks.admins": _eks(admin_principal_arns=("arn:aws:iam::123456789012:role/admin",
                                             "arn:aws-us-gov:iam::123456789012:user/ops/alice")),
    "eks.log_retention_3653": _eks(log_retention_days=3653),
    # load balancer
    "lb.matchers": lambda: [validate_load_balancer_args(replace(LB, health_check_matcher=m))
                            for m in ("200", "200-299", "200,302", "200-299,302,404")],
    "lb.path_root": _lb(health_check_path="/"),
    "lb.ingress_cidrs": _lb(ingress_cidrs=("203.0.113.0/24", "10.0.0.0/8")),
    "lb.certificate": _lb(certificate_arn=CERT),
    "lb.domain_and_zone": _lb(domain_name="app.example.com", hosted_zone_id="Z0123456789ABCDEFGHIJ"),
    "lb.backend_name_31": _lb(backends=(BackendArgs("a" + "b-9" * 10),)),
    "lb.backend_ip_and_zero_weight": _lb(backends=(BackendArgs("blue", 0, "ip"), BackendArgs("green", 1))),
    # node capacity: a pod exactly the size of a node fits; totals exactly at what the nodes offer fit
    "nodes.pod_as_big_as_a_node": _capacity(12, PodDemand("big", 1, 3795, 14407)),
    "nodes.pods_total_at_edge": _capacity(1, PodDemand("app", 53, 1, 1)),
    "nodes.cpu_total_at_edge": _capacity(2, PodDemand("app", 2, 3645, 0)),
    "nodes.memory_total_at_edge": _capacity(2, PodDemand("app", 2, 0, 14037)),
}


REFUSED = {
    # container app
    "app.image.no_path": (_app(image="app"), _image("app")),
    "app.image.upper_case": (_app(image="Registry.example/app"), _image("Registry.example/app")),
    "app.image.tag_129": (_app(image="registry.example/app:" + "v" * 129), _image("registry.example/app:" + "v" * 129)),
    "app.image.short_digest": (_app(image="r.example/app" + DIGEST[:-1]), _image("r.example/app" + DIGEST[:-1])),
    "app.image.not_a_string": (_app(image=5), _image(5)),
    "app.port.0": (_app(port=0), "container.port: 0 is out of range; expected 1 to 65535"),
    "app.port.65536": (_app(port=65536), "container.port: 65536 is out of range; expected 1 to 65535"),
    "app.port.bool": (_app(port=True), "container.port: True is out of range; expected 1 to 65535"),
    "app.port.text": (_app(port="3000"), "container.port: '3000' is out of range; expected 1 to 65535"),
    "app.parameter.relative": (_app(settings_parameter="app"), _parameter("app")),
    "app.parameter.16_levels": (_app(settings_parameter="/a" * 16), _parameter("/a" * 16)),
    "app.parameter.trailing_slash": (_app(settings_parameter="/a/"), _parameter("/a/")),
    "app.parameter.space": (_app(settings_parameter="/a b"), _parameter("/a b")),
    "app.parameter.not_a_string": (_app(settings_parameter=None), _parameter(None)),
    "app.args.newline": (_app(args=("ok", "a\nb")), "container.args: ['a\\nb'] are not single-line strings"),
    "app.args.not_a_string": (_app(args=("ok", 1)), "container.args: [1] are not single-line strings"),
    "app.tls.proxy_image": (_app(TLS_APP, proxy_image="envoy"),
                            f"container.proxy_image: 'envoy' is not an image reference such as {request_proxy.PROXY_IMAGE}"),
    "app.tls.proxy_image_not_a_string": (_app(TLS_APP, proxy_image=None), "container.proxy_image: None is not an image "
                                         f"reference such as {request_proxy.PROXY_IMAGE}"),
    **{f"app.tls.timeout_{value!r}": (
        _app(TLS_APP, request_timeout_seconds=value),
        f"container.request_timeout_seconds: {value!r} is out of range; expected 1 to 4000 (the load balancer's idle "
        "timeout range)") for value in (0, 4001, True, "60")},
    **{f"app.tls.port_{port}": (
        _app(TLS_APP, port=port),
        f"container.port: {port} is the port of {owner} in the same network namespace; expected another port")
       for port, owner in ((8080, "the TLS sidecar"), (9902, "the TLS sidecar's metrics"),
                           (9901, "the TLS sidecar's admin interface"))},
    # cache
    "cache.engine": (_cache(engine="memcached"), "engine: 'memcached' is not allowed; expected one of ('valkey', 'redis')"),
    "cache.valkey_9": (_cache(engine_version="9.0"),
                       "engine_version: '9.0' is not supported for valkey; expected major version 7 or 8"),
    "cache.valkey_6": (_cache(engine_version="6.2"),
                       "engine_version: '6.2' is not supported for valkey; expected major version 7 or 8"),
    "cache.redis_8": (_cache(engine="redis", engine_version="8.0"),
                      "engine_version: '8.0' is not supported for redis; expected major version 6 or 7"),
    "cache.version_no_minor": (_cache(engine_version="8"), "engine_version: '8' is not a version such as '8.0' or '7.1'"),
    "cache.version_text": (_cache(engine_version="v8.0"), "engine_version: 'v8.0' is not a version such as '8.0' or '7.1'"),
    "cache.no_subnets": (_cache(subnet_ids=()), "subnet_ids: [] is empty; expected the isolated subnets, one per zone"),
    "cache.failover_off": (_cache(automatic_failover=False),
                           "automatic_failover: False is not allowed; cluster mode requires automatic failover"),
    "cache.multi_az_one_subnet": (_cache(subnet_ids=SUBNETS[:1]), "subnet_ids: 1 subnet(s) cannot hold a Multi-AZ "
                                  "group; expected at least 2 (one per zone)"),
    "cache.auth_without_tls": (_cache(transit_encryption=False), "auth_token: True requires transit_encryption=True; "
                               "ElastiCache accepts an AUTH token only over TLS"),
    **{f"cache.snapshot_pattern_{text}": (
        _cache(snapshot_window=text), f"snapshot_window: {text!r} is not a UTC range such as '03:00-04:00'")
       for text in ("3:00-04:00", "24:00-01:00", "03:60-04:00", "03:00-04:00 ", "03:00")},
    **{f"cache.maintenance_pattern_{text}": (
        _cache(maintenance_window=text),
        f"maintenance_window: {text!r} is not a UTC range such as 'sun:05:00-sun:06:00'")
       for text in ("Sun:05:00-sun:06:00", "sun:05:00-sun:24:00", "sun:05:00", "sun:5:00-sun:06:00")},
    "cache.snapshot_59": (_cache(snapshot_window="03:00-03:59"),
                          "snapshot_window: '03:00-03:59' lasts 59 minutes; expected at least 60"),
    "cache.snapshot_59_across_midnight": (_cache(snapshot_window="23:30-00:29"),
                                          "snapshot_window: '23:30-00:29' lasts 59 minutes; expected at least 60"),
    "cache.maintenance_59": (_cache(maintenance_window="sun:05:00-sun:05:59"),
                             "maintenance_window: 'sun:05:00-sun:05:59' lasts 59 minutes; expected at least 60"),
    "cache.maintenance_59_across_week": (_cache(maintenance_window="sat:23:30-sun:00:29"),
                                         "maintenance_window: 'sat:23:30-sun:00:29' lasts 59 minutes; expected at least 60"),
    **{f"cache.overlap_{snapshot}": (
        _cache(snapshot_window=snapshot),
        f"maintenance_window: 'sun:05:00-sun:06:00' overlaps snapshot_window {snapshot!r}; ElastiCache requires them "
        "apart") for snapshot in ("04:01-05:01", "05:59-06:59", "05:00-06:00", "04:00-07:00")},
    "cache.log_retention_2": (_cache(log_retention_days=2),
                              f"log_retention_days: 2 is not allowed; expected one of {LOG_RETENTION_DAYS}"),
    # predictive scaling
    "predictive.mode": (_predictive(mode="Forecast"), "predictive_scaling.mode: 'Forecast' is not allowed; expected one "
                        "of 'ForecastOnly', 'ForecastAndScale'"),
    "predictive.metric": (_predictive(metric="memory"), "predictive_scaling.metric: 'memory' is not allowed; expected "
                          "one of 'cpu', 'requests'"),
    "predictive.requests_without_alb": (_predictive(ASG, metric="requests"), "predictive_scaling.metric: 'requests' "
                                        "needs load_balancer_arn_suffix (the request count is the load balancer's); "
                                        "give it or use 'cpu'"),
    "predictive.requests_two_weighted": (
        _predictive(replace(ONE_SOURCE_WITH_ALB, traffic_sources=(
            *ASG.traffic_sources, TrafficSource("api2", "arn:tg2", "targetgroup/api2/2"))), metric="requests"),
        "predictive_scaling.metric/traffic_sources: 'requests' forecasts one target group's request count; 2 traffic "
        "source(s) given, expected exactly one with weight above 0, or use 'cpu'"),
    "predictive.breach_behavior": (_predictive(max_capacity_breach_behavior="Ignore"),
                                   "predictive_scaling.max_capacity_breach_behavior: 'Ignore' is not allowed; expected "
                                   "one of 'HonorMaxCapacity', 'IncreaseMaxCapacity'"),
    "predictive.increase_with_scale": (
        _predictive(mode="ForecastAndScale", max_capacity_breach_behavior="IncreaseMaxCapacity"),
        "predictive_scaling.max_capacity_breach_behavior/predictive_scaling.mode: 'IncreaseMaxCapacity' with "
        f"'ForecastAndScale' lets the forecast raise the group's maximum past max_size {ASG.max_size} (and the "
        f"documented {AUTO_SCALING.max_size}), where AWS leaves it; expected 'HonorMaxCapacity', or 'ForecastOnly' to "
        "review forecasts"),
    "predictive.buffer_with_honor": (
        _predictive(max_capacity_buffer_percent=1),
        "predictive_scaling.max_capacity_buffer_percent/predictive_scaling.max_capacity_breach_behavior: 1 with "
        "'HonorMaxCapacity'; AWS allows a buffer only with 'IncreaseMaxCapacity', expected 0"),
    # EKS
    **{f"eks.version_{v}": (_eks(version=v), f"version: {v!r} is not a Kubernetes minor version such as '1.33'")
       for v in ("1.3", "1.333", "2.33", "1.33.0")},
    "eks.one_subnet": (_eks(subnet_ids=SUBNETS[:1]), "subnet_ids: 1 subnet(s); EKS needs subnets in at least two zones"),
    **{f"eks.cluster_name_{n[:5]}": (
        _eks(cluster_name=n), f"cluster_name: {n!r} is not allowed; expected 1-100 letters, digits, '-' or '_' starting "
        "with a letter or digit") for n in ("-a", "a.b", "", "a" * 101)},
    "eks.public_cidr_host_bits": (_eks(public_access_cidrs=("203.0.113.0/24", "10.0.0.1/8")),
                                  "public_access_cidrs: '10.0.0.1/8' is not an IPv4 CIDR block"),
    "eks.authentication_mode": (_eks(authentication_mode="CONFIG_MAP"), "authentication_mode: 'CONFIG_MAP' is not "
                                "allowed; expected one of ('API', 'API_AND_CONFIG_MAP') (CONFIG_MAP alone cannot use "
                                "access entries)"),
    **{f"eks.admin_{arn[-8:]}": (
        _eks(admin_principal_arns=("arn:aws:iam::123456789012:role/ok", arn)),
        f"admin_principal_arns: {arn!r} is not an IAM role or user ARN")
       for arn in ("arn:aws:iam::12345678901:role/admin", "arn:aws:iam::123456789012:group/x",
                   "arn:aws:iam::123456789012:role/", "arn:aws:sts::123456789012:role/x")},
    "eks.log_retention_2": (_eks(log_retention_days=2), "log_retention_days: 2 is not a CloudWatch Logs retention; "
                            f"expected one of {LOG_RETENTION_DAYS}"),
    "eks.vpc_cni_version": (_eks(vpc_cni_version="1.20.1-eksbuild.3"), _addon("vpc_cni_version", "1.20.1-eksbuild.3")),
    "eks.coredns_version": (_eks(coredns_version="v1.12.4"), _addon("coredns_version", "v1.12.4")),
    "eks.kube_proxy_pattern": (_eks(kube_proxy_version="v1.33.5-eksbuild"), _addon("kube_proxy_version",
                                                                                   "v1.33.5-eksbuild")),
    "eks.kube_proxy_minor": (_eks(kube_proxy_version="v1.32.5-eksbuild.2"), "kube_proxy_version: 'v1.32.5-eksbuild.2' "
                             "does not match the cluster's Kubernetes version 1.33; expected v1.33.x"),
    "eks.autoscaler_minor": (_eks(cluster_autoscaler_version="v1.330.0"), "cluster_autoscaler_version: 'v1.330.0' does "
                             "not match the cluster's Kubernetes version 1.33; expected v1.33.x"),
    "eks.chart_version": (_eks(cluster_autoscaler_chart_version="9.46"), "cluster_autoscaler_chart_version: '9.46' is "
                          "not a pinned chart version (MAJOR.MINOR.PATCH)"),
    "eks.node_capacity_is_checked": (_eks(node_max_size=3, node_min_size=3, workload_demand=(PodDemand("a", 200, 1, 1),)),
                                     "node_max_size: 3 m6i.xlarge nodes offer 168 pods (56 each after reservations) but "
                                     "the pods at their maximum (200 x a, 2 x coredns, 1 x cluster-autoscaler) request "
                                     "203; expected node_max_size >= 4 or a larger instance type"),
    # load balancer
    "lb.path_relative": (_lb(health_check_path="health"), "health_check_path: 'health' is not allowed; expected a path "
                         "starting with '/', at most 1024 characters"),
    **{f"lb.matcher_{m}": (_lb(health_check_matcher=m), _matcher(m)) for m in ("20", "2000", "200,", "200-29", "ok")},
    "lb.no_ingress": (_lb(ingress_cidrs=()), "ingress_cidrs: empty; expected at least one IPv4 CIDR (0.0.0.0/0 for the "
                      "internet)"),
    "lb.ingress_host_bits": (_lb(ingress_cidrs=("0.0.0.0/0", "10.0.0.1/8")), "ingress_cidrs: '10.0.0.1/8' is not an "
                             "IPv4 CIDR block such as 203.0.113.0/24"),
    "lb.certificate_arn": (_lb(certificate_arn="arn:bad"), "certificate_arn: 'arn:bad': expected an ACM certificate ARN, "
                           "arn:aws:acm:<region>:<12-digit account>:certificate/<uuid> (aws-cn and aws-us-gov partitions "
                           "too)"),
    "lb.certificate_and_domain": (_lb(certificate_arn=CERT, domain_name="app.example.com", hosted_zone_id="Z1"),
                                  f"certificate_arn: {CERT!r} and domain_name 'app.example.com' are both given; expected "
                                  "one: an existing certificate, or a domain to request one for"),
    "lb.domain_without_zone": (_lb(domain_name="app.example.com"), "hosted_zone_id: domain_name 'app.example.com' and "
                               "hosted_zone_id '': expected both (the certificate is validated and the alias created in "
                               "that zone) or neither"),
    "lb.zone_without_domain": (_lb(hosted_zone_id="Z1"), "domain_name: domain_name '' and hosted_zone_id 'Z1': expected "
                               "both (the certificate is validated and the alias created in that zone) or neither"),
    "lb.ssl_policy": (_lb(ssl_policy="ELBSecurityPolicy-TLS-1-2-2017-01"), "ssl_policy: "
                      "'ELBSecurityPolicy-TLS-1-2-2017-01' does not offer TLS 1.3; expected an ELBSecurityPolicy-TLS13-* "
                      f"policy such as {TLS13_SSL_POLICY}"),
    **{f"lb.backend_name_{n[:4]}": (
        _lb(backends=(BackendArgs(n),)), f"backends: name {n!r} is not allowed; expected a lower-case letter, then up to "
        "30 letters, digits or '-'") for n in ("1a", "Ab", "a_b", "a" * 32)},
    # check_arguments refuses a bool weight before validate_backends, which guards it for its other callers
    "lb.backend_weight_bool": (lambda: load_balancer.validate_backends((BackendArgs("blue", True),)),
                               "backends: weight True of 'blue' is out of range; expected 0 to 999"),
    "lb.backend_target_type": (_lb(backends=(BackendArgs("blue", 1, "lambda"),)), "backends: target_type 'lambda' of "
                               "'blue' is not allowed; expected one of ('instance', 'ip')"),
    "lb.backend_duplicates": (_lb(backends=(BackendArgs("a"), BackendArgs("a"))),
                              "backends: names ['a', 'a'] have duplicates; each backend needs its own name"),
    "lb.backend_all_zero": (_lb(backends=(BackendArgs("a", 0), BackendArgs("b", 0))),
                            "backends: weights [0, 0] are all zero; at least one backend needs a weight above 0"),
    "lb.one_subnet": (_lb(subnet_ids=SUBNETS[:1]), "subnet_ids: 1 subnet(s) given; an Application Load Balancer needs "
                      "subnets in at least two availability zones"),
    # equal start and end is a whole day (week), not zero minutes: it overlaps the other window
    "cache.snapshot_whole_day": (_cache(snapshot_window="03:00-03:00"), "maintenance_window: 'sun:05:00-sun:06:00' "
                                 "overlaps snapshot_window '03:00-03:00'; ElastiCache requires them apart"),
    "cache.maintenance_whole_week": (_cache(maintenance_window="sun:05:00-sun:05:00"), "maintenance_window: "
                                     "'sun:05:00-sun:05:00' overlaps snapshot_window '03:00-04:00'; ElastiCache "
                                     "requires them apart"),
    # node capacity: one step past what a node (or all of them) offers
    "nodes.unknown_type": (_capacity(12, instance_type="m6i.metal"), "node_instance_type: 'm6i.metal' is not in the "
                           f"capacity table; expected one of {sorted(INSTANCE_CAPACITY)} (add its vCPUs, memory and ENI "
                           "max pods to INSTANCE_CAPACITY)"),
    "nodes.pod_cpu_above_a_node": (_capacity(12, PodDemand("big", 1, 3796, 0)), "node_instance_type: one big pod "
                                   "requests 3796m CPU and 0 MiB, more than a m6i.xlarge node offers (3795m, 14407 MiB)"),
    "nodes.pod_memory_above_a_node": (_capacity(12, PodDemand("big", 1, 0, 14408)), "node_instance_type: one big pod "
                                      "requests 0m CPU and 14408 MiB, more than a m6i.xlarge node offers (3795m, 14407 MiB)"),
    "nodes.pods_total": (_capacity(1, PodDemand("app", 54, 1, 1)), "node_max_size: 1 m6i.xlarge nodes offer 56 pods (56 "
                         "each after reservations) but the pods at their maximum (54 x app, 2 x coredns, 1 x "
                         "cluster-autoscaler) request 57; expected node_max_size >= 2 or a larger instance type"),
    "nodes.cpu_total": (_capacity(2, PodDemand("app", 2, 3646, 0)), "node_max_size: 2 m6i.xlarge nodes offer 7590 CPU "
                        "millicores (3795 each after reservations) but the pods at their maximum (2 x app, 2 x coredns, "
                        "1 x cluster-autoscaler) request 7592; expected node_max_size >= 3 or a larger instance type"),
    "nodes.memory_total": (_capacity(2, PodDemand("app", 2, 0, 14038)), "node_max_size: 2 m6i.xlarge nodes offer 28814 "
                           "memory MiB (14407 each after reservations) but the pods at their maximum (2 x app, 2 x "
                           "coredns, 1 x cluster-autoscaler) request 28816; expected node_max_size >= 3 or a larger "
                           "instance type"),
    "nodes.t3_medium_pods": (_capacity(2, PodDemand("app", 28, 1, 1), instance_type="t3.medium"), "node_max_size: 2 "
                             "t3.medium nodes offer 30 pods (15 each after reservations) but the pods at their maximum "
                             "(28 x app, 2 x coredns, 1 x cluster-autoscaler) request 31; expected node_max_size >= 3 or "
                             "a larger instance type"),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_a_value_at_the_edge_of_an_enum_or_pattern_rule_is_accepted(name):
    ACCEPTED[name]()


@pytest.mark.parametrize("name", REFUSED)
def test_a_value_outside_an_enum_or_pattern_rule_is_refused_with_the_whole_message(name):
    call, message = REFUSED[name]
    with pytest.raises(ArgumentError, match=re.escape(message)) as info:
        call()
    assert str(info.value) == message


@pytest.mark.parametrize("vcpus, reserved", [(1, 60), (2, 70), (3, 75), (4, 80), (5, 83), (8, 90), (16, 110)])
def test_kubelet_cpu_reservation_follows_the_eks_ami_steps_rounded_up(vcpus, reserved):
    """6 % of core 1, 1 % of core 2, 0.5 % of cores 3-4, 0.25 % above; 82.5 m for 5 cores rounds up to 83."""
    assert kube_reserved_cpu_millicores(vcpus) == reserved


@pytest.mark.parametrize("instance_type, offered", [
    ("t3.medium", (15, 1805, 3308)),     # 4096 MiB * 0.94 = 3850 - (255 + 11 * 17) - 100
    ("m6i.xlarge", (56, 3795, 14407)),   # 16384 MiB * 0.94 = 15400 - (255 + 11 * 58) - 100
    ("m6i.4xlarge", (232, 15765, 58674)),  # 65536 MiB * 0.94 = 61603 - (255 + 11 * 234) - 100
    ("c6i.large", (27, 1805, 3176)),     # 4096 MiB * 0.94 = 3850 - (255 + 11 * 29) - 100
])
def test_a_node_offers_exactly_its_capacity_after_the_reservations(instance_type, offered):
    assert allocatable(INSTANCE_CAPACITY[instance_type]) == offered


@pytest.mark.parametrize("engine, version, family", [("redis", "6.2", "redis6.x"), ("redis", "6.x", "redis6.x"),
                                                     ("redis", "7.1", "redis7"), ("valkey", "7.2", "valkey7"),
                                                     ("valkey", "8.0", "valkey8")])
def test_the_parameter_group_family_of_each_engine_version(engine, version, family):
    assert parameter_group_family(engine, version) == family


@pytest.mark.parametrize("snapshot, maintenance, overlap", [
    ("03:00-04:00", "sun:05:00-sun:06:00", False),
    ("04:00-05:00", "sun:05:00-sun:06:00", False),   # touching ends do not overlap
    ("04:01-05:01", "sun:05:00-sun:06:00", True),
    ("23:30-00:30", "sun:00:00-sun:01:00", True),    # Saturday's snapshot runs into Sunday
    ("23:30-00:30", "sat:22:00-sat:23:30", False),
    ("00:30-01:30", "sat:23:00-sun:01:00", True),    # the maintenance window wraps the week
    ("02:00-03:00", "sat:23:00-sun:01:00", False),
    ("12:00-13:00", "wed:12:59-wed:14:00", True),
])
def test_maintenance_and_snapshot_windows_overlap_on_any_day(snapshot, maintenance, overlap):
    assert windows_overlap(snapshot, maintenance) is overlap


def test_design_app_settings_are_the_documented_numbers_in_the_units_the_app_reads():
    assert design_app_settings() == {
        "CIRCUIT_BREAKER_FAILURE_THRESHOLD": str(limits.CIRCUIT_BREAKER.failure_threshold),
        "CIRCUIT_BREAKER_OPEN_TIMEOUT_MS": str(limits.CIRCUIT_BREAKER.open_timeout_seconds * 1000),
        "CACHE_TTL_SECONDS": str(limits.CACHE.ttl_seconds),
        "CACHE_FEATURE_KEY_PREFIX": limits.CACHE.feature_key_prefix,
        "SESSION_KEY_PREFIX": limits.CACHE.session_key_prefix,
        "DB_NAME": limits.DATABASE.database_name,
        "DB_SHARD_COUNT": str(limits.DATABASE.shard_count),
        "DB_POOL_MAX": str(limits.DATABASE.pool_max_connections),
        "DB_POOL_IDLE_TIMEOUT_MS": str(limits.DATABASE.pool_idle_timeout_seconds * 1000),
        "DB_POOL_CONNECTION_TIMEOUT_MS": str(limits.DATABASE.pool_connect_timeout_seconds * 1000),
        "RATE_LIMIT_MAX": str(limits.RATE_LIMIT.max_requests),
        "RATE_LIMIT_WINDOW_MS": str(limits.RATE_LIMIT.window_seconds * 1000),
        "KAFKA_CLIENT_ID": limits.MESSAGING.client_id,
        "KAFKA_ACKS": limits.MESSAGING.producer_acks,
        "KAFKA_TOPIC": limits.MESSAGING.topic,
        "KAFKA_CONSUMER_GROUP": limits.MESSAGING.consumer_group,
    }
    assert all(design_app_settings().values())  # a non-empty dict above: no setting may be blank


@pytest.mark.parametrize("base, fields, value", [
    (APP, dict(image="app"), "app"), (APP, dict(port=0), 0), (APP, dict(settings_parameter="app"), "app"),
    (APP, dict(args=("ok", "a\nb")), ("ok", "a\nb")), (TLS_APP, dict(proxy_image="envoy"), "envoy"),
    (TLS_APP, dict(request_timeout_seconds=0), 0), (TLS_APP, dict(port=request_proxy.ADMIN_PORT), request_proxy.ADMIN_PORT),
])
def test_a_container_app_error_carries_the_refused_value(base, fields, value):
    """Callers (the stack's config mapping) report ``error.value``; it is the value given, not None."""
    with pytest.raises(ArgumentError) as info:
        validate_container_app(replace(base, **fields))
    assert info.value.value == value and info.value.value is not None


@pytest.mark.parametrize("snapshot, maintenance, message", [
    ("3:00-04:00", "sun:05:00-sun:06:00", "'3:00-04:00' is not a UTC range such as '03:00-04:00'"),
    ("03:00-04:00", "sun:5:00-sun:06:00", "'sun:5:00-sun:06:00' is not a UTC range such as 'sun:05:00-sun:06:00'"),
])
def test_windows_overlap_refuses_a_malformed_window_by_name(snapshot, maintenance, message):
    with pytest.raises(ValueError, match=re.escape(message)) as info:
        windows_overlap(snapshot, maintenance)
    assert str(info.value) == message
