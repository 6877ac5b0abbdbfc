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


@pytest.mark.parametrize("order", ["unknown first", "unknown last"])
def test_an_unknown_managed_policy_list_decides_nothing_whatever_the_order(order):
    from pulumi_policy.proxy import UnknownValueError
    policy = resource(POLICY, "kafka", DATA)
    pending_role = resource(ROLE, "pending", {"managedPolicyArns": UNKNOWN})
    attachment = link(resource(ATTACHMENT, "att", {"role": "app", "policyArn": UNKNOWN}), "policyArn", policy)
    members = [pending_role, attachment] if order == "unknown first" else [attachment, pending_role]
    assert run_stack(iam.no_unattached_data_policy, [policy, *members]) == []
    # With nothing else to prove it, the unknown list leaves the policy unjudged, never reported as unattached.
    found = []
    with pytest.raises(UnknownValueError):
        iam.no_unattached_data_policy.validate(__import__("pulumi_policy").StackValidationArgs([policy, pending_role], {}),
                                               lambda message, urn=None: found.append(urn))
    assert found == []


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


# ---------------------------------------------------------------- whole messages and branches (issue 19, mutation)

WILD_TAIL = (" on Resource '*'; these actions support resource-level permissions, so the statement should name the "
             "ARNs it needs")


@pytest.mark.parametrize("statements, config, expected", [
    # every restrictable action named once, sorted; the unrestrictable ones (matched case-insensitively) left out
    ([allow(["s3:PutObject", "s3:GetObject", "EC2:describeInstances"], "*"), allow("s3:GetObject", ["x", "*"])], None,
     ["policy allows s3:GetObject, s3:PutObject" + WILD_TAIL]),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}], None, ["policy allows NotAction 'iam:*'" + WILD_TAIL]),
    ([{"Effect": "Allow", "NotAction": ["iam:*"], "Action": "s3:GetObject", "Resource": "*"}], None,
     ["policy allows NotAction ['iam:*']" + WILD_TAIL]),
    ([allow("s3:GetObject", "arn:aws:s3:::b/*"), {"Action": "s3:*", "Resource": "*"}], None, []),  # no Effect: no Allow
    ([allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:RequestTag/team": "a"}})], None, []),
    ([allow("s3:GetObject", "*", Condition={"StringLike": {"AWS:RESOURCETAG/team": "a"}})], None, []),
    ([allow("s3:GetObject", "*", Condition={"Null": ["aws:ResourceTag/team"]})], None,
     ["policy allows s3:GetObject" + WILD_TAIL]),
    ([allow("s3:GetObject", "*", Condition="aws:ResourceTag/team")], None, ["policy allows s3:GetObject" + WILD_TAIL]),
    ([allow("eks:DescribeNodegroup", "*")], {"unrestrictableActions": ["EKS:Describe*"]}, []),
    ([allow("eks:DescribeNodegroup", "*")], {"unrestrictableActions": ["eks:List*"]},
     ["policy allows eks:DescribeNodegroup" + WILD_TAIL]),
    ([allow(None, "*")], None, []),  # no Action at all: nothing granted
    # every statement is judged, past a denied, a NotAction and a tag-scoped one
    ([{"Effect": "Deny", "Action": "s3:*", "Resource": "*"}, allow("s3:PutObject", "*")], None,
     ["policy allows s3:PutObject" + WILD_TAIL]),
    ([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, allow("s3:PutObject", "*")], None,
     ["policy allows NotAction 'iam:*', s3:PutObject" + WILD_TAIL]),
    ([allow("s3:GetObject", "*", Condition={"StringEquals": {"aws:ResourceTag/team": "a"}}),
      allow("s3:PutObject", "*")], None, ["policy allows s3:PutObject" + WILD_TAIL]),
])
def test_wildcard_messages(statements, config, expected):
    assert run(iam.no_wildcard_resource, POLICY, {"policy": doc(*statements)}, config) == expected


def test_wildcard_rule_reads_object_documents_and_skips_what_is_not_a_document():
    as_object = {"Statement": [allow(["s3:GetObject"], "*")]}
    assert run(iam.no_wildcard_resource, POLICY, {"policy": as_object}) == ["policy allows s3:GetObject" + WILD_TAIL]
    single = json.dumps({"Statement": allow("s3:GetObject", "*")})  # one statement, not a list
    assert run(iam.no_wildcard_resource, POLICY, {"policy": single}) == ["policy allows s3:GetObject" + WILD_TAIL]
    for value in ("not json", "[1, 2]", json.dumps({"Statement": ["x", 1]})):
        assert run(iam.no_wildcard_resource, POLICY, {"policy": value}) == []


