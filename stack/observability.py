"""Wiring of the alarms and the dashboard: what each tier declared, turned into what CloudWatch watches.

Runs last, once every tier exists: the alarms name the other tiers' resources (load balancer and target
group ARN suffixes, group names, RDS identifiers, proxy names, the cache's replication group, the Kafka
cluster), never the other way round.

The Alertmanager is declared here too, after the topic it publishes to: the metrics pipeline's Prometheus (built
long before, in ``build_cluster``) alerts on HPAs at their maximum and sends to it by a known name.
"""

from __future__ import annotations

from typing import Any, Optional

import pulumi

from components.alarms import (
    Alarms,
    AlarmsArgs,
    CacheWatch,
    DatabaseWatch,
    EdgeWatch,
    NetworkWatch,
    PoolWatch,
    ShardWatch,
    StreamingWatch,
    TargetGroupWatch,
)
from components.alertmanager import Alertmanager, AlertmanagerArgs, alertmanager_demand
from components.metrics_pipeline import PodDemand
from components.network import Network
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
                cache_and_streaming: CacheAndStreamingTier, network: Optional[Network] = None) -> AlarmsArgs:
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
        network=NetworkWatch(tuple(network.nat_gateway_ids)) if network is not None else None,
        environment=settings.environment)


MONITORING_NAMESPACE = "monitoring"
"""Namespace of the metrics pipeline (stack/kubernetes.py) and of the Alertmanager its Prometheus sends to."""
# Placeholders for the checks that run before any resource exists (only the pod count and requests are read).
_PLANNED_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:planned-observability-alarms"
_PLANNED_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"


def alertmanager_args(settings: StackSettings, cluster_tier: Any = None, alarms: Optional[Alarms] = None,
                      highly_available: Optional[bool] = None) -> AlertmanagerArgs:
    """Arguments of the Alertmanager; ``cluster_tier`` and ``alarms`` are None for the checks before any resource.
    It shares the metrics pipeline's namespace (where Prometheus looks for it)."""
    cluster = cluster_tier.cluster if cluster_tier is not None else None
    return AlertmanagerArgs(
        oidc_provider_arn=cluster.oidc_provider_arn if cluster else "planned",
        oidc_issuer=cluster.oidc_issuer if cluster else "planned",
        topic_arn=alarms.topic_arn if alarms else _PLANNED_TOPIC_ARN,
        topic_key_arn=alarms.kms_key_arn if alarms else _PLANNED_KEY_ARN,
        namespace=MONITORING_NAMESPACE,
        prometheus_release=cluster_tier.pipeline.prometheus if cluster_tier is not None else None,
        highly_available=settings.is_production if highly_available is None else highly_available,
        environment=settings.environment)


def pod_demand(settings: StackSettings, highly_available: Optional[bool] = None) -> list[PodDemand]:
    """What the Alertmanager needs from the EKS nodes (counted in the cluster's capacity check)."""
    return [alertmanager_demand(alertmanager_args(settings, highly_available=highly_available))]


def build_observability(settings: StackSettings, edge: EdgeTier, pools: Pools, database: DatabaseTier,
                        cache_and_streaming: CacheAndStreamingTier, cluster_tier: Any = None,
                        prefix: str = "", network: Optional[Network] = None) -> dict[str, Any]:
    """Declare the alarm topic, the alarms and the dashboard, then (with ``cluster_tier``) the Alertmanager that
    publishes the metrics pipeline's alerts to the same topic; return their stack exports."""
    alarms = Alarms(f"{prefix}observability", alarms_args(settings, edge, pools, database, cache_and_streaming,
                                                                   network))
    exports: dict[str, Any] = {"alarmTopicArn": alarms.topic_arn, "dashboardName": alarms.dashboard_name}
    if cluster_tier is not None:
        alertmanager = Alertmanager(f"{prefix}alertmanager", alertmanager_args(settings, cluster_tier, alarms),
                                    pulumi.ResourceOptions(provider=cluster_tier.cluster.provider))
        exports["alertmanagerRoleArn"] = alertmanager.role_arn
    return exports
