"""Streaming: a provisioned Amazon MSK cluster and its topics (the design's Kafka).

* Brokers spread evenly over the ISOLATED subnets: brokers only talk to clients inside the VPC and to the
  MSK control plane (which reaches them through its own network), so they need no route out at all.
* TLS between clients and brokers and inside the cluster, encryption at rest with a customer KMS key,
  SASL/IAM as the only client authentication (unauthenticated access off), broker logs in CloudWatch,
  enhanced monitoring and Prometheus exporters.
* EBS storage grows with Application Auto Scaling (target tracking on KafkaBrokerStorageUtilization); the
  cluster ignores changes of the volume size so an update never shrinks what the autoscaler grew
  (EBS volumes cannot shrink anyway, and MSK rejects it).
* A cluster configuration with the durable settings of the design: no auto-created topics, replication
  factor 3, ``min.insync.replicas=2`` (what makes ``acks=all`` survive one broker loss), no unclean leader
  election, deny by default without ACLs.
* Topics through the MSK topic API (``aws.msk.Topic``, Kafka 3.6 or later), the design's ``features``
  topic (10 partitions, replication factor 3) plus any others.
* The IAM statements an application client needs (``client_policy_statements``): connect, write and read
  the topic, join the consumer group ``feature-processors``, each by its ARN. The component attaches them
  to nobody: the principal that uses the cluster takes them into its own policy (``AppIdentity``).

Topic changes that destroy data are refused before anything is declared: fewer partitions than deployed
(Kafka cannot remove partitions; the provider would fail mid-update), another replication factor (the
provider replaces the topic, deleting its messages) or dropping a deployed topic. What is deployed is
passed in as ``deployed_topics`` (the stack records it in configuration); in prod the topics are also
``protect``-ed, so the Pulumi engine itself refuses to delete or replace them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws

from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.limits import MESSAGING

from .encryption import customer_managed_key, log_group_key
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

IAM_TLS_PORT = 9098           # SASL/IAM over TLS, the only listener clients may use
JMX_EXPORTER_PORT, NODE_EXPORTER_PORT = 11001, 11002
ENHANCED_MONITORING = ("DEFAULT", "PER_BROKER", "PER_TOPIC_PER_BROKER", "PER_TOPIC_PER_PARTITION")
LOG_GROUP_NAME_MAX_LENGTH = 512
MIN_TOPIC_API_VERSION = (3, 6)  # MSK topic API (CreateTopic) needs Apache Kafka 3.6.0 or later
_VERSION = re.compile(r"(\d+)\.(\d+)\.(\d+|x)(\.kraft)?")
# Matched with fullmatch: a `$` anchor would let a trailing newline through.
_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")
_GROUP = re.compile(r"[a-zA-Z0-9._-]{1,255}")


@dataclass(frozen=True)
class TopicSpec:
    """One Kafka topic."""

    name: str
    """Topic name (letters, digits, '.', '_', '-')."""
    partitions: int = MESSAGING.partitions
    """Partitions; can only grow. Defaults to the design's 10."""
    replication_factor: int = MESSAGING.replication_factor
    """Copies of each partition; fixed for the topic's life. Defaults to the design's 3."""

    def __str__(self) -> str:
        return f"{self.name}:{self.partitions}:{self.replication_factor}"


def parse_topic_spec(text: str) -> TopicSpec:
    """``name:partitions:replicationFactor`` (the form of the stack configuration) to a ``TopicSpec``."""
    parts = text.split(":")
    if len(parts) != 3 or not _TOPIC.fullmatch(parts[0]) or not all(p.isdigit() for p in parts[1:]):
        raise ValueError(f"{text!r} is not 'name:partitions:replicationFactor' such as 'features:10:3'")
    return TopicSpec(parts[0], int(parts[1]), int(parts[2]))


