"""EksCluster: an EKS control plane, a managed node group and a Kubernetes provider for it.

Built with ``pulumi_aws.eks`` directly (not pulumi-eks): every child is a plain AWS resource the
policy pack can see and the URN record pins, and nothing runs a kubectl or a Node.js provider.

* Control plane: private API endpoint always; the public one only when ``public_access_cidrs`` names
  who may reach it. Kubernetes secrets are envelope-encrypted with a KMS key (rotated yearly); all five
  control-plane log types go to a log group created first, so its retention is ours and not "never".
  Access entries (``authentication_mode=API``) with the creator as cluster admin, no aws-auth ConfigMap.
* IRSA: an IAM OIDC provider for the cluster's issuer. No thumbprint is configured: for an issuer whose
  certificate chains to a public root CA (the EKS issuers do), IAM validates it against its own library of
  trusted root CAs, and when no thumbprint is given IAM derives it from the issuer's certificate itself,
  so a rotated issuer certificate never breaks the roles.
* Nodes: one managed node group (Amazon Linux 2023) across the given private subnets, on the cluster
  security group, with the three AWS managed policies on its role. ``validate_node_capacity`` checks that
  ``node_max_size`` nodes hold every pod the caller declares at its maximum, and the Cluster Autoscaler
  (IRSA role, pinned Helm chart) grows the group when the HPA adds pods.
* Add-ons vpc-cni, kube-proxy and coredns at pinned versions: vpc-cni and kube-proxy before the nodes (a
  node without a CNI never becomes Ready), coredns after them (it needs nodes to become healthy).
* ``provider``: a ``pulumi_kubernetes.Provider`` for the cluster, authenticated by ``aws eks get-token``;
  it waits for the nodes and coredns, so nothing deploys into a cluster that cannot run pods.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from scaling_kit.aws_limits import LOG_RETENTION_DAYS

from .encryption import customer_managed_key, log_group_key
from .irsa import irsa_trust_policy
from .metrics_pipeline import PodDemand
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

CLUSTER_NAME_MAX_LENGTH = 100  # EKS: 1-100 letters, digits, '-' and '_'
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
AUTHENTICATION_MODES = ("API", "API_AND_CONFIG_MAP")
NODE_POLICIES = ("AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly")
CLUSTER_AUTOSCALER_REPO = "https://kubernetes.github.io/autoscaler"
CLUSTER_AUTOSCALER_NAMESPACE = "kube-system"
CLUSTER_AUTOSCALER_SERVICE_ACCOUNT = "cluster-autoscaler"
# vpc-cni add-on configuration (its schema: aws eks describe-addon-configuration): run the network policy agent,
# which enforces Kubernetes NetworkPolicies with eBPF on each node (the add-on's schema takes the string "true").
VPC_CNI_CONFIGURATION = {"enableNetworkPolicy": "true"}


@dataclass(frozen=True)
class InstanceCapacity:
    """What one instance type offers: vCPUs, memory (MiB) and pods (ENI limit of the VPC CNI)."""
    vcpus: int
    memory_mib: int
    max_pods: int


# x86_64 types for AL2023_x86_64_STANDARD; max pods from the EKS eni-max-pods table (no prefix delegation).
INSTANCE_CAPACITY: dict[str, InstanceCapacity] = {
    "t3.medium": InstanceCapacity(2, 4096, 17), "t3.large": InstanceCapacity(2, 8192, 35),
    "t3.xlarge": InstanceCapacity(4, 16384, 58), "t3.2xlarge": InstanceCapacity(8, 32768, 58),
    **{f"{family}.{size}": InstanceCapacity(vcpus, memory, pods)
       for family, per_vcpu in (("m5", 4096), ("m6i", 4096), ("m7i", 4096), ("c6i", 2048), ("c7i", 2048),
                                ("r6i", 8192), ("r7i", 8192))
       for size, vcpus, pods in (("large", 2, 29), ("xlarge", 4, 58), ("2xlarge", 8, 58), ("4xlarge", 16, 234))
       for memory in (vcpus * per_vcpu,)},
}
# Per node: aws-node (vpc-cni, 25m) and kube-proxy (100m) DaemonSet pods.
DAEMONSET_PODS, DAEMONSET_CPU_MILLICORES, DAEMONSET_MEMORY_MIB = 2, 125, 0
# EC2 reports less memory to the kubelet than the nominal size (firmware, kernel): count 94 %.
_USABLE_MEMORY = 0.94
# Cluster-wide system pods this component adds: coredns (2 x 100m/70Mi) and the Cluster Autoscaler.
SYSTEM_DEMAND = (PodDemand("coredns", 2, 100, 70), PodDemand("cluster-autoscaler", 1, 100, 600))


def kube_reserved_cpu_millicores(vcpus: int) -> int:
    """CPU the EKS AMI reserves for the kubelet: 6 % of core 1, 1 % of core 2, 0.5 % of 3-4, 0.25 % above."""
    reserved = 0.0
    for core in range(1, vcpus + 1):
        reserved += 60 if core == 1 else 10 if core == 2 else 5 if core <= 4 else 2.5
    return int(reserved + 0.999)


def allocatable(capacity: InstanceCapacity) -> tuple[int, int, int]:
    """(pods, cpu millicores, memory MiB) one node offers to workload pods, after the kubelet's reservations
    (EKS AMI: 255 MiB + 11 MiB per pod, 100 MiB eviction threshold) and the per-node DaemonSets."""
    cpu = capacity.vcpus * 1000 - kube_reserved_cpu_millicores(capacity.vcpus) - DAEMONSET_CPU_MILLICORES
    memory = int(capacity.memory_mib * _USABLE_MEMORY) - (255 + 11 * capacity.max_pods) - 100 - DAEMONSET_MEMORY_MIB
    return capacity.max_pods - DAEMONSET_PODS, cpu, memory


def validate_node_capacity(instance_type: str, node_max_size: int, demands: Sequence[PodDemand]) -> None:
    """``node_max_size`` nodes of ``instance_type`` must hold every pod of ``demands`` (plus this
    component's system pods) with its requests. Pods are assumed to pack; the check is a floor."""
    if instance_type not in INSTANCE_CAPACITY:
        raise ArgumentError("node_instance_type", f"{instance_type!r} is not in the capacity table; expected one of "
                         f"{sorted(INSTANCE_CAPACITY)} (add its vCPUs, memory and ENI max pods to INSTANCE_CAPACITY)")
    capacity = INSTANCE_CAPACITY[instance_type]
    pods, cpu, memory = allocatable(capacity)
    everything = [*demands, *SYSTEM_DEMAND]
    for pod in everything:
        if pod.cpu_millicores > cpu or pod.memory_mib > memory:
            raise ArgumentError("node_instance_type", f"one {pod.name} pod requests {pod.cpu_millicores}m CPU and "
                             f"{pod.memory_mib} MiB, more than a {instance_type} node offers ({cpu}m, {memory} MiB)")
    need = {"pods": sum(p.pods for p in everything),
            "CPU millicores": sum(p.pods * p.cpu_millicores for p in everything),
            "memory MiB": sum(p.pods * p.memory_mib for p in everything)}
    have = {"pods": pods * node_max_size, "CPU millicores": cpu * node_max_size,
            "memory MiB": memory * node_max_size}
    for what in need:
        if need[what] > have[what]:
            per_node = have[what] // node_max_size
            nodes = -(-need[what] // per_node)
            detail = ", ".join(f"{p.pods} x {p.name}" for p in everything)
            raise ArgumentError("node_max_size", f"{node_max_size} {instance_type} nodes offer {have[what]} {what} "
                             f"({per_node} each after reservations) but the pods at their maximum ({detail}) "
                             f"request {need[what]}; expected node_max_size >= {nodes} or a larger instance type")


@dataclass(frozen=True)
class EksClusterArgs:
    """Arguments of :class:`EksCluster`."""

    subnet_ids: Sequence[pulumi.Input[str]]
    """Private subnets of the control plane's network interfaces and of the nodes, one per zone (at least
    two zones). Required."""
    version: str = "1.33"
    """Kubernetes version. Defaults to ``1.33``."""
    cluster_name: Optional[str] = None
    """EKS cluster name. Defaults to ``<project>-<stack>-<resource name>`` (unique per account and region)."""
    public_access_cidrs: Sequence[str] = ()
    """CIDRs allowed to reach a public API endpoint. Defaults to none: the endpoint is private only."""
    authentication_mode: str = "API"
    """``API`` (access entries only) or ``API_AND_CONFIG_MAP``. Defaults to ``API``."""
    admin_principal_arns: Sequence[str] = ()
    """IAM roles or users granted cluster admin by access entries, beside the creator. Defaults to none."""
    kms_key_arn: Optional[pulumi.Input[str]] = None
    """KMS key for envelope encryption of secrets. Defaults to a new key with rotation."""
    log_retention_days: int = 365
    """Retention of the control-plane log group in days (a CloudWatch Logs retention value). Defaults to 365."""
    node_instance_type: str = "m6i.xlarge"
    """Instance type of the managed node group (a key of ``INSTANCE_CAPACITY``). Defaults to ``m6i.xlarge``."""
    node_min_size: int = 3
    """Minimum nodes (one per zone). Defaults to 3."""
    node_max_size: int = 12
    """Maximum nodes. Defaults to 12."""
    node_disk_size_gib: int = 50
    """Root volume per node. Defaults to 50."""
    workload_demand: Sequence[PodDemand] = ()
    """Pods the nodes must hold at their maximum (workloads, metrics pipeline); checked against
    ``node_max_size`` before any resource is declared. Defaults to none."""
    vpc_cni_version: str = "v1.20.1-eksbuild.3"
    """vpc-cni add-on version. Defaults to ``v1.20.1-eksbuild.3``."""
    coredns_version: str = "v1.12.4-eksbuild.1"
    """coredns add-on version. Defaults to ``v1.12.4-eksbuild.1`` (Kubernetes 1.33)."""
    kube_proxy_version: str = "v1.33.5-eksbuild.2"
    """kube-proxy add-on version; its minor must be the cluster's. Defaults to ``v1.33.5-eksbuild.2``."""
    cluster_autoscaler_version: str = "v1.33.0"
    """Cluster Autoscaler image tag; its minor must be the cluster's. Defaults to ``v1.33.0``."""
    cluster_autoscaler_chart_version: str = "9.46.6"
    """cluster-autoscaler Helm chart version. Defaults to ``9.46.6``."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    environment: str = "prod"
    """Environment for the house tags and the default of ``protect``: ``dev`` or ``prod``. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_eks_cluster_args(args: EksClusterArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not re.fullmatch(r"1\.\d{2}", args.version):
        raise ArgumentError("version", f"{args.version!r} is not a Kubernetes minor version such as '1.33'")
    if len(args.subnet_ids) < 2:
        raise ArgumentError("subnet_ids", f"{len(args.subnet_ids)} subnet(s); EKS needs subnets in at least two zones")
    if args.cluster_name is not None and not re.fullmatch(r"[0-9A-Za-z][A-Za-z0-9\-_]{0,99}", args.cluster_name):
        raise ArgumentError("cluster_name", f"{args.cluster_name!r} is not allowed; expected 1-100 letters, digits, "
                         "'-' or '_' starting with a letter or digit")
    for cidr in args.public_access_cidrs:
        try:
            ipaddress.IPv4Network(cidr, strict=True)
        except ValueError:
            raise ArgumentError("public_access_cidrs", f"{cidr!r} is not an IPv4 CIDR block") from None
    if args.authentication_mode not in AUTHENTICATION_MODES:
        raise ArgumentError("authentication_mode", f"{args.authentication_mode!r} is not allowed; expected one of "
                         f"{AUTHENTICATION_MODES} (CONFIG_MAP alone cannot use access entries)")
    for arn in args.admin_principal_arns:
        if not re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:(role|user)/.+", arn):
            raise ArgumentError("admin_principal_arns", f"{arn!r} is not an IAM role or user ARN")
    if not 1 <= args.node_min_size <= args.node_max_size:
        raise ArgumentError("node_min_size", f"{args.node_min_size} must be at least 1 and at most node_max_size "
                         f"({args.node_max_size})")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise ArgumentError("log_retention_days", f"{args.log_retention_days} is not a CloudWatch Logs retention; "
                            f"expected one of {LOG_RETENTION_DAYS}")
    if not 20 <= args.node_disk_size_gib <= 16384:
        raise ArgumentError("node_disk_size_gib", f"{args.node_disk_size_gib} is out of range; expected 20 to 16384")
    for name in ("vpc_cni_version", "coredns_version", "kube_proxy_version"):
        value = getattr(args, name)
        if not re.fullmatch(r"v\d+\.\d+\.\d+-eksbuild\.\d+", value):
            raise ArgumentError(name, f"{value!r} is not an EKS add-on version such as v1.20.1-eksbuild.3")
    for name in ("kube_proxy_version", "cluster_autoscaler_version"):
        value = getattr(args, name)
        if not value.startswith(f"v{args.version}."):
            raise ArgumentError(name, f"{value!r} does not match the cluster's Kubernetes version {args.version}; "
                             f"expected v{args.version}.x")
    if not re.fullmatch(r"\d+\.\d+\.\d+", args.cluster_autoscaler_chart_version):
        raise ArgumentError("cluster_autoscaler_chart_version", f"{args.cluster_autoscaler_chart_version!r} is not a "
                         "pinned chart version (MAJOR.MINOR.PATCH)")
    validate_node_capacity(args.node_instance_type, args.node_max_size, args.workload_demand)


def kubeconfig(cluster_name: str, endpoint: str, certificate_authority: str, region: str) -> str:
    """A kubeconfig that authenticates with ``aws eks get-token`` (short-lived tokens, nothing stored)."""
    return json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": cluster_name, "preferences": {},
        "clusters": [{"name": cluster_name, "cluster": {"server": endpoint,
                                                        "certificate-authority-data": certificate_authority}}],
        "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
        "users": [{"name": cluster_name, "user": {"exec": {
            "apiVersion": "client.authentication.k8s.io/v1beta1", "command": "aws",
            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region, "--output", "json"],
            "interactiveMode": "Never"}}}],
    })


