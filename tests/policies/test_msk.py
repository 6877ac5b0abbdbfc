from policies import msk
from tests.policies import run
from tests.policies.cases import Case, case_tests

CLUSTER, CONFIG, TOPIC = "aws:msk/cluster:Cluster", "aws:msk/configuration:Configuration", "aws:msk/topic:Topic"
GOOD = {"clusterName": "k", "encryptionInfo": {"encryptionAtRestKmsKeyArn": "arn:kms",
                                               "encryptionInTransit": {"clientBroker": "TLS", "inCluster": True}},
        "brokerNodeGroupInfo": {"connectivityInfo": {"publicAccess": {"type": "DISABLED"}}},
        "clientAuthentication": {"sasl": {"iam": True}, "unauthenticated": False}}
TOPIC_OK = {"name": "features", "partitionCount": 10.0, "replicationFactor": 3.0}

CASES = [
    Case(msk.cluster_in_transit, CLUSTER, GOOD,
         {**GOOD, "encryptionInfo": {"encryptionInTransit": {"clientBroker": "TLS_PLAINTEXT"}}},
         {"clusterName": "k"}, False, "TLS_PLAINTEXT"),
    Case(msk.cluster_at_rest, CLUSTER, GOOD, {"clusterName": "k", "encryptionInfo": {}}, {"clusterName": "k"}, True,
         "customer managed key", config={"requireCustomerManagedKey": True}),
    Case(msk.cluster_not_public, CLUSTER, GOOD,
         {**GOOD, "brokerNodeGroupInfo": {"connectivityInfo": {"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}}},
         {"clusterName": "k"}, False, "SERVICE_PROVIDED_EIPS"),
    Case(msk.min_insync_replicas, CONFIG, {"serverProperties": "auto.create.topics.enable=false\nmin.insync.replicas=2\n"},
         {"serverProperties": "min.insync.replicas = 1"}, {"serverProperties": "# nothing\n"}, True, "'1'"),
    Case(msk.topic_partitions, TOPIC, TOPIC_OK, {**TOPIC_OK, "partitionCount": 3.0}, {"name": "features"}, True,
         "partitionCount is 3"),
    Case(msk.topic_replication_factor, TOPIC, TOPIC_OK, {**TOPIC_OK, "replicationFactor": 2.0}, {"name": "features"},
         True, "replicationFactor is 2"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_at_rest_with_aws_managed_key_passes_by_default():
    assert run(msk.cluster_at_rest, CLUSTER, {"clusterName": "k"}) == []


def test_unauthenticated_clients_are_reported():
    assert run(msk.cluster_not_public, CLUSTER, {**GOOD, "clientAuthentication": {"unauthenticated": True}})


def test_topic_min_insync_override_is_checked_and_absent_is_inherited():
    assert run(msk.min_insync_replicas, TOPIC, {**TOPIC_OK, "configs": {"min.insync.replicas": "1"}})
    assert run(msk.min_insync_replicas, TOPIC, TOPIC_OK) == []


def test_server_properties_parser():
    assert msk.server_properties("# c\na=1\n b = two \n\nc:3") == {"a": "1", "b": "two", "c": "3"}


# Whole messages and the defaults that apply when a property is absent (mutation testing, issue 19).

def transit(**values) -> dict:
    return {"clusterName": "k", "encryptionInfo": {"encryptionInTransit": values}}


def test_in_transit_messages_and_defaults():
    assert run(msk.cluster_in_transit, CLUSTER, transit(clientBroker="TLS_PLAINTEXT", inCluster=False)) == [
        "encryptionInTransit.clientBroker is 'TLS_PLAINTEXT'; clients must use TLS only",
        "encryptionInTransit.inCluster is false: brokers would replicate in clear text"]
    assert run(msk.cluster_in_transit, CLUSTER, transit(clientBroker="PLAINTEXT", inCluster="false")) == [
        "encryptionInTransit.clientBroker is 'PLAINTEXT'; clients must use TLS only",
        "encryptionInTransit.inCluster is false: brokers would replicate in clear text"]
    # Absent settings take MSK's defaults (TLS only, in-cluster encryption on), each on its own.
    assert run(msk.cluster_in_transit, CLUSTER, transit(inCluster=True)) == []
    assert run(msk.cluster_in_transit, CLUSTER, transit(clientBroker="TLS")) == []
    assert run(msk.cluster_in_transit, CLUSTER, transit(clientBroker="TLS", inCluster="true")) == []


def test_at_rest_message_and_key_values():
    required = {"requireCustomerManagedKey": True}
    message = "encryptionInfo.encryptionAtRestKmsKeyArn is not set; this stack requires a customer managed key"
    assert run(msk.cluster_at_rest, CLUSTER, {"clusterName": "k"}, required) == [message]
    assert run(msk.cluster_at_rest, CLUSTER, {"encryptionInfo": {"encryptionAtRestKmsKeyArn": ""}}, required) == [message]
    assert run(msk.cluster_at_rest, CLUSTER, GOOD, required) == []
    assert run(msk.cluster_at_rest, CLUSTER, {"encryptionInfo": {}}, {"requireCustomerManagedKey": False}) == []


def test_not_public_messages():
    public = {"brokerNodeGroupInfo": {"connectivityInfo": {"publicAccess": {"type": "SERVICE_PROVIDED_EIPS"}}},
              "clientAuthentication": {"unauthenticated": "true"}}
    assert run(msk.cluster_not_public, CLUSTER, public) == [
        "brokerNodeGroupInfo.connectivityInfo.publicAccess.type is 'SERVICE_PROVIDED_EIPS'; brokers must stay private",
        "clientAuthentication.unauthenticated is true: any client in the network could produce and consume"]
    assert run(msk.cluster_not_public, CLUSTER, {"brokerNodeGroupInfo": {"connectivityInfo": {}}}) == []


def test_min_insync_messages_on_configuration_and_topic():
    def configuration(text):
        return run(msk.min_insync_replicas, CONFIG, {"serverProperties": text})

    assert run(msk.min_insync_replicas, CONFIG, {"name": "c"}) == [
        "serverProperties does not set min.insync.replicas (Kafka defaults to 1); set it to 2 so acks=all survives "
        "a broker loss"]
    assert configuration("min.insync.replicas=1") == ["serverProperties min.insync.replicas is '1'; it must be at least 2"]
    assert configuration("min.insync.replicas=two") == [
        "serverProperties min.insync.replicas is 'two'; it must be at least 2"]
    assert configuration("min.insync.replicas=2") == []
    assert run(msk.min_insync_replicas, CONFIG, {"serverProperties": "min.insync.replicas=1"},
               {"minInsyncReplicas": 1}) == []
    assert run(msk.min_insync_replicas, TOPIC, {**TOPIC_OK, "configs": {"min.insync.replicas": "1"}}) == [
        "configs min.insync.replicas is '1'; it must be at least 2"]
    assert run(msk.min_insync_replicas, TOPIC, {**TOPIC_OK, "configs": {"min.insync.replicas": "2"}}) == []
    assert run(msk.min_insync_replicas, TOPIC, {**TOPIC_OK, "configs": {"retention.ms": "1"}}) == []


def test_topic_count_messages():
    assert run(msk.topic_partitions, TOPIC, {"name": "features"}) == [
        "partitionCount is not set; the design uses at least 10 partitions"]
    assert run(msk.topic_partitions, TOPIC, {**TOPIC_OK, "partitionCount": 9.0}) == [
        "partitionCount is 9; the design uses at least 10 partitions so consumer groups can scale out"]
    assert run(msk.topic_partitions, TOPIC, {**TOPIC_OK, "partitionCount": 3.0}, {"minPartitions": 3}) == []
    assert run(msk.topic_replication_factor, TOPIC, {"name": "features"}) == [
        "replicationFactor is not set; the design replicates every partition 3 times"]
    assert run(msk.topic_replication_factor, TOPIC, {**TOPIC_OK, "replicationFactor": 2.0}) == [
        "replicationFactor is 2; the design replicates every partition 3 times"]
    assert run(msk.topic_replication_factor, TOPIC, {**TOPIC_OK, "replicationFactor": 2.0},
               {"replicationFactor": 2}) == []


def test_server_properties_parser_edges():
    # "!" starts a comment too; "=" wins over ":" when both appear; a bare key has an empty value.
    assert msk.server_properties("!x=1\n  # y=2\nk=a:b\nflag\n m : 3 ") == {"k": "a:b", "flag": "", "m": "3"}
    assert msk.server_properties("a=1\r\nb=2") == {"a": "1", "b": "2"}
    # The first "=" ends the key: a value may hold "=" itself (a JAAS line, an option list).
    assert msk.server_properties("min.insync.replicas=2\nlistener.opts=a=1,b=2") == {
        "min.insync.replicas": "2", "listener.opts": "a=1,b=2"}
