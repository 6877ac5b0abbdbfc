"""Key policies (issue 17 items 1 and 5): every key of both stacks has an explicit policy, and every log group is
encrypted with a key that CloudWatch Logs may use for exactly the log groups that use it."""

from __future__ import annotations

import json
from collections import defaultdict

from components.encryption import LOGS_KEY_ACTIONS, key_policy, log_group_arn, logs_key_statement
from offline.engine import FAKE_ACCOUNT
from tests.conftest import stack_evaluation

LOG_GROUP, KEY = "aws:cloudwatch/logGroup:LogGroup", "aws:kms/key:Key"
ROOT = f"arn:aws:iam::{FAKE_ACCOUNT}:root"


def test_key_policy_is_the_account_administrator_then_the_service_statements():
    statement = logs_key_statement("aws", "eu-west-1", "111122223333", ["a", "b"])
    policy = json.loads(key_policy("aws", "111122223333", statement))
    assert policy["Statement"][0] == {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
                                      "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*",
                                      "Resource": "*"}
    assert policy["Statement"][1:] == [statement]
    assert statement["Principal"] == {"Service": "logs.eu-west-1.amazonaws.com"}
    assert statement["Action"] == list(LOGS_KEY_ACTIONS)
    assert statement["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn": [
        "arn:aws:logs:eu-west-1:111122223333:log-group:a", "arn:aws:logs:eu-west-1:111122223333:log-group:b"]}}


def test_one_log_group_is_named_as_a_string_and_its_arn_has_no_stream_suffix():
    statement = logs_key_statement("aws-cn", "cn-north-1", "111122223333", ["/aws/eks/c/cluster"])
    assert statement["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"] == \
        "arn:aws-cn:logs:cn-north-1:111122223333:log-group:/aws/eks/c/cluster"
    assert not log_group_arn("aws", "us-east-1", "1", "g").endswith(":*")


def _keys_and_groups(stack: str):
    ev = stack_evaluation(stack)
    keys = {k.urn: k for k in ev.by_type(KEY)}
    groups_of_key = defaultdict(list)
    for group in ev.by_type(LOG_GROUP):
        [key_urn] = group.property_dependencies.get("kmsKeyId", [None])
        assert key_urn in keys, f"{group.name} is not encrypted with a key of the stack"
        groups_of_key[key_urn].append(group)
    return ev, keys, groups_of_key


def test_every_log_group_has_a_key_for_exactly_the_groups_that_use_it(each_stack):
    stack = each_stack.config["scaling:environment"]
    _, keys, groups_of_key = _keys_and_groups(stack)
    # flow logs, WAF, EKS control plane, cache slow + engine, MSK brokers: five keys, six groups
    assert sorted(len(g) for g in groups_of_key.values()) == [1, 1, 1, 1, 2]
    for key_urn, groups in groups_of_key.items():
        statements = json.loads(keys[key_urn].inputs["policy"])["Statement"]
        assert [s["Principal"] for s in statements] == [{"AWS": ROOT}, {"Service": "logs.us-east-1.amazonaws.com"}]
        named = statements[1]["Condition"]["ArnEquals"]["kms:EncryptionContext:aws:logs:arn"]
        named = named if isinstance(named, list) else [named]
        assert sorted(named) == sorted(
            f"arn:aws:logs:us-east-1:{FAKE_ACCOUNT}:log-group:{g.inputs['name']}" for g in groups)


def test_prod_keeps_every_log_group_a_year_and_dev_shortens_only_what_its_stack_file_sets():
    _, _, prod = _keys_and_groups("prod")
    assert {g.inputs["retentionInDays"] for groups in prod.values() for g in groups} == {365}
    _, _, dev = _keys_and_groups("dev")
    retention = {g.name: g.inputs["retentionInDays"] for groups in dev.values() for g in groups}
    shortened = {name: days for name, days in retention.items() if days < 365}
    # Pulumi.dev.yaml: scaling:networkFlowLogRetentionDays 30, scaling:rateLimitLogRetentionDays 14
    assert shortened == {"network-flow-logs": 30, "edge-rate-limit-logs": 14}


def test_every_key_of_both_stacks_has_an_explicit_policy_administered_by_the_account(each_stack):
    for key in each_stack.by_type(KEY):
        policy = key.inputs.get("policy")
        assert policy, f"{key.name} relies on AWS's implicit default key policy"
        statements = json.loads(policy)["Statement"]
        assert statements[0]["Principal"] == {"AWS": ROOT} and statements[0]["Action"] == "kms:*", key.name
        for statement in statements[1:]:  # services only, each held to one resource by a condition
            assert set(statement["Principal"]) == {"Service"} and statement["Condition"], key.name
