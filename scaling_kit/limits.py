"""The documented limits: every number of ../shared/scaling-design.md, in one place.

Pure Python with no imports beyond the standard library, so the policy pack (run by the Pulumi CLI
from this folder), the stack program, the Kubernetes ConfigMap of the workload and the live audit all
read the same values. Each group names the design section it comes from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LoadBalancing:
    """Section "Load Balancing" (nginx upstream)."""
    algorithm: str = "least_outstanding_requests"  # nginx least_conn, as an ALB target group algorithm
    backend_weights: tuple[int, ...] = (5, 5, 3)   # api1..api3 weight=5/5/3
    backend_port: int = 3000                        # server api*.example.com:3000
    idle_timeout_seconds: int = 60                  # proxy_connect/send/read_timeout 60s
    keepalive_connections: int = 32                 # keepalive 32 (the ALB keeps connections itself)


@dataclass(frozen=True)
class HorizontalPodAutoscaling:
    """Section "Kubernetes HPA"."""
    name: str = "ai-agent-system"
    min_replicas: int = 2
    max_replicas: int = 50
    cpu_utilization_percent: int = 70
    memory_utilization_percent: int = 80
    requests_per_second_metric: str = "requests_per_second"
    requests_per_second_average_value: str = "1000"
    scale_down_stabilization_seconds: int = 300
    scale_down_percent: int = 50
    scale_down_period_seconds: int = 60
    scale_up_stabilization_seconds: int = 0
    scale_up_percent: int = 100
    scale_up_percent_period_seconds: int = 30
    scale_up_pods: int = 5
    scale_up_pods_period_seconds: int = 30
    scale_up_select_policy: str = "Max"


@dataclass(frozen=True)
class AutoScaling:
    """Section "AWS Auto Scaling" (ai-agent-asg)."""
    name: str = "ai-agent-system"
    min_size: int = 2
    max_size: int = 20
    desired_capacity: int = 5
    health_check_type: str = "ELB"
    health_check_grace_period_seconds: int = 300


@dataclass(frozen=True)
class Database:
    """Sections "Read Replicas", "Sharding Strategy" and "Connection Pooling"."""
    engine: str = "postgres"
    port: int = 5432
    database_name: str = "aiagent"
    min_read_replicas: int = 1            # master-replica setup: every primary has a replica
    min_read_replicas_prod: int = 2       # production keeps a replica through a replica's own failure
    shard_count: int = 16
    shard_key_hex_chars: int = 8          # parseInt(userId.substring(0, 8), 16) % shardCount
    pool_max_connections: int = 20        # max: 20
    pool_idle_timeout_seconds: int = 30   # idleTimeoutMillis: 30000
    pool_connect_timeout_seconds: int = 2  # connectionTimeoutMillis: 2000


@dataclass(frozen=True)
class Cache:
    """Sections "Redis Cluster", "Cache-Aside Pattern" and "Stateless Architecture"."""
    shards: int = 3                       # three cluster-enabled nodes 7000..7002
    ttl_seconds: int = 3600               # setex(..., 3600, ...)
    feature_key_prefix: str = "feature:"
    session_key_prefix: str = "session:"


@dataclass(frozen=True)
class Messaging:
    """Sections "Kafka Partitioning" and "Consumer Groups"."""
    topic: str = "features"
    partitions: int = 10
    replication_factor: int = 3
    producer_acks: str = "all"
    min_insync_replicas: int = 2          # what makes acks=all durable with replication factor 3
    consumer_group: str = "feature-processors"
    client_id: str = "ai-agent-system"


@dataclass(frozen=True)
class RateLimiting:
    """Section "Rate Limiting" (express-rate-limit)."""
    max_requests: int = 100
    window_seconds: int = 15 * 60
    key: str = "user id, else client IP"


@dataclass(frozen=True)
class CircuitBreaking:
    """Section "Circuit Breaker"."""
    failure_threshold: int = 5
    open_timeout_seconds: int = 60


LOAD_BALANCING = LoadBalancing()
HPA = HorizontalPodAutoscaling()
AUTO_SCALING = AutoScaling()
DATABASE = Database()
CACHE = Cache()
MESSAGING = Messaging()
RATE_LIMIT = RateLimiting()
CIRCUIT_BREAKER = CircuitBreaking()
