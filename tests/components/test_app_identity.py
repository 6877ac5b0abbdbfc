"""AppIdentity: validation without the engine, then policies, attachments and the IRSA role under the mock
engine."""

from __future__ import annotations

import dataclasses
import json
import re

import pulumi
import pytest

from components.app_identity import (
    MANAGED_POLICY_MAX_CHARS,
    AppIdentity,
    AppIdentityArgs,
    policy_document,
    validate_app_identity_args,
    workload_trust_policy,
)
from components.validation import ArgumentError
from offline.engine import resolve
from tests.conftest import run_program
from tests.helpers import untagged

POLICY, ATTACHMENT, ROLE = "aws:iam/policy:Policy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment", \
    "aws:iam/role:Role"
KAFKA = [{"Sid": "KafkaConnect", "Effect": "Allow", "Action": "kafka-cluster:Connect",
          "Resource": "arn:aws:kafka:us-east-1:1:cluster/c/u"}]
DATABASE = [{"Sid": "RdsProxyConnect", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": ["arn:aws:rds-db:us-east-1:1:dbuser:prx-a/app"]}]
ISSUER = "https://oidc.eks.us-east-1.amazonaws.com/id/ABC"
PROVIDER = "arn:aws:iam::1:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
BASE = AppIdentityArgs(grants={"kafka": KAFKA, "database": DATABASE}, instance_role_names=("api1-role", "api2-role"),
                       oidc_provider_arn=PROVIDER, oidc_issuer=ISSUER, service_account_namespace="ai-agent",
                       service_account_name="ai-agent")


def args(**changes) -> AppIdentityArgs:
    return dataclasses.replace(BASE, **changes)


# --- pure -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    (dict(grants={}), "grants: {} is empty"),
    (dict(grants={"Kafka": KAFKA}), "grants: name 'Kafka' is not allowed"),
    (dict(grants={f"g{i}": KAFKA for i in range(11)}), "grants: 11 grants; expected at most 10"),
    (dict(oidc_issuer=None), "oidc_issuer: not given; the workload role needs oidc_provider_arn, oidc_issuer"),
    (dict(service_account_name=""), "service_account_name: not given"),
    (dict(oidc_provider_arn=None, oidc_issuer=None),
     "oidc_provider_arn: not given; the workload role needs oidc_provider_arn, oidc_issuer, service_account_namespace "
     "and service_account_name together (missing: oidc_provider_arn, oidc_issuer)"),
    (dict(service_account_namespace="AI_Agent"), "service_account_namespace: 'AI_Agent' is not a Kubernetes namespace"),
    (dict(service_account_name="-agent"), "service_account_name: '-agent' is not a Kubernetes name"),
    (dict(instance_role_names=(), oidc_provider_arn=None, oidc_issuer=None, service_account_namespace="",
          service_account_name=""), "instance_role_names: () is empty and no service account is given"),
    (dict(environment="staging"), "environment: 'staging' is not allowed; expected one of 'dev', 'prod'"),
    (dict(service_account_name=None), "service_account_name: None is None; expected a string"),
])
def test_bad_arguments_are_refused_before_any_resource(changes, message):
    with pytest.raises(ArgumentError, match="^" + re.escape(message)):
        validate_app_identity_args(args(**changes))

    def program():
        with pytest.raises(ArgumentError, match="^" + re.escape(message)):
            AppIdentity("app", args(**changes))
    assert run_program(program).resources == []   # not even the component itself


def test_instance_roles_alone_or_the_service_account_alone_are_enough():
    validate_app_identity_args(args(oidc_provider_arn=None, oidc_issuer=None, service_account_namespace="",
                                    service_account_name=""))
    validate_app_identity_args(args(instance_role_names=()))


def test_trust_policy_admits_only_the_one_service_account_for_sts():
    [statement] = json.loads(workload_trust_policy(PROVIDER, ISSUER, "ai-agent", "worker"))["Statement"]
    assert statement["Principal"] == {"Federated": PROVIDER}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:sub": "system:serviceaccount:ai-agent:worker",
        "oidc.eks.us-east-1.amazonaws.com/id/ABC:aud": "sts.amazonaws.com"}}


