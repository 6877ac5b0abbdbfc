"""Walks over the declared prod resources in test mode (ARNs known) proving that the application can reach
its data: identity -> role -> policy attachment -> policy document -> the exact data ARNs, and a
security-group edge for each data port from each application security group (and no other way in).

The walks follow the links the engine records (property dependencies and known values), never the code
that built them, so a policy built but attached to nothing, or a grant on the wrong ARN, fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from offline.engine import FAKE_ACCOUNT, Evaluation, RecordedResource, evaluate
from tests.conftest import ROOT

ROLE, POLICY = "aws:iam/role:Role", "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
EGRESS = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
OPERATOR_VALUES = ROOT / "tests" / "fixtures" / "prod-operator-values.yaml"
DATA_PORTS = {"proxies": 5432, "cache": 6379, "brokers": 9098}
DATA_SERVICES = ("kafka-cluster", "rds-db", "secretsmanager", "kms")


@pytest.fixture(scope="module")
def prod() -> Evaluation:
    overrides = yaml.safe_load(Path(OPERATOR_VALUES).read_text())
    evaluation = evaluate("prod", root=ROOT, preview=False, config_overrides=overrides)
    assert evaluation.error is None, evaluation.error
    return evaluation


def by_urn(ev: Evaluation, urn: str) -> RecordedResource:
    return next(r for r in ev.resources if r.urn == urn)


def linked(ev: Evaluation, resource: RecordedResource, prop: str, type_: str) -> RecordedResource:
    """The one resource of ``type_`` that ``resource``'s input ``prop`` takes its value from."""
    [target] = [by_urn(ev, u) for u in resource.property_dependencies.get(prop, []) if by_urn(ev, u).type == type_]
    return target


def instance_roles(ev: Evaluation) -> dict[str, RecordedResource]:
    """Auto Scaling group -> launch template -> instance profile -> role, per EC2 pool."""
    roles = {}
    for group in ev.by_type("aws:autoscaling/group:Group"):
        template = linked(ev, group, "launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate")
        profile = linked(ev, template, "iamInstanceProfile", "aws:iam/instanceProfile:InstanceProfile")
        roles[group.name] = linked(ev, profile, "role", ROLE)
    return roles


def workload_role(ev: Evaluation) -> RecordedResource:
    """Service account -> the role its IRSA annotation names, which trusts exactly that service account."""
    # The workload's account (the stack's other accounts, such as the Kafka consumer's, hold other roles).
    [account] = [a for a in ev.by_type("kubernetes:core/v1:ServiceAccount") if a.name == "app-service-account"]
    meta = account.inputs["metadata"]
    role_arn = meta["annotations"]["eks.amazonaws.com/role-arn"]
    [role] = [r for r in ev.by_type(ROLE) if r.name == role_arn.rsplit(":", 1)[1]]
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    conditions = statement["Condition"]["StringEquals"]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert {k.rsplit(":", 1)[1]: v for k, v in conditions.items()} == {
        "sub": f"system:serviceaccount:{meta['namespace']}:{meta['name']}", "aud": "sts.amazonaws.com"}
    [provider] = ev.by_type("aws:iam/openIdConnectProvider:OpenIdConnectProvider")
    assert provider.urn in role.property_dependencies["assumeRolePolicy"]
    return role


def held_statements(ev: Evaluation, role: RecordedResource) -> list[dict]:
    """Allow statements of every customer-managed policy and inline policy ``role`` holds. AWS-managed
    policies (SSM, ECR read-only) are skipped: none of them reaches this stack's data."""
    statements = []
    for attachment in ev.by_type(ATTACHMENT):
        if role.urn not in attachment.property_dependencies.get("role", []):
            continue
        if not attachment.property_dependencies.get("policyArn"):
            assert attachment.inputs["policyArn"].startswith("arn:aws:iam::aws:policy/"), attachment.name
            continue
        policy = linked(ev, attachment, "policyArn", POLICY)
        statements += json.loads(policy.inputs["policy"])["Statement"]
    for inline in ev.by_type("aws:iam/rolePolicy:RolePolicy"):
        if role.urn in inline.property_dependencies.get("role", []):
            statements += json.loads(inline.inputs["policy"])["Statement"]
    return [s for s in statements if s["Effect"] == "Allow"]


def granted(statements: list[dict]) -> set[tuple[str, str]]:
    """(action, resource) pairs on the data tier's services (the roles also hold the app's other rights)."""
    def listed(v):
        return v if isinstance(v, list) else [v]
    return {(a, r) for s in statements for a in listed(s["Action"]) for r in listed(s["Resource"])
            if a.split(":")[0] in DATA_SERVICES}


def expected_grants(ev: Evaluation) -> set[tuple[str, str]]:
    """The exact (action, ARN) pairs the design's app needs, built from the declared resources' ARNs."""
    [topic] = [t for t in ev.by_type("aws:msk/topic:Topic") if t.inputs["name"] == "features"]
    cluster_arn = topic.inputs["clusterArn"]
    assert re.fullmatch(rf"arn:aws:kafka:us-east-1:{FAKE_ACCOUNT}:cluster/[^/]+/[^/]+", cluster_arn)
    topic_arn = cluster_arn.replace(":cluster/", ":topic/") + "/features"
    group_arn = cluster_arn.replace(":cluster/", ":group/") + "/feature-processors"
    proxy_arns = ev.outputs["dbProxyArns"]
    assert len(set(proxy_arns)) == len(ev.by_type("aws:rds/proxy:Proxy")) == 16
    user = ev.outputs["dbClientSettings"]["user"]
    secret_arn = ev.outputs["cacheAuthTokenSecretArn"]
    [key] = [k for k in ev.by_type("aws:kms/key:Key") if k.name == "cache-key"]
    [secret] = ev.by_type("aws:secretsmanager/secret:Secret")
    assert key.urn in secret.property_dependencies["kmsKeyId"]
    key_arn = f"arn:aws:kms:us-east-1:{FAKE_ACCOUNT}:cache-key"   # the mock engine's ARN of that key
    return {
        ("kafka-cluster:Connect", cluster_arn), ("kafka-cluster:WriteDataIdempotently", cluster_arn),
        ("kafka-cluster:DescribeTopic", topic_arn), ("kafka-cluster:WriteData", topic_arn),
        ("kafka-cluster:ReadData", topic_arn),
        ("kafka-cluster:DescribeGroup", group_arn), ("kafka-cluster:AlterGroup", group_arn),
        *{("rds-db:connect", f"arn:aws:rds-db:us-east-1:{FAKE_ACCOUNT}:dbuser:{arn.split(':')[-1]}/{user}")
          for arn in proxy_arns},
        ("secretsmanager:GetSecretValue", secret_arn), ("kms:Decrypt", key_arn),
    }


