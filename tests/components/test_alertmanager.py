"""Alertmanager: the SNS receiver, the publisher role's exact policy and validation without the engine, then the
role, the pinned release and its values under the mock engine."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.alertmanager import (
    SUBJECT,
    Alertmanager,
    AlertmanagerArgs,
    alertmanager_config,
    alertmanager_demand,
    discovery_address,
    publisher_policy,
    topic_region,
    validate_alertmanager_args,
)
from components.metrics_pipeline import MetricsPipeline, MetricsPipelineArgs
from tests.conftest import run_program

TOPIC = "arn:aws:sns:eu-west-1:123456789012:scaling-dev-observability-alarms"
KEY = "arn:aws:kms:eu-west-1:123456789012:key/0a1b2c3d-0000-0000-0000-000000000000"
ISSUER = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"
PROVIDER = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC"
BASE = AlertmanagerArgs(oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER, topic_arn=TOPIC, topic_key_arn=KEY)
RELEASE, ROLE, ROLE_POLICY = "kubernetes:helm.sh/v3:Release", "aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy"


# --- pure -------------------------------------------------------------------------------------------------

def test_receiver_publishes_every_alert_to_the_topic_in_its_region_and_resolutions_too():
    config = alertmanager_config(TOPIC)
    assert config["route"]["receiver"] == "sns-alarm-topic"
    assert config["route"]["group_by"] == ["alertname", "namespace", "horizontalpodautoscaler"]
    assert config["route"]["repeat_interval"] == "4h"
    assert config["receivers"] == [{"name": "sns-alarm-topic", "sns_configs": [{
        "topic_arn": TOPIC, "sigv4": {"region": "eu-west-1"}, "subject": SUBJECT, "send_resolved": True}]}]
    # No static keys: the SDK's default chain reads the IRSA web-identity token.
    assert "access_key" not in json.dumps(config) and "role_arn" not in json.dumps(config)
    other = alertmanager_config("arn:aws:sns:us-east-2:123456789012:alarms", "30m")
    assert other["receivers"][0]["sns_configs"][0]["sigv4"] == {"region": "us-east-2"}
    assert other["route"]["repeat_interval"] == "30m"


def test_subject_is_cut_at_the_100_characters_sns_accepts():
    # The template itself is Go text/template; its outer printf "%.100s" is what bounds it.
    assert SUBJECT.startswith('{{ printf "%.100s" (') and ".CommonLabels.horizontalpodautoscaler" in SUBJECT


def test_publisher_policy_is_exactly_publish_to_the_topic_and_its_key_through_sns():
    assert json.loads(publisher_policy(TOPIC, KEY)) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "PublishAlertsToTheAlarmTopic", "Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC},
        {"Sid": "EncryptThroughSnsForTheAlarmTopic", "Effect": "Allow",
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": KEY,
         "Condition": {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com",
                                        "kms:EncryptionContext:aws:sns:topicArn": TOPIC}}},
    ]}


def test_topic_region_comes_from_the_arn_and_anything_else_is_refused():
    assert topic_region("arn:aws-us-gov:sns:us-gov-west-1:123456789012:t") == "us-gov-west-1"
    with pytest.raises(ValueError, match="topic_arn: 'arn:aws:sqs:eu-west-1:123456789012:q' is not an SNS topic ARN"):
        topic_region("arn:aws:sqs:eu-west-1:123456789012:q")


@pytest.mark.parametrize("changes, message", [
    (dict(namespace="Monitoring"), "namespace: 'Monitoring' is not a DNS label"),
    (dict(chart_version="1.x"), "chart_version: '1.x' is not a pinned chart version"),
    (dict(repeat_interval="4 hours"), "repeat_interval: '4 hours' is not a duration"),
    (dict(topic_arn="my-topic"), "topic_arn: 'my-topic' is not an SNS topic ARN"),
    (dict(environment="qa"), "environment: 'qa' is not allowed"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_alertmanager_args(dataclasses.replace(BASE, **changes))
    assert message in str(info.value)


def test_demand_and_discovery_address():
    assert alertmanager_demand(BASE).pods == 2
    assert alertmanager_demand(dataclasses.replace(BASE, highly_available=False)).pods == 1
    assert discovery_address("monitoring") == "alertmanager-headless.monitoring.svc.cluster.local:9093"


# --- under the engine -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def declared():
    def program():
        pipeline = MetricsPipeline("metrics", MetricsPipelineArgs(alertmanager_address=discovery_address("monitoring")))
        Alertmanager("am", dataclasses.replace(BASE, prometheus_release=pipeline.prometheus))
    return run_program(program)


def test_role_trusts_only_alertmanagers_service_account_and_holds_the_exact_policy(declared):
    [statement] = json.loads(declared.one(ROLE, "am-role").inputs["assumeRolePolicy"])["Statement"]
    assert statement["Condition"]["StringEquals"] == {
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:monitoring:alertmanager",
        "oidc.eks.eu-west-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert json.loads(declared.one(ROLE_POLICY, "am-policy").inputs["policy"]) == json.loads(
        publisher_policy(TOPIC, KEY))


def test_release_is_pinned_and_waits_for_the_pipelines_prometheus(declared):
    release = declared.one(RELEASE, "am-release")
    inputs = release.inputs
    assert (inputs["name"], inputs["chart"], inputs["version"], inputs["namespace"]) == (
        "alertmanager", "alertmanager", "1.20.1", "monitoring")
    assert inputs["repositoryOpts"]["repo"] == "https://prometheus-community.github.io/helm-charts"
    assert inputs["atomic"] is True
    assert declared.one(RELEASE, "metrics-prometheus").urn in release.depends_on


def test_release_values_name_the_role_the_topic_and_no_volume(declared):
    values = declared.one(RELEASE, "am-release").inputs["values"]
    account = values["serviceAccount"]
    assert (account["create"], account["name"]) == (True, "alertmanager")
    assert account["annotations"]["eks.amazonaws.com/role-arn"]== "arn:aws:iam:us-east-1:123456789012:am-role"  # the mock ARN
    assert values["fullnameOverride"] == "alertmanager"  # the headless Service Prometheus resolves
    assert values["persistence"] == {"enabled": False}
    assert values["replicaCount"] == 2 and values["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert values["config"] == {"enabled": True, **alertmanager_config(TOPIC)}
    assert values["resources"]["requests"] == {"cpu": "20m", "memory": "64Mi"}