def test_role_inline_policies_are_named_by_index():
    inline = [{"name": "ok", **SCOPED}, {"name": "bad", "policy": doc(allow("s3:GetObject", "*"))}]
    assert run(iam.no_wildcard_resource, ROLE, {"inlinePolicies": inline}) == [
        "inlinePolicies[1] allows s3:GetObject" + WILD_TAIL]
    # a role's own "policy" key means nothing: only its inline policies are documents
    assert run(iam.no_wildcard_resource, ROLE, {"policy": doc(allow("s3:GetObject", "*"))}) == []


def test_plain_converts_proxies_to_dicts_and_lists():
    assert iam.document(json.dumps({"a": [1, {"b": None}]})) == {"a": [1, {"b": None}]}
    assert iam.document(None) == {}


DEAD_TAIL = (" but no role, user or group holds it: the application that needs the data cannot use it, and the policy "
             "is dead code")


def test_unattached_data_policy_message_is_whole():
    policy = resource(POLICY, "dead", {"policy": doc(allow(["rds-db:connect", "kafka-cluster:ReadData",
                                                             "rds-db:connect", "s3:GetObject"], "arn:x"))})
    assert run_stack(iam.no_unattached_data_policy, [policy]) == [
        (f"{POLICY} dead grants kafka-cluster:ReadData, rds-db:connect{DEAD_TAIL}", policy.urn)]


def test_data_actions_match_case_insensitively_and_only_when_allowed():
    upper = resource(POLICY, "upper", {"policy": doc(allow("KAFKA-CLUSTER:writedata", "arn:x"))})
    denied = resource(POLICY, "denied", {"policy": doc({"Effect": "Deny", "Action": "rds-db:connect",
                                                        "Resource": "arn:x"})})
    assert run_stack(iam.no_unattached_data_policy, [upper, denied]) == [
        (f"{POLICY} upper grants KAFKA-CLUSTER:writedata{DEAD_TAIL}", upper.urn)]


@pytest.mark.parametrize("data_action", iam.DATA_ACTIONS)
def test_every_data_action_needs_an_attachment(data_action):
    policy = resource(POLICY, "p", {"policy": doc(allow(data_action, "arn:x"))})
    assert run_stack(iam.no_unattached_data_policy, [policy]) == [(f"{POLICY} p grants {data_action}{DEAD_TAIL}",
                                                                   policy.urn)]


@pytest.mark.parametrize("attachment_type", list(iam.ATTACHMENTS))
def test_every_single_arn_attachment_attaches_by_link_arn_or_id(attachment_type):
    by_link = resource(POLICY, "by-link", DATA)
    by_arn = resource(POLICY, "by-arn", {**DATA, "arn": "arn:aws:iam::1:policy/a"})
    by_id = resource(POLICY, "by-id", {**DATA, "id": "policy-id"})
    attachments = [link(resource(attachment_type, "l", {"policyArn": UNKNOWN}), "policyArn", by_link),
                   resource(attachment_type, "a", {"policyArn": "arn:aws:iam::1:policy/a"}),
                   resource(attachment_type, "i", {"policyArn": "policy-id"})]
    assert run_stack(iam.no_unattached_data_policy, [by_link, by_arn, by_id, *attachments]) == []


def test_an_attachment_linked_through_another_input_does_not_attach():
    policy = resource(POLICY, "p", DATA)
    other = link(resource(ATTACHMENT, "att", {"role": UNKNOWN, "policyArn": "arn:other"}), "role", policy)
    assert run_stack(iam.no_unattached_data_policy, [policy, other]) == [(f"{POLICY} p grants kafka-cluster:Connect"
                                                                          f"{DEAD_TAIL}", policy.urn)]
    listed = link(resource(ROLE, "role", {"managedPolicyArns": ["arn:other"], "assumeRolePolicy": UNKNOWN}),
                  "assumeRolePolicy", policy)
    assert run_stack(iam.no_unattached_data_policy, [policy, listed]) == [(f"{POLICY} p grants kafka-cluster:Connect"
                                                                           f"{DEAD_TAIL}", policy.urn)]


def test_attachments_are_searched_past_one_that_does_not_match():
    policy = resource(POLICY, "p", {**DATA, "arn": "arn:aws:iam::1:policy/p"})
    unrelated = resource(ATTACHMENT, "first", {"policyArn": "arn:aws:iam::1:policy/other"})
    unrelated_role = resource(ROLE, "second", {"managedPolicyArns": ["arn:aws:iam::1:policy/other"]})
    holder = resource(ATTACHMENT, "third", {"policyArn": "arn:aws:iam::1:policy/p"})
    assert run_stack(iam.no_unattached_data_policy, [policy, unrelated, unrelated_role, holder]) == []
    holder_role = resource(ROLE, "fourth", {"managedPolicyArns": ["arn:aws:iam::1:policy/other",
                                                                  "arn:aws:iam::1:policy/p"]})
    assert run_stack(iam.no_unattached_data_policy, [policy, unrelated, unrelated_role, holder_role]) == []