def test_every_ec2_pool_instance_role_holds_exactly_the_apps_data_grants(prod):
    roles = instance_roles(prod)
    assert len(roles) >= 2, roles   # the prod layout has more than one EC2 pool
    expected = expected_grants(prod)
    for group, role in roles.items():
        assert granted(held_statements(prod, role)) == expected, group


def test_the_workload_service_account_role_holds_exactly_the_apps_data_grants(prod):
    assert granted(held_statements(prod, workload_role(prod))) == expected_grants(prod)


def test_rds_db_grants_name_each_proxy_by_its_resource_id(prod):
    resources = {r for a, r in expected_grants(prod) if a == "rds-db:connect"}
    assert len(resources) == 16 and all(re.search(r":dbuser:prx-[0-9a-f]{17}/postgres$", r) for r in resources)


def test_the_cache_token_secret_holds_the_generated_token_and_its_key_is_only_decrypted_via_secrets_manager(prod):
    [version] = prod.by_type("aws:secretsmanager/secretVersion:SecretVersion")
    [password] = [p for p in prod.by_type("random:index/randomPassword:RandomPassword") if p.name == "cache-auth-token"]
    assert password.urn in version.property_dependencies["secretString"]
    decrypt = [s for s in held_statements(prod, workload_role(prod)) if s["Action"] == "kms:Decrypt"]
    assert [s["Condition"] for s in decrypt] == [
        {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}]


def test_no_data_policy_is_left_unattached(prod):
    attached = {u for a in prod.by_type(ATTACHMENT) for u in a.property_dependencies.get("policyArn", [])}
    data = [p for p in prod.by_type(POLICY)
            if re.search(r"kafka-cluster:|rds-db:connect|secretsmanager:GetSecretValue", p.inputs.get("policy", ""))]
    assert data and all(p.urn in attached for p in data)


# --- network ----------------------------------------------------------------------------------------

def app_security_groups(ev: Evaluation) -> dict[str, list[str]]:
    """Security groups each application compute carries: every EC2 pool's instances, and the EKS nodes (the
    pods use the nodes' cluster security group)."""
    groups = {}
    for group in ev.by_type("aws:autoscaling/group:Group"):
        template = linked(ev, group, "launchTemplate", "aws:ec2/launchTemplate:LaunchTemplate")
        [interface] = template.inputs["networkInterfaces"]
        groups[group.name] = list(interface["securityGroups"])
    [cluster] = ev.by_type("aws:eks/cluster:Cluster")
    groups["eks-nodes"] = [f"sg-{cluster.name}"]   # the mock engine's clusterSecurityGroupId
    return groups


def data_security_groups(ev: Evaluation) -> dict[str, str]:
    [proxy_sg] = {sg for p in ev.by_type("aws:rds/proxy:Proxy") for sg in p.inputs["vpcSecurityGroupIds"]}
    [cache_sg] = ev.by_type("aws:elasticache/replicationGroup:ReplicationGroup")[0].inputs["securityGroupIds"]
    [broker_sg] = ev.by_type("aws:msk/cluster:Cluster")[0].inputs["brokerNodeGroupInfo"]["securityGroups"]
    return {"proxies": proxy_sg, "cache": cache_sg, "brokers": broker_sg}


@pytest.mark.parametrize("tier", sorted(DATA_PORTS))
def test_each_app_security_group_reaches_each_data_tier_on_its_port_only(prod, tier):
    port, target = DATA_PORTS[tier], data_security_groups(prod)[tier]
    rules = [r.inputs for r in prod.by_type(INGRESS) if r.inputs["securityGroupId"] == target]
    # Nothing but security-group references on the one port: no CIDR, no other port (no 9094 on the brokers).
    assert all("cidrIpv4" not in r and "cidrIpv6" not in r for r in rules), rules
    assert {(r["fromPort"], r["toPort"]) for r in rules} == {(port, port)}
    admitted = {r["referencedSecurityGroupId"] for r in rules}
    for compute, groups in app_security_groups(prod).items():
        assert admitted & set(groups), f"{compute} ({groups}) cannot reach the {tier} on {port}"
    assert "sg-eks-cluster" in admitted


def test_each_ec2_pool_may_send_to_each_data_port(prod):
    for compute, groups in app_security_groups(prod).items():
        if compute == "eks-nodes":
            continue   # EKS's cluster security group allows all egress
        egress = [r.inputs for r in prod.by_type(EGRESS) if r.inputs["securityGroupId"] in groups]
        open_ports = {int(r["fromPort"]) for r in egress if r.get("fromPort") == r.get("toPort")}
        assert set(DATA_PORTS.values()) <= open_ports, (compute, sorted(open_ports))
