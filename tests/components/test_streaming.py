"""Streaming component: validators and policy documents without the engine, then the resources under the
mock engine, then the stack wiring (exports, the configuration guard against data loss)."""

from __future__ import annotations

import dataclasses

import pulumi
import pytest

from components.streaming import (
    Streaming,
    StreamingArgs,
    TopicSpec,
    client_policy_statements,
    kafka_resource_arn,
    parse_topic_spec,
    server_properties,
    validate_streaming_args,
    validate_topic_changes,
)
from offline.engine import FAKE_ACCOUNT, OfflineMocks
from tests.conftest import evaluate_stack, run_program, stack_evaluation
from tests.helpers import untagged

UUID = "8f2c1d3e-1111-2222-3333-444455556666-3"
CLUSTER_ARN = f"arn:aws:kafka:us-east-1:{FAKE_ACCOUNT}:cluster/streaming-cluster/{UUID}"
SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
BASE = StreamingArgs(vpc_id="vpc-1", subnet_ids=SUBNETS, app_security_group_ids=("sg-app",))
CLUSTER = "aws:msk/cluster:Cluster"


@pytest.fixture(autouse=True)
def real_shaped_arns(monkeypatch):
    """Like AWS, give MSK clusters a cluster/<name>/<uuid> ARN and autonamed resources a name (the shared
    mocks answer arn:aws:<module>:...:<name> and echo inputs only)."""
    original = OfflineMocks.new_resource

    def new_resource(self, mock_args):
        resource_id, state = original(self, mock_args)
        if not self.preview:
            if mock_args.typ == CLUSTER:
                state["arn"] = f"arn:aws:kafka:{self.region}:{FAKE_ACCOUNT}:cluster/{mock_args.name}/{UUID}"
                state["bootstrapBrokersSaslIam"] = "b-1.example:9098,b-2.example:9098"
            if mock_args.typ == "aws:msk/configuration:Configuration":
                state["latestRevision"] = 1
            if mock_args.typ.startswith("aws:cloudwatch/logGroup"):
                state.setdefault("name", f"{mock_args.name}-name")
        return resource_id, state

    monkeypatch.setattr(OfflineMocks, "new_resource", new_resource)


def args(**changes) -> StreamingArgs:
    return dataclasses.replace(BASE, **changes)


# ---------------------------------------------------------------------------------------------- pure

