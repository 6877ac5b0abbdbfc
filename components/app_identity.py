"""AppIdentity: the application's AWS rights, held by the identities that run it.

The data components say what a client needs (``Streaming.client_policy_statements``,
``ShardedDatabase.connect_policy_statements``, ``Cache.auth_token_read_statements``: IAM statements naming
their own ARNs). This component turns those grants into customer-managed IAM policies and attaches every
one of them to

* the instance roles of the EC2 pools (``instance_role_names``: each Auto Scaling group's ``role_name``), and
* an IRSA role that the workload's Kubernetes service account assumes (``sts:AssumeRoleWithWebIdentity``
  from the cluster's OIDC provider, only for that namespace/name and only for the ``sts.amazonaws.com``
  audience), whose ARN goes into the service account's ``eks.amazonaws.com/role-arn`` annotation.

One policy per grant: how many policies exist must be known before any ARN is (resources are never
declared inside ``apply``), and a grant's document grows only with its own resources (a shard adds one
``rds-db`` ARN). Each document is checked against IAM's 6,144-character limit for managed policies once
its ARNs are known; 64 shards' connect grant is under 5,900 characters even in the ``aws-us-gov``
partition. With the three data grants a role holds three of its ten default managed-policy slots.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from .irsa import trust_policy_document
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

MANAGED_POLICY_MAX_CHARS = 6144   # IAM quota: characters of a managed policy document, whitespace excluded
MAX_GRANTS = 10                   # IAM default quota of managed policies attached to one role
_GRANT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,31}$")
_NAMESPACE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")                                  # RFC 1123 label
_SERVICE_ACCOUNT = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True)
class AppIdentityArgs:
    """Arguments of :class:`AppIdentity`."""

    grants: Mapping[str, pulumi.Input[Sequence[Mapping[str, Any]]]]
    """IAM statements by grant name (``kafka``, ``database``, ``cache``): each becomes one managed policy.
    Names are lower-case letters, digits and ``-``; they are part of the policies' resource names. Required."""
    instance_role_names: Sequence[pulumi.Input[str]] = ()
    """Names of the EC2 instance roles that get every policy (one per Auto Scaling group). Defaults to none."""
    oidc_provider_arn: Optional[pulumi.Input[str]] = None
    """ARN of the EKS cluster's IAM OIDC provider; with the service account below it creates the workload's
    IRSA role. Defaults to none (no workload role)."""
    oidc_issuer: Optional[pulumi.Input[str]] = None
    """Issuer URL of the cluster (``https://oidc.eks.<region>.amazonaws.com/id/<id>``). Required with
    ``oidc_provider_arn``."""
    service_account_namespace: str = ""
    """Namespace of the workload's service account. Required with ``oidc_provider_arn``."""
    service_account_name: str = ""
    """Name of the workload's service account. Required with ``oidc_provider_arn``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_app_identity_args(args: AppIdentityArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed (plain values only)."""
    check_arguments(args)
    names = list(args.grants)
    if not names:
        raise ArgumentError("grants", "{} is empty; expected at least one grant such as {'kafka': streaming."
                                      "client_policy_statements}")
    if len(names) > MAX_GRANTS:
        raise ArgumentError("grants", f"{len(names)} grants; expected at most {MAX_GRANTS} (each is one managed "
                                      "policy and a role holds at most 10 by default)")
    for grant in names:
        if not _GRANT_NAME.fullmatch(grant):
            raise ArgumentError("grants", f"name {grant!r} is not allowed; expected a lower-case letter, then up to "
                                          "31 lower-case letters, digits or '-'")
    workload = (args.oidc_provider_arn, args.oidc_issuer, args.service_account_namespace, args.service_account_name)
    given = [value not in (None, "") for value in workload]
    if any(given) and not all(given):
        missing = [n for n, g in zip(("oidc_provider_arn", "oidc_issuer", "service_account_namespace",
                                      "service_account_name"), given, strict=True) if not g]
        raise ArgumentError(missing[0], "not given; the workload role needs oidc_provider_arn, oidc_issuer, "
                                        "service_account_namespace and service_account_name together (missing: "
                                        f"{', '.join(missing)})")
    if all(given):
        if not _NAMESPACE.fullmatch(args.service_account_namespace):
            raise ArgumentError("service_account_namespace", f"{args.service_account_namespace!r} is not a Kubernetes "
                                "namespace; expected a DNS label (lower-case letters, digits, '-', at most 63)")
        if not _SERVICE_ACCOUNT.fullmatch(args.service_account_name):
            raise ArgumentError("service_account_name", f"{args.service_account_name!r} is not a Kubernetes name; "
                                "expected a DNS subdomain (lower-case letters, digits, '-', '.', at most 253)")
    if not args.instance_role_names and not all(given):
        raise ArgumentError("instance_role_names", "() is empty and no service account is given; expected at least "
                                                   "one identity to hold the grants (a policy attached to nothing "
                                                   "grants nothing)")


