"""Alarms: an encrypted SNS topic per stack and a CloudWatch alarm on every saturation signal of the design.

Each tier gives the component the identifiers CloudWatch names its metrics by (``*Watch`` arguments); the
component declares, for what it is given:

* **edge**: the ALB's 5xx rate (metric math over ``HTTPCode_ELB_5XX_Count``, ``HTTPCode_Target_5XX_Count``
  and ``RequestCount``), ``TargetResponseTime`` p99, ``UnHealthyHostCount`` per target group, and the
  requests the WAF rate rules block (``BlockedRequests``, or ``CountedRequests`` in count mode);
* **compute**: each Auto Scaling group in service at its maximum for a sustained period;
* **database**, per shard: primary ``CPUUtilization`` and ``FreeStorageSpace``, ``ReplicaLag`` per replica,
  RDS Proxy ``ClientConnections`` near what the application pools can open and
  ``DatabaseConnectionsBorrowLatency``;
* **cache**, per node: ``DatabaseMemoryUsagePercentage``, ``Evictions``, ``EngineCPUUtilization`` and
  ``ReplicationLag``;
* **streaming**: ``KafkaDataLogsDiskUsed`` and ``UnderReplicatedPartitions`` per broker,
  ``OfflinePartitionsCount`` and ``ActiveControllerCount`` of the cluster, and the consumer group's
  ``SumOffsetLag`` on its topic (MSK emits consumer lag at the DEFAULT monitoring level);
* **network**, per NAT gateway: ``ErrorPortAllocation`` (no source port left for a new connection: the
  instances and pods behind it fail to open connections out of the VPC) and the share of packets it drops.

Every alarm notifies the topic when it fires (``alarm_actions``) and when it clears (``ok_actions``), and
chooses what missing data means (``treat_missing_data``); the reason for each choice is next to it. The
thresholds come from ``scaling_kit.limits`` where the design has a number, otherwise from the constants
below, each with the reason for its value. ``docs/alarms.md`` says what to do when each one fires.

The HPA's replica count has no CloudWatch metric (the metrics pipeline keeps its data inside the cluster and
Container Insights is not installed), so "HPA at its maximum replicas" is alerted on by the pipeline's Prometheus
and published to this component's topic by ``components/alertmanager.py``; its role needs the ``topic_arn`` and
``kms_key_arn`` outputs. See ``docs/alarms.md`` ("HPA at its maximum replicas").
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from scaling_kit.limits import DATABASE, MESSAGING

from .encryption import customer_managed_key, key_policy
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

# ---- Documented defaults (the design gives no number for these) -------------------------------------------
ALB_5XX_RATE_PERCENT = 5.0
"""5xx responses (load balancer's and targets') as a percentage of requests. 5 % over several minutes is
far beyond the noise of a healthy service (which answers 5xx to well under 1 %) yet fires before a partial
outage of one backend of three (weights 5/5/3: one backend down is 23 % to 38 % of requests)."""
ALB_5XX_MIN_REQUESTS_PER_MINUTE = 50
"""Below this many requests a minute the 5xx rate counts as 0: two errors out of ten requests is not an
outage, and a rate alarm on a near-idle stack (dev at night) would only page people."""
TARGET_RESPONSE_P99_SECONDS = 2.0
"""p99 of the targets' response time. The design's proxy timeouts are 60 s (hard failures); 2 s is slow
enough for users to notice and leaves time to scale out before requests start timing out."""
WAF_LIMITED_REQUESTS_PER_5_MINUTES = 1000
"""Requests the rate rules block (or count) in 5 minutes. One client over the design's 100 per 15 minutes
is blocked for a handful of requests; a thousand in 5 minutes is a flood, or a limit too tight for real
traffic."""
SUSTAINED_MINUTES = 15
"""How long a group must stay at its maximum before the alarm fires: target tracking scales out within a
few minutes, so 15 minutes at the ceiling means demand is above what the bounds allow, not a spike."""
DB_CPU_PERCENT = 80.0
"""Primary CPU: above 80 % for 15 minutes, queries queue and the 2 s connect timeout starts failing."""
DB_FREE_STORAGE_PERCENT = 5
"""Free storage as a percentage of the initial allocation. Storage autoscaling grows the volume when
less than 10 % is free; below 5 % it did not (at its ceiling, or in its 6-hour cool-down)."""
DB_REPLICA_LAG_SECONDS = 30.0
"""Replica lag: reads served by a replica 30 s behind show users stale data (their own writes missing)."""
PROXY_CLIENT_CONNECTIONS_PERCENT = 80
"""Proxy client connections as a percentage of what the application can open: the design's pool (max 20
per process) times the number of processes at their ceilings. Near it, one more process (or a leak) makes
clients wait for connections."""
PROXY_BORROW_LATENCY_FRACTION = 0.1
"""Borrow latency as a fraction of the design's 2 s connection timeout (200 ms): a client gives up at 2 s,
so a tenth of it on average means many requests are already close to failing."""
CACHE_MEMORY_PERCENT = 80.0
"""Memory used of maxmemory per node: above 80 % the cache evicts keys before their TTL."""
CACHE_EVICTIONS_PER_5_MINUTES = 100
"""Keys evicted in 5 minutes per node. Cache-aside tolerates an eviction (the next read reloads it); a
steady stream means the cache is too small for the working set and the database takes the misses."""
CACHE_ENGINE_CPU_PERCENT = 90.0
"""The engine's (single) thread busy 90 % of the time (AWS's recommended threshold): latency climbs."""
CACHE_REPLICATION_LAG_SECONDS = 10.0
"""A replica 10 s behind would lose that much on failover."""
KAFKA_DISK_USED_PERCENT = 85.0
"""Broker data disk used. Storage autoscaling keeps it near its target (60 %); 85 % means it did not (at
its ceiling or in cool-down), and a full disk stops the broker."""
KAFKA_LAG_MESSAGES_PER_PARTITION = 1000
"""Consumer lag per partition; the alarm threshold is this times the topic's partitions (10 000 for the
design's 10). A consumer that falls this far behind for 15 minutes is not keeping up."""
NAT_PORT_ALLOCATION_MINUTES = 15
"""Minutes in a row with port allocation errors before the NAT alarm fires (CloudWatch's recommended alarm):
a burst of connections to one destination can exhaust its ports for a moment; fifteen minutes is a
sustained shortage (too many connections to one address and port, or connections never closed)."""
NAT_DROPPED_PACKETS_PERCENT = 0.01
"""Packets a NAT gateway dropped, as a percentage of those it received (CloudWatch's recommended threshold):
a healthy gateway drops almost none; more for five minutes in a row is a fault of the gateway or one overloaded."""