def _assume_role_policy(service: str) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": service}, "Action": ["sts:AssumeRole", "sts:TagSession"]}]})


class EksCluster(pulumi.ComponentResource):
    """An EKS cluster with a managed node group, pinned add-ons, IRSA and a Kubernetes provider."""

    cluster_name: pulumi.Output[str]
    """Name of the EKS cluster."""
    endpoint: pulumi.Output[str]
    """API server endpoint."""
    certificate_authority: pulumi.Output[str]
    """Base64 certificate authority data of the API server."""
    cluster_security_group_id: pulumi.Output[str]
    """Security group EKS created for the cluster; the managed nodes use it (admit it in data tiers)."""
    oidc_provider_arn: pulumi.Output[str]
    """IAM OIDC provider for IAM roles for service accounts."""
    oidc_issuer: pulumi.Output[str]
    """Issuer URL of the cluster's service account tokens."""
    node_role_arn: pulumi.Output[str]
    """IAM role of the nodes."""
    node_group_name: pulumi.Output[str]
    """Name of the managed node group."""
    kms_key_arn: pulumi.Output[str]
    """KMS key that encrypts Kubernetes secrets."""
    kubeconfig: pulumi.Output[str]
    """Kubeconfig (exec authentication, no credentials inside)."""
    provider: k8s.Provider
    """Kubernetes provider for this cluster; ready once nodes and coredns are."""

    def __init__(self, name: str, args: EksClusterArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_eks_cluster_args(args)
        super().__init__("scaling:eks_cluster:EksCluster", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)
        protect = resolve_protect(args.protect, args.environment)
        cluster_name = args.cluster_name or physical_name(name, CLUSTER_NAME_MAX_LENGTH)
        partition = aws.get_partition(opts=pulumi.InvokeOptions(parent=self)).partition
        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region

        key_arn = args.kms_key_arn
        if key_arn is None:
            # Losing the key loses every secret of the cluster.
            key = customer_managed_key(f"{name}-secrets-key", f"Envelope encryption of {cluster_name} secrets", tags,
                                       self, protect)
            aws.kms.Alias(f"{name}-secrets-key-alias", name=f"alias/{cluster_name}-secrets", target_key_id=key.key_id,
                          opts=pulumi.ResourceOptions(parent=key))
            key_arn = key.arn

        role = aws.iam.Role(f"{name}-cluster-role", assume_role_policy=_assume_role_policy("eks.amazonaws.com"),
                            tags=tags, opts=child)
        cluster_policy = aws.iam.RolePolicyAttachment(
            f"{name}-cluster-policy", role=role.name,
            policy_arn=f"arn:{partition}:iam::aws:policy/AmazonEKSClusterPolicy", opts=pulumi.ResourceOptions(parent=role))
        # AmazonEKSClusterPolicy has no KMS rights; EKS needs them on the one key it encrypts secrets with.
        key_policy = aws.iam.RolePolicy(
            f"{name}-cluster-kms", role=role.id, opts=pulumi.ResourceOptions(parent=role),
            policy=pulumi.Output.from_input(key_arn).apply(lambda arn: json.dumps({
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow", "Resource": arn,
                    "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ListGrants", "kms:DescribeKey"]}]})))

        # Created before the cluster so EKS writes into a group whose retention and key are ours. The audit
        # log records every API call: its own key, usable by CloudWatch Logs for this group only.
        log_group_name = f"/aws/eks/{cluster_name}/cluster"
        logs_key = log_group_key(f"{name}-control-plane-logs-key", f"{cluster_name}: EKS control-plane logs", tags,
                                 self, protect, [log_group_name])
        log_group = aws.cloudwatch.LogGroup(f"{name}-control-plane-logs", name=log_group_name, kms_key_id=logs_key.arn,
                                            retention_in_days=args.log_retention_days, tags=tags, opts=child)

        cluster = aws.eks.Cluster(
            f"{name}-cluster", name=cluster_name, version=args.version, role_arn=role.arn,
            vpc_config=aws.eks.ClusterVpcConfigArgs(
                subnet_ids=list(args.subnet_ids), endpoint_private_access=True,
                endpoint_public_access=bool(args.public_access_cidrs),
                public_access_cidrs=list(args.public_access_cidrs) or None),
            encryption_config=aws.eks.ClusterEncryptionConfigArgs(
                resources=["secrets"], provider=aws.eks.ClusterEncryptionConfigProviderArgs(key_arn=key_arn)),
            enabled_cluster_log_types=list(LOG_TYPES),
            access_config=aws.eks.ClusterAccessConfigArgs(
                authentication_mode=args.authentication_mode, bootstrap_cluster_creator_admin_permissions=True),
            # The three networking add-ons are EKS add-ons below; EKS's unmanaged copies would only conflict.
            bootstrap_self_managed_addons=False,
            # Standard support only: extended support bills the control plane six times over.
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            deletion_protection=protect, tags=tags,
            # Only the control plane (etcd) is protected; nodes and add-ons stay replaceable by updates.
            opts=pulumi.ResourceOptions(parent=self, protect=protect,
                                        depends_on=[cluster_policy, key_policy, log_group]))

        for i, arn in enumerate(args.admin_principal_arns):
            entry = aws.eks.AccessEntry(f"{name}-admin-{i}", cluster_name=cluster.name, principal_arn=arn,
                                        type="STANDARD", tags=tags, opts=child)
            aws.eks.AccessPolicyAssociation(
                f"{name}-admin-{i}-policy", cluster_name=cluster.name, principal_arn=entry.principal_arn,
                policy_arn=f"arn:{partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                opts=pulumi.ResourceOptions(parent=entry))

        # EKS always has an OIDC issuer; the SDK types each output field Optional.
        issuer = cluster.identities.apply(lambda ids: ids[0].oidcs[0].issuer)  # type: ignore[index]
        oidc = aws.iam.OpenIdConnectProvider(
            f"{name}-oidc", url=issuer, client_id_lists=["sts.amazonaws.com"], tags=tags,
            opts=child)

        node_role = aws.iam.Role(f"{name}-node-role", assume_role_policy=_assume_role_policy("ec2.amazonaws.com"),
                                 tags=tags, opts=child)
        node_policies = [aws.iam.RolePolicyAttachment(
            f"{name}-node-{policy}", role=node_role.name, policy_arn=f"arn:{partition}:iam::aws:policy/{policy}",
            opts=pulumi.ResourceOptions(parent=node_role)) for policy in NODE_POLICIES]

        def addon(addon_name: str, version: str, depends_on: list,
                  configuration: Optional[Mapping[str, str]] = None) -> aws.eks.Addon:
            return aws.eks.Addon(
                f"{name}-{addon_name}", cluster_name=cluster.name, addon_name=addon_name, addon_version=version,
                configuration_values=json.dumps(configuration) if configuration else None,
                # Take over whatever runs on create; keep local configuration changes on update.
                resolve_conflicts_on_create="OVERWRITE", resolve_conflicts_on_update="PRESERVE", tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=depends_on))

        # The network policy agent: without it EKS accepts NetworkPolicy objects and enforces none of them.
        vpc_cni = addon("vpc-cni", args.vpc_cni_version, [], VPC_CNI_CONFIGURATION)
        kube_proxy = addon("kube-proxy", args.kube_proxy_version, [])
        node_group = aws.eks.NodeGroup(
            f"{name}-nodes", cluster_name=cluster.name, node_role_arn=node_role.arn,
            subnet_ids=list(args.subnet_ids), instance_types=[args.node_instance_type],
            ami_type="AL2023_x86_64_STANDARD", capacity_type="ON_DEMAND", disk_size=args.node_disk_size_gib,
            version=args.version,
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=args.node_min_size, max_size=args.node_max_size, desired_size=args.node_min_size),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable=1),
            labels={"node.kubernetes.io/role": "workload"}, tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*node_policies, vpc_cni, kube_proxy],
                # The Cluster Autoscaler owns the desired size once the group exists.
                ignore_changes=["scalingConfig.desiredSize"]))
        coredns = addon("coredns", args.coredns_version, [node_group])

        certificate_authority = cluster.certificate_authority.apply(lambda ca: ca.data)
        config = pulumi.Output.all(cluster.name, cluster.endpoint, certificate_authority).apply(
            lambda parts: kubeconfig(parts[0], parts[1], parts[2], region))
        provider = k8s.Provider(f"{name}-k8s", kubeconfig=config, enable_server_side_apply=True,
                                opts=pulumi.ResourceOptions(parent=self, depends_on=[node_group, coredns]))

        self._cluster_autoscaler(name, args, cluster_name, region, partition, oidc, issuer, tags, provider)

        self.cluster_name = cluster.name
        self.endpoint = cluster.endpoint
        # EKS always returns the CA data and creates the cluster security group; the SDK types each output field
        # Optional.
        self.certificate_authority = certificate_authority  # type: ignore[assignment]
        self.cluster_security_group_id = cluster.vpc_config.apply(lambda v: v.cluster_security_group_id)  # type: ignore[arg-type,return-value]
        self.oidc_provider_arn = oidc.arn
        self.oidc_issuer = issuer
        self.node_role_arn = node_role.arn
        self.node_group_name = node_group.node_group_name
        self.kms_key_arn = pulumi.Output.from_input(key_arn)
        self.kubeconfig = config
        self.provider = provider
        self.register_outputs({
            "cluster_name": self.cluster_name, "endpoint": self.endpoint,
            "cluster_security_group_id": self.cluster_security_group_id,
            "oidc_provider_arn": self.oidc_provider_arn, "node_role_arn": self.node_role_arn,
            "node_group_name": self.node_group_name, "kms_key_arn": self.kms_key_arn,
        })

    def _cluster_autoscaler(self, name: str, args: EksClusterArgs, cluster_name: str, region: str, partition: str,
                            oidc: aws.iam.OpenIdConnectProvider, issuer: pulumi.Output[str],
                            tags: Mapping[str, str], provider: k8s.Provider) -> None:
        """IRSA role and Helm release of the Cluster Autoscaler: the HPA adds pods, this adds nodes."""
        trust = irsa_trust_policy(oidc.arn, issuer, CLUSTER_AUTOSCALER_NAMESPACE, CLUSTER_AUTOSCALER_SERVICE_ACCOUNT)
        account = aws.get_caller_identity(opts=pulumi.InvokeOptions(parent=self)).account_id
        role = aws.iam.Role(f"{name}-cluster-autoscaler-role", assume_role_policy=trust, tags=tags,
                            opts=pulumi.ResourceOptions(parent=self))
        # Changes are limited to the groups EKS tags as this cluster's (managed node groups carry the tag).
        aws.iam.RolePolicy(f"{name}-cluster-autoscaler-policy", role=role.id,
                           opts=pulumi.ResourceOptions(parent=role), policy=json.dumps({
                               "Version": "2012-10-17", "Statement": [
                                   {"Effect": "Allow", "Resource": "*", "Action": [
                                       "autoscaling:DescribeAutoScalingGroups",
                                       "autoscaling:DescribeAutoScalingInstances",
                                       "autoscaling:DescribeLaunchConfigurations", "autoscaling:DescribeScalingActivities",
                                       "autoscaling:DescribeTags", "ec2:DescribeImages", "ec2:DescribeInstanceTypes",
                                       "ec2:DescribeLaunchTemplateVersions",
                                       "ec2:GetInstanceTypesFromInstanceRequirements"]},
                                   # Node groups support resource-level permissions: this cluster's only.
                                   {"Effect": "Allow", "Action": ["eks:DescribeNodegroup"],
                                    "Resource": f"arn:{partition}:eks:{region}:{account}:nodegroup/{cluster_name}/*/*"},
                                   {"Effect": "Allow", "Resource": "*", "Action": [
                                       "autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                                    "Condition": {"StringEquals": {
                                        f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}}}]}))
        k8s.helm.v3.Release(
            f"{name}-cluster-autoscaler", name="cluster-autoscaler", chart="cluster-autoscaler",
            version=args.cluster_autoscaler_chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CLUSTER_AUTOSCALER_REPO),
            namespace=CLUSTER_AUTOSCALER_NAMESPACE, atomic=True, cleanup_on_fail=True, timeout=600, max_history=10,
            values={
                "cloudProvider": "aws", "awsRegion": region,
                "autoDiscovery": {"clusterName": cluster_name},
                "image": {"tag": args.cluster_autoscaler_version},
                "rbac": {"serviceAccount": {"create": True, "name": CLUSTER_AUTOSCALER_SERVICE_ACCOUNT,
                                            "annotations": {"eks.amazonaws.com/role-arn": role.arn}}},
                "extraArgs": {"balance-similar-node-groups": True, "skip-nodes-with-system-pods": False,
                              "expander": "least-waste"},
                "resources": {"requests": {"cpu": "100m", "memory": "600Mi"}, "limits": {"memory": "600Mi"}},
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider))
