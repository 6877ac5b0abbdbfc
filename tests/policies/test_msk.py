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