PERIOD_SECONDS = 60
"""One-minute periods: every watched service publishes at this resolution (ASG metrics at 1Minute
granularity, RDS, ElastiCache, MSK and ALB every minute)."""
SUBSCRIPTION_PROTOCOLS = ("email", "https")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_HTTPS = re.compile(r"https://[^\s/]+(/\S*)?")
ALARM_NAME_MAX_LENGTH = 255
DASHBOARD_NAME_MAX_LENGTH = 255
TOPIC_NAME_MAX_LENGTH = 256


@dataclass(frozen=True)
class TargetGroupWatch:
    """One target group of the load balancer."""

    name: str
    """Backend name (part of the alarm's identity)."""
    arn_suffix: pulumi.Input[str]
    """``targetgroup/<name>/<id>``, the CloudWatch ``TargetGroup`` dimension."""


@dataclass(frozen=True)
class EdgeWatch:
    """The load balancer and its web ACL."""

    load_balancer_arn_suffix: pulumi.Input[str]
    """``app/<name>/<id>``, the CloudWatch ``LoadBalancer`` dimension."""
    target_groups: Sequence[TargetGroupWatch] = ()
    """Target groups to watch for unhealthy hosts. Defaults to none."""
    web_acl_name: Optional[pulumi.Input[str]] = None
    """Name of the web ACL (the ``WebACL`` dimension). Defaults to none (no WAF alarm)."""
    rate_rule_metric_names: Sequence[str] = ()
    """Metric names of the rate-based rules (the ``Rule`` dimension). Defaults to none."""
    rate_rules_count_only: bool = False
    """The rate rules count instead of blocking (mode ``count``): watch ``CountedRequests``. Defaults to False."""


@dataclass(frozen=True)
class PoolWatch:
    """One EC2 Auto Scaling group."""

    name: str
    """Backend or pool name (part of the alarm's identity)."""
    group_name: pulumi.Input[str]
    """Name of the Auto Scaling group (the ``AutoScalingGroupName`` dimension)."""
    max_size: int
    """The group's maximum size: the alarm fires when the group sits at it."""


@dataclass(frozen=True)
class ShardWatch:
    """One database shard."""

    primary_identifier: str
    """RDS identifier of the primary (the ``DBInstanceIdentifier`` dimension)."""
    replica_identifiers: Sequence[str] = ()
    """RDS identifiers of its read replicas. Defaults to none."""
    proxy_name: Optional[pulumi.Input[str]] = None
    """Name of its RDS Proxy (the ``ProxyName`` dimension). Defaults to none (no proxy alarms)."""


@dataclass(frozen=True)
class DatabaseWatch:
    """The shards and the numbers their thresholds derive from."""

    shards: Sequence[ShardWatch]
    """Every shard, in shard order."""
    allocated_storage_gb: int
    """Initial storage of each primary, in GiB (the free-storage threshold is a share of it)."""
    max_client_processes: int
    """How many application processes can hold a pool at once (every pool's maximum instances plus the HPA's
    maximum replicas); with ``pool_max_connections`` it gives the most client connections a proxy can see."""
    pool_max_connections: int = DATABASE.pool_max_connections
    """Connections each process's pool opens at most. Defaults to 20 (the design)."""
    pool_connect_timeout_seconds: int = DATABASE.pool_connect_timeout_seconds
    """The client's connection timeout. Defaults to 2 (the design)."""


@dataclass(frozen=True)
class CacheWatch:
    """The ElastiCache replication group (cluster mode)."""

    replication_group_id: pulumi.Input[str]
    """ID of the replication group; node IDs are ``<id>-<shard 0001..>-<node 001..>``."""
    node_groups: int
    """Number of shards (node groups)."""
    replicas_per_node_group: int
    """Replicas per shard."""


@dataclass(frozen=True)
class StreamingWatch:
    """The MSK cluster and the consumer group the design names."""

    cluster_name: pulumi.Input[str]
    """Name of the MSK cluster (the ``Cluster Name`` dimension)."""
    broker_count: int
    """Number of brokers; MSK numbers them 1 to ``broker_count`` (the ``Broker ID`` dimension)."""
    topic: str = MESSAGING.topic
    """Topic whose consumer lag is watched. Defaults to ``features``."""
    consumer_group: str = MESSAGING.consumer_group
    """Consumer group whose lag is watched. Defaults to ``feature-processors``."""
    partitions: int = MESSAGING.partitions
    """Partitions of the topic (the lag threshold scales with it). Defaults to 10."""


