import json

import pytest

from policies import iam
from tests.policies import UNKNOWN, link, resource, run, run_stack
from tests.policies.cases import Case, case_tests

POLICY, ROLE = "aws:iam/policy:Policy", "aws:iam/role:Role"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
TOPIC = "arn:aws:kafka:us-east-1:1:topic/c/u/features"


def doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource, **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


SCOPED = {"policy": doc(allow(["kafka-cluster:ReadData"], TOPIC), allow("ec2:DescribeInstances", "*"))}
WILD = {"policy": doc(allow(["kafka-cluster:ReadData", "ec2:DescribeInstances"], "*"))}

CASES = [
    Case(iam.no_wildcard_resource, POLICY, SCOPED, WILD, {"name": "p"}, False, "kafka-cluster:ReadData on Resource '*'"),
    Case(iam.no_wildcard_resource, "aws:iam/rolePolicy:RolePolicy", SCOPED,
         {"policy": doc(allow("eks:DescribeNodegroup", ["*"]))}, {"role": "r"}, False, "eks:DescribeNodegroup",
         id="inline-role-policy"),
    Case(iam.no_wildcard_resource, ROLE, {"inlinePolicies": [{"name": "i", **SCOPED}]},
         {"inlinePolicies": [{"name": "i", **WILD}]}, {"assumeRolePolicy": "{}"}, False, "inlinePolicies[0] allows",
         id="role-inline-policies"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_only_the_restrictable_actions_of_a_wildcard_statement_are_named():
    [message] = run(iam.no_wildcard_resource, POLICY, WILD)
    assert "kafka-cluster:ReadData" in message and "ec2:DescribeInstances" not in message


@pytest.mark.parametrize("statement, reported", [
    (allow("ecr:GetAuthorizationToken", "*"), False),
    (allow(["autoscaling:DescribeAutoScalingGroups", "elasticloadbalancing:DescribeTargetHealth"], "*"), False),
    (allow("s3:*", "*"), True),
    (allow("*", "*"), True),
    (allow("rds-db:connect", "*"), True),
    ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, True),
    ({"Effect": "Deny", "Action": "*", "Resource": "*"}, False),                # denying everything is fine
    # Tag-scoped: the ARNs are unknown in advance, the condition limits the statement to tagged resources.
    (allow("autoscaling:SetDesiredCapacity", "*",
           Condition={"StringEquals": {"aws:ResourceTag/k8s.io/cluster-autoscaler/c": "owned"}}), False),
    (allow("autoscaling:SetDesiredCapacity", "*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}), True),
])
def test_wildcard_statements(statement, reported):
    assert bool(run(iam.no_wildcard_resource, POLICY, {"policy": doc(statement)})) is reported


def test_the_allow_list_is_a_knob():
    statement = {"policy": doc(allow("eks:DescribeNodegroup", "*"))}
    assert run(iam.no_wildcard_resource, POLICY, statement)
    assert run(iam.no_wildcard_resource, POLICY, statement, {"unrestrictableActions": ["eks:Describe*"]}) == []


def test_unknown_document_is_not_a_violation_but_raises_for_the_preview_note():
    from pulumi_policy.proxy import UnknownValueError
    with pytest.raises(UnknownValueError):
        run(iam.no_wildcard_resource, POLICY, {"policy": UNKNOWN})


# --- aws-iam-no-unattached-data-policy ------------------------------------------------------------------

DATA = {"policy": doc(allow(["kafka-cluster:Connect"], "arn:aws:kafka:us-east-1:1:cluster/c/u"))}


def test_data_policy_attached_through_a_role_policy_attachment_passes():
    policy = resource(POLICY, "kafka", DATA)
    attachment = link(resource(ATTACHMENT, "att", {"role": "app", "policyArn": UNKNOWN}), "policyArn", policy)
    assert run_stack(iam.no_unattached_data_policy, [policy, attachment]) == []


def test_data_policy_attached_by_known_arn_or_listed_on_a_role_passes():
    policy = resource(POLICY, "kafka", {**DATA, "arn": "arn:aws:iam::1:policy/kafka"})
    by_arn = resource(ATTACHMENT, "att", {"role": "app", "policyArn": "arn:aws:iam::1:policy/kafka"})
    assert run_stack(iam.no_unattached_data_policy, [policy, by_arn]) == []
    role = resource(ROLE, "app", {"managedPolicyArns": ["arn:aws:iam::1:policy/kafka"]})
    assert run_stack(iam.no_unattached_data_policy, [policy, role]) == []


@pytest.mark.parametrize("action", ["kafka-cluster:*", "rds-db:connect", "secretsmanager:GetSecretValue",
                                    "secretsmanager:*", "*"])
def test_unattached_data_policy_is_reported(action):
    policy = resource(POLICY, "dead", {"policy": doc(allow(action, "arn:aws:x:us-east-1:1:thing"))})
    other = resource(POLICY, "other", {"arn": "arn:aws:iam::1:policy/other", "policy": DATA["policy"]})
    attached_elsewhere = link(resource(ATTACHMENT, "att", {"role": "app", "policyArn": UNKNOWN}), "policyArn", other)
    found = run_stack(iam.no_unattached_data_policy, [policy, other, attached_elsewhere])
    assert [urn for _, urn in found] == [policy.urn]
    assert "no role, user or group holds it" in found[0][0]


def test_unattached_policy_without_data_actions_is_not_this_rules_business():
    logs = doc(allow("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:g"))
    policy = resource(POLICY, "logs", {"policy": logs})
    deny_all = doc({"Effect": "Deny", "Action": "kafka-cluster:*", "Resource": "*"})
    denied = resource(POLICY, "deny", {"policy": deny_all})
    assert run_stack(iam.no_unattached_data_policy, [policy, denied]) == []


def test_unknown_document_in_preview_raises_after_judging_the_others():
    from pulumi_policy.proxy import UnknownValueError
    dead = resource(POLICY, "dead", DATA)
    pending = resource(POLICY, "pending", {"policy": UNKNOWN})
    found = []
    with pytest.raises(UnknownValueError):
        iam.no_unattached_data_policy.validate(
            __import__("pulumi_policy").StackValidationArgs([pending, dead], {}),
            lambda message, urn=None: found.append(urn))
    assert found == [dead.urn]


# --- KMS key policies
KEY = iam.KMS_KEY
ROOT_ADMIN = {"Sid": "AccountAdministersTheKey", "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "kms:*", "Resource": "*"}
LOGS = {"Sid": "Logs", "Effect": "Allow", "Principal": {"Service": "logs.us-east-1.amazonaws.com"},
        "Action": ["kms:Encrypt*", "kms:Decrypt*"], "Resource": "*",
        "Condition": {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn":
                                    "arn:aws:logs:us-east-1:123456789012:log-group:g"}}}
KEY_CASES = [
    Case(iam.kms_key_explicit_policy, KEY, {"policy": doc(ROOT_ADMIN, LOGS)},
         {"policy": doc(ROOT_ADMIN, {**LOGS, "Condition": {}})}, {"enableKeyRotation": True}, True,
         "lets logs.us-east-1.amazonaws.com use the key for anything", id="kms-key-policy"),
]
(test_key_policy_compliant, test_key_policy_violating, test_key_policy_missing,
 test_key_policy_other_types_ignored) = case_tests(KEY_CASES)


@pytest.mark.parametrize("statements, reported", [
    ([LOGS], "no statement lets the account (arn:...:iam::<account>:root) administer the key"),
    ([ROOT_ADMIN, {**LOGS, "Principal": "*"}], "statement Logs allows any principal ('*')"),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"AWS": "*"}}], "statement Logs allows any principal ('*')"),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"AWS": "arn:aws:iam::123456789012:role/app"}}],
     "statement Logs names arn:aws:iam::123456789012:role/app: grant roles and users through IAM policies"),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"Federated": "cognito-identity.amazonaws.com"}}],
     "statement Logs names a Federated principal"),
])
def test_key_policy_findings(statements, reported):
    messages = run(iam.kms_key_explicit_policy, KEY, {"policy": doc(*statements)})
    assert len(messages) == 1 and messages[0].startswith(reported), messages


def test_key_policy_accepts_an_account_id_principal_and_ignores_deny_statements():
    deny_all = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
    by_id = {**ROOT_ADMIN, "Principal": {"AWS": "123456789012"}}
    assert run(iam.kms_key_explicit_policy, KEY, {"policy": doc(by_id, deny_all)}) == []


def test_key_policy_that_is_not_json_and_unknown_during_preview():
    assert run(iam.kms_key_explicit_policy, KEY, {"policy": "not json"}) == [
        "policy has no statement (not a JSON key policy)"]
    from pulumi_policy.proxy import UnknownValueError
    with pytest.raises(UnknownValueError):  # the analyzer prints its "can't run during preview" note
        run(iam.kms_key_explicit_policy, KEY, {"policy": UNKNOWN})
