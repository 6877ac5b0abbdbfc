"""KEDA: the consumers it scales stay within the partitions of the topic they read (issue 14)."""

from __future__ import annotations

from .common import HIGH, UnknownCollector, as_number, fmt, get, items, label, of_type, stack_policy

SCALED_OBJECT = "kubernetes:keda.sh/v1alpha1:ScaledObject"
TOPIC = "aws:msk/topic:Topic"
KAFKA_TRIGGERS = ("apache-kafka", "kafka")
KEDA_DEFAULT_MAX_REPLICAS = 100   # what KEDA applies when a ScaledObject sets no maxReplicaCount


def _urns(resource, prop: str) -> set[str | None]:
    return {getattr(d, "urn", None) for d in (resource.property_dependencies or {}).get(prop, [])}


def _topics_read(scaled_object, trigger, topics):
    """The stack's topics a Kafka trigger reads: same name, and on the cluster the trigger's brokers come from
    when the stack has several (the topic's ``clusterArn`` and the ScaledObject's ``spec`` depend on it)."""
    name = get(trigger, "metadata", "topic")
    if name is None:
        return []
    named = [t for t in topics if get(t.props, "name") == name]
    spec_deps = _urns(scaled_object, "spec")
    same_cluster = [t for t in named if _urns(t, "clusterArn") & spec_deps]
    return same_cluster or named


def _replicas_within_partitions(args, k, report):
    unknown = UnknownCollector()
    topics = of_type(args, TOPIC)
    for scaled in of_type(args, SCALED_OBJECT):
        with unknown.guard():
            maximum = as_number(get(scaled.props, "spec", "maxReplicaCount", default=KEDA_DEFAULT_MAX_REPLICAS))
            for trigger in items(get(scaled.props, "spec", "triggers")):
                if get(trigger, "type") not in KAFKA_TRIGGERS:
                    continue
                for topic in _topics_read(scaled, trigger, topics):
                    partitions = as_number(get(topic.props, "partitionCount"))
                    if partitions is not None and maximum is not None and maximum > partitions:
                        report(f"{label(scaled)} may run {fmt(maximum)} replicas but reads {label(topic)} "
                               f"({get(topic.props, 'name')!r}) with {fmt(partitions)} partitions: Kafka gives each "
                               f"partition to one member of a group, so {fmt(maximum - partitions)} would sit idle",
                               scaled.urn)
    unknown.raise_first()


scaled_object_replicas_within_partitions = stack_policy(
    "kubernetes-keda-scaledobject-replicas-within-partitions",
    "A KEDA ScaledObject on a Kafka topic of the stack runs at most as many replicas as the topic has partitions "
    "(maxReplicaCount, KEDA's default 100 when unset).",
    _replicas_within_partitions, severity=HIGH,
    remediation="Set spec.maxReplicaCount to at most the topic's partition count (KafkaConsumerArgs.max_replicas, "
                "scaling:consumerMaxReplicas), or add partitions to the topic first.")

POLICIES = [scaled_object_replicas_within_partitions]