@dataclass(frozen=True)
class NetworkWatch:
    """The NAT gateways the private subnets leave the VPC through."""

    nat_gateway_ids: Sequence[pulumi.Input[str]]
    """NAT gateway IDs (the ``NatGatewayId`` dimension), in zone order."""


@dataclass(frozen=True)
class AlarmsArgs:
    """Arguments of :class:`Alarms`."""

    subscriptions: Sequence[str] = ()
    """Email addresses and HTTPS URLs the topic notifies. Email subscriptions wait for the recipient to
    confirm. Defaults to none (the topic still collects every alarm and OK notification)."""
    edge: Optional[EdgeWatch] = None
    """The load balancer and web ACL to watch. Defaults to none."""
    pools: Sequence[PoolWatch] = ()
    """Auto Scaling groups to watch. Defaults to none."""
    database: Optional[DatabaseWatch] = None
    """Database shards to watch. Defaults to none."""
    cache: Optional[CacheWatch] = None
    """Cache to watch. Defaults to none."""
    streaming: Optional[StreamingWatch] = None
    """Kafka cluster to watch. Defaults to none."""
    network: Optional[NetworkWatch] = None
    """NAT gateways to watch. Defaults to none."""
    dashboard: bool = True
    """Whether to declare a CloudWatch dashboard of the same signals, grouped by tier. Defaults to True."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def subscription_protocol(endpoint: str) -> str:
    """``email`` or ``https`` for a subscription endpoint; ``ArgumentError`` for anything else."""
    if _EMAIL.fullmatch(endpoint):
        return "email"
    if _HTTPS.fullmatch(endpoint):
        return "https"
    raise ArgumentError("subscriptions", f"{endpoint!r} is not allowed; expected an email address "
                        "(ops@example.com) or an HTTPS URL (https://hooks.example.com/alarms)")


def _positive(path: str, value: int) -> None:
    if value < 1:
        raise ArgumentError(path, f"{value} is out of range; expected at least 1")


def validate_alarms_args(args: AlarmsArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    for endpoint in args.subscriptions:
        subscription_protocol(endpoint)
    if len(set(args.subscriptions)) != len(args.subscriptions):
        raise ArgumentError("subscriptions", f"{list(args.subscriptions)!r} has duplicates; list each endpoint once")
    if args.edge is not None:
        names = [t.name for t in args.edge.target_groups]
        if len(set(names)) != len(names):
            raise ArgumentError("edge.target_groups", f"names {names!r} have duplicates")
        if args.edge.rate_rule_metric_names and args.edge.web_acl_name is None:
            raise ArgumentError("edge.web_acl_name", "None while rate_rule_metric_names are given; the WAF metrics "
                                "are named by both")
    pool_names = [p.name for p in args.pools]
    if len(set(pool_names)) != len(pool_names):
        raise ArgumentError("pools", f"names {pool_names!r} have duplicates")
    for i, pool in enumerate(args.pools):
        _positive(f"pools[{i}].max_size", pool.max_size)
    if args.database is not None:
        db = args.database
        if not db.shards:
            raise ArgumentError("database.shards", "empty; expected at least one shard")
        _positive("database.allocated_storage_gb", db.allocated_storage_gb)
        _positive("database.max_client_processes", db.max_client_processes)
        _positive("database.pool_max_connections", db.pool_max_connections)
        _positive("database.pool_connect_timeout_seconds", db.pool_connect_timeout_seconds)
    if args.cache is not None:
        _positive("cache.node_groups", args.cache.node_groups)
        if args.cache.replicas_per_node_group < 0:
            raise ArgumentError("cache.replicas_per_node_group",
                                f"{args.cache.replicas_per_node_group} is out of range; expected at least 0")
    if args.streaming is not None:
        _positive("streaming.broker_count", args.streaming.broker_count)
        _positive("streaming.partitions", args.streaming.partitions)
    if args.network is not None and not args.network.nat_gateway_ids:
        raise ArgumentError("network.nat_gateway_ids", "empty; expected at least one NAT gateway (or network=None)")


# ---- Thresholds derived from the arguments (pure, so tests and docs can read them) -----------------------

def free_storage_threshold_bytes(allocated_storage_gb: int) -> int:
    return allocated_storage_gb * 1024 ** 3 * DB_FREE_STORAGE_PERCENT // 100


def proxy_client_connections_threshold(db: DatabaseWatch) -> int:
    return db.pool_max_connections * db.max_client_processes * PROXY_CLIENT_CONNECTIONS_PERCENT // 100


def borrow_latency_threshold_microseconds(db: DatabaseWatch) -> int:
    return int(db.pool_connect_timeout_seconds * 1_000_000 * PROXY_BORROW_LATENCY_FRACTION)


def consumer_lag_threshold(streaming: StreamingWatch) -> int:
    return KAFKA_LAG_MESSAGES_PER_PARTITION * streaming.partitions


def cache_node_ids(replication_group_id: str, node_groups: int, replicas_per_node_group: int) -> list[str]:
    """Node (cache cluster) IDs of a cluster-mode replication group: ``<id>-0001-001`` and on, as ElastiCache
    names them."""
    return [f"{replication_group_id}-{group:04d}-{node:03d}" for group in range(1, node_groups + 1)
            for node in range(1, replicas_per_node_group + 2)]


def cache_nodes(cache: CacheWatch) -> list[tuple[str, pulumi.Output[str]]]:
    """(``0001-001`` label, node ID) of every node of the watched cache."""
    labels = [node_id.removeprefix("-") for node_id in cache_node_ids("", cache.node_groups,
                                                                       cache.replicas_per_node_group)]
    group_id = pulumi.Output.from_input(cache.replication_group_id)
    return [(label, pulumi.Output.concat(group_id, "-", label)) for label in labels]


def endpoint_key(endpoint: str) -> str:
    """A stable child-name part for a subscription: the order of the list does not rename it."""
    return hashlib.sha256(endpoint.encode()).hexdigest()[:8]


def topic_key_policy(partition: str, account_id: str, topic_arn: str) -> str:
    """Key policy of the topic's key: the account administers it (IAM policies decide who else may use it);
    CloudWatch may encrypt and decrypt with it only for this topic, only from this account."""
    return key_policy(partition, account_id, {
        "Sid": "CloudWatchAlarmsPublishToTheTopic", "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": account_id,
                                       "kms:EncryptionContext:aws:sns:topicArn": topic_arn}}})


@dataclass(frozen=True)
class AlarmSpec:
    """One alarm before it is declared: enough to declare it and to draw it on the dashboard."""

    key: str
    """Child name suffix (``edge-5xx-rate``), stable: it is the alarm's identity."""
    description: str
    comparison: str
    threshold: float
    treat_missing_data: str
    evaluation_periods: int
    datapoints_to_alarm: int
    namespace: str = ""
    metric_name: str = ""
    dimensions: Mapping[str, Any] = field(default_factory=dict)
    statistic: str = ""
    extended_statistic: str = ""
    metric_queries: Sequence[Mapping[str, Any]] = ()
    period: int = PERIOD_SECONDS


