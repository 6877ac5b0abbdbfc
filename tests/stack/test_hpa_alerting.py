"""The HPA-at-maximum alert wired through the stack: the pipeline's Prometheus evaluates the rule and sends to the
Alertmanager the observability tier declares, which publishes to the topic the CloudWatch alarms notify, with a
role that may do exactly that; the node group is sized for the new pods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from components.alertmanager import alertmanager_config, discovery_name, publisher_policy
from components.metrics_pipeline import alerting_rules
from stack.config import ConfigurationError
from stack.kubernetes import pipeline_args
from stack.preflight import load_checked_settings
from tests.conftest import evaluate_stack, operator_values

ROOT = Path(__file__).resolve().parents[2]
RELEASE = "kubernetes:helm.sh/v3:Release"


@pytest.fixture(scope="module", params=["dev", "prod"])
def applied(request):
    """The stack with known (mock) ARNs, so values built from other resources can be compared."""
    evaluation = evaluate_stack(request.param, preview=False)
    assert evaluation.error is None, evaluation.error
    return request.param, evaluation


def test_prometheus_evaluates_the_rule_and_sends_to_the_stacks_alertmanager(applied):
    stack, ev = applied
    values = ev.one(RELEASE, "metrics-prometheus").inputs["values"]
    settings = load_checked_settings(_config(stack), stack)
    assert values["serverFiles"]["alerting_rules.yml"] == alerting_rules(pipeline_args(settings))
    assert values["server"]["alertmanagers"] == [{"dns_sd_configs": [{
        "names": [discovery_name("monitoring")], "type": "A", "port": 9093}]}]
    alertmanager = ev.one(RELEASE, "alertmanager-release").inputs
    # The name Prometheus resolves is the one the release creates: <fullname>-headless in the same namespace.
    assert (alertmanager["values"]["fullnameOverride"], alertmanager["namespace"]) == ("alertmanager", "monitoring")
    assert alertmanager["values"]["replicaCount"] == (2 if stack == "prod" else 1)


def test_alertmanager_publishes_to_the_topic_the_cloudwatch_alarms_notify(applied):
    _, ev = applied
    alarm_topics = {a for r in ev.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
                    for a in r.inputs["alarmActions"]}
    [topic_arn] = alarm_topics
    config = ev.one(RELEASE, "alertmanager-release").inputs["values"]["config"]
    assert config == {"enabled": True, **alertmanager_config(topic_arn)}
    assert config["receivers"][0]["sns_configs"][0]["topic_arn"] == topic_arn


def test_alertmanager_role_may_publish_to_that_topic_with_its_key_only(applied):
    _, ev = applied
    topic = ev.one("aws:sns/topic:Topic", "observability-topic")
    [topic_arn] = {a for r in ev.resources if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"
                   for a in r.inputs["alarmActions"]}
    policy = json.loads(ev.one("aws:iam/rolePolicy:RolePolicy", "alertmanager-policy").inputs["policy"])
    assert policy == json.loads(publisher_policy(topic_arn, topic.inputs["kmsMasterKeyId"]))
    assert policy["Statement"][0]["Resource"] == topic_arn


def _config(stack: str) -> dict:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    return {**config, **operator_values(stack)}


def test_node_capacity_counts_alertmanager_and_kube_state_metrics():
    # One node cannot hold the tier; the refusal lists every pod the check counted.
    with pytest.raises(ConfigurationError) as info:
        load_checked_settings({**_config("dev"), "scaling:eksNodeMaxSize": "1", "scaling:eksNodeMinSize": "1"}, "dev")
    [problem] = [p for p in info.value.problems if "pods at their maximum" in p]
    assert "2 x alertmanager" in problem and "1 x kube-state-metrics" in problem