def policy_document(grant: str, statements: Sequence[Mapping[str, Any]]) -> str:
    """The policy document of one grant, refused when empty or over IAM's managed-policy size."""
    if not statements:
        raise ArgumentError("grants", f"{grant!r} has no statements; expected at least one (IAM rejects an empty "
                                      "policy)")
    document = json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, separators=(",", ":"))
    if len(document) > MANAGED_POLICY_MAX_CHARS:
        raise ArgumentError("grants", f"{grant!r} is {len(document)} characters as a policy document; IAM allows "
                                      f"{MANAGED_POLICY_MAX_CHARS}. Split it into two grants")
    return document


def workload_trust_policy(oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str) -> str:
    """Trust policy of an IRSA role: only tokens the cluster issued to this one service account, for STS."""
    return trust_policy_document(oidc_provider_arn, oidc_issuer, namespace, service_account)


class AppIdentity(pulumi.ComponentResource):
    """Managed policies from the data components' grants, attached to the app's instance and workload roles."""

    policy_arns: list[pulumi.Output[str]]
    """ARN of each grant's managed policy, in grant order."""
    workload_role_arn: pulumi.Output[str]
    """ARN of the workload's IRSA role, for the service account's ``eks.amazonaws.com/role-arn`` annotation
    (empty when no service account is given)."""

    def __init__(self, name: str, args: AppIdentityArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_app_identity_args(args)
        super().__init__("scaling:app_identity:AppIdentity", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)

        workload_role: Optional[aws.iam.Role] = None
        if args.oidc_provider_arn is not None:
            trust = pulumi.Output.all(args.oidc_provider_arn, args.oidc_issuer).apply(
                lambda v: workload_trust_policy(v[0], v[1], args.service_account_namespace,
                                                args.service_account_name))
            workload_role = aws.iam.Role(
                f"{name}-workload-role", assume_role_policy=trust,
                description=f"{name}: service account {args.service_account_namespace}/"
                            f"{args.service_account_name} (IRSA)",
                tags=tags, opts=pulumi.ResourceOptions(parent=self))

        policies = []
        for grant, statements in args.grants.items():
            policy = aws.iam.Policy(
                f"{name}-{grant}", description=f"{name}: what the application needs of {grant}",
                policy=pulumi.Output.from_input(statements).apply(functools.partial(policy_document, grant)),
                tags=tags, opts=pulumi.ResourceOptions(parent=self))
            attached = pulumi.ResourceOptions(parent=policy)
            for i, role_name in enumerate(args.instance_role_names):
                aws.iam.RolePolicyAttachment(f"{name}-{grant}-instance-{i}", role=role_name, policy_arn=policy.arn,
                                             opts=attached)
            if workload_role is not None:
                aws.iam.RolePolicyAttachment(f"{name}-{grant}-workload", role=workload_role.name,
                                             policy_arn=policy.arn, opts=attached)
            policies.append(policy)

        self.policy_arns = [p.arn for p in policies]
        self.workload_role_arn = workload_role.arn if workload_role is not None else pulumi.Output.from_input("")
        self.register_outputs({"policy_arns": self.policy_arns, "workload_role_arn": self.workload_role_arn})