@dataclass(frozen=True)
class StreamingArgs:
    """Arguments of :class:`Streaming`."""

    vpc_id: pulumi.Input[str]
    """VPC of the cluster. Required."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Client subnets, one per zone (2 or 3): the ISOLATED subnets. Required."""
    app_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """Security groups of the application tier; only these reach port 9098. Defaults to none (nobody)."""
    monitoring_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """Security groups of Prometheus scrapers (ports 11001-11002). Defaults to none."""
    kafka_version: str = "3.8.x"
    """Apache Kafka version, 3.6 or later (the topic API needs it). Defaults to ``3.8.x``."""
    broker_instance_type: str = "kafka.m7g.large"
    """Broker instance type. Defaults to ``kafka.m7g.large``."""
    broker_count: int = MESSAGING.replication_factor
    """Brokers, a multiple of the subnet count. Defaults to 3 (one per replica of a partition)."""
    volume_size_gb: int = 100
    """Initial EBS volume per broker in GiB (autoscaling grows it). Defaults to 100."""
    max_volume_size_gb: int = 1000
    """Autoscaling ceiling per broker in GiB, up to 16384. Defaults to 1000."""
    storage_target_utilization_percent: int = 60
    """Disk utilization autoscaling keeps brokers at, 10 to 80 (AWS recommends 50-60). Defaults to 60."""
    replication_factor: int = MESSAGING.replication_factor
    """``default.replication.factor`` of the cluster. Defaults to the design's 3."""
    min_insync_replicas: int = MESSAGING.min_insync_replicas
    """``min.insync.replicas``: replicas an ``acks=all`` write needs. Defaults to 2."""
    default_partitions: int = MESSAGING.partitions
    """``num.partitions`` of the cluster. Defaults to the design's 10."""
    topics: Sequence[TopicSpec] = (TopicSpec(MESSAGING.topic),)
    """Topics to create. Defaults to the design's ``features`` (10 partitions, replication factor 3)."""
    deployed_topics: Sequence[TopicSpec] = ()
    """Topics as currently deployed; a change that would lose their data is refused. Defaults to none."""
    policy_topic: str = MESSAGING.topic
    """Topic the client statements grant; one of ``topics``. Defaults to ``features``."""
    consumer_group: str = MESSAGING.consumer_group
    """Consumer group the client statements let the client join. Defaults to ``feature-processors``."""
    enhanced_monitoring: str = "PER_TOPIC_PER_BROKER"
    """CloudWatch metrics level. Defaults to ``PER_TOPIC_PER_BROKER``."""
    log_retention_days: int = 365
    """Retention of the broker log group in days (a CloudWatch Logs retention value). Defaults to 365."""
    kms_key_arn: Optional[pulumi.Input[str]] = None
    """Customer KMS key for encryption at rest. Defaults to a new key with rotation."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def kafka_version_tuple(version: str) -> tuple[int, int]:
    match = _VERSION.fullmatch(version)
    if not match:
        raise ArgumentError("kafka_version", f"{version!r} is not an MSK version such as '3.8.x' or '3.6.0'")
    return int(match[1]), int(match[2])


def validate_topic_changes(topics: Sequence[TopicSpec], deployed: Sequence[TopicSpec]) -> None:
    """Refuse changes that would destroy a deployed topic's data."""
    wanted = {t.name: t for t in topics}
    for old in deployed:
        new = wanted.get(old.name)
        if new is None:
            raise ArgumentError("topics", f"deployed topic {old.name!r} is missing; removing it deletes its messages. "
                             f"Keep it, or drop it from deployed_topics first if the data may go")
        if new.partitions < old.partitions:
            raise ArgumentError("topics", f"{old.name!r} partitions {new.partitions} is below the deployed "
                             f"{old.partitions}; Kafka cannot remove partitions (keys would move and data be "
                             f"lost). Expected at least {old.partitions}")
        if new.replication_factor != old.replication_factor:
            raise ArgumentError("topics", f"{old.name!r} replication_factor {new.replication_factor} differs from the "
                             f"deployed {old.replication_factor}; changing it replaces the topic and deletes its "
                             f"messages. Expected {old.replication_factor}, or a new topic")


