"""Pulumi components for the scaling design on AWS. This module only re-exports.

    from components import Network, NetworkArgs              # in this repository
    from scaling_kit.components import Network, NetworkArgs  # installed from the wheel

Names load on first use (PEP 562), so importing one component imports only the SDKs it needs:
``Network`` never loads pulumi-kubernetes or pulumi-random.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Alarms": "alarms", "AlarmsArgs": "alarms",
    "Alertmanager": "alertmanager", "AlertmanagerArgs": "alertmanager",
    "AppIdentity": "app_identity", "AppIdentityArgs": "app_identity",
    "AppSettings": "app_settings", "AppSettingsArgs": "app_settings",
    "DnsValidatedCertificate": "certificate", "DnsValidatedCertificateArgs": "certificate",
    "LoadBalancerController": "load_balancer_controller",
    "LoadBalancerControllerArgs": "load_balancer_controller",
    "AutoScalingGroup": "auto_scaling_group", "AutoScalingGroupArgs": "auto_scaling_group",
    "Cache": "cache", "CacheArgs": "cache",
    "Database": "database", "DatabaseArgs": "database",
    "KafkaConsumer": "consumer", "KafkaConsumerArgs": "consumer",
    "Keda": "keda", "KedaArgs": "keda",
    "EksCluster": "eks_cluster", "EksClusterArgs": "eks_cluster",
    "LoadBalancer": "load_balancer", "LoadBalancerArgs": "load_balancer",
    "MetricsPipeline": "metrics_pipeline", "MetricsPipelineArgs": "metrics_pipeline",
    "Network": "network", "NetworkArgs": "network",
    "RateLimit": "rate_limit", "RateLimitArgs": "rate_limit",
    "ShardedDatabase": "sharded_database", "ShardedDatabaseArgs": "sharded_database",
    "Streaming": "streaming", "StreamingArgs": "streaming",
    "Workload": "workload", "WorkloadArgs": "workload",
    "house_tags": "tagging", "merge_tags": "tagging",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
