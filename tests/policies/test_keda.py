"""KEDA ScaledObject replicas against the partitions of the topic it reads, both ways."""

from __future__ import annotations

from policies import keda
from tests.policies import UNKNOWN, link, resource, run_stack

SO, TOPIC, CLUSTER = keda.SCALED_OBJECT, keda.TOPIC, "aws:msk/cluster:Cluster"


def scaled_object(name="fp", maximum=10, topic="features", trigger="apache-kafka", **spec):
    spec = {"triggers": [{"type": trigger, "metadata": {"topic": topic, "consumerGroup": "fp",
                                                         "bootstrapServers": UNKNOWN}}], **spec}
    if maximum is not None:
        spec["maxReplicaCount"] = float(maximum)
    return resource(SO, name, {"spec": spec})


def topic(name="features", partitions=10, resource_name=None):
    return resource(TOPIC, resource_name or f"topic-{name}", {"name": name, "partitionCount": float(partitions),
                                                               "clusterArn": UNKNOWN})


def test_ceiling_at_or_below_the_partitions_passes():
    assert run_stack(keda.scaled_object_replicas_within_partitions, [scaled_object(maximum=10), topic()]) == []
    assert run_stack(keda.scaled_object_replicas_within_partitions, [scaled_object(maximum=3), topic()]) == []


def test_ceiling_above_the_partitions_is_reported_with_the_idle_count():
    so = scaled_object(maximum=12)
    [(message, urn)] = run_stack(keda.scaled_object_replicas_within_partitions, [so, topic()])
    assert urn == so.urn
    assert "may run 12 replicas" in message and "with 10 partitions" in message and "2 would sit idle" in message


def test_missing_ceiling_is_kedas_default_of_100():
    [(message, _)] = run_stack(keda.scaled_object_replicas_within_partitions, [scaled_object(maximum=None), topic()])
    assert "may run 100 replicas" in message


def test_other_topics_triggers_and_external_topics_are_not_judged():
    resources = [scaled_object(maximum=50, topic="other"), topic(),                # a topic the stack lacks
                 scaled_object("cpu", maximum=50, trigger="cpu"),                 # not a Kafka trigger
                 resource(SO, "no-topic", {"spec": {"maxReplicaCount": 50.0, "triggers": [
                     {"type": "apache-kafka", "metadata": {"consumerGroup": "g"}}]}})]
    assert run_stack(keda.scaled_object_replicas_within_partitions, resources) == []


def test_the_classic_kafka_scaler_is_judged_too():
    assert run_stack(keda.scaled_object_replicas_within_partitions,
                     [scaled_object(maximum=11, trigger="kafka"), topic()]) != []


def test_with_two_clusters_the_topic_of_the_scaled_objects_brokers_counts():
    big, small = resource(CLUSTER, "big", {}), resource(CLUSTER, "small", {})
    on_big = link(topic(partitions=30, resource_name="big-features"), "clusterArn", big)
    on_small = link(topic(partitions=10, resource_name="small-features"), "clusterArn", small)
    reads_big = link(scaled_object("reads-big", maximum=20), "spec", big)
    reads_small = link(scaled_object("reads-small", maximum=20), "spec", small)
    found = run_stack(keda.scaled_object_replicas_within_partitions, [big, small, on_big, on_small, reads_big,
                                                                      reads_small])
    assert [urn for _, urn in found] == [reads_small.urn]


def test_unknown_ceiling_is_raised_after_the_decidable_violations():
    import pytest
    from pulumi_policy.proxy import UnknownValueError
    unknown = resource(SO, "unknown", {"spec": {"maxReplicaCount": UNKNOWN, "triggers": [
        {"type": "apache-kafka", "metadata": {"topic": "features"}}]}})
    found = []
    with pytest.raises(UnknownValueError):
        keda.scaled_object_replicas_within_partitions.validate(
            __import__("pulumi_policy").StackValidationArgs([unknown, scaled_object("over", maximum=11), topic()], {}),
            lambda message, urn=None: found.append(urn))
    assert found == ["urn:pulumi:test::p::kubernetes:keda.sh/v1alpha1:ScaledObject::over"]


def pack_violations(evaluation, stack: str) -> list[str]:
    from offline.policy_check import run_policies
    report = run_policies(evaluation, stack)
    return [v.resource_name for v in report.violations
            if v.policy == keda.scaled_object_replicas_within_partitions.name]


def test_the_stacks_consumer_in_a_preview_passes():
    # Through the offline engine: the topic is linked by its known name, the ScaledObject's spec depends on the
    # cluster (its brokers) like the topic's clusterArn, and the ceiling is a known value even in a preview.
    from tests.conftest import evaluate_stack
    for stack, overrides in (("dev", {}), ("prod", {}),
                             ("dev", {"scaling:kafkaTopicPartitions": "2", "scaling:consumerMaxReplicas": "0"})):
        evaluation = evaluate_stack(stack, overrides, preview=True)
        assert evaluation.error is None, evaluation.error
        assert pack_violations(evaluation, stack) == []