def edge_alarms(edge: EdgeWatch, region: str) -> list[AlarmSpec]:
    lb = {"LoadBalancer": edge.load_balancer_arn_suffix}
    alarms = [
        AlarmSpec(
            "edge-5xx-rate", f"ALB 5xx responses above {ALB_5XX_RATE_PERCENT:g} % of requests",
            "GreaterThanThreshold", ALB_5XX_RATE_PERCENT,
            # No requests, no rate: an idle load balancer publishes nothing and is not failing.
            "notBreaching", 5, 3,
            metric_queries=[
                _query("elb5xx", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum"),
                _query("target5xx", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum"),
                _query("requests", "AWS/ApplicationELB", "RequestCount", lb, "Sum"),
                {"id": "rate", "label": "5xx % of requests", "return_data": True,
                 # The 5xx counts publish nothing in a minute without errors: FILL makes that 0.
                 "expression": f"IF(requests >= {ALB_5XX_MIN_REQUESTS_PER_MINUTE}, "
                               "100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)"},
            ]),
        AlarmSpec(
            "edge-p99-latency", f"ALB target response time p99 above {TARGET_RESPONSE_P99_SECONDS:g} s",
            "GreaterThanThreshold", TARGET_RESPONSE_P99_SECONDS,
            # Latency exists only for requests: no requests, nothing is slow.
            "notBreaching", 5, 3, namespace="AWS/ApplicationELB", metric_name="TargetResponseTime",
            dimensions=lb, extended_statistic="p99"),
    ]
    for tg in edge.target_groups:
        alarms.append(AlarmSpec(
            f"edge-unhealthy-{tg.name}", f"Unhealthy targets in target group {tg.name}",
            "GreaterThanOrEqualToThreshold", 1,
            # A target group with no registered targets publishes nothing: nothing is unhealthy (an empty
            # backend shows up as ALB 5xx, which the rate alarm watches).
            "notBreaching", 3, 3, namespace="AWS/ApplicationELB", metric_name="UnHealthyHostCount",
            dimensions={"TargetGroup": tg.arn_suffix, **lb}, statistic="Maximum"))
    metric = "CountedRequests" if edge.rate_rules_count_only else "BlockedRequests"
    for rule in edge.rate_rule_metric_names:
        alarms.append(AlarmSpec(
            f"edge-waf-{rule}", f"WAF rate rule {rule}: more than {WAF_LIMITED_REQUESTS_PER_5_MINUTES} {metric} "
                                "in 5 minutes",
            "GreaterThanThreshold", WAF_LIMITED_REQUESTS_PER_5_MINUTES,
            # WAF publishes a rule's metric only when the rule matched: no data means nothing was limited.
            "notBreaching", 1, 1, namespace="AWS/WAFV2", metric_name=metric,
            dimensions={"WebACL": edge.web_acl_name, "Rule": rule, "Region": region}, statistic="Sum",
            period=300))
    return alarms


def pool_alarms(pools: Sequence[PoolWatch]) -> list[AlarmSpec]:
    return [AlarmSpec(
        f"asg-at-max-{pool.name}", f"Auto Scaling group {pool.name} in service at its maximum ({pool.max_size}) "
                                   f"for {SUSTAINED_MINUTES} minutes",
        "GreaterThanOrEqualToThreshold", pool.max_size,
        # Group metrics are collected every minute; a gap means collection stopped, which should show as
        # INSUFFICIENT_DATA rather than as "at maximum" or "fine".
        "missing", SUSTAINED_MINUTES, SUSTAINED_MINUTES, namespace="AWS/AutoScaling",
        metric_name="GroupInServiceInstances", dimensions={"AutoScalingGroupName": pool.group_name},
        statistic="Minimum") for pool in pools]


def database_alarms(db: DatabaseWatch) -> list[AlarmSpec]:
    alarms: list[AlarmSpec] = []
    for index, shard in enumerate(db.shards):
        prefix = f"db-shard-{index:02d}"
        primary = {"DBInstanceIdentifier": shard.primary_identifier}
        alarms += [
            AlarmSpec(f"{prefix}-cpu", f"Shard {index} primary CPU above {DB_CPU_PERCENT:g} % for 15 minutes",
                      "GreaterThanThreshold", DB_CPU_PERCENT,
                      # RDS publishes every minute while the instance runs; a gap (instance stopped or being
                      # replaced) is shown as INSUFFICIENT_DATA, not as high CPU.
                      "missing", 15, 15, namespace="AWS/RDS", metric_name="CPUUtilization", dimensions=primary,
                      statistic="Average"),
            AlarmSpec(f"{prefix}-free-storage",
                      f"Shard {index} primary free storage below {DB_FREE_STORAGE_PERCENT} % of "
                      f"{db.allocated_storage_gb} GiB (storage autoscaling did not grow it)",
                      "LessThanThreshold", free_storage_threshold_bytes(db.allocated_storage_gb),
                      # As for CPU: a gap is not "full".
                      "missing", 5, 5, namespace="AWS/RDS", metric_name="FreeStorageSpace", dimensions=primary,
                      statistic="Minimum"),
        ]
        for r, replica in enumerate(shard.replica_identifiers):
            alarms.append(AlarmSpec(
                f"{prefix}-replica-{r}-lag", f"Shard {index} replica {r} more than {DB_REPLICA_LAG_SECONDS:g} s "
                                             "behind its primary",
                "GreaterThanThreshold", DB_REPLICA_LAG_SECONDS,
                # A running replica always reports its lag; one that stops reporting is not replicating, and
                # the reads sent to it are as stale as a lagging one's.
                "breaching", 5, 5, namespace="AWS/RDS", metric_name="ReplicaLag",
                dimensions={"DBInstanceIdentifier": replica}, statistic="Maximum"))
        if shard.proxy_name is not None:
            proxy = {"ProxyName": shard.proxy_name}
            alarms += [
                AlarmSpec(f"{prefix}-proxy-connections",
                          f"Shard {index} proxy client connections above {PROXY_CLIENT_CONNECTIONS_PERCENT} % of "
                          f"{db.pool_max_connections} per process x {db.max_client_processes} processes",
                          "GreaterThanThreshold", proxy_client_connections_threshold(db),
                          # The proxy publishes connection counts while clients are connected; none means idle.
                          "notBreaching", 5, 5, namespace="AWS/RDS", metric_name="ClientConnections",
                          dimensions=proxy, statistic="Maximum"),
                AlarmSpec(f"{prefix}-proxy-borrow-latency",
                          f"Shard {index} proxy takes more than {borrow_latency_threshold_microseconds(db)} us on "
                          "average to hand out a database connection",
                          "GreaterThanThreshold", borrow_latency_threshold_microseconds(db),
                          # Borrow latency exists only when clients borrow connections: none means no traffic.
                          "notBreaching", 5, 3, namespace="AWS/RDS", metric_name="DatabaseConnectionsBorrowLatency",
                          dimensions=proxy, statistic="Average"),
            ]
    return alarms


def cache_alarms(cache: CacheWatch) -> list[AlarmSpec]:
    alarms: list[AlarmSpec] = []
    for label, node_id in cache_nodes(cache):
        key = f"cache-{label}"
        dims = {"CacheClusterId": node_id}
        alarms += [
            AlarmSpec(f"{key}-memory", f"Cache node {label} memory above "
                                       f"{CACHE_MEMORY_PERCENT:g} % of maxmemory",
                      "GreaterThanThreshold", CACHE_MEMORY_PERCENT,
                      # Nodes publish every minute; a gap (node replaced) is shown as INSUFFICIENT_DATA.
                      "missing", 15, 15, namespace="AWS/ElastiCache", metric_name="DatabaseMemoryUsagePercentage",
                      dimensions=dims, statistic="Maximum"),
            AlarmSpec(f"{key}-evictions", f"Cache node {label} evicts more than "
                                          f"{CACHE_EVICTIONS_PER_5_MINUTES} keys in 5 minutes",
                      "GreaterThanThreshold", CACHE_EVICTIONS_PER_5_MINUTES,
                      # As for memory: Evictions is published (as 0) every minute while the node runs.
                      "missing", 3, 3, namespace="AWS/ElastiCache", metric_name="Evictions", dimensions=dims,
                      statistic="Sum", period=300),
            AlarmSpec(f"{key}-engine-cpu", f"Cache node {label} engine CPU above "
                                           f"{CACHE_ENGINE_CPU_PERCENT:g} %",
                      "GreaterThanThreshold", CACHE_ENGINE_CPU_PERCENT,
                      "missing", 5, 5, namespace="AWS/ElastiCache", metric_name="EngineCPUUtilization",
                      dimensions=dims, statistic="Average"),
            AlarmSpec(f"{key}-replication-lag", f"Cache node {label} more than "
                                                f"{CACHE_REPLICATION_LAG_SECONDS:g} s behind its primary",
                      "GreaterThanThreshold", CACHE_REPLICATION_LAG_SECONDS,
                      # Only a replica publishes ReplicationLag, and roles swap on failover, so every node has
                      # this alarm and the current primary's silence is normal.
                      "notBreaching", 5, 5, namespace="AWS/ElastiCache", metric_name="ReplicationLag",
                      dimensions=dims, statistic="Maximum"),
        ]
    return alarms


def streaming_alarms(streaming: StreamingWatch) -> list[AlarmSpec]:
    cluster = {"Cluster Name": streaming.cluster_name}
    alarms: list[AlarmSpec] = []
    for broker in range(1, streaming.broker_count + 1):
        dims = {**cluster, "Broker ID": str(broker)}
        alarms += [
            AlarmSpec(f"kafka-broker-{broker}-disk", f"Kafka broker {broker} data disk above "
                                                     f"{KAFKA_DISK_USED_PERCENT:g} % used",
                      "GreaterThanThreshold", KAFKA_DISK_USED_PERCENT,
                      # Brokers publish every minute at the DEFAULT level; a gap is INSUFFICIENT_DATA.
                      "missing", 5, 5, namespace="AWS/Kafka", metric_name="KafkaDataLogsDiskUsed", dimensions=dims,
                      statistic="Maximum"),
            AlarmSpec(f"kafka-broker-{broker}-under-replicated",
                      f"Kafka broker {broker} has under-replicated partitions for 10 minutes",
                      "GreaterThanThreshold", 0,
                      # As for the disk. Ten minutes ride out a broker's patching restart, when partitions are
                      # briefly under-replicated by design.
                      "missing", 10, 10, namespace="AWS/Kafka", metric_name="UnderReplicatedPartitions",
                      dimensions=dims, statistic="Maximum"),
        ]
    alarms += [
        AlarmSpec("kafka-offline-partitions", "Kafka has offline partitions (no leader: neither writable nor "
                                              "readable)",
                  "GreaterThanThreshold", 0,
                  # Published by the active controller; when there is none, the controller alarm fires instead.
                  "missing", 1, 1, namespace="AWS/Kafka", metric_name="OfflinePartitionsCount", dimensions=cluster,
                  statistic="Maximum"),
        AlarmSpec("kafka-no-active-controller", "Kafka has no active controller",
                  "LessThanThreshold", 1,
                  # Every running broker publishes it; no data at all means no broker is reporting.
                  "breaching", 3, 3, namespace="AWS/Kafka", metric_name="ActiveControllerCount", dimensions=cluster,
                  statistic="Maximum"),
        AlarmSpec(f"kafka-lag-{streaming.consumer_group}",
                  f"Consumer group {streaming.consumer_group} more than {consumer_lag_threshold(streaming)} "
                  f"messages behind on {streaming.topic} for 15 minutes",
                  "GreaterThanThreshold", consumer_lag_threshold(streaming),
                  # MSK publishes lag only for a STABLE or EMPTY group with committed offsets: during a rebalance,
                  # or before the consumer first commits, there is no lag to judge.
                  "notBreaching", 15, 15, namespace="AWS/Kafka", metric_name="SumOffsetLag",
                  dimensions={**cluster, "Consumer Group": streaming.consumer_group, "Topic": streaming.topic},
                  statistic="Maximum"),
    ]
    return alarms


def network_alarms(network: NetworkWatch) -> list[AlarmSpec]:
    alarms: list[AlarmSpec] = []
    for index, nat in enumerate(network.nat_gateway_ids):
        gateway = {"NatGatewayId": nat}
        alarms += [
            AlarmSpec(f"nat-{index}-port-allocation",
                      f"NAT gateway {index} could not allocate source ports for {NAT_PORT_ALLOCATION_MINUTES} minutes",
                      "GreaterThanThreshold", 0,
                      # A NAT gateway publishes every minute while it exists: no data, no errors to count.
                      "notBreaching", NAT_PORT_ALLOCATION_MINUTES, NAT_PORT_ALLOCATION_MINUTES,
                      namespace="AWS/NATGateway", metric_name="ErrorPortAllocation", dimensions=gateway,
                      statistic="Sum"),
            AlarmSpec(f"nat-{index}-packets-dropped",
                      f"NAT gateway {index} dropping more than {NAT_DROPPED_PACKETS_PERCENT:g} % of packets for "
                      "5 minutes",
                      "GreaterThanThreshold", NAT_DROPPED_PACKETS_PERCENT,
                      # No packets in, nothing dropped.
                      "notBreaching", 5, 5,
                      metric_queries=[
                          _query("dropped", "AWS/NATGateway", "PacketsDropCount", gateway, "Sum"),
                          _query("fromSource", "AWS/NATGateway", "PacketsInFromSource", gateway, "Sum"),
                          _query("fromDestination", "AWS/NATGateway", "PacketsInFromDestination", gateway, "Sum"),
                          {"id": "rate", "label": "dropped % of packets", "return_data": True,
                           "expression": "IF(FILL(fromSource, 0) + FILL(fromDestination, 0) > 0, 100 * FILL(dropped, 0) "
                                         "/ (FILL(fromSource, 0) + FILL(fromDestination, 0)), 0)"},
                      ]),
        ]
    return alarms


def _query(query_id: str, namespace: str, metric_name: str, dimensions: Mapping[str, Any], stat: str) -> dict:
    return {"id": query_id, "return_data": False, "metric": {
        "namespace": namespace, "metric_name": metric_name, "dimensions": dict(dimensions),
        "period": PERIOD_SECONDS, "stat": stat}}


class Alarms(pulumi.ComponentResource):
    """An encrypted SNS topic, a CloudWatch alarm per watched signal and a dashboard grouped by tier."""

    topic_arn: pulumi.Output[str]
    """ARN of the SNS topic every alarm notifies (subscribe more endpoints to it)."""
    kms_key_arn: pulumi.Output[str]
    """KMS key that encrypts the topic's messages."""
    alarm_names: list[pulumi.Output[str]]
    """Names of the alarms, in declaration order (edge, compute, database, cache, streaming, network)."""
    dashboard_name: Optional[pulumi.Output[str]]
    """Name of the CloudWatch dashboard, or None when ``dashboard`` is False."""

    def __init__(self, name: str, args: AlarmsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_alarms_args(args)
        super().__init__("scaling:alarms:Alarms", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)
        invoke = pulumi.InvokeOptions(parent=self)
        partition = aws.get_partition(opts=invoke).partition
        account = aws.get_caller_identity(opts=invoke).account_id
        region = aws.get_region(opts=invoke).region

        # The topic's name is chosen here so its ARN is known before it exists: the key policy names it.
        topic_name = physical_name(f"{name}-alarms", TOPIC_NAME_MAX_LENGTH, disallowed=r"[^a-z0-9_-]+")
        topic_arn = f"arn:{partition}:sns:{region}:{account}:{topic_name}"
        # A customer-managed key, because CloudWatch cannot publish to a topic under the AWS-managed SNS key.
        key = customer_managed_key(f"{name}-key", f"{name}: alarm notifications", tags, self,
                                   resolve_protect(args.protect, args.environment),
                                   policy=topic_key_policy(partition, account, topic_arn))
        topic = aws.sns.Topic(f"{name}-topic", name=topic_name, kms_master_key_id=key.arn, tags=tags, opts=child)
        for endpoint in args.subscriptions:
            aws.sns.TopicSubscription(
                f"{name}-subscription-{endpoint_key(endpoint)}", topic=topic.arn,
                protocol=subscription_protocol(endpoint), endpoint=endpoint,
                opts=pulumi.ResourceOptions(parent=topic))

        specs: list[AlarmSpec] = []
        if args.edge is not None:
            specs += edge_alarms(args.edge, region)
        specs += pool_alarms(args.pools)
        if args.database is not None:
            specs += database_alarms(args.database)
        if args.cache is not None:
            specs += cache_alarms(args.cache)
        if args.streaming is not None:
            specs += streaming_alarms(args.streaming)
        if args.network is not None:
            specs += network_alarms(args.network)
        self.alarm_names = [self._alarm(name, spec, topic.arn, tags).name for spec in specs]

        self.dashboard_name = None
        if args.dashboard:
            dashboard = aws.cloudwatch.Dashboard(
                f"{name}-dashboard",
                dashboard_name=physical_name(name, DASHBOARD_NAME_MAX_LENGTH, disallowed=r"[^a-z0-9_-]+"),
                dashboard_body=dashboard_body(args, region), opts=child)
            self.dashboard_name = dashboard.dashboard_name

        self.topic_arn = topic.arn
        self.kms_key_arn = key.arn
        self.register_outputs({"topic_arn": self.topic_arn, "kms_key_arn": self.kms_key_arn,
                               "alarm_names": self.alarm_names, "dashboard_name": self.dashboard_name})

    def _alarm(self, name: str, spec: AlarmSpec, topic_arn: pulumi.Output[str],
               tags: Mapping[str, str]) -> aws.cloudwatch.MetricAlarm:
        single: dict[str, Any] = dict(namespace=spec.namespace, metric_name=spec.metric_name, dimensions=dict(spec.dimensions),
                      period=spec.period, statistic=spec.statistic or None,
                      extended_statistic=spec.extended_statistic or None) if not spec.metric_queries else {}
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.key}",
            name=physical_name(f"{name}-{spec.key}", ALARM_NAME_MAX_LENGTH, disallowed=r"[^a-z0-9_.-]+"),
            alarm_description=spec.description, comparison_operator=spec.comparison, threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods, datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.treat_missing_data,
            # Notified when it fires and when it clears, so nobody has to check whether it is still firing.
            alarm_actions=[topic_arn], ok_actions=[topic_arn],
            metric_queries=[_metric_query_args(q) for q in spec.metric_queries] or None,
            tags=tags, opts=pulumi.ResourceOptions(parent=self), **single)


def _metric_query_args(query: Mapping[str, Any]) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    metric = query.get("metric")
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=query["id"], label=query.get("label"), return_data=query["return_data"],
        expression=query.get("expression"),
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(**metric) if metric else None)