@pytest.mark.parametrize("changes, message", [
    (dict(subnet_ids=("a",)), "subnet_ids: 1 subnet(s); expected 2 or 3"),
    (dict(broker_count=4), "broker_count: 4 is not a multiple of the 3 zones; expected 3, 6, 9"),
    (dict(broker_count=2), "broker_count: 2 is not a multiple of the 3 zones"),
    (dict(kafka_version="3.5.1"), "kafka_version: '3.5.1' is too old for the MSK topic API"),
    (dict(kafka_version="latest"), "kafka_version: 'latest' is not an MSK version"),
    (dict(max_volume_size_gb=50), "max_volume_size_gb: 50 is out of range; expected 100 (volume_size_gb) to 16384"),
    (dict(volume_size_gb=0), "volume_size_gb: 0 is out of range"),
    (dict(storage_target_utilization_percent=90), "storage_target_utilization_percent: 90 is out of range; expected 10 to 80"),
    (dict(replication_factor=4), "replication_factor: 4 is out of range; expected 1 to broker_count (3)"),
    (dict(min_insync_replicas=3), "min_insync_replicas: 3 is out of range; expected 1 to 2"),
    (dict(topics=(TopicSpec("features", 10, 4),)),
     "topics: 'features' replication_factor 4 is out of range; expected 1 to broker_count (3)"),
    (dict(topics=(TopicSpec("features", 0, 3),)), "topics: 'features' partitions 0 is out of range; expected at least 1"),
    (dict(topics=(TopicSpec("features"), TopicSpec("features"))), "topics: ['features', 'features'] has duplicates"),
    (dict(topics=(TopicSpec("bad topic"),)), "topics: 'bad topic' is not a Kafka topic name"),
    (dict(policy_topic="orders"), "policy_topic: 'orders' is not one of the topics ['features']"),
    (dict(consumer_group="a b"), "consumer_group: 'a b' is not a group id"),
    (dict(enhanced_monitoring="ALL"), "enhanced_monitoring: 'ALL' is not allowed"),
    (dict(log_retention_days=2), "log_retention_days: 2 is not allowed"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_streaming_args(args(**changes))
    assert str(info.value).startswith(message)


def test_six_brokers_over_three_zones_and_two_over_two_are_fine():
    validate_streaming_args(args(broker_count=6))
    validate_streaming_args(args(subnet_ids=("a", "b"), broker_count=2, replication_factor=2, min_insync_replicas=1,
                                 topics=(TopicSpec("features", 10, 2),)))


@pytest.mark.parametrize("topics, deployed, message", [
    ([TopicSpec("features", 8, 3)], [TopicSpec("features", 10, 3)],
     "topics: 'features' partitions 8 is below the deployed 10; Kafka cannot remove partitions"),
    ([TopicSpec("features", 10, 2)], [TopicSpec("features", 10, 3)],
     "topics: 'features' replication_factor 2 differs from the deployed 3; changing it replaces the topic"),
    ([TopicSpec("features")], [TopicSpec("features"), TopicSpec("orders")],
     "topics: deployed topic 'orders' is missing; removing it deletes its messages"),
])
def test_changes_that_destroy_data_are_refused(topics, deployed, message):
    with pytest.raises(ValueError) as info:
        validate_topic_changes(topics, deployed)
    assert str(info.value).startswith(message)


def test_growing_partitions_and_adding_topics_are_allowed():
    validate_topic_changes([TopicSpec("features", 20, 3), TopicSpec("orders", 1, 3)], [TopicSpec("features", 10, 3)])
    validate_streaming_args(args(topics=(TopicSpec("features", 12, 3),), deployed_topics=(TopicSpec("features", 10, 3),)))


def test_the_component_refuses_a_destructive_change_before_declaring_anything():
    with pytest.raises(ValueError, match="partitions 5 is below the deployed 10"):
        validate_streaming_args(args(topics=(TopicSpec("features", 5, 3),),
                                     deployed_topics=(TopicSpec("features", 10, 3),)))


def test_parse_topic_spec_round_trips_and_rejects_other_forms():
    assert parse_topic_spec("features:10:3") == TopicSpec("features", 10, 3)
    assert str(TopicSpec("a.b_c-d", 4, 2)) == "a.b_c-d:4:2"
    for bad in ("features", "features:10", "features:ten:3", "bad name:1:1"):
        with pytest.raises(ValueError, match="is not 'name:partitions:replicationFactor'"):
            parse_topic_spec(bad)


def test_kafka_resource_arns_are_derived_from_the_cluster_arn():
    assert kafka_resource_arn(CLUSTER_ARN, "topic", "features") == \
        f"arn:aws:kafka:us-east-1:{FAKE_ACCOUNT}:topic/streaming-cluster/{UUID}/features"
    assert kafka_resource_arn(CLUSTER_ARN, "group", "feature-processors") == \
        f"arn:aws:kafka:us-east-1:{FAKE_ACCOUNT}:group/streaming-cluster/{UUID}/feature-processors"
    gov = "arn:aws-us-gov:kafka:us-gov-west-1:1:cluster/c/u"
    assert kafka_resource_arn(gov, "topic", "t") == "arn:aws-us-gov:kafka:us-gov-west-1:1:topic/c/u/t"
    for bad in ("arn:aws:msk:us-east-1:1:streaming-cluster", "arn:aws:kafka:us-east-1:1:topic/c/u/t", "nope"):
        with pytest.raises(ValueError, match="is not an MSK cluster ARN"):
            kafka_resource_arn(bad, "topic", "t")


def test_client_may_connect_write_read_the_topic_and_join_its_group_only():
    by_sid = {s["Sid"]: s for s in client_policy_statements(CLUSTER_ARN, "features", "feature-processors")}
    assert by_sid["KafkaConnect"]["Resource"] == CLUSTER_ARN
    assert set(by_sid["KafkaConnect"]["Action"]) == {"kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"}
    assert set(by_sid["KafkaTopicReadWrite"]["Action"]) == {"kafka-cluster:DescribeTopic", "kafka-cluster:WriteData",
                                                           "kafka-cluster:ReadData"}
    assert by_sid["KafkaTopicReadWrite"]["Resource"].endswith(f":topic/streaming-cluster/{UUID}/features")
    assert set(by_sid["KafkaConsumerGroup"]["Action"]) == {"kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"}
    assert by_sid["KafkaConsumerGroup"]["Resource"].endswith(f":group/streaming-cluster/{UUID}/feature-processors")
    # Exactly these three statements: no topic or cluster management, no other topic or group.
    assert set(by_sid) == {"KafkaConnect", "KafkaTopicReadWrite", "KafkaConsumerGroup"}


def test_server_properties_are_the_durable_settings_of_the_design():
    props = dict(line.split("=", 1) for line in server_properties(BASE).splitlines())
    assert props == {"auto.create.topics.enable": "false", "default.replication.factor": "3",
                     "min.insync.replicas": "2", "num.partitions": "10",
                     "allow.everyone.if.no.acl.found": "false", "unclean.leader.election.enable": "false"}


# ------------------------------------------------------------------------------------- mock engine

def build(a: StreamingArgs = BASE, stack: str = "dev"):
    return run_program(lambda: Streaming("streaming", a), stack=stack)


def test_cluster_is_iam_only_tls_everywhere_and_encrypted_with_its_own_key():
    ev = build()
    c = ev.one(CLUSTER, "streaming-cluster").inputs
    assert c["kafkaVersion"] == "3.8.x" and c["numberOfBrokerNodes"] == 3
    assert c["clientAuthentication"] == {"sasl": {"iam": True, "scram": False}, "unauthenticated": False}
    assert c["encryptionInfo"]["encryptionInTransit"] == {"clientBroker": "TLS", "inCluster": True}
    assert c["encryptionInfo"]["encryptionAtRestKmsKeyArn"] == f"arn:aws:kms:us-east-1:{FAKE_ACCOUNT}:streaming-key"
    nodes = c["brokerNodeGroupInfo"]
    assert nodes["clientSubnets"] == list(SUBNETS) and nodes["securityGroups"] == ["streaming-sg-id"]
    assert nodes["instanceType"] == "kafka.m7g.large"
    assert nodes["storageInfo"]["ebsStorageInfo"]["volumeSize"] == 100
    assert "connectivityInfo" not in nodes  # no public access


def test_logs_and_monitoring():
    ev = build(args(log_retention_days=60))
    c = ev.one(CLUSTER, "streaming-cluster").inputs
    assert c["enhancedMonitoring"] == "PER_TOPIC_PER_BROKER"
    assert c["openMonitoring"] == {"prometheus": {"jmxExporter": {"enabledInBroker": True},
                                                  "nodeExporter": {"enabledInBroker": True}}}
    # Named by the component (the logs key's policy names the group before it exists).
    assert c["loggingInfo"]["brokerLogs"]["cloudwatchLogs"] == {"enabled": True,
                                                                "logGroup": "scaling-dev-streaming-broker-logs"}
    group = ev.one("aws:cloudwatch/logGroup:LogGroup", "streaming-broker-logs").inputs
    assert group["retentionInDays"] == 60 and group["name"] == "scaling-dev-streaming-broker-logs"
    assert group["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:streaming-broker-logs-key"


def test_cluster_uses_the_configuration_for_its_kafka_version():
    ev = build()
    conf = ev.one("aws:msk/configuration:Configuration", "streaming-config").inputs
    assert conf["kafkaVersions"] == ["3.8.x"]
    assert "min.insync.replicas=2\n" in conf["serverProperties"]
    info = ev.one(CLUSTER, "streaming-cluster").inputs["configurationInfo"]
    assert info == {"arn": f"arn:aws:msk:us-east-1:{FAKE_ACCOUNT}:streaming-config", "revision": 1}


def test_storage_autoscaling_owns_the_volume_size():
    ev = build(args(volume_size_gb=200, max_volume_size_gb=2000, storage_target_utilization_percent=55))
    cluster = ev.one(CLUSTER, "streaming-cluster")
    assert cluster.ignore_changes == ["brokerNodeGroupInfo.storageInfo.ebsStorageInfo.volumeSize"]
    target = ev.one("aws:appautoscaling/target:Target", "streaming-storage-target").inputs
    assert target["serviceNamespace"] == "kafka" and target["scalableDimension"] == "kafka:broker-storage:VolumeSize"
    assert target["resourceId"] == CLUSTER_ARN
    assert target["minCapacity"] == 200 and target["maxCapacity"] == 2000
    policy = ev.one("aws:appautoscaling/policy:Policy", "streaming-storage-policy").inputs
    assert policy["policyType"] == "TargetTrackingScaling" and policy["resourceId"] == CLUSTER_ARN
    tracking = policy["targetTrackingScalingPolicyConfiguration"]
    assert tracking["targetValue"] == 55 and tracking["disableScaleIn"] is True
    assert tracking["predefinedMetricSpecification"]["predefinedMetricType"] == "KafkaBrokerStorageUtilization"


def test_topics_are_created_on_the_cluster_with_their_partitions_and_replication():
    ev = build(args(topics=(TopicSpec("features"), TopicSpec("audit", 3, 2))))
    topics = {t.inputs["name"]: t.inputs for t in ev.by_type("aws:msk/topic:Topic")}
    assert topics["features"]["partitionCount"] == 10 and topics["features"]["replicationFactor"] == 3
    assert topics["audit"]["partitionCount"] == 3 and topics["audit"]["replicationFactor"] == 2
    assert {t["clusterArn"] for t in topics.values()} == {CLUSTER_ARN}


def test_security_group_admits_only_the_app_tier_on_the_iam_port():
    ev = build(args(app_security_group_ids=("sg-app", "sg-nodes"), monitoring_security_group_ids=("sg-prom",)))
    rules = {r.inputs["referencedSecurityGroupId"]: r.inputs
             for r in ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    assert set(rules) == {"sg-app", "sg-nodes", "sg-prom"}
    for sg in ("sg-app", "sg-nodes"):
        assert rules[sg]["fromPort"] == rules[sg]["toPort"] == 9098
    assert (rules["sg-prom"]["fromPort"], rules["sg-prom"]["toPort"]) == (11001, 11002)
    assert not any("cidrIpv4" in r for r in rules.values())
    assert ev.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []


def test_client_statements_name_the_real_topic_and_group_arns_and_no_policy_is_left_unattached():
    def program():
        streaming = Streaming("streaming", args(policy_topic="audit", consumer_group="auditors",
                                                topics=(TopicSpec("features"), TopicSpec("audit"))))
        pulumi.export("statements", streaming.client_policy_statements)
    ev = run_program(program)
    assert ev.outputs["statements"] == client_policy_statements(CLUSTER_ARN, "audit", "auditors")
    # The statements are for the client's identity to hold; a policy object here would be attached to nothing.
    assert ev.by_type("aws:iam/policy:Policy") == []


def test_prod_protects_cluster_topics_and_key_but_not_the_scaling_policy():
    prod, dev = build(args(environment="prod"), stack="prod"), build(args(environment="dev"))
    for type_, name in ((CLUSTER, "streaming-cluster"), ("aws:kms/key:Key", "streaming-key"),
                        ("aws:msk/topic:Topic", "streaming-topic-features")):
        assert prod.one(type_, name).protect is True, name
        assert dev.one(type_, name).protect is False, name
    assert prod.one("aws:appautoscaling/policy:Policy", "streaming-storage-policy").protect is False


def test_a_given_kms_key_is_used_and_none_created():
    ev = build(args(kms_key_arn="arn:aws:kms:us-east-1:1:key/k"))
    # The only key made is the logs key: its policy is ours to write, a given key's is not.
    assert [k.name for k in ev.by_type("aws:kms/key:Key")] == ["streaming-broker-logs-key"]
    assert ev.one(CLUSTER, "streaming-cluster").inputs["encryptionInfo"]["encryptionAtRestKmsKeyArn"] == \
        "arn:aws:kms:us-east-1:1:key/k"


def test_every_taggable_resource_has_the_house_tags():
    assert untagged(build(args(tags={"Team": "data"}))) == []


def test_topics_are_children_of_the_cluster():
    ev = build()
    assert ev.one("aws:msk/topic:Topic", "streaming-topic-features").parent.endswith("::streaming-cluster")


# ------------------------------------------------------------------------------------------- stack

def test_stack_exports_streaming(each_stack):
    expected = {"kafkaClusterArn", "kafkaBootstrapBrokersIam", "kafkaBootstrapBrokersTls", "kafkaTopicArns",
                "kafkaSecurityGroupId"}
    assert expected <= set(each_stack.outputs)
    cluster = each_stack.one(CLUSTER, "streaming-cluster")
    assert cluster.protect is (each_stack.stack == "prod")
    nodes = cluster.inputs["brokerNodeGroupInfo"]
    assert len(nodes["clientSubnets"]) == 3  # the three isolated subnets


def test_stack_puts_brokers_and_cache_in_the_isolated_subnets():
    ev = stack_evaluation("prod")
    isolated = {r.urn for r in ev.by_type("aws:ec2/subnet:Subnet") if r.inputs["tags"].get("Tier") == "isolated"}
    assert len(isolated) == 3
    assert {d for d in ev.one(CLUSTER, "streaming-cluster").depends_on} & isolated == isolated
    assert {d for d in ev.one("aws:elasticache/subnetGroup:SubnetGroup", "cache-subnets").depends_on} & isolated \
        == isolated


@pytest.mark.parametrize("overrides, message", [
    ({"scaling:kafkaDeployedTopics": ["features:12:3"]}, "partitions 10 is below the deployed 12"),
    ({"scaling:kafkaDeployedTopics": ["features:10:3"], "scaling:kafkaTopicReplicationFactor": 2},
     # The argument in the reason is reported as the setting the user edits.
     "scaling:kafkaTopicReplicationFactor 2 differs from the deployed 3"),
    ({"scaling:kafkaDeployedTopics": ["features:10:3", "orders:10:3"]}, "deployed topic 'orders' is missing"),
    ({"scaling:kafkaDeployedTopics": ["features"]}, "expected 'name:partitions:replicationFactor'"),
    ({"scaling:kafkaExtraTopics": ["features"]}, "['features', 'features'] has duplicates; topic names must be unique"),
])
def test_configuration_guard_refuses_data_loss_before_any_resource(overrides, message):
    ev = evaluate_stack("prod", overrides)
    assert ev.error is not None and ev.resources == []
    assert message in str(ev.error)


def test_configuration_guard_lets_partitions_grow_and_topics_be_added():
    ev = evaluate_stack("prod", {"scaling:kafkaDeployedTopics": ["features:10:3"],
                                            "scaling:kafkaTopicPartitions": 12, "scaling:kafkaExtraTopics": ["audit"]})
    assert ev.error is None
    topics = {t.inputs["name"]: t.inputs["partitionCount"] for t in ev.by_type("aws:msk/topic:Topic")}
    assert topics == {"features": 12, "audit": 12}
