"""Wiring of the data tier's cache (ElastiCache) and streaming (MSK) from the stack settings.

Both live in the ISOLATED subnets (no route out of the VPC) and admit only the app tier's security groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.cache import Cache, CacheArgs
from components.network import Network
from components.streaming import Streaming, StreamingArgs, TopicSpec, parse_topic_spec
from scaling_kit.limits import MESSAGING

from .config import StackSettings


def cache_args(settings: StackSettings, network: Any, app_security_group_ids: Sequence[Any]) -> CacheArgs:
    """Arguments of the cache; ``network`` is a Network (or the preflight's planned one)."""
    c = settings.cache
    return CacheArgs(
        vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
        app_security_group_ids=list(app_security_group_ids), engine=c.engine, engine_version=c.engine_version,
        node_type=c.node_type, num_node_groups=c.shards, replicas_per_node_group=c.replicas_per_shard,
        snapshot_retention_days=c.snapshot_retention_days, ttl_seconds=c.ttl_seconds,
        session_key_prefix=c.session_key_prefix, environment=settings.environment)


def streaming_args(settings: StackSettings, network: Any, app_security_group_ids: Sequence[Any]) -> StreamingArgs:
    """Arguments of the Kafka cluster and its topics."""
    k = settings.streaming
    topics = [TopicSpec(name, k.topic_partitions, k.topic_replication_factor)
              for name in [MESSAGING.topic, *k.extra_topics]]
    return StreamingArgs(
        vpc_id=network.vpc_id, subnet_ids=network.isolated_subnet_ids,
        app_security_group_ids=list(app_security_group_ids), kafka_version=k.version,
        broker_instance_type=k.broker_instance_type, broker_count=k.broker_count,
        volume_size_gb=k.volume_size_gb, max_volume_size_gb=k.max_volume_size_gb,
        storage_target_utilization_percent=k.storage_target_percent,
        replication_factor=k.topic_replication_factor,
        # The design's 2, but always below the replication factor so acks=all survives one broker loss.
        min_insync_replicas=min(MESSAGING.min_insync_replicas, max(1, k.topic_replication_factor - 1)),
        topics=topics, deployed_topics=[parse_topic_spec(t) for t in k.deployed_topics],
        environment=settings.environment)


@dataclass(frozen=True)
class CacheAndStreamingTier:
    """What the rest of the program needs from the cache and the Kafka cluster."""
    cache: Cache
    """The cache (its ``auth_token_read_statements`` go to the application's identity)."""
    streaming: Streaming
    """The Kafka cluster (its ``client_policy_statements`` go to the application's identity)."""
    exports: dict[str, Any]
    """Stack outputs of the tier."""


def build_cache_and_streaming(settings: StackSettings, network: Network,
                              app_security_group_ids: Sequence[pulumi.Input[str]],
                              prefix: str = "") -> CacheAndStreamingTier:
    """Declare the cache and the Kafka cluster."""
    cache = Cache(f"{prefix}cache", cache_args(settings, network, app_security_group_ids))
    streaming = Streaming(f"{prefix}streaming", streaming_args(settings, network, app_security_group_ids))

    return CacheAndStreamingTier(cache=cache, streaming=streaming, exports={
        "cacheConfigurationEndpoint": cache.configuration_endpoint,
        "cachePort": cache.port,
        "cacheAuthToken": cache.auth_token,
        "cacheSecurityGroupId": cache.security_group_id,
        "cacheSettings": cache.settings,
        "cacheAuthTokenSecretArn": cache.auth_token_secret_arn,
        "kafkaClusterArn": streaming.cluster_arn,
        "kafkaBootstrapBrokersIam": streaming.bootstrap_brokers_iam,
        "kafkaBootstrapBrokersTls": streaming.bootstrap_brokers_tls,
        "kafkaTopicArns": streaming.topic_arns,
        "kafkaSecurityGroupId": streaming.security_group_id,
    })
