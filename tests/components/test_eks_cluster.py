"""EksCluster: capacity math and validation without the engine, then the AWS and Kubernetes children."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.eks_cluster import (
    INSTANCE_CAPACITY,
    LOG_TYPES,
    NODE_POLICIES,
    SYSTEM_DEMAND,
    EksCluster,
    EksClusterArgs,
    allocatable,
    kube_reserved_cpu_millicores,
    kubeconfig,
    validate_eks_cluster_args,
    validate_node_capacity,
)
from components.metrics_pipeline import PodDemand
from offline import preview
from tests.conftest import OPERATOR_VALUES_FILE, evaluate_stack, run_program, stack_evaluation
from tests.helpers import untagged

SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
WORKLOAD = PodDemand("ai-agent-system", 50, 500, 512)


def args(**changes) -> EksClusterArgs:
    return dataclasses.replace(EksClusterArgs(subnet_ids=SUBNETS), **changes)


# ---------------------------------------------------------------- capacity

@pytest.mark.parametrize("vcpus, reserved", [(1, 60), (2, 70), (4, 80), (8, 90), (16, 110)])
def test_kube_reserved_cpu_follows_the_eks_ami_formula(vcpus, reserved):
    assert kube_reserved_cpu_millicores(vcpus) == reserved


def test_allocatable_subtracts_kubelet_reservations_and_daemonsets():
    pods, cpu, memory = allocatable(INSTANCE_CAPACITY["m6i.xlarge"])
    assert (pods, cpu) == (56, 4000 - 80 - 125)
    assert memory == int(16384 * 0.94) - (255 + 11 * 58) - 100


def test_default_node_group_holds_the_design_maximum():
    validate_node_capacity("m6i.xlarge", 12, [WORKLOAD])


def test_too_few_nodes_fail_with_the_numbers_and_the_fix():
    with pytest.raises(ValueError) as info:
        validate_node_capacity("m6i.xlarge", 5, [WORKLOAD])
    message = str(info.value)
    assert message.startswith("node_max_size: 5 m6i.xlarge nodes offer 18975 CPU millicores (3795 each")
    assert "50 x ai-agent-system" in message and "expected node_max_size >= 7" in message


def test_pods_limit_counts_too():
    # 300 tiny pods fit by CPU and memory on 5 nodes, not by the ENI pod limit (5 x 56).
    with pytest.raises(ValueError, match="offer 280 pods"):
        validate_node_capacity("m6i.xlarge", 5, [PodDemand("tiny", 300, 1, 1)])


def test_a_pod_larger_than_a_node_is_named():
    with pytest.raises(ValueError, match="one big pod requests 3000m CPU and 1 MiB, more than a t3.large node"):
        validate_node_capacity("t3.large", 100, [PodDemand("big", 1, 3000, 1)])


def test_unknown_instance_type_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"node_instance_type: 'x9.huge' is not in the capacity table; expected one of"):
        validate_node_capacity("x9.huge", 3, [])


def test_system_pods_are_counted():
    pods, cpu, _ = allocatable(INSTANCE_CAPACITY["t3.large"])
    budget = cpu - sum(p.pods * p.cpu_millicores for p in SYSTEM_DEMAND)
    validate_node_capacity("t3.large", 1, [PodDemand("fits", 1, budget, 1)])
    with pytest.raises(ValueError, match="CPU millicores"):
        validate_node_capacity("t3.large", 1, [PodDemand("fits", 1, budget + 1, 1)])


@pytest.mark.parametrize("changes, message", [
    (dict(version="1.33.1"), "version: '1.33.1' is not a Kubernetes minor version"),
    (dict(subnet_ids=("subnet-a",)), "subnet_ids: 1 subnet(s); EKS needs subnets in at least two zones"),
    (dict(public_access_cidrs=("1.2.3.4/8",)), "public_access_cidrs: '1.2.3.4/8' is not an IPv4 CIDR block"),
    (dict(authentication_mode="CONFIG_MAP"), "authentication_mode: 'CONFIG_MAP' is not allowed"),
    (dict(admin_principal_arns=("alice",)), "admin_principal_arns: 'alice' is not an IAM role or user ARN"),
    (dict(node_min_size=5, node_max_size=4), "node_min_size: 5 must be at least 1 and at most node_max_size (4)"),
    (dict(vpc_cni_version="latest"), "vpc_cni_version: 'latest' is not an EKS add-on version"),
    (dict(kube_proxy_version="v1.32.6-eksbuild.8"), "kube_proxy_version: 'v1.32.6-eksbuild.8' does not match the "
                                                    "cluster's Kubernetes version 1.33"),
    (dict(cluster_autoscaler_version="v1.31.0"), "cluster_autoscaler_version: 'v1.31.0' does not match"),
    (dict(cluster_name="-bad"), "cluster_name: '-bad' is not allowed"),
    (dict(workload_demand=(WORKLOAD,), node_max_size=3), "node_max_size: 3 m6i.xlarge nodes offer"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_eks_cluster_args(args(**changes))
    assert message in str(info.value)


def test_kubeconfig_authenticates_with_aws_eks_get_token():
    config = json.loads(kubeconfig("c1", "https://x.eks.amazonaws.com", "Q0E=", "eu-west-1"))
    assert config["clusters"][0]["cluster"] == {"server": "https://x.eks.amazonaws.com", "certificate-authority-data": "Q0E="}
    user = config["users"][0]["user"]
    assert set(user) == {"exec"} and user["exec"]["command"] == "aws"
    assert user["exec"]["args"] == ["eks", "get-token", "--cluster-name", "c1", "--region", "eu-west-1", "--output", "json"]


# ---------------------------------------------------------------- mock engine

def build(cluster_args: EksClusterArgs, stack: str = "dev"):
    return run_program(lambda: EksCluster("eks", cluster_args), stack=stack)


@pytest.fixture(scope="module")
def private_cluster():
    return build(args(environment="dev"))


def test_private_endpoint_encrypted_secrets_and_all_logs(private_cluster):
    cluster = private_cluster.one("aws:eks/cluster:Cluster", "eks-cluster").inputs
    assert cluster["name"] == "scaling-dev-eks" and cluster["version"] == "1.33"
    vpc = cluster["vpcConfig"]
    assert vpc["endpointPrivateAccess"] is True and vpc["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in vpc and vpc["subnetIds"] == list(SUBNETS)
    assert cluster["encryptionConfig"] == {"resources": ["secrets"], "provider": {
        "keyArn": "arn:aws:kms:us-east-1:123456789012:eks-secrets-key"}}
    assert cluster["enabledClusterLogTypes"] == list(LOG_TYPES) == [
        "api", "audit", "authenticator", "controllerManager", "scheduler"]
    assert cluster["accessConfig"] == {"authenticationMode": "API", "bootstrapClusterCreatorAdminPermissions": True}
    key = private_cluster.one("aws:kms/key:Key", "eks-secrets-key").inputs
    assert key["enableKeyRotation"] is True
    logs = private_cluster.one("aws:cloudwatch/logGroup:LogGroup", "eks-control-plane-logs")
    assert logs.inputs["name"] == "/aws/eks/scaling-dev-eks/cluster"
    assert logs.urn in private_cluster.one("aws:eks/cluster:Cluster", "eks-cluster").depends_on


def test_public_endpoint_only_for_the_configured_cidrs():
    ev = build(args(public_access_cidrs=("203.0.113.0/24",), environment="dev"))
    vpc = ev.one("aws:eks/cluster:Cluster", "eks-cluster").inputs["vpcConfig"]
    assert vpc["endpointPublicAccess"] is True and vpc["publicAccessCidrs"] == ["203.0.113.0/24"]


def test_oidc_provider_uses_the_cluster_issuer_without_a_thumbprint(private_cluster):
    oidc = private_cluster.one("aws:iam/openIdConnectProvider:OpenIdConnectProvider", "eks-oidc").inputs
    assert oidc["url"] == "https://oidc.eks.us-east-1.amazonaws.com/id/EKS-CLUSTER"
    assert oidc["clientIdLists"] == ["sts.amazonaws.com"] and "thumbprintLists" not in oidc


def test_node_group_spans_the_subnets_with_the_three_managed_policies(private_cluster):
    nodes = private_cluster.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes")
    assert nodes.inputs["subnetIds"] == list(SUBNETS) and nodes.inputs["instanceTypes"] == ["m6i.xlarge"]
    assert nodes.inputs["scalingConfig"] == {"minSize": 3, "maxSize": 12, "desiredSize": 3}
    assert nodes.ignore_changes == ["scalingConfig.desiredSize"]
    attachments = [r.inputs["policyArn"] for r in private_cluster.by_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
                   if r.name.startswith("eks-node-")]
    assert sorted(attachments) == sorted(f"arn:aws:iam::aws:policy/{p}" for p in NODE_POLICIES)
    role = private_cluster.one("aws:iam/role:Role", "eks-node-role").inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}


def test_addons_are_pinned_and_ordered_around_the_nodes(private_cluster):
    addons = {r.inputs["addonName"]: r for r in private_cluster.by_type("aws:eks/addon:Addon")}
    assert {name: a.inputs["addonVersion"] for name, a in addons.items()} == {
        "vpc-cni": "v1.20.1-eksbuild.3", "kube-proxy": "v1.33.5-eksbuild.2", "coredns": "v1.12.4-eksbuild.1"}
    nodes = private_cluster.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes")
    assert addons["vpc-cni"].urn in nodes.depends_on and addons["kube-proxy"].urn in nodes.depends_on
    assert nodes.urn in addons["coredns"].depends_on


def test_vpc_cni_runs_the_network_policy_agent_and_the_others_keep_their_defaults(private_cluster):
    addons = {r.inputs["addonName"]: r.inputs for r in private_cluster.by_type("aws:eks/addon:Addon")}
    # Without the agent, EKS accepts the workload's NetworkPolicies and enforces none of them.
    assert json.loads(addons["vpc-cni"]["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert "configurationValues" not in addons["kube-proxy"] and "configurationValues" not in addons["coredns"]


def test_kubernetes_provider_waits_for_nodes_and_uses_exec_auth(private_cluster):
    provider = private_cluster.one("pulumi:providers:kubernetes", "eks-k8s")
    config = json.loads(provider.inputs["kubeconfig"])
    assert config["clusters"][0]["cluster"]["server"] == "https://eks-cluster.gr7.us-east-1.eks.amazonaws.com"
    assert config["users"][0]["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", "scaling-dev-eks"]
    nodes = private_cluster.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes")
    coredns = private_cluster.one("aws:eks/addon:Addon", "eks-coredns")
    assert {nodes.urn, coredns.urn} <= set(provider.depends_on)


def test_cluster_autoscaler_assumes_its_role_through_the_oidc_provider(private_cluster):
    release = private_cluster.one("kubernetes:helm.sh/v3:Release", "eks-cluster-autoscaler")
    values = release.inputs["values"]
    assert values["autoDiscovery"] == {"clusterName": "scaling-dev-eks"} and values["image"]["tag"] == "v1.33.0"
    assert values["rbac"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(
        "eks-cluster-autoscaler-role")
    provider = private_cluster.one("pulumi:providers:kubernetes", "eks-k8s")
    assert release.provider.startswith(provider.urn + "::")
    trust = json.loads(private_cluster.one("aws:iam/role:Role", "eks-cluster-autoscaler-role").inputs["assumeRolePolicy"])
    statement = trust["Statement"][0]
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {
        "oidc.eks.us-east-1.amazonaws.com/id/EKS-CLUSTER:sub": "system:serviceaccount:kube-system:cluster-autoscaler",
        "oidc.eks.us-east-1.amazonaws.com/id/EKS-CLUSTER:aud": "sts.amazonaws.com"}


def test_prod_protects_the_cluster_and_key_but_not_nodes():
    ev = build(args(environment="prod"), stack="prod")
    cluster = ev.one("aws:eks/cluster:Cluster", "eks-cluster")
    assert cluster.protect and cluster.inputs["deletionProtection"] is True
    assert ev.one("aws:kms/key:Key", "eks-secrets-key").protect
    assert not ev.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes").protect


def test_dev_does_not_protect(private_cluster):
    cluster = private_cluster.one("aws:eks/cluster:Cluster", "eks-cluster")
    assert not cluster.protect and cluster.inputs["deletionProtection"] is False


def test_given_key_and_admins():
    ev = build(args(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc", environment="dev",
                    admin_principal_arns=("arn:aws:iam::123456789012:role/platform",)))
    # The only key made is the control-plane logs key: its policy is ours to write, a given key's is not.
    assert [k.name for k in ev.by_type("aws:kms/key:Key")] == ["eks-control-plane-logs-key"]
    assert ev.one("aws:eks/cluster:Cluster", "eks-cluster").inputs["encryptionConfig"]["provider"]["keyArn"].endswith("key/abc")
    entry = ev.one("aws:eks/accessEntry:AccessEntry", "eks-admin-0").inputs
    assert entry["principalArn"] == "arn:aws:iam::123456789012:role/platform"
    association = ev.one("aws:eks/accessPolicyAssociation:AccessPolicyAssociation", "eks-admin-0-policy").inputs
    assert association["policyArn"].endswith("cluster-access-policy/AmazonEKSClusterAdminPolicy")


def test_every_taggable_child_is_tagged(private_cluster):
    assert untagged(private_cluster) == []


# ---------------------------------------------------------------- in the stack

def test_stack_exports_the_cluster_and_admits_its_security_group(each_stack):
    assert {"eksClusterName", "eksClusterEndpoint", "eksClusterSecurityGroupId", "eksOidcProviderArn"} <= set(each_stack.outputs)
    assert each_stack.outputs["eksClusterName"] == f"scaling-{each_stack.stack}-eks"
    nodes = each_stack.one("aws:eks/nodeGroup:NodeGroup", "eks-nodes").inputs
    assert nodes["instanceTypes"] == (["t3.large"] if each_stack.stack == "dev" else ["m6i.xlarge"])
    assert each_stack.one("aws:eks/cluster:Cluster", "eks-cluster").protect == (each_stack.stack == "prod")


def test_stack_capacity_error_is_a_configuration_error(capsys):
    ev = evaluate_stack("prod", {"scaling:eksNodeMaxSize": "4"})
    assert ev.error is not None and ev.resources == []
    assert "scaling:eksNodeMaxSize: 4 m6i.xlarge nodes offer" in str(ev.error)
    assert "node_max_size" not in str(ev.error)  # the component argument is reported as the key users edit
    argv = ["--stack", "prod", "--set-file", str(OPERATOR_VALUES_FILE), "--set", "eksNodeMaxSize=4"]
    assert preview.main(argv) == preview.EXIT_CONFIG
    assert "Traceback" not in capsys.readouterr().err


def test_dev_stack_sizes_fit():
    dev = stack_evaluation("dev")
    hpa = dev.one("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "app-hpa").inputs["spec"]
    assert hpa["maxReplicas"] == 10


def test_every_kubernetes_object_deploys_through_the_cluster_provider(each_stack):
    provider = each_stack.one("pulumi:providers:kubernetes", "eks-k8s")
    objects = [r for r in each_stack.resources if r.custom and r.type.startswith("kubernetes:")]
    assert len(objects) >= 12 and all(r.provider.startswith(provider.urn + "::") for r in objects)