# ---- Dashboard -----------------------------------------------------------------------------------------

WIDGET_WIDTH = 8
WIDGET_HEIGHT = 6


def _metric_line(namespace: str, metric_name: str, dimensions: Mapping[str, Any], stat: str,
                 label: str) -> pulumi.Output[list]:
    """A dashboard ``metrics`` row: namespace, name, then dimension name/value pairs, then options."""
    flat: list[Any] = [namespace, metric_name]
    for key, value in dimensions.items():
        flat += [key, value]
    return pulumi.Output.all(*flat).apply(lambda row: [*row, {"stat": stat, "label": label}])


def _widget(title: str, lines: Sequence[pulumi.Output[list]], region: str,
            threshold: Optional[float] = None) -> pulumi.Output[dict]:
    def build(rows: list) -> dict:
        properties: dict[str, Any] = {"title": title, "region": region, "view": "timeSeries", "stacked": False,
                                      "period": PERIOD_SECONDS, "metrics": rows}
        if threshold is not None:
            properties["annotations"] = {"horizontal": [{"label": "alarm", "value": threshold}]}
        return {"type": "metric", "width": WIDGET_WIDTH, "height": WIDGET_HEIGHT, "properties": properties}
    return pulumi.Output.all(*lines).apply(build)


def _header(text: str) -> dict:
    return {"type": "text", "width": 24, "height": 1, "properties": {"markdown": f"## {text}"}}


