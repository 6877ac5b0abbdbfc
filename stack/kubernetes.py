"""Wiring of the Kubernetes tier: the EKS cluster with its metrics pipeline, then the workload.

``build_cluster`` runs before the data tiers (they admit the nodes' security group); ``build_workload``
runs after them, so the workload's ConfigMap can carry their endpoints. Every cross-check (HPA metrics
served by the pipeline, requests for utilization, PDB at min replicas, node capacity at max replicas)
runs in ``build_cluster`` before the first resource of the tier is declared.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi

from components.alertmanager import discovery_address
from components.eks_cluster import EksCluster, EksClusterArgs, validate_eks_cluster_args
from components.load_balancer_controller import LoadBalancerController, LoadBalancerControllerArgs
from components.metrics_pipeline import (
    MetricsCatalog,
    MetricsPipeline,
    MetricsPipelineArgs,
    metrics_catalog,
    pipeline_demand,
    validate_metrics_pipeline_args,
)
from components.network import Network
from components.request_proxy import PROXY_PORT
from components.workload import Workload, WorkloadArgs, validate_workload_args, workload_demand

from .application import AppTier, plain_app_settings
from .argument_keys import config_problem
from .config import ConfigurationError, StackSettings
from .consumer import pod_demand as consumer_pod_demand
from .edge import EdgeTier, eks_backend
from .network_plan import aws_endpoint_cidrs, public_subnet_cidrs
from .observability import MONITORING_NAMESPACE
from .observability import pod_demand as observability_pod_demand


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


def pipeline_args(settings: StackSettings) -> MetricsPipelineArgs:
    # The Alertmanager is declared after the SNS topic (stack/observability.py), long after the pipeline: its
    # address is a known name, so Prometheus is configured with it now.
    return MetricsPipelineArgs(namespace=MONITORING_NAMESPACE, environment=settings.environment,
                               highly_available=settings.is_production,
                               alertmanager_address=discovery_address(MONITORING_NAMESPACE))


def workload_args(settings: StackSettings, catalog: MetricsCatalog, endpoints: Mapping[str, Any] | None = None,
                  secrets: Mapping[str, Any] | None = None, role_arn: Any = None,
                  target_group_arn: Any = None) -> WorkloadArgs:
    k = settings.kubernetes
    app = settings.app.resolved(settings.is_production)
    return WorkloadArgs(
        metrics_catalog=catalog, image=app.image, args=app.args, container_port=settings.app.port,
        health_check_path=settings.app.health_check_path, service_account_role_arn=role_arn,
        target_group_arn=target_group_arn, request_timeout_seconds=settings.load_balancer.idle_timeout_seconds,
        cpu_request_millicores=k.app_cpu_request_millicores, memory_request_mib=k.app_memory_request_mib,
        min_replicas=k.hpa_min_replicas, max_replicas=k.hpa_max_replicas,
        cpu_utilization_percent=k.hpa_cpu_target_percent, memory_utilization_percent=k.hpa_memory_target_percent,
        requests_per_pod=str(k.hpa_requests_per_second), app_settings=plain_app_settings(settings),
        endpoints=dict(endpoints or {}), secrets=dict(secrets or {}), proxy_tls=settings.load_balancer.backend_tls,
        load_balancer_cidrs=public_subnet_cidrs(settings),
        vpc_cidr=settings.network.vpc_cidr, aws_endpoint_cidrs=aws_endpoint_cidrs(settings),
        internet_https=settings.app.internet_https, monitoring_namespace=pipeline_args(settings).namespace,
        environment=settings.environment)


def cluster_args(settings: StackSettings, network: Network) -> EksClusterArgs:
    k = settings.kubernetes
    pipeline = pipeline_args(settings)
    return EksClusterArgs(
        subnet_ids=list(network.private_subnet_ids), version=k.version, public_access_cidrs=tuple(k.public_access_cidrs),
        node_instance_type=k.node_instance_type, node_min_size=k.node_min_size, node_max_size=k.node_max_size,
        workload_demand=(workload_demand(workload_args(settings, metrics_catalog(pipeline))),
                         *pipeline_demand(pipeline), *consumer_pod_demand(settings),
                         *observability_pod_demand(settings)),
        vpc_cni_version=k.vpc_cni_version, coredns_version=k.core_dns_version,
        kube_proxy_version=k.kube_proxy_version, cluster_autoscaler_version=k.cluster_autoscaler_version,
        environment=settings.environment)


def kubernetes_settings_problems(settings: StackSettings) -> list[str]:
    """Problems of the Kubernetes tier, checked while the configuration loads. The metrics pipeline is counted
    highly available (its larger footprint), the subnets as three placeholders."""
    k = settings.kubernetes
    pipeline = MetricsPipelineArgs(highly_available=True)
    workload = workload_args(settings, metrics_catalog(pipeline))
    try:
        validate_workload_args(workload)
        validate_eks_cluster_args(EksClusterArgs(
            subnet_ids=("subnet-0", "subnet-1", "subnet-2"), version=k.version,
            public_access_cidrs=tuple(k.public_access_cidrs), node_instance_type=k.node_instance_type,
            node_min_size=k.node_min_size, node_max_size=k.node_max_size,
            workload_demand=(workload_demand(workload), *pipeline_demand(pipeline), *consumer_pod_demand(settings),
                             *observability_pod_demand(settings, highly_available=True)),
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


def load_balancer_controller_args(settings: StackSettings, network: Any, cluster_tier: ClusterTier,
                                  edge: EdgeTier) -> LoadBalancerControllerArgs | None:
    backend = eks_backend(settings)
    if backend is None:
        return None
    cluster = cluster_tier.cluster
    return LoadBalancerControllerArgs(
        cluster_name=cluster.cluster_name, vpc_id=network.vpc_id, oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_issuer=cluster.oidc_issuer, target_group_arns=[edge.target_group_arn(backend)],
        load_balancer_security_group_id=edge.load_balancer.security_group_id,
        node_security_group_id=cluster_tier.node_security_group_id, target_port=PROXY_PORT,
        replicas=2 if settings.is_production else 1, environment=settings.environment)


def build_workload(settings: StackSettings, network: Network, cluster_tier: ClusterTier, edge: EdgeTier,
                   app: AppTier, role_arn: Any = None, prefix: str = "") -> dict[str, Any]:
    """Declare the workload with the application settings (the same the EC2 pools read); when a backend's pool
    is ``eks``, also the AWS Load Balancer Controller and the binding that registers the pods in its target
    group. Return the tier's exports."""
    provider = pulumi.ResourceOptions(provider=cluster_tier.cluster.provider)
    controller_args = load_balancer_controller_args(settings, network, cluster_tier, edge)
    controller = (LoadBalancerController(f"{prefix}lb-controller", controller_args, provider)
                  if controller_args is not None else None)
    backend = eks_backend(settings)
    workload = Workload(
        f"{prefix}app", workload_args(settings, cluster_tier.catalog, app.endpoints, app.secrets, role_arn,
                                      edge.target_group_arn(backend) if backend else None),
        pulumi.ResourceOptions(provider=cluster_tier.cluster.provider,
                               # The binding's CRD comes with the controller's chart.
                               depends_on=[controller.release] if controller else []))
    exports = {"workloadNamespace": workload.namespace, "hpaName": workload.hpa_name}
    if controller is not None:
        exports["lbControllerRoleArn"] = controller.role_arn
    return exports
