"""From a component's argument back to the configuration key the user edits.

The components validate their own arguments and raise ``components.validation.ArgumentError`` naming the
argument (``node_max_size``, ``database.replica_count``, ``min_size/desired_capacity/max_size``). The stack
builds those arguments from settings, so it knows which setting each argument comes from: this module holds
that map, per tier, and rewrites an error into a configuration problem that names the keys
(``scaling:eksNodeMaxSize: 12 m6i.xlarge nodes offer ...``), argument names in the reason included.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from components.validation import ArgumentError

from . import config

# tier (the key prefix the preflight reports under) -> component argument -> (settings section, field) it is
# built from. Arguments built from several settings list them all; section names are StackSettings'.
_NETWORK_ZONES = (("network", "az_count"),)
_ENDPOINT_PLAN = (("network", "interface_endpoints"), ("network", "vpc_cidr"), ("network", "az_count"))
ARGUMENT_SETTINGS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "network": {
        "cidr_block": (("network", "vpc_cidr"),),
        "availability_zones": (("network", "availability_zones"),),
        "az_count": (("network", "az_count"),),
        "nat_gateways": (("network", "nat_gateways"),),
        "flow_log_retention_days": (("network", "flow_log_retention_days"),),
        "interface_endpoints": (("network", "interface_endpoints"),),
    },
    "lb": {
        "subnet_ids": _NETWORK_ZONES,
        "backends": (("load_balancer", "backend_names"), ("load_balancer", "backend_weights")),
        "backend_port": (("load_balancer", "backend_port"), ("app", "port")),
        "health_check_path": (("load_balancer", "health_check_path"), ("app", "health_check_path")),
        "ingress_cidrs": (("load_balancer", "ingress_cidrs"),),
        "certificate_arn": (("load_balancer", "certificate_arn"),),
        # Also the paths of DnsValidatedCertificate's errors: the load balancer validates its certificate's
        # arguments with these two values.
        "domain_name": (("load_balancer", "domain_name"),),
        "hosted_zone_id": (("load_balancer", "hosted_zone_id"),),
        "idle_timeout_seconds": (("load_balancer", "idle_timeout_seconds"),),
        "deregistration_delay_seconds": (("load_balancer", "deregistration_delay_seconds"),),
        "slow_start_seconds": (("load_balancer", "slow_start_seconds"),),
        "deletion_protection": (("load_balancer", "deletion_protection"),),
        "access_log_retention_days": (("load_balancer", "access_log_retention_days"),),
        "backend_tls": (("load_balancer", "backend_tls"),),
    },
    "rateLimit": {
        "requests": (("rate_limit", "requests"),),
        "window_seconds": (("rate_limit", "window_seconds"),),
        "key_header": (("rate_limit", "key_header"),),
        "mode": (("rate_limit", "mode"),),
        "managed_rules": (("rate_limit", "managed_rules"),),
        "managed_rule_overrides": (("rate_limit", "rule_overrides"),),
        "log_retention_days": (("rate_limit", "log_retention_days"),),
    },
    "asg": {
        "subnet_ids": _NETWORK_ZONES,
        "subnet_zones": _NETWORK_ZONES,
        "traffic_sources": (("load_balancer", "backend_names"), ("load_balancer", "backend_weights")),
        "port": (("load_balancer", "backend_port"), ("app", "port")),
        "min_size": (("autoscaling", "min_size"),),
        "max_size": (("autoscaling", "max_size"),),
        "desired_capacity": (("autoscaling", "desired_capacity"),),
        "instance_type": (("autoscaling", "instance_type"),),
        "ami_id": (("autoscaling", "ami_id"),),
        "health_check_grace_period_seconds": (("autoscaling", "health_check_grace_period_seconds"),),
        "cpu_target_percent": (("autoscaling", "cpu_target_percent"),),
        "requests_per_target": (("autoscaling", "requests_per_target"),),
        "instance_refresh_min_healthy_percent": (("autoscaling", "instance_refresh_min_healthy_percent"),),
        "warm_pool": (("autoscaling", "warm_pool_state"),),
        "warm_pool.pool_state": (("autoscaling", "warm_pool_state"),),
        "warm_pool.min_size": (("autoscaling", "warm_pool_min_size"),),
        "warm_pool.max_group_prepared_capacity": (("autoscaling", "warm_pool_max_prepared_capacity"),),
        "warm_pool.reuse_on_scale_in": (("autoscaling", "warm_pool_reuse_on_scale_in"),),
        "mixed_instances": (("autoscaling", "instance_types"),),
        "mixed_instances.instance_types": (("autoscaling", "instance_types"),),
        "mixed_instances.on_demand_base_capacity": (("autoscaling", "on_demand_base_capacity"),),
        "mixed_instances.on_demand_percentage_above_base": (("autoscaling", "on_demand_percentage_above_base"),),
        "mixed_instances.spot_allocation_strategy": (("autoscaling", "spot_allocation_strategy"),),
        "scheduled_actions": (("autoscaling", "schedules"),),
        "predictive_scaling": (("autoscaling", "predictive_mode"),),
        "predictive_scaling.mode": (("autoscaling", "predictive_mode"),),
        "predictive_scaling.metric": (("autoscaling", "predictive_metric"),),
        "predictive_scaling.scheduling_buffer_seconds": (("autoscaling", "predictive_scheduling_buffer_seconds"),),
        "predictive_scaling.max_capacity_breach_behavior": (("autoscaling", "predictive_max_capacity_breach"),),
        "predictive_scaling.max_capacity_buffer_percent": (("autoscaling", "predictive_max_capacity_buffer_percent"),),
        "container.image": (("app", "image"),),
        "container.args": (("app", "args"),),
        "container.port": (("app", "port"),),
        "container.tls": (("load_balancer", "backend_tls"),),
        "container.request_timeout_seconds": (("load_balancer", "idle_timeout_seconds"),),
    },
    "db": {
        "shard_count": (("database", "shard_count"),),
        "database.subnet_ids": _NETWORK_ZONES,
        "database.availability_zones": _NETWORK_ZONES,
        **{f"database.{name}": (("database", name),) for name in (
            "engine_version", "allow_major_version_upgrade", "instance_class", "replica_instance_class",
            "allocated_storage_gb", "max_allocated_storage_gb", "replica_count", "multi_az",
            "backup_retention_days", "deletion_protection", "database_name", "pool_max_connections",
            "pool_idle_timeout_seconds", "pool_connect_timeout_seconds")},
    },
    "cache": {
        "subnet_ids": _NETWORK_ZONES,
        "engine": (("cache", "engine"),),
        "engine_version": (("cache", "engine_version"),),
        "node_type": (("cache", "node_type"),),
        "num_node_groups": (("cache", "shards"),),
        "replicas_per_node_group": (("cache", "replicas_per_shard"),),
        "snapshot_retention_days": (("cache", "snapshot_retention_days"),),
        "ttl_seconds": (("cache", "ttl_seconds"),),
        "session_key_prefix": (("cache", "session_key_prefix"),),
    },
    "kafka": {
        "subnet_ids": _NETWORK_ZONES,
        "kafka_version": (("streaming", "version"),),
        "broker_instance_type": (("streaming", "broker_instance_type"),),
        "broker_count": (("streaming", "broker_count"),),
        "volume_size_gb": (("streaming", "volume_size_gb"),),
        "max_volume_size_gb": (("streaming", "max_volume_size_gb"),),
        "storage_target_utilization_percent": (("streaming", "storage_target_percent"),),
        "replication_factor": (("streaming", "topic_replication_factor"),),
        "min_insync_replicas": (("streaming", "topic_replication_factor"),),
        "topics": (("streaming", "topic_partitions"), ("streaming", "topic_replication_factor"),
                   ("streaming", "extra_topics")),
        "deployed_topics": (("streaming", "deployed_topics"),),
    },
    "eks": {
        # EksCluster
        "subnet_ids": _NETWORK_ZONES,
        "version": (("kubernetes", "version"),),
        "public_access_cidrs": (("kubernetes", "public_access_cidrs"),),
        "node_instance_type": (("kubernetes", "node_instance_type"),),
        "node_min_size": (("kubernetes", "node_min_size"),),
        "node_max_size": (("kubernetes", "node_max_size"),),
        "vpc_cni_version": (("kubernetes", "vpc_cni_version"),),
        "coredns_version": (("kubernetes", "core_dns_version"),),
        "kube_proxy_version": (("kubernetes", "kube_proxy_version"),),
        "cluster_autoscaler_version": (("kubernetes", "cluster_autoscaler_version"),),
        # Workload
        "image": (("kubernetes", "app_image"), ("app", "image")),
        "args": (("app", "args"),),
        "request_timeout_seconds": (("load_balancer", "idle_timeout_seconds"),),
        "proxy_tls": (("load_balancer", "backend_tls"),),
        "load_balancer_cidrs": (("network", "vpc_cidr"), ("network", "az_count")),
        "vpc_cidr": (("network", "vpc_cidr"),),
        "aws_endpoint_cidrs": _ENDPOINT_PLAN,
        "internet_https": (("app", "internet_https"), ("network", "interface_endpoints")),
        "container_port": (("kubernetes", "app_port"), ("app", "port")),
        "health_check_path": (("kubernetes", "app_health_path"), ("app", "health_check_path")),
        "cpu_request_millicores": (("kubernetes", "app_cpu_request_millicores"),),
        "memory_request_mib": (("kubernetes", "app_memory_request_mib"),),
        "min_replicas": (("kubernetes", "hpa_min_replicas"),),
        "max_replicas": (("kubernetes", "hpa_max_replicas"),),
        "cpu_utilization_percent": (("kubernetes", "hpa_cpu_target_percent"),),
        "memory_utilization_percent": (("kubernetes", "hpa_memory_target_percent"),),
        "requests_per_pod": (("kubernetes", "hpa_requests_per_second"),),
    },
    "consumer": {
        # KafkaConsumer
        "image": (("consumer", "image"),),
        "args": (("consumer", "args"),),
        "partitions": (("streaming", "topic_partitions"),),
        "max_replicas": (("consumer", "max_replicas"), ("streaming", "topic_partitions")),
        "min_replicas": (("consumer", "min_replicas"),),
        "lag_threshold": (("consumer", "lag_threshold"),),
        "cpu_request_millicores": (("consumer", "cpu_request_millicores"),),
        "memory_request_mib": (("consumer", "memory_request_mib"),),
        "vpc_cidr": (("network", "vpc_cidr"),),
        "aws_endpoint_cidrs": _ENDPOINT_PLAN,
        "internet_https": (("app", "internet_https"), ("network", "interface_endpoints")),
        # Keda
        "chart_version": (("consumer", "keda_chart_version"),),
    },
}


def _section_fields(section: str) -> set[str]:
    cls = config.SECTIONS.get(section)
    return {f.name for f in dataclasses.fields(cls)} if cls else set()


def keys_of(tier: str, path: str) -> list[str]:
    """The configuration keys a component argument of ``tier`` comes from: the longest mapped prefix of
    ``path`` (``backends[1].weight`` -> ``backends``), settings that the stack declares only; [] if unmapped."""
    mapping = ARGUMENT_SETTINGS.get(tier, {})
    candidate = path
    while candidate:
        if candidate in mapping:
            return [f"{config.PROJECT}:{config.config_key(config.SECTIONS[section], name)}"
                    for section, name in mapping[candidate] if name in _section_fields(section)]
        candidate = re.sub(r"(\.[^.\[\]]*|\[[^\]]*\])$", "", candidate) if re.search(r"[.\[]", candidate) else ""
    return []


def _tier(wildcard: str) -> str:
    """``"kafka*/network*"`` (how the preflight names a tier's settings) -> ``"kafka"``."""
    return wildcard.split("/")[0].rstrip("*")


def config_problem(wildcard: str, error: ValueError) -> str:
    """One configuration problem from a component's validation error: the keys of the argument(s) first, and
    other arguments the reason names replaced by their keys. Errors that carry no argument path, or arguments
    no setting feeds, keep the tier's wildcard and the argument name."""
    tier = _tier(wildcard)
    if not isinstance(error, ArgumentError):
        return f"{config.PROJECT}:{wildcard} settings: {error}"
    keys: list[str] = []
    for path in error.paths:
        keys.extend(k for k in keys_of(tier, path) if k not in keys)
    if not keys:
        return f"{config.PROJECT}:{wildcard} settings: {error}"
    reason = error.reason
    # Other arguments a reason names (by their own name, even when nested: ``allocated_storage_gb`` of
    # ``database.allocated_storage_gb``) become their keys; only snake_case names, which prose never uses.
    for argument in sorted(ARGUMENT_SETTINGS.get(tier, {}), key=lambda a: len(a.split(".")[-1]), reverse=True):
        name = argument.split(".")[-1]
        pattern = rf"(?<![\w.:]){re.escape(name)}(?![\w:])"
        if "_" in name and re.search(pattern, reason) and (argument_keys := keys_of(tier, argument)):
            reason = re.sub(pattern, "/".join(argument_keys), reason)
    return f"{'/'.join(keys)}: {reason}"


def mapped_settings() -> Iterable[tuple[str, str]]:
    """Every (section, field) the map names, for the test that keeps it in step with the settings."""
    for mapping in ARGUMENT_SETTINGS.values():
        for settings in mapping.values():
            yield from settings