def test_a_scaled_object_wider_than_its_topic_fails_the_pack_in_a_preview():
    # A ScaledObject declared outside the component (which refuses this itself), on a topic of 3 partitions.
    import pulumi_aws as aws
    import pulumi_kubernetes as k8s

    from tests.conftest import run_program

    def program():
        cluster = aws.msk.Cluster("kafka", kafka_version="3.8.x", number_of_broker_nodes=3,
                                  broker_node_group_info={"client_subnets": ["a", "b", "c"],
                                                          "instance_type": "kafka.m7g.large", "security_groups": ["sg"]})
        aws.msk.Topic("orders", cluster_arn=cluster.arn, name="orders", partition_count=3, replication_factor=3)
        for name, ceiling in (("narrow", 3), ("wide", 5)):
            k8s.apiextensions.CustomResource(name, api_version="keda.sh/v1alpha1", kind="ScaledObject", spec={
                "scaleTargetRef": {"name": name}, "maxReplicaCount": ceiling, "triggers": [{
                    "type": "apache-kafka", "metadata": {"topic": "orders", "consumerGroup": name,
                                                         "bootstrapServers": cluster.bootstrap_brokers_sasl_iam}}]})
    assert pack_violations(run_program(program, preview=True), "prod") == ["wide"]


# Whole message and edges (mutation testing, issue 19).

def test_the_whole_message():
    so = scaled_object(maximum=12)
    assert run_stack(keda.scaled_object_replicas_within_partitions, [so, topic()]) == [(
        "kubernetes:keda.sh/v1alpha1:ScaledObject fp may run 12 replicas but reads aws:msk/topic:Topic topic-features "
        "('features') with 10 partitions: Kafka gives each partition to one member of a group, so 2 would sit idle",
        so.urn)]


def test_one_above_the_partitions_is_reported_and_every_trigger_and_topic_is_judged():
    two_triggers = resource(SO, "both", {"spec": {"maxReplicaCount": 11.0, "triggers": [
        {"type": "cpu", "metadata": {"type": "Utilization", "value": "70"}},
        {"type": "kafka", "metadata": {"topic": "features"}},
        {"type": "apache-kafka", "metadata": {"topic": "orders"}}]}})
    found = run_stack(keda.scaled_object_replicas_within_partitions,
                      [two_triggers, topic(), topic("orders", partitions=4)])
    assert [message.split(": Kafka")[0] for message, _ in found] == [
        "kubernetes:keda.sh/v1alpha1:ScaledObject both may run 11 replicas but reads aws:msk/topic:Topic "
        "topic-features ('features') with 10 partitions",
        "kubernetes:keda.sh/v1alpha1:ScaledObject both may run 11 replicas but reads aws:msk/topic:Topic "
        "topic-orders ('orders') with 4 partitions"]


def test_values_that_are_not_numbers_are_not_judged():
    no_partitions = resource(TOPIC, "topic-features", {"name": "features"})
    assert run_stack(keda.scaled_object_replicas_within_partitions, [scaled_object(maximum=50), no_partitions]) == []
    text_ceiling = resource(SO, "text", {"spec": {"maxReplicaCount": "many", "triggers": [
        {"type": "kafka", "metadata": {"topic": "features"}}]}})
    assert run_stack(keda.scaled_object_replicas_within_partitions, [text_ceiling, topic()]) == []


def test_without_a_cluster_link_every_topic_of_that_name_is_judged():
    # The ScaledObject's spec depends on a cluster none of the topics is linked to: fall back to the name.
    cluster = resource(CLUSTER, "other", {})
    reads = link(scaled_object("reads", maximum=20), "spec", cluster)
    wide, narrow = topic(partitions=30, resource_name="wide"), topic(partitions=10, resource_name="narrow")
    found = run_stack(keda.scaled_object_replicas_within_partitions, [cluster, reads, wide, narrow])
    assert [(message.split(" but reads ")[1].split(" (")[0], urn) for message, urn in found] == [
        ("aws:msk/topic:Topic narrow", reads.urn)]
    # Linked to the wide topic's cluster through another property than spec: still by name only.
    wide_linked = link(topic(partitions=30, resource_name="wide"), "clusterArn", cluster)
    by_tags = link(scaled_object("by-tags", maximum=20), "metadata", cluster)
    found = run_stack(keda.scaled_object_replicas_within_partitions, [cluster, by_tags, wide_linked, narrow])
    assert [urn for _, urn in found] == [by_tags.urn]


def test_a_dependency_without_a_urn_is_skipped_like_depends_on_does():
    # policies.common.depends_on skips dependency entries without a urn (tests/policies/test_common.py); the
    # cluster match here does the same instead of failing the whole stack policy.
    odd = scaled_object("odd", maximum=20)
    odd.property_dependencies["spec"] = [object()]
    assert [urn for _, urn in run_stack(keda.scaled_object_replicas_within_partitions, [odd, topic()])] == [odd.urn]
