"""Wiring of the alarms and the dashboard: what each tier declared, turned into what CloudWatch watches.

Runs last, once every tier exists: the alarms name the other tiers' resources (load balancer and target
group ARN suffixes, group names, RDS identifiers, proxy names, the cache's replication group, the Kafka
cluster), never the other way round.
"""

from __future__ import annotations

from typing import Any

from components.alarms import (
    Alarms,
    AlarmsArgs,
    CacheWatch,
    DatabaseWatch,
    EdgeWatch,
    PoolWatch,
    ShardWatch,
    StreamingWatch,
    TargetGroupWatch,
)
from scaling_kit.limits import MESSAGING

from .cache_and_streaming import CacheAndStreamingTier
from .config import StackSettings
from .database import DatabaseTier
from .edge import EdgeTier, Pools


def max_client_processes(settings: StackSettings, pools: Pools) -> int:
    """Application processes that can hold a database pool at once: one per EC2 instance of every pool at its
    maximum, plus the Kubernetes workload at its HPA maximum (it reads the same endpoints)."""
    return sum(group.max_size for group in pools.auto_scaling_groups.values()) + settings.kubernetes.hpa_max_replicas


def alarms_args(settings: StackSettings, edge: EdgeTier, pools: Pools, database: DatabaseTier,
                cache_and_streaming: CacheAndStreamingTier) -> AlarmsArgs:
    lb, rate_limit = edge.load_balancer, edge.rate_limit
    sharded = database.database
    cache, streaming = cache_and_streaming.cache, cache_and_streaming.streaming
    return AlarmsArgs(
        subscriptions=tuple(settings.alarms.subscriptions),
        edge=EdgeWatch(
            load_balancer_arn_suffix=lb.arn_suffix,
            target_groups=tuple(TargetGroupWatch(n, s) for n, s in zip(lb.backend_names, lb.target_group_arn_suffixes,
                                                                         strict=True)),
            web_acl_name=rate_limit.web_acl_name, rate_rule_metric_names=tuple(rate_limit.rate_rule_metric_names),
            rate_rules_count_only=settings.rate_limit.mode == "count"),
        pools=tuple(PoolWatch(name, group.name, group.max_size) for name, group in pools.auto_scaling_groups.items()),
        database=DatabaseWatch(
            shards=tuple(ShardWatch(s.identifier, tuple(s.replica_identifiers), s.proxy_name) for s in sharded.shards),
            allocated_storage_gb=settings.database.allocated_storage_gb,
            max_client_processes=max_client_processes(settings, pools),
            pool_max_connections=settings.database.pool_max_connections,
            pool_connect_timeout_seconds=settings.database.pool_connect_timeout_seconds),
        cache=CacheWatch(cache.replication_group_id, cache.num_node_groups, cache.replicas_per_node_group),
        streaming=StreamingWatch(streaming.cluster_name, streaming.broker_count, topic=MESSAGING.topic,
                                 consumer_group=MESSAGING.consumer_group,
                                 partitions=settings.streaming.topic_partitions),
        environment=settings.environment)


def build_observability(settings: StackSettings, edge: EdgeTier, pools: Pools, database: DatabaseTier,
                        cache_and_streaming: CacheAndStreamingTier, prefix: str = "") -> dict[str, Any]:
    """Declare the alarm topic, the alarms and the dashboard; return their stack exports."""
    alarms = Alarms(f"{prefix}observability", alarms_args(settings, edge, pools, database, cache_and_streaming))
    return {"alarmTopicArn": alarms.topic_arn, "dashboardName": alarms.dashboard_name}
