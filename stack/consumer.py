"""Wiring of the feature-processors consumer: KEDA (Helm, its operator's lag-reading role) and the consumer
Deployment scaled on its lag (see docs/consumer.md).

Runs after the Kubernetes workload and the Kafka cluster (the consumer reads its brokers and grants on its
ARN), before the observability tier. Its pods run on the EKS nodes, whose security group the brokers already
admit on 9098; the node group is sized for them (``pod_demand`` feeds the cluster's capacity check).
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.consumer import KafkaConsumer, KafkaConsumerArgs, consumer_demand
from components.keda import Keda, KedaArgs, keda_demand
from components.metrics_pipeline import PodDemand
from components.streaming import lag_reader_policy_statements
from scaling_kit.limits import MESSAGING

from .config import StackSettings
from .network_plan import aws_endpoint_cidrs

# Placeholders for what only exists once resources do, for the checks that run before any resource.
_PLANNED_ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/planned/00000000-0000-0000-0000-000000000000-1"


def keda_args(settings: StackSettings, cluster: Any = None, statements: Any = None) -> KedaArgs:
    """Arguments of KEDA; ``cluster`` is an EksCluster (or None for the checks before any resource)."""
    return KedaArgs(
        oidc_provider_arn=cluster.oidc_provider_arn if cluster else "planned",
        oidc_issuer=cluster.oidc_issuer if cluster else "planned",
        operator_policy_statements=statements if statements is not None else lag_reader_policy_statements(
            _PLANNED_ARN, MESSAGING.topic, MESSAGING.consumer_group),
        chart_version=settings.consumer.keda_chart_version, highly_available=settings.is_production,
        environment=settings.environment)


def consumer_args(settings: StackSettings, cluster: Any = None, streaming: Any = None,
                  keda_release: Any = None) -> KafkaConsumerArgs:
    """Arguments of the consumer; ``cluster``/``streaming`` are the EksCluster and Streaming (or None)."""
    c = settings.consumer
    image = c.resolved(settings.is_production)
    partitions = settings.streaming.topic_partitions
    return KafkaConsumerArgs(
        cluster_arn=streaming.cluster_arn if streaming else _PLANNED_ARN,
        bootstrap_brokers_iam=streaming.bootstrap_brokers_iam if streaming else "planned:9098",
        oidc_provider_arn=cluster.oidc_provider_arn if cluster else "planned",
        oidc_issuer=cluster.oidc_issuer if cluster else "planned",
        image=image.image, args=image.args, topic=MESSAGING.topic, consumer_group=MESSAGING.consumer_group,
        partitions=partitions, min_replicas=c.min_replicas, max_replicas=c.max_replicas or None,
        lag_threshold=c.lag_threshold, cpu_request_millicores=c.cpu_request_millicores,
        memory_request_mib=c.memory_request_mib, vpc_cidr=settings.network.vpc_cidr,
        aws_endpoint_cidrs=aws_endpoint_cidrs(settings), internet_https=settings.app.internet_https,
        keda_release=keda_release,
        environment=settings.environment)


def pod_demand(settings: StackSettings) -> list[PodDemand]:
    """What KEDA and the consumer at its ceiling need from the EKS nodes."""
    return [*keda_demand(keda_args(settings)), consumer_demand(consumer_args(settings))]


def build_consumer(settings: StackSettings, cluster_tier: Any, cache_and_streaming: Any,
                   prefix: str = "") -> dict[str, Any]:
    """Declare KEDA and the feature-processors consumer; return their stack exports."""
    cluster, streaming = cluster_tier.cluster, cache_and_streaming.streaming
    provider = pulumi.ResourceOptions(provider=cluster.provider)
    statements = streaming.cluster_arn.apply(
        lambda arn: lag_reader_policy_statements(arn, MESSAGING.topic, MESSAGING.consumer_group))
    keda = Keda(f"{prefix}keda", keda_args(settings, cluster, statements), provider)
    consumer = KafkaConsumer(f"{prefix}feature-processors",
                             consumer_args(settings, cluster, streaming, keda.release), provider)
    return {
        "kedaOperatorRoleArn": keda.operator_role_arn,
        "consumerNamespace": consumer.namespace,
        "consumerRoleArn": consumer.role_arn,
        "consumerScaledObjectName": consumer.scaled_object_name,
        "consumerMaxReplicas": consumer.max_replicas,
    }