def validate_streaming_args(args: StreamingArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    zones = len(args.subnet_ids)
    if zones not in (2, 3):
        raise ArgumentError("subnet_ids", f"{zones} subnet(s); expected 2 or 3, one per zone (MSK spreads brokers "
                         "evenly over them)")
    if args.broker_count < zones or args.broker_count % zones:
        raise ArgumentError("broker_count", f"{args.broker_count} is not a multiple of the {zones} zones; expected "
                         f"{zones}, {2 * zones}, {3 * zones}, ...")
    version = kafka_version_tuple(args.kafka_version)
    if args.topics and version < MIN_TOPIC_API_VERSION:
        raise ArgumentError("kafka_version", f"{args.kafka_version!r} is too old for the MSK topic API; expected 3.6 "
                         "or later")
    if not 1 <= args.volume_size_gb <= 16384:
        raise ArgumentError("volume_size_gb", f"{args.volume_size_gb} is out of range; expected 1 to 16384")
    if not args.volume_size_gb <= args.max_volume_size_gb <= 16384:
        raise ArgumentError("max_volume_size_gb", f"{args.max_volume_size_gb} is out of range; expected "
                         f"{args.volume_size_gb} (volume_size_gb) to 16384")
    if not 10 <= args.storage_target_utilization_percent <= 80:
        raise ArgumentError("storage_target_utilization_percent", f"{args.storage_target_utilization_percent} is out "
                         "of range; expected 10 to 80")
    if not 1 <= args.replication_factor <= args.broker_count:
        raise ArgumentError("replication_factor", f"{args.replication_factor} is out of range; expected 1 to "
                         f"broker_count ({args.broker_count})")
    # Below the replication factor, so acks=all writes go on through the loss of one replica.
    if not 1 <= args.min_insync_replicas <= max(1, args.replication_factor - 1):
        raise ArgumentError("min_insync_replicas", f"{args.min_insync_replicas} is out of range; expected 1 to "
                         f"{max(1, args.replication_factor - 1)} (below replication_factor "
                         f"{args.replication_factor}, so acks=all survives one broker loss)")
    if args.default_partitions < 1:
        raise ArgumentError("default_partitions", f"{args.default_partitions} is out of range; expected at least 1")
    names = [t.name for t in args.topics]
    if len(set(names)) != len(names):
        raise ArgumentError("topics", f"{names!r} has duplicates; topic names must be unique")
    for topic in args.topics:
        if not _TOPIC.fullmatch(topic.name) or topic.name in (".", ".."):
            raise ArgumentError("topics", f"{topic.name!r} is not a Kafka topic name (1 to 249 of letters, digits, "
                             "'.', '_', '-')")
        if topic.partitions < 1:
            raise ArgumentError("topics", f"{topic.name!r} partitions {topic.partitions} is out of range; expected at "
                             "least 1")
        if not 1 <= topic.replication_factor <= args.broker_count:
            raise ArgumentError("topics", f"{topic.name!r} replication_factor {topic.replication_factor} is out of "
                             f"range; expected 1 to broker_count ({args.broker_count})")
    validate_topic_changes(args.topics, args.deployed_topics)
    if args.policy_topic not in names:
        raise ArgumentError("policy_topic", f"{args.policy_topic!r} is not one of the topics {names!r}")
    if not _GROUP.fullmatch(args.consumer_group):
        raise ArgumentError("consumer_group", f"{args.consumer_group!r} is not a group id (letters, digits, '.', '_', '-')")
    if args.enhanced_monitoring not in ENHANCED_MONITORING:
        raise ArgumentError("enhanced_monitoring", f"{args.enhanced_monitoring!r} is not allowed; expected one of "
                         f"{ENHANCED_MONITORING}")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise ArgumentError("log_retention_days", f"{args.log_retention_days} is not allowed; expected one of "
                         f"{LOG_RETENTION_DAYS}")


def server_properties(args: StreamingArgs) -> str:
    """The ``server.properties`` of the cluster configuration."""
    props = {
        "auto.create.topics.enable": "false",            # topics only through the stack, with their settings
        "default.replication.factor": str(args.replication_factor),
        "min.insync.replicas": str(args.min_insync_replicas),
        "num.partitions": str(args.default_partitions),
        "allow.everyone.if.no.acl.found": "false",
        "unclean.leader.election.enable": "false",        # never elect an out-of-sync replica (data loss)
    }
    return "".join(f"{k}={v}\n" for k, v in props.items())


def kafka_resource_arn(cluster_arn: str, kind: str, name: str) -> str:
    """ARN of a topic or group for ``kafka-cluster:*`` IAM actions, from the cluster ARN.

    ``arn:aws:kafka:<region>:<account>:cluster/<clusterName>/<clusterUuid>`` gives
    ``arn:aws:kafka:<region>:<account>:<kind>/<clusterName>/<clusterUuid>/<name>``."""
    parts = cluster_arn.split(":", 5)
    resource = parts[5].split("/") if len(parts) == 6 else []
    if len(parts) != 6 or parts[2] != "kafka" or len(resource) != 3 or resource[0] != "cluster":
        raise ValueError(f"cluster_arn: {cluster_arn!r} is not an MSK cluster ARN "
                         "(arn:<partition>:kafka:<region>:<account>:cluster/<name>/<uuid>)")
    if kind not in ("topic", "group", "transactional-id"):
        raise ValueError(f"kind: {kind!r} is not allowed; expected 'topic', 'group' or 'transactional-id'")
    return ":".join(parts[:5]) + f":{kind}/{resource[1]}/{resource[2]}/{name}"


def client_policy_statements(cluster_arn: str, topic: str, group: str) -> list[dict]:
    """IAM statements of an application that both produces to and consumes ``topic`` in consumer group
    ``group`` (the design's app does both): the union of the producer and consumer documents, with Sids
    unique enough to sit in one policy beside other services' statements."""
    return [
        # Kafka 3 producers are idempotent by default, which needs WriteDataIdempotently on the cluster.
        {"Sid": "KafkaConnect", "Effect": "Allow",
         "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], "Resource": cluster_arn},
        {"Sid": "KafkaTopicReadWrite", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData", "kafka-cluster:ReadData"],
         "Resource": kafka_resource_arn(cluster_arn, "topic", topic)},
        {"Sid": "KafkaConsumerGroup", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
         "Resource": kafka_resource_arn(cluster_arn, "group", group)},
    ]


def consumer_policy_statements(cluster_arn: str, topic: str, group: str) -> list[dict]:
    """IAM statements of a client that only consumes ``topic`` in consumer group ``group``: the read half of
    ``client_policy_statements`` (connect, describe and read the topic, join the group), no write action."""
    return [
        {"Sid": "KafkaConnect", "Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": cluster_arn},
        {"Sid": "KafkaTopicRead", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
         "Resource": kafka_resource_arn(cluster_arn, "topic", topic)},
        {"Sid": "KafkaConsumerGroup", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"],
         "Resource": kafka_resource_arn(cluster_arn, "group", group)},
    ]


def lag_reader_policy_statements(cluster_arn: str, topic: str, group: str) -> list[dict]:
    """IAM statements of something that only measures the lag of ``group`` on ``topic`` (an autoscaler):
    connect, describe the topic (metadata and end offsets) and describe the group (its committed offsets).
    It can neither read messages nor join the group."""
    return [
        {"Sid": "KafkaConnect", "Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": cluster_arn},
        {"Sid": "KafkaTopicDescribe", "Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic"],
         "Resource": kafka_resource_arn(cluster_arn, "topic", topic)},
        {"Sid": "KafkaGroupDescribe", "Effect": "Allow", "Action": ["kafka-cluster:DescribeGroup"],
         "Resource": kafka_resource_arn(cluster_arn, "group", group)},
    ]


class Streaming(pulumi.ComponentResource):
    """A provisioned MSK cluster with IAM authentication, its topics and the IAM statements of its clients."""

    cluster_arn: pulumi.Output[str]
    """ARN of the MSK cluster."""
    bootstrap_brokers_iam: pulumi.Output[str]
    """Bootstrap brokers for SASL/IAM over TLS (port 9098): what clients use."""
    bootstrap_brokers_tls: pulumi.Output[str]
    """Bootstrap brokers for TLS without SASL (port 9094). Empty: only IAM authentication is enabled."""
    topic_arns: dict[str, pulumi.Output[str]]
    """ARN of each topic, by name."""
    client_policy_statements: pulumi.Output[list]
    """IAM statements (JSON-able dicts) a client needs to connect, write and read ``policy_topic`` and join
    ``consumer_group``, each on its own ARN; put them in the policy of the client's role."""
    security_group_id: pulumi.Output[str]
    """Security group of the broker network interfaces."""
    kms_key_arn: pulumi.Output[str]
    """KMS key that encrypts the data at rest."""
    cluster_name: pulumi.Output[str]
    """Name of the MSK cluster (the CloudWatch ``Cluster Name`` dimension)."""
    broker_count: int
    """Number of brokers (MSK numbers them from 1: the ``Broker ID`` dimension)."""

    def __init__(self, name: str, args: StreamingArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_streaming_args(args)
        super().__init__("scaling:streaming:Streaming", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        protect = resolve_protect(args.protect, args.environment)
        child = pulumi.ResourceOptions(parent=self)

        if args.kms_key_arn is None:
            key = customer_managed_key(f"{name}-key", f"{name}: MSK encryption at rest", tags, self, protect)
            kms_key_arn: pulumi.Input[str] = key.arn
        else:
            kms_key_arn = args.kms_key_arn

        sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=args.vpc_id,
                                   description=f"{name}: MSK brokers, SASL/IAM over TLS from the app tier",
                                   tags={**tags, "Name": f"{name}-brokers"}, opts=child)
        sg_child = pulumi.ResourceOptions(parent=sg)
        for i, source in enumerate(args.app_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ingress-app-{i}", security_group_id=sg.id, referenced_security_group_id=source,
                ip_protocol="tcp", from_port=IAM_TLS_PORT, to_port=IAM_TLS_PORT,
                description="Kafka clients (SASL/IAM over TLS) of the application tier", tags=tags, opts=sg_child)
        for i, source in enumerate(args.monitoring_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ingress-monitoring-{i}", security_group_id=sg.id, referenced_security_group_id=source,
                ip_protocol="tcp", from_port=JMX_EXPORTER_PORT, to_port=NODE_EXPORTER_PORT,
                description="Prometheus JMX and node exporters", tags=tags, opts=sg_child)

        # A configuration is versioned: editing server_properties adds a revision (in place); a new Kafka
        # version in kafka_versions replaces it, and the autonamed replacement is created before the old one
        # is deleted (MSK refuses to delete a configuration a cluster still uses).
        configuration = aws.msk.Configuration(
            f"{name}-config", kafka_versions=[args.kafka_version], server_properties=server_properties(args),
            description=f"{name}: durable defaults (no auto-created topics, RF {args.replication_factor}, "
                        f"min.insync.replicas {args.min_insync_replicas})",
            opts=child)

        # Named here, not auto-named: the logs key's policy names the group before it exists. Its own key,
        # separate from the data key, which may come from the caller.
        broker_log_group_name = physical_name(f"{name}-broker-logs", LOG_GROUP_NAME_MAX_LENGTH)
        logs_key = log_group_key(f"{name}-broker-logs-key", f"{name}: MSK broker logs", tags, self, protect,
                                 [broker_log_group_name])
        broker_logs = aws.cloudwatch.LogGroup(f"{name}-broker-logs", name=broker_log_group_name,
                                              kms_key_id=logs_key.arn, retention_in_days=args.log_retention_days,
                                              tags=tags, opts=child)

        cluster = aws.msk.Cluster(
            f"{name}-cluster",
            kafka_version=args.kafka_version,
            number_of_broker_nodes=args.broker_count,
            broker_node_group_info=aws.msk.ClusterBrokerNodeGroupInfoArgs(
                client_subnets=list(args.subnet_ids), instance_type=args.broker_instance_type,
                security_groups=[sg.id],
                storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoArgs(
                    ebs_storage_info=aws.msk.ClusterBrokerNodeGroupInfoStorageInfoEbsStorageInfoArgs(
                        volume_size=args.volume_size_gb))),
            client_authentication=aws.msk.ClusterClientAuthenticationArgs(
                sasl=aws.msk.ClusterClientAuthenticationSaslArgs(iam=True, scram=False), unauthenticated=False),
            encryption_info=aws.msk.ClusterEncryptionInfoArgs(
                encryption_at_rest_kms_key_arn=kms_key_arn,
                encryption_in_transit=aws.msk.ClusterEncryptionInfoEncryptionInTransitArgs(
                    client_broker="TLS", in_cluster=True)),
            configuration_info=aws.msk.ClusterConfigurationInfoArgs(
                arn=configuration.arn, revision=configuration.latest_revision),
            enhanced_monitoring=args.enhanced_monitoring,
            open_monitoring=aws.msk.ClusterOpenMonitoringArgs(prometheus=aws.msk.ClusterOpenMonitoringPrometheusArgs(
                jmx_exporter=aws.msk.ClusterOpenMonitoringPrometheusJmxExporterArgs(enabled_in_broker=True),
                node_exporter=aws.msk.ClusterOpenMonitoringPrometheusNodeExporterArgs(enabled_in_broker=True))),
            logging_info=aws.msk.ClusterLoggingInfoArgs(broker_logs=aws.msk.ClusterLoggingInfoBrokerLogsArgs(
                cloudwatch_logs=aws.msk.ClusterLoggingInfoBrokerLogsCloudwatchLogsArgs(
                    enabled=True, log_group=broker_logs.name))),
            tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, protect=protect,
                # The storage autoscaler owns the volume size after creation; without this the next update
                # would try to set it back (and fail: EBS volumes never shrink).
                ignore_changes=["brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"]))

        # Children inherit `protect` from their parent; the scaling policy holds no data, so leave it free.
        cluster_child = pulumi.ResourceOptions(parent=cluster, protect=False)
        storage_target = aws.appautoscaling.Target(
            f"{name}-storage-target", service_namespace="kafka", scalable_dimension="kafka:broker-storage:VolumeSize",
            resource_id=cluster.arn, min_capacity=args.volume_size_gb, max_capacity=args.max_volume_size_gb,
            tags=tags, opts=cluster_child)
        aws.appautoscaling.Policy(
            f"{name}-storage-policy", policy_type="TargetTrackingScaling",
            service_namespace=storage_target.service_namespace, scalable_dimension=storage_target.scalable_dimension,
            resource_id=storage_target.resource_id,
            target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                target_value=args.storage_target_utilization_percent,
                # MSK storage only grows; say so rather than rely on the service ignoring scale-in.
                disable_scale_in=True,
                predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                    predefined_metric_type="KafkaBrokerStorageUtilization")),
            opts=cluster_child)

        topic_arns: dict[str, pulumi.Output[str]] = {}
        for topic in args.topics:
            resource = aws.msk.Topic(
                f"{name}-topic-{topic.name}", cluster_arn=cluster.arn, name=topic.name,
                partition_count=topic.partitions, replication_factor=topic.replication_factor,
                opts=pulumi.ResourceOptions(parent=cluster, protect=protect))
            topic_arns[topic.name] = resource.arn

        # Statements, not policies: a policy nobody attaches grants nothing (the client's identity holds them).
        self.client_policy_statements = cluster.arn.apply(
            lambda arn: client_policy_statements(arn, args.policy_topic, args.consumer_group))

        self.cluster_arn = cluster.arn
        self.cluster_name = cluster.cluster_name
        self.broker_count = args.broker_count
        self.bootstrap_brokers_iam = cluster.bootstrap_brokers_sasl_iam
        self.bootstrap_brokers_tls = cluster.bootstrap_brokers_tls
        self.topic_arns = topic_arns
        self.security_group_id = sg.id
        self.kms_key_arn = pulumi.Output.from_input(kms_key_arn)
        self.register_outputs({
            "cluster_arn": self.cluster_arn,
            "bootstrap_brokers_iam": self.bootstrap_brokers_iam,
            "bootstrap_brokers_tls": self.bootstrap_brokers_tls,
            "topic_arns": self.topic_arns,
            "client_policy_statements": self.client_policy_statements,
            "security_group_id": self.security_group_id,
            "kms_key_arn": self.kms_key_arn,
        })
