"""Wiring of the Kubernetes tier: the EKS cluster with its metrics pipeline, then the workload.

``build_cluster`` runs before the data tiers (they admit the nodes' security group); ``build_workload``
runs after them, so the workload's ConfigMap can carry their endpoints. Every cross-check (HPA metrics
served by the pipeline, requests for utilization, PDB at min replicas, node capacity at max replicas)
runs in ``build_cluster`` before the first resource of the tier is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import pulumi

from components.eks_cluster import EksCluster, EksClusterArgs, validate_eks_cluster_args
from components.metrics_pipeline import (MetricsCatalog, MetricsPipeline, MetricsPipelineArgs, metrics_catalog,
                                         pipeline_demand, validate_metrics_pipeline_args)
from components.network import Network
from components.workload import Workload, WorkloadArgs, design_app_settings, validate_workload_args, workload_demand

from .argument_keys import config_problem
from .config import ConfigurationError, KubernetesSettings, StackSettings

# Exports of other tiers that the app needs -> the environment variable the ConfigMap gives it.
ENDPOINT_EXPORTS = {
    "dbShardMap": "DB_SHARD_MAP",
    "dbProxyEndpoint": "DB_PROXY_ENDPOINT",
    "dbPort": "DB_PORT",
    "cacheConfigurationEndpoint": "CACHE_CONFIGURATION_ENDPOINT",
    "cachePort": "CACHE_PORT",
    "kafkaBootstrapBrokersIam": "KAFKA_BOOTSTRAP_BROKERS",
}
# Exports that are secrets -> the environment variable the Secret gives it (never the ConfigMap).
SECRET_EXPORTS = {"cacheAuthToken": "CACHE_AUTH_TOKEN"}


@dataclass
class ClusterTier:
    """What ``build_cluster`` declared, for ``build_workload`` and the data tiers."""
    cluster: EksCluster
    pipeline: MetricsPipeline
    catalog: MetricsCatalog
    exports: dict[str, Any]

    @property
    def node_security_group_id(self) -> pulumi.Output[str]:
        """The cluster security group, which the managed nodes (and so every pod) use."""
        return self.cluster.cluster_security_group_id


def app_settings(settings: StackSettings) -> dict[str, str]:
    """The design's application settings, with the values this stack configures where it configures them."""
    values = design_app_settings()
    values.update({
        "CACHE_TTL_SECONDS": str(settings.cache.ttl_seconds),
        "SESSION_KEY_PREFIX": settings.cache.session_key_prefix,
        "DB_NAME": settings.database.database_name,
        "DB_SHARD_COUNT": str(settings.database.shard_count),
        "DB_POOL_MAX": str(settings.database.pool_max_connections),
        "DB_POOL_IDLE_TIMEOUT_MS": str(settings.database.pool_idle_timeout_seconds * 1000),
        "DB_POOL_CONNECTION_TIMEOUT_MS": str(settings.database.pool_connect_timeout_seconds * 1000),
        "RATE_LIMIT_MAX": str(settings.rate_limit.requests),
        "RATE_LIMIT_WINDOW_MS": str(settings.rate_limit.window_seconds * 1000),
    })
    return values


def pipeline_args(settings: StackSettings) -> MetricsPipelineArgs:
    return MetricsPipelineArgs(environment=settings.environment, highly_available=settings.is_production)


def workload_args(settings: StackSettings, catalog: MetricsCatalog, endpoints: Mapping[str, Any] | None = None,
                  secrets: Mapping[str, Any] | None = None) -> WorkloadArgs:
    k = settings.kubernetes
    return WorkloadArgs(
        metrics_catalog=catalog, image=k.app_image, container_port=k.app_port, health_check_path=k.app_health_path,
        cpu_request_millicores=k.app_cpu_request_millicores, memory_request_mib=k.app_memory_request_mib,
        min_replicas=k.hpa_min_replicas, max_replicas=k.hpa_max_replicas,
        cpu_utilization_percent=k.hpa_cpu_target_percent, memory_utilization_percent=k.hpa_memory_target_percent,
        requests_per_pod=str(k.hpa_requests_per_second), app_settings=app_settings(settings),
        endpoints=dict(endpoints or {}), secrets=dict(secrets or {}), environment=settings.environment)


