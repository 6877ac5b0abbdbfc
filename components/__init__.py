"""Pulumi components for the scaling design on AWS. This module only re-exports.

    from components import Network, NetworkArgs, ShardedDatabase, DatabaseArgs
"""

from .auto_scaling_group import AutoScalingGroup, AutoScalingGroupArgs
from .cache import Cache, CacheArgs
from .database import Database, DatabaseArgs
from .eks_cluster import EksCluster, EksClusterArgs
from .load_balancer import LoadBalancer, LoadBalancerArgs
from .metrics_pipeline import MetricsPipeline, MetricsPipelineArgs
from .network import Network, NetworkArgs
from .rate_limit import RateLimit, RateLimitArgs
from .sharded_database import ShardedDatabase, ShardedDatabaseArgs
from .streaming import Streaming, StreamingArgs
from .tagging import house_tags, merge_tags
from .workload import Workload, WorkloadArgs

__all__ = [
    "AutoScalingGroup", "AutoScalingGroupArgs", "Cache", "CacheArgs", "Database", "DatabaseArgs",
    "EksCluster", "EksClusterArgs", "LoadBalancer", "LoadBalancerArgs", "MetricsPipeline",
    "MetricsPipelineArgs", "Network", "NetworkArgs", "RateLimit", "RateLimitArgs", "ShardedDatabase",
    "ShardedDatabaseArgs", "Streaming", "StreamingArgs", "Workload", "WorkloadArgs", "house_tags", "merge_tags",
]
