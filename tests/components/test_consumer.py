"""KafkaConsumer and Keda: validation without the engine, then the role, the Kubernetes objects and the KEDA
wiring under the mock engine, and the stack's consumer against its topic."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from components.consumer import (
    KafkaConsumer,
    KafkaConsumerArgs,
    consumer_demand,
    resolved_max_replicas,
    validate_kafka_consumer_args,
)
from components.keda import Keda, KedaArgs, chart_values, keda_demand, validate_keda_args
from components.streaming import client_policy_statements, consumer_policy_statements, lag_reader_policy_statements
from scaling_kit.limits import MESSAGING
from tests.conftest import run_program, run_refused_program, stack_evaluation
from tests.helpers import untagged

CLUSTER = "arn:aws:kafka:us-east-1:123456789012:cluster/kafka/0a1b-2"
TOPIC_ARN = "arn:aws:kafka:us-east-1:123456789012:topic/kafka/0a1b-2/features"
GROUP_ARN = "arn:aws:kafka:us-east-1:123456789012:group/kafka/0a1b-2/feature-processors"
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
BASE = KafkaConsumerArgs(cluster_arn=CLUSTER, bootstrap_brokers_iam="b-1.kafka:9098,b-2.kafka:9098",
                         oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER, image="registry.example/fp:1.0")
SO, AUTH = "kubernetes:keda.sh/v1alpha1:ScaledObject", "kubernetes:keda.sh/v1alpha1:TriggerAuthentication"
ROLE, ROLE_POLICY = "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"


def args(**changes) -> KafkaConsumerArgs:
    return dataclasses.replace(BASE, **changes)


def actions(statements) -> set[str]:
    return {a for s in statements for a in s["Action"]}


# --- pure -------------------------------------------------------------------------------------------------

def test_defaults_are_the_design_group_on_its_topic_up_to_its_partitions():
    validate_kafka_consumer_args(BASE)
    assert (BASE.topic, BASE.consumer_group, BASE.partitions) == ("features", "feature-processors", 10)
    assert resolved_max_replicas(BASE) == 10 and BASE.min_replicas == 1
    assert consumer_demand(BASE) == consumer_demand(args(max_replicas=10))
    assert consumer_demand(args(max_replicas=4)).pods == 4


@pytest.mark.parametrize("changes, message", [
    (dict(max_replicas=11), "max_replicas/partitions: 11 is out of range; expected 1 to 10 (the partitions of "
                            "'features': a consumer beyond them is given no partition and sits idle)"),
    (dict(partitions=4), None),     # the ceiling follows the partitions
    (dict(max_replicas=0), "max_replicas/partitions: 0 is out of range; expected 1 to 10"),
    (dict(min_replicas=-1), "min_replicas: -1 is out of range; expected 0 to 10 (max_replicas)"),
    (dict(min_replicas=5, max_replicas=4), "min_replicas: 5 is out of range; expected 0 to 4"),
    (dict(partitions=0), "partitions: 0 is out of range; expected at least 1"),
    (dict(lag_threshold=0), "lag_threshold: 0 is out of range"),
    (dict(consumer_group="a:b"), "consumer_group: 'a:b' is not a group id"),
    (dict(topic="bad topic"), "topic: 'bad topic' is not a Kafka topic name"),
    (dict(name="Feature"), "name: 'Feature' is not a DNS label"),
    (dict(image="has space"), "image: 'has space' is not an image reference"),
    (dict(offset_reset_policy="none"), "offset_reset_policy: 'none' is not allowed"),
    (dict(polling_interval_seconds=1), "polling_interval_seconds: 1 is out of range; expected 5 to 3600"),
    (dict(cpu_request_millicores=0), "cpu_request_millicores: 0 is out of range"),
    (dict(run_as_user=0), "run_as_user: 0 is root"),
    (dict(environment="staging"), "environment: 'staging' is not allowed"),
])
def test_bad_arguments_are_refused_naming_the_argument(changes, message):
    if message is None:
        validate_kafka_consumer_args(args(**changes))
        assert resolved_max_replicas(args(**changes)) == 4
        return
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_kafka_consumer_args(args(**changes))


def test_a_refused_consumer_declares_nothing():
    error, evaluation = run_refused_program(lambda: KafkaConsumer("fp", args(max_replicas=20)))
    assert "max_replicas/partitions: 20" in str(error) and evaluation.resources == []


def test_consumer_statements_read_and_join_only_and_the_lag_reader_only_describes():
    consumer = consumer_policy_statements(CLUSTER, "features", "feature-processors")
    reader = lag_reader_policy_statements(CLUSTER, "features", "feature-processors")
    app = client_policy_statements(CLUSTER, "features", "feature-processors")
    assert actions(consumer) == {"kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:ReadData",
                                 "kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"}
    assert not any("Write" in a for a in actions(consumer))
    assert actions(reader) == {"kafka-cluster:Connect", "kafka-cluster:DescribeTopic", "kafka-cluster:DescribeGroup"}
    # Both are the read half of the application's grant, on the same ARNs.
    assert actions(reader) < actions(consumer) < actions(app)
    for statements in (consumer, reader):
        assert {s["Resource"] for s in statements} == {CLUSTER, TOPIC_ARN, GROUP_ARN}


def test_keda_is_pinned_and_its_operator_uses_irsa_with_the_given_role():
    validate_keda_args(KedaArgs(oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER, operator_policy_statements=[]))
    with pytest.raises(ValueError, match=re.escape("chart_version: 'latest' is not a chart version")):
        validate_keda_args(KedaArgs(oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER, operator_policy_statements=[],
                                    chart_version="latest"))
    values = chart_values("arn:aws:iam::1:role/keda", highly_available=False)
    assert values["podIdentity"]["aws"]["irsa"] == {"enabled": True, "roleArn": "arn:aws:iam::1:role/keda",
                                                    "audience": "sts.amazonaws.com", "stsRegionalEndpoints": "true"}
    assert values["serviceAccount"]["operator"]["name"] == "keda-operator"
    assert values["operator"]["replicaCount"] == 1 and values["podDisruptionBudget"] == {}
    assert chart_values("r", highly_available=True)["operator"]["replicaCount"] == 2
    assert [(d.name, d.pods) for d in keda_demand(KedaArgs(PROVIDER, ISSUER, []))] == [
        ("keda-operator", 2), ("keda-metrics-server", 2), ("keda-webhooks", 2)]


# --- under the engine -------------------------------------------------------------------------------------

def build(consumer_args: KafkaConsumerArgs = BASE):
    def program():
        keda = Keda("keda", KedaArgs(oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER,
                                     operator_policy_statements=lag_reader_policy_statements(
                                         CLUSTER, "features", "feature-processors")))
        KafkaConsumer("fp", dataclasses.replace(consumer_args, keda_release=keda.release))
    return run_program(program)


def test_scaled_object_reads_the_lag_over_msk_iam_up_to_the_partitions():
    ev = build()
    spec = ev.one(SO, "fp-scaled-object").inputs["spec"]
    assert spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "feature-processors"}
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 10)
    [trigger] = spec["triggers"]
    assert trigger["type"] == "apache-kafka"
    assert trigger["authenticationRef"] == {"name": "feature-processors"}
    assert trigger["metadata"] == {
        "bootstrapServers": "b-1.kafka:9098,b-2.kafka:9098", "consumerGroup": "feature-processors",
        "topic": "features", "lagThreshold": "100", "offsetResetPolicy": "earliest", "allowIdleConsumers": "false",
        "sasl": "aws_msk_iam", "tls": "enable", "awsRegion": "us-east-1"}


def test_trigger_authentication_uses_the_keda_operators_identity():
    ev = build()
    assert ev.one(AUTH, "fp-trigger-auth").inputs["spec"] == {"podIdentity": {"provider": "aws",
                                                                             "identityOwner": "keda"}}


def test_keda_objects_wait_for_the_release_that_installs_their_crds():
    ev = build()
    release = ev.one("kubernetes:helm.sh/v3:Release", "keda-release")
    for kind, name in ((SO, "fp-scaled-object"), (AUTH, "fp-trigger-auth")):
        assert release.urn in ev.one(kind, name).depends_on
    assert release.inputs["chart"] == "keda" and release.inputs["version"] == "2.18.3"
    assert release.inputs["repositoryOpts"]["repo"] == "https://kedacore.github.io/charts"


def test_consumer_role_trusts_only_its_service_account_and_may_only_consume():
    ev = build()
    role = ev.one(ROLE, "fp-role")
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["StringEquals"]["oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"] == \
        "system:serviceaccount:feature-processors:feature-processors"
    policy = json.loads(ev.one(ROLE_POLICY, "fp-policy").inputs["policy"])
    assert policy["Statement"] == consumer_policy_statements(CLUSTER, "features", "feature-processors")
    account = ev.one("kubernetes:core/v1:ServiceAccount", "fp-service-account").inputs
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].endswith("fp-role")
    assert account["automountServiceAccountToken"] is False


def test_keda_operator_role_trusts_keda_operator_and_only_describes():
    ev = build()
    [statement] = json.loads(ev.one(ROLE, "keda-operator-role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["StringEquals"]["oidc.eks.us-east-1.amazonaws.com/id/ABC:sub"] == \
        "system:serviceaccount:keda:keda-operator"
    policy = json.loads(ev.one(ROLE_POLICY, "keda-operator-policy").inputs["policy"])
    assert actions(policy["Statement"]) == {"kafka-cluster:Connect", "kafka-cluster:DescribeTopic",
                                            "kafka-cluster:DescribeGroup"}


def test_deployment_has_no_replicas_and_a_hardened_consumer_with_its_kafka_settings():
    ev = build()
    spec = ev.one("kubernetes:apps/v1:Deployment", "fp-deployment").inputs["spec"]
    assert "replicas" not in spec
    [container] = spec["template"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["KAFKA_TOPIC"] == "features" and env["KAFKA_CONSUMER_GROUP"] == "feature-processors"
    assert env["KAFKA_SASL_MECHANISM"] == "AWS_MSK_IAM" and env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_AUTO_OFFSET_RESET"] == "earliest" and env["AWS_REGION"] == "us-east-1"
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "256Mi"},
                                      "limits": {"cpu": "500m", "memory": "256Mi"}}
    context = container["securityContext"]
    assert context["runAsNonRoot"] and context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]


def test_scale_to_zero_and_a_lower_ceiling_reach_the_scaled_object():
    ev = build(args(min_replicas=0, max_replicas=5, lag_threshold=50))
    spec = ev.one(SO, "fp-scaled-object").inputs["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (0, 5)
    assert spec["triggers"][0]["metadata"]["lagThreshold"] == "50"


def test_roles_carry_the_house_tags():
    assert untagged(build()) == []


# --- the stack --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("stack, floor, ceiling", [("dev", 0, 2), ("prod", 1, MESSAGING.partitions)])
def test_stack_consumer_reads_the_design_topic_within_its_partitions(stack, floor, ceiling):
    ev = stack_evaluation(stack)
    topic = ev.one("aws:msk/topic:Topic", "streaming-topic-features")
    spec = ev.one(SO, "feature-processors-scaled-object").inputs["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (floor, ceiling)
    assert spec["maxReplicaCount"] <= topic.inputs["partitionCount"]
    assert spec["triggers"][0]["metadata"]["topic"] == topic.inputs["name"] == MESSAGING.topic


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_pods_reach_the_brokers_through_the_node_security_group(stack):
    # The consumer and KEDA run on the EKS nodes, whose (cluster) security group the brokers admit on 9098.
    ev = stack_evaluation(stack)
    cluster = ev.one("aws:eks/cluster:Cluster", "eks-cluster")
    brokers_in = [r for r in ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                  if r.name.startswith("streaming-ingress-app-") and r.inputs["fromPort"] == 9098]
    assert any(cluster.urn in r.property_dependencies.get("referencedSecurityGroupId", []) for r in brokers_in)


def test_namespace_denies_everything_but_dns_the_brokers_and_sts():
    ev = build(args(vpc_cidr="10.0.0.0/16"))
    policies = {p.name: p.inputs["spec"] for p in ev.by_type("kubernetes:networking.k8s.io/v1:NetworkPolicy")}
    assert policies["fp-default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    allowance = policies["fp-network-policy"]
    assert allowance["ingress"] == [] and allowance["podSelector"] == {
        "matchLabels": {"app.kubernetes.io/name": "feature-processors"}}
    dns, brokers, https = allowance["egress"]
    assert {p["port"] for p in dns["ports"]} == {53}
    assert brokers == {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 9098}]}
    assert https == {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}],
                     "ports": [{"protocol": "TCP", "port": 443}]}
    with pytest.raises(ValueError, match=re.escape("vpc_cidr: '10.0.0.1/16' is not an IPv4 CIDR block")):
        validate_kafka_consumer_args(args(vpc_cidr="10.0.0.1/16"))


def test_with_interface_endpoints_and_no_internet_sts_is_reached_inside_the_vpc_only():
    ev = build(args(vpc_cidr="10.0.0.0/16", aws_endpoint_cidrs=("10.0.192.0/21",), internet_https=False))
    allowance = ev.one("kubernetes:networking.k8s.io/v1:NetworkPolicy", "fp-network-policy").inputs["spec"]
    assert allowance["egress"][-1] == {"to": [{"ipBlock": {"cidr": "10.0.192.0/21"}}],
                                       "ports": [{"protocol": "TCP", "port": 443}]}


@pytest.mark.parametrize("change, message", [
    (dict(internet_https=False), "vpc_cidr: none while aws_endpoint_cidrs or internet_https=False narrow"),
    (dict(aws_endpoint_cidrs=("10.0.192.0/21",)), "vpc_cidr: none while aws_endpoint_cidrs"),
    (dict(vpc_cidr="10.0.0.0/16", internet_https=False), "internet_https: False with no aws_endpoint_cidrs"),
    (dict(vpc_cidr="10.0.0.0/16", aws_endpoint_cidrs=("10.1.0.0/24",)), "aws_endpoint_cidrs: '10.1.0.0/24' is "
                                                                        "outside the VPC 10.0.0.0/16"),
])
def test_narrowed_https_egress_is_checked(change, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_kafka_consumer_args(args(**change))
