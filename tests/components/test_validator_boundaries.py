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

from components import cache, database, load_balancer, network, sharded_database
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
)
from components.cache import CacheArgs, validate_cache_args
from components.consumer import KafkaConsumerArgs, validate_kafka_consumer_args
from components.database import DatabaseArgs, validate_database_args
from components.eks_cluster import EksClusterArgs, validate_eks_cluster_args
from components.load_balancer import BackendArgs, LoadBalancerArgs, validate_load_balancer_args
from components.metrics_pipeline import MetricsPipelineArgs, metrics_catalog
from components.network import NetworkArgs, validate_network_args
from components.sharded_database import ShardedDatabaseArgs, validate_sharded_database_args
from components.streaming import StreamingArgs, TopicSpec, validate_streaming_args
from components.validation import ArgumentError
from components.workload import ScalingPolicy, WorkloadArgs, validate_pdb, validate_workload_args
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