def dashboard_body(args: AlarmsArgs, region: str) -> pulumi.Output[str]:
    """The dashboard JSON: a header per tier, then its widgets; one widget per shard, node and broker group."""
    parts: list[Any] = []
    if args.edge is not None:
        edge = args.edge
        lb = {"LoadBalancer": edge.load_balancer_arn_suffix}
        parts.append(_header("Edge"))
        parts.append(_widget("ALB requests and 5xx", [
            _metric_line("AWS/ApplicationELB", "RequestCount", lb, "Sum", "requests"),
            _metric_line("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", lb, "Sum", "ELB 5xx"),
            _metric_line("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", lb, "Sum", "target 5xx")], region))
        parts.append(_widget("Target response time p99 (s)", [
            _metric_line("AWS/ApplicationELB", "TargetResponseTime", lb, "p99", "p99")], region,
            TARGET_RESPONSE_P99_SECONDS))
        if edge.target_groups:
            parts.append(_widget("Unhealthy hosts per target group", [
                _metric_line("AWS/ApplicationELB", "UnHealthyHostCount", {"TargetGroup": tg.arn_suffix, **lb},
                             "Maximum", tg.name) for tg in edge.target_groups], region, 1))
        if edge.rate_rule_metric_names:
            metric = "CountedRequests" if edge.rate_rules_count_only else "BlockedRequests"
            parts.append(_widget(f"WAF rate rules: {metric}", [
                _metric_line("AWS/WAFV2", metric, {"WebACL": edge.web_acl_name, "Rule": rule, "Region": region},
                             "Sum", rule) for rule in edge.rate_rule_metric_names], region))
    if args.pools:
        parts.append(_header("Compute"))
        for pool in args.pools:
            group = {"AutoScalingGroupName": pool.group_name}
            parts.append(_widget(f"Pool {pool.name}: in service (max {pool.max_size})", [
                _metric_line("AWS/AutoScaling", "GroupInServiceInstances", group, "Minimum", "in service"),
                _metric_line("AWS/AutoScaling", "GroupDesiredCapacity", group, "Maximum", "desired")], region,
                pool.max_size))
    if args.database is not None:
        db = args.database
        parts.append(_header(f"Database ({len(db.shards)} shards)"))
        for index, shard in enumerate(db.shards):
            lines = [_metric_line("AWS/RDS", "CPUUtilization", {"DBInstanceIdentifier": shard.primary_identifier},
                                  "Average", "primary CPU %")]
            lines += [_metric_line("AWS/RDS", "ReplicaLag", {"DBInstanceIdentifier": r}, "Maximum",
                                   f"replica {i} lag (s)") for i, r in enumerate(shard.replica_identifiers)]
            if shard.proxy_name is not None:
                lines.append(_metric_line("AWS/RDS", "ClientConnections", {"ProxyName": shard.proxy_name}, "Maximum",
                                          "proxy client connections"))
            parts.append(_widget(f"Shard {index:02d}", lines, region))
    if args.cache is not None:
        cache = args.cache
        parts.append(_header("Cache"))
        nodes = cache_nodes(cache)
        for metric, stat, title, threshold in (
                ("DatabaseMemoryUsagePercentage", "Maximum", "Memory used %", CACHE_MEMORY_PERCENT),
                ("Evictions", "Sum", "Evictions", None),
                ("EngineCPUUtilization", "Average", "Engine CPU %", CACHE_ENGINE_CPU_PERCENT),
                ("ReplicationLag", "Maximum", "Replication lag (s)", CACHE_REPLICATION_LAG_SECONDS)):
            parts.append(_widget(title, [_metric_line("AWS/ElastiCache", metric, {"CacheClusterId": node}, stat,
                                                      f"node {label}") for label, node in nodes], region, threshold))
    if args.streaming is not None:
        k = args.streaming
        cluster = {"Cluster Name": k.cluster_name}
        brokers = range(1, k.broker_count + 1)
        parts.append(_header("Streaming"))
        parts.append(_widget("Broker data disk used %", [
            _metric_line("AWS/Kafka", "KafkaDataLogsDiskUsed", {**cluster, "Broker ID": str(b)}, "Maximum",
                         f"broker {b}") for b in brokers], region, KAFKA_DISK_USED_PERCENT))
        parts.append(_widget("Partitions: under-replicated and offline", [
            *(_metric_line("AWS/Kafka", "UnderReplicatedPartitions", {**cluster, "Broker ID": str(b)}, "Maximum",
                           f"under-replicated, broker {b}") for b in brokers),
            _metric_line("AWS/Kafka", "OfflinePartitionsCount", cluster, "Maximum", "offline")], region))
        parts.append(_widget(f"Lag of {k.consumer_group} on {k.topic}", [
            _metric_line("AWS/Kafka", "SumOffsetLag", {**cluster, "Consumer Group": k.consumer_group,
                                                       "Topic": k.topic}, "Maximum", "messages behind")],
            region, consumer_lag_threshold(k)))
    if args.network is not None:
        gateways = [(index, {"NatGatewayId": nat}) for index, nat in enumerate(args.network.nat_gateway_ids)]
        parts.append(_header("Network"))
        parts.append(_widget("NAT gateways: port allocation errors", [
            _metric_line("AWS/NATGateway", "ErrorPortAllocation", gateway, "Sum", f"NAT {index}")
            for index, gateway in gateways], region))
        parts.append(_widget("NAT gateways: packets dropped", [
            _metric_line("AWS/NATGateway", "PacketsDropCount", gateway, "Sum", f"NAT {index}")
            for index, gateway in gateways], region))
    return pulumi.Output.all(*parts).apply(lambda widgets: json.dumps({"widgets": widgets}))