@pytest.mark.parametrize("holder_type, prop", [(t, p) for t, p in iam.LIST_ATTACHMENTS.items()])
def test_every_list_attachment_attaches_by_link_arn_or_id(holder_type, prop):
    by_link = resource(POLICY, "by-link", DATA)
    by_arn = resource(POLICY, "by-arn", {**DATA, "arn": "arn:aws:iam::1:policy/a"})
    by_id = resource(POLICY, "by-id", {**DATA, "id": "policy-id"})
    # the known list first: a list with an unknown ARN leaves every policy it does not link undecided
    holders = [resource(holder_type, "k", {prop: ["arn:aws:iam::1:policy/a", "policy-id"]}),
               link(resource(holder_type, "l", {prop: [UNKNOWN]}), prop, by_link)]
    assert run_stack(iam.no_unattached_data_policy, [by_link, by_arn, by_id, *holders]) == []


NO_ADMIN = ("no statement lets the account (arn:...:iam::<account>:root) administer the key: IAM policies have no "
            "effect on it and nobody could manage it again")
DENY = {"Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*"}


@pytest.mark.parametrize("statements, expected", [
    ([ROOT_ADMIN, LOGS], []),
    ([{**ROOT_ADMIN, "Principal": {"AWS": ["arn:aws-us-gov:iam::123456789012:root"]}}], []),
    ([LOGS], [NO_ADMIN]),
    ([{**ROOT_ADMIN, "Effect": "Deny"}], [NO_ADMIN]),  # a Deny naming the account administers nothing
    ([{**ROOT_ADMIN, "Principal": {"Service": "arn:aws:iam::123456789012:root"}, "Condition": {"x": {}}}],
     [NO_ADMIN]),
    ([{**ROOT_ADMIN, "Principal": {"AWS": "arn:aws:iam::123456789012:rootx"}}],
     [NO_ADMIN, "statement AccountAdministersTheKey names arn:aws:iam::123456789012:rootx: grant roles and users "
                "through IAM policies, the key policy admits the account and service principals only"]),
    ([DENY, ROOT_ADMIN, {**LOGS, "Sid": "", "Principal": "*"}], ["statement 1 allows any principal ('*')"]),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"Service": "*"}}], ["statement Logs allows any principal ('*')"]),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"AWS": "*"}}], ["statement Logs allows any principal ('*')"]),
    # a principal kind of "*" (not one IAM defines) is read as the wildcard too, not as one more named kind
    ([ROOT_ADMIN, {**LOGS, "Principal": {"*": "arn:aws:iam::123456789012:role/a"}}],
     ["statement Logs allows any principal ('*')"]),
    ([ROOT_ADMIN, {**LOGS, "Condition": {}}],
     ["statement Logs lets logs.us-east-1.amazonaws.com use the key for anything: add a kms:ViaService, "
      "kms:EncryptionContext:... or aws:SourceArn condition"]),
    ([ROOT_ADMIN, {k: v for k, v in LOGS.items() if k not in ("Condition", "Sid")}],
     ["statement 1 lets logs.us-east-1.amazonaws.com use the key for anything: add a kms:ViaService, "
      "kms:EncryptionContext:... or aws:SourceArn condition"]),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"AWS": ["arn:aws:iam::123456789012:role/a", "123456789012"]}}],
     ["statement Logs names arn:aws:iam::123456789012:role/a: grant roles and users through IAM policies, the key "
      "policy admits the account and service principals only"]),
    ([ROOT_ADMIN, {**LOGS, "Principal": {"Federated": "cognito-identity.amazonaws.com"}}],
     ["statement Logs names a Federated principal cognito-identity.amazonaws.com"]),
    ([ROOT_ADMIN, {**LOGS, "Principal": ["arn:aws:iam::123456789012:role/a"]}], []),  # not a principal IAM reads
])
def test_key_policy_messages(statements, expected):
    assert run(iam.kms_key_explicit_policy, KEY, {"policy": doc(*statements)}) == expected


NOT_SET = ("policy is not set: the key relies on AWS's implicit default key policy; write it out (the account "
           "administers the key, services use it under conditions)")


@pytest.mark.parametrize("props, expected", [
    ({}, [NOT_SET]),
    ({"policy": ""}, [NOT_SET]),
    ({"policy": "not json"}, ["policy has no statement (not a JSON key policy)"]),
    ({"policy": doc()}, ["policy has no statement (not a JSON key policy)"]),
    ({"policy": {"Statement": [ROOT_ADMIN]}}, []),
])
def test_key_policy_absent_or_empty(props, expected):
    assert run(iam.kms_key_explicit_policy, KEY, props) == expected