def cluster_args(settings: StackSettings, network: Network) -> EksClusterArgs:
    k = settings.kubernetes
    pipeline = pipeline_args(settings)
    return EksClusterArgs(
        subnet_ids=list(network.private_subnet_ids), version=k.version, public_access_cidrs=tuple(k.public_access_cidrs),
        node_instance_type=k.node_instance_type, node_min_size=k.node_min_size, node_max_size=k.node_max_size,
        workload_demand=(workload_demand(workload_args(settings, metrics_catalog(pipeline))),
                         *pipeline_demand(pipeline)),
        vpc_cni_version=k.vpc_cni_version, coredns_version=k.core_dns_version,
        kube_proxy_version=k.kube_proxy_version, cluster_autoscaler_version=k.cluster_autoscaler_version,
        environment=settings.environment)


def kubernetes_settings_problems(k: KubernetesSettings) -> list[str]:
    """Problems of the Kubernetes section alone, checked while the configuration loads. The metrics pipeline
    is counted highly available (its larger footprint), the subnets as three placeholders."""
    pipeline = MetricsPipelineArgs(highly_available=True)
    catalog = metrics_catalog(pipeline)
    workload = WorkloadArgs(
        metrics_catalog=catalog, image=k.app_image, container_port=k.app_port, health_check_path=k.app_health_path,
        cpu_request_millicores=k.app_cpu_request_millicores, memory_request_mib=k.app_memory_request_mib,
        min_replicas=k.hpa_min_replicas, max_replicas=k.hpa_max_replicas,
        cpu_utilization_percent=k.hpa_cpu_target_percent, memory_utilization_percent=k.hpa_memory_target_percent,
        requests_per_pod=str(k.hpa_requests_per_second))
    try:
        validate_workload_args(workload)
        validate_eks_cluster_args(EksClusterArgs(
            subnet_ids=("subnet-0", "subnet-1", "subnet-2"), version=k.version,
            public_access_cidrs=tuple(k.public_access_cidrs), node_instance_type=k.node_instance_type,
            node_min_size=k.node_min_size, node_max_size=k.node_max_size,
            workload_demand=(workload_demand(workload), *pipeline_demand(pipeline)),
            vpc_cni_version=k.vpc_cni_version, coredns_version=k.core_dns_version,
            kube_proxy_version=k.kube_proxy_version, cluster_autoscaler_version=k.cluster_autoscaler_version))
    except ValueError as exc:
        return [config_problem("eks*", exc)]
    return []


def build_cluster(settings: StackSettings, network: Network, prefix: str = "") -> ClusterTier:
    """Validate the whole tier, then declare the cluster and its metrics pipeline."""
    pipeline = pipeline_args(settings)
    catalog = metrics_catalog(pipeline)
    eks_args = cluster_args(settings, network)
    try:
        validate_metrics_pipeline_args(pipeline)
        # The workload is declared later, but its HPA is checked against this pipeline now.
        validate_workload_args(workload_args(settings, catalog))
        validate_eks_cluster_args(eks_args)
    except ValueError as exc:
        # A configuration problem: reported like the others, without a traceback.
        raise ConfigurationError([config_problem("eks*", exc)]) from exc
    cluster = EksCluster(f"{prefix}eks", eks_args)
    metrics = MetricsPipeline(f"{prefix}metrics", pipeline, pulumi.ResourceOptions(provider=cluster.provider))
    exports = {
        "eksClusterName": cluster.cluster_name,
        "eksClusterEndpoint": cluster.endpoint,
        "eksClusterSecurityGroupId": cluster.cluster_security_group_id,
        "eksOidcProviderArn": cluster.oidc_provider_arn,
    }
    return ClusterTier(cluster=cluster, pipeline=metrics, catalog=catalog, exports=exports)


def build_workload(settings: StackSettings, cluster_tier: ClusterTier, exports: Mapping[str, Any],
                   prefix: str = "") -> dict[str, Any]:
    """Declare the workload with the endpoints the other tiers exported (those present); return its exports."""
    endpoints = {env: exports[key] for key, env in ENDPOINT_EXPORTS.items() if key in exports}
    secrets = {env: pulumi.Output.secret(exports[key]) for key, env in SECRET_EXPORTS.items() if key in exports}
    workload = Workload(
        f"{prefix}app", workload_args(settings, cluster_tier.catalog, endpoints, secrets),
        pulumi.ResourceOptions(provider=cluster_tier.cluster.provider))
    return {"workloadNamespace": workload.namespace, "hpaName": workload.hpa_name}
