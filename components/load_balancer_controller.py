"""LoadBalancerController: the AWS Load Balancer Controller, only to register pods in a target group.

The EKS workload is one of the load balancer's weighted pools. The controller watches a
``TargetGroupBinding`` (declared with the workload) and keeps the target group's IP targets equal to the
ready pods behind the Service, so the ALB sends that backend's share straight to the pods.

Least privilege: the controller here never creates load balancers (no Ingress, no Service of type
LoadBalancer: the chart's ingress class, webhooks for Services and WAF/Shield integrations are off), and
the bindings carry no ``networking`` section, so it never edits security groups either. Its role may
describe (those calls support no resource-level permissions) and register/deregister targets of the
given target groups only. The network path from the load balancer to the pods is declared here instead:
the ALB's group may send to the nodes' group (pods use it) on the proxy port, and the nodes' group admits
exactly that.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .irsa import irsa_trust_policy
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

CHART_REPO = "https://aws.github.io/eks-charts"
NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
_CHART_VERSION = re.compile(r"\d+\.\d+\.\d+")
# What the controller reads while reconciling a TargetGroupBinding (no resource-level permissions exist).
DESCRIBE_ACTIONS = (
    "ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
)


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    """Arguments of :class:`LoadBalancerController`."""

    cluster_name: pulumi.Input[str]
    """Name of the EKS cluster. Required."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster (given, so the controller needs no ec2 metadata). Required."""
    oidc_provider_arn: pulumi.Input[str]
    """IAM OIDC provider of the cluster (IRSA). Required."""
    oidc_issuer: pulumi.Input[str]
    """OIDC issuer URL of the cluster. Required."""
    target_group_arns: Sequence[pulumi.Input[str]]
    """Target groups the controller may register pods in; at least one. Required."""
    load_balancer_security_group_id: pulumi.Input[str]
    """Security group of the load balancer. Required."""
    node_security_group_id: pulumi.Input[str]
    """Security group of the nodes, which the pods use. Required."""
    target_port: int
    """Pod port the load balancer sends traffic and health checks to. Required."""
    chart_version: str = "1.13.4"
    """aws-load-balancer-controller chart version (app v2.13.4). Defaults to ``1.13.4``."""
    replicas: int = 2
    """Controller replicas (leader election keeps one active). Defaults to 2."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_load_balancer_controller_args(args: LoadBalancerControllerArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not args.target_group_arns:
        raise ArgumentError("target_group_arns", "empty; expected the target group(s) the workload serves")
    if not 1 <= args.target_port <= 65535:
        raise ArgumentError("target_port", f"{args.target_port!r} is out of range; expected 1 to 65535")
    if not _CHART_VERSION.fullmatch(args.chart_version):
        raise ArgumentError("chart_version", f"{args.chart_version!r} is not a chart version such as 1.13.4")
    if not 1 <= args.replicas <= 5:
        raise ArgumentError("replicas", f"{args.replicas!r} is out of range; expected 1 to 5")


def controller_policy(target_group_arns: list[str]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "Describe", "Effect": "Allow", "Action": list(DESCRIBE_ACTIONS), "Resource": "*"},
        {"Sid": "RegisterPods", "Effect": "Allow",
         "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
         "Resource": target_group_arns},
    ]})


class LoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller (Helm) with its IRSA role and the ALB-to-pods network path."""

    role_arn: pulumi.Output[str]
    """IAM role of the controller's service account."""
    release: k8s.helm.v3.Release
    """The Helm release: TargetGroupBinding objects depend on it (it installs their CRD)."""

    def __init__(self, name: str, args: LoadBalancerControllerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_load_balancer_controller_args(args)
        super().__init__("scaling:load_balancer_controller:LoadBalancerController", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        aws_child = pulumi.ResourceOptions(parent=self, provider=None)

        role = aws.iam.Role(f"{name}-role", tags=tags, opts=aws_child, assume_role_policy=irsa_trust_policy(
            args.oidc_provider_arn, args.oidc_issuer, NAMESPACE, SERVICE_ACCOUNT))
        aws.iam.RolePolicy(f"{name}-policy", role=role.id,
                           policy=pulumi.Output.all(*args.target_group_arns).apply(lambda arns: controller_policy(
                               list(arns))), opts=pulumi.ResourceOptions(parent=role))

        aws.vpc.SecurityGroupIngressRule(
            f"{name}-nodes-in-from-alb", security_group_id=args.node_security_group_id, ip_protocol="tcp",
            from_port=args.target_port, to_port=args.target_port,
            referenced_security_group_id=args.load_balancer_security_group_id,
            description="Pods' proxy port from the load balancer", tags=tags, opts=aws_child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-out-to-pods", security_group_id=args.load_balancer_security_group_id, ip_protocol="tcp",
            from_port=args.target_port, to_port=args.target_port,
            referenced_security_group_id=args.node_security_group_id,
            description="Load balancer to the workload's pods", tags=tags, opts=aws_child)

        region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region
        self.release = k8s.helm.v3.Release(
            f"{name}-release", name="aws-load-balancer-controller", chart="aws-load-balancer-controller",
            version=args.chart_version, repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPO),
            namespace=NAMESPACE, atomic=True, cleanup_on_fail=True, timeout=600, max_history=10,
            values={
                "clusterName": args.cluster_name, "region": region, "vpcId": args.vpc_id,
                "replicaCount": args.replicas,
                "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT,
                                   "annotations": {"eks.amazonaws.com/role-arn": role.arn}},
                # TargetGroupBinding only: nothing that would create or reconfigure load balancers.
                "createIngressClassResource": False, "enableServiceMutatorWebhook": False,
                "enableShield": False, "enableWaf": False, "enableWafv2": False,
                "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}},
            },
            opts=pulumi.ResourceOptions(parent=self))

        self.role_arn = role.arn
        self.register_outputs({"role_arn": self.role_arn})