def test_policy_document_is_compact_and_refused_when_empty_or_over_the_iam_limit():
    assert json.loads(policy_document("kafka", KAFKA)) == {"Version": "2012-10-17", "Statement": KAFKA}
    with pytest.raises(ArgumentError, match="grants: 'kafka' has no statements"):
        policy_document("kafka", [])
    resources = [f"arn:aws:rds-db:us-east-1:123456789012:dbuser:prx-{i:017x}/app" for i in range(90)]
    big = [{"Effect": "Allow", "Action": "rds-db:connect", "Resource": resources}]
    with pytest.raises(ArgumentError, match=f"grants: 'database' is .* characters as a policy document; IAM allows "
                                         f"{MANAGED_POLICY_MAX_CHARS}"):
        policy_document("database", big)
    assert len(policy_document("database", [{**big[0], "Resource": resources[:60]}])) <= MANAGED_POLICY_MAX_CHARS


# --- under the engine -----------------------------------------------------------------------------

def build(a: AppIdentityArgs = BASE, stack: str = "dev"):
    box: list[AppIdentity] = []

    def program():
        box.append(AppIdentity("app", a))
        pulumi.export("policyArns", box[0].policy_arns)
        pulumi.export("workloadRoleArn", box[0].workload_role_arn)
    return run_program(program, stack=stack), box[0]


def test_one_policy_per_grant_with_exactly_its_statements():
    ev, _ = build()
    policies = {p.name: json.loads(p.inputs["policy"]) for p in ev.by_type(POLICY)}
    assert policies == {"app-kafka": {"Version": "2012-10-17", "Statement": KAFKA},
                        "app-database": {"Version": "2012-10-17", "Statement": DATABASE}}
    # In grant order (the mock engine's ARNs end with the resource name).
    assert [arn.rsplit(":", 1)[1] for arn in ev.outputs["policyArns"]] == ["app-kafka", "app-database"]


def test_every_policy_is_attached_to_every_instance_role_and_the_workload_role():
    ev, _ = build()
    role = ev.one(ROLE, "app-workload-role")
    pairs = set()
    for attachment in ev.by_type(ATTACHMENT):
        policy = next(p for p in ev.by_type(POLICY) if p.urn in attachment.property_dependencies["policyArn"])
        assert attachment.parent == policy.urn
        if role.urn in attachment.property_dependencies.get("role", []):
            pairs.add((policy.name, "workload"))
        else:
            pairs.add((policy.name, attachment.inputs["role"]))
    assert pairs == {(p, r) for p in ("app-kafka", "app-database") for r in ("api1-role", "api2-role", "workload")}
    assert len(ev.by_type(ATTACHMENT)) == 6


def test_workload_role_trusts_the_service_account_and_is_exported():
    ev, _ = build()
    role = ev.one(ROLE, "app-workload-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == json.loads(
        workload_trust_policy(PROVIDER, ISSUER, "ai-agent", "ai-agent"))
    assert ev.outputs["workloadRoleArn"] == "arn:aws:iam:us-east-1:123456789012:app-workload-role"


def test_without_a_service_account_there_is_no_workload_role():
    ev, identity = build(args(oidc_provider_arn=None, oidc_issuer=None, service_account_namespace="",
                              service_account_name=""))
    assert ev.by_type(ROLE) == [] and ev.outputs["workloadRoleArn"] == ""
    assert {a.inputs["role"] for a in ev.by_type(ATTACHMENT)} == {"api1-role", "api2-role"}


def test_grants_given_as_outputs_resolve_into_the_documents():
    def program():
        statements = pulumi.Output.from_input("arn:aws:kafka:us-east-1:1:cluster/c/u").apply(
            lambda arn: [{"Effect": "Allow", "Action": "kafka-cluster:Connect", "Resource": arn}])
        AppIdentity("app", args(grants={"kafka": statements}))
    ev = run_program(program)
    assert json.loads(ev.one(POLICY, "app-kafka").inputs["policy"])["Statement"][0]["Resource"] == \
        "arn:aws:kafka:us-east-1:1:cluster/c/u"


def test_policies_and_role_carry_the_house_tags():
    ev, identity = build(args(tags={"Team": "app"}))
    assert untagged(ev) == []
    assert resolve(identity.policy_arns[0])[1]
