"""Amazon MSK: the design's "Kafka Partitioning" section, encrypted and private."""

from __future__ import annotations

from scaling_kit.limits import MESSAGING

from .common import CRITICAL, HIGH, as_bool, as_number, fmt, get, integer, resource_policy, schema

CLUSTER = "aws:msk/cluster:Cluster"
CONFIGURATION = "aws:msk/configuration:Configuration"
TOPIC = "aws:msk/topic:Topic"


def server_properties(text: str) -> dict[str, str]:
    """``key=value`` lines of a Kafka server.properties blob (comments and blanks ignored)."""
    result = {}
    for line in str(text).splitlines():
        line = line.strip()
        if not line or line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, _, value = line.partition(":")
        result[key.strip()] = value.strip()
    return result


def _in_transit(args, k, violation):
    transit = get(args.props, "encryptionInfo", "encryptionInTransit")
    # MSK defaults to TLS between clients and brokers and inside the cluster.
    client_broker = get(transit, "clientBroker", default="TLS")
    if client_broker != "TLS":
        violation(f"encryptionInTransit.clientBroker is {client_broker!r}; clients must use TLS only")
    # Absent (None) is MSK's default, true: only an explicit false is a violation.
    if as_bool(get(transit, "inCluster")) is False:
        violation("encryptionInTransit.inCluster is false: brokers would replicate in clear text")


cluster_in_transit = resource_policy(
    "aws-msk-cluster-encryption-in-transit",
    "Kafka brokers accept TLS only, between clients and brokers and inside the cluster.",
    (CLUSTER,), _in_transit, severity=CRITICAL,
    remediation="Set encryption_info.encryption_in_transit client_broker='TLS' and in_cluster=True.")


def _at_rest(args, k, violation):
    # MSK always encrypts broker volumes; the knob requires a customer managed key on top.
    if k["requireCustomerManagedKey"] and get(args.props, "encryptionInfo", "encryptionAtRestKmsKeyArn") in (None, ""):
        violation("encryptionInfo.encryptionAtRestKmsKeyArn is not set; this stack requires a customer managed key")


cluster_at_rest = resource_policy(
    "aws-msk-cluster-encryption-at-rest",
    "Kafka broker volumes are encrypted at rest (always by MSK; with a customer managed key when required).",
    (CLUSTER,), _at_rest, severity=HIGH,
    remediation="Set encryption_info.encryption_at_rest_kms_key_arn to a KMS key ARN.",
    config_schema=schema(requireCustomerManagedKey={
        "type": "boolean", "default": False,
        "description": "Require a customer managed KMS key instead of the AWS managed one."}))


def _not_public(args, k, violation):
    props = args.props
    access = get(props, "brokerNodeGroupInfo", "connectivityInfo", "publicAccess", "type", default="DISABLED")
    if access != "DISABLED":
        violation(f"brokerNodeGroupInfo.connectivityInfo.publicAccess.type is {access!r}; brokers must stay private")
    if as_bool(get(props, "clientAuthentication", "unauthenticated")) is True:
        violation("clientAuthentication.unauthenticated is true: any client in the network could produce and consume")


cluster_not_public = resource_policy(
    "aws-msk-cluster-not-publicly-accessible",
    "Kafka brokers have no public endpoint and require authenticated clients.",
    (CLUSTER,), _not_public, severity=CRITICAL,
    remediation="Leave public access DISABLED and authenticate clients with IAM, SASL/SCRAM or TLS.")


def _min_insync(args, k, violation):
    minimum = k["minInsyncReplicas"]
    if args.resource_type == CONFIGURATION:
        text = get(args.props, "serverProperties")
        value = server_properties(text).get("min.insync.replicas") if text is not None else None
        where = "serverProperties"
        if value is None:
            violation(f"serverProperties does not set min.insync.replicas (Kafka defaults to 1); "
                      f"set it to {minimum} so acks=all survives a broker loss")
            return
    else:
        value = get(args.props, "configs", "min.insync.replicas")
        where = "configs"
        if value is None:
            return  # the topic inherits the cluster configuration, checked on the Configuration
    number = as_number(value)
    if number is None or number < minimum:
        violation(f"{where} min.insync.replicas is {value!r}; it must be at least {minimum}")


min_insync_replicas = resource_policy(
    "aws-msk-configuration-min-insync-replicas",
    f"Kafka writes with acks=all reach at least {MESSAGING.min_insync_replicas} in-sync replicas "
    f"(min.insync.replicas >= {MESSAGING.min_insync_replicas}).",
    (CONFIGURATION, TOPIC), _min_insync, severity=HIGH,
    remediation=f"Add 'min.insync.replicas={MESSAGING.min_insync_replicas}' to the MSK configuration's server_properties.",
    config_schema=schema(minInsyncReplicas=integer(MESSAGING.min_insync_replicas,
                                                   "Fewest in-sync replicas for acks=all.", 1)))


def _partitions(args, k, violation):
    count = as_number(get(args.props, "partitionCount"))
    if count is None:
        violation(f"partitionCount is not set; the design uses at least {k['minPartitions']} partitions")
    elif count < k["minPartitions"]:
        violation(f"partitionCount is {fmt(count)}; the design uses at least {k['minPartitions']} partitions "
                  "so consumer groups can scale out")


topic_partitions = resource_policy(
    "aws-msk-topic-partitions",
    f"Kafka topics have at least the documented {MESSAGING.partitions} partitions.",
    (TOPIC,), _partitions, severity=HIGH,
    remediation=f"Set partition_count={MESSAGING.partitions} or more (scaling:kafkaTopicPartitions).",
    config_schema=schema(minPartitions=integer(MESSAGING.partitions, "Fewest partitions per topic.", 1)))


def _replication_factor(args, k, violation):
    factor = as_number(get(args.props, "replicationFactor"))
    if factor is None:
        violation(f"replicationFactor is not set; the design replicates every partition {k['replicationFactor']} times")
    elif factor < k["replicationFactor"]:
        violation(f"replicationFactor is {fmt(factor)}; the design replicates every partition "
                  f"{k['replicationFactor']} times")


topic_replication_factor = resource_policy(
    "aws-msk-topic-replication-factor",
    f"Kafka topics are replicated {MESSAGING.replication_factor} times (replication factor {MESSAGING.replication_factor}).",
    (TOPIC,), _replication_factor, severity=HIGH,
    remediation=f"Set replication_factor={MESSAGING.replication_factor} (scaling:kafkaTopicReplicationFactor) with at "
                f"least {MESSAGING.replication_factor} brokers.",
    config_schema=schema(replicationFactor=integer(MESSAGING.replication_factor,
                                                   "Lowest replication factor.", 1)))

POLICIES = [cluster_in_transit, cluster_at_rest, cluster_not_public, min_insync_replicas, topic_partitions,
            topic_replication_factor]
