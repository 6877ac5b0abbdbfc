"""Wiring of the application's identity: the data tiers' grants held by the EC2 pools' instance roles and by
the workload's IRSA role (see docs/identity.md).

Runs after the data tiers (their grants name their ARNs) and the EC2 pools (their roles), before the
workload (its service account is annotated with the role ARN this returns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.app_identity import AppIdentity, AppIdentityArgs

from .cache_and_streaming import CacheAndStreamingTier
from .config import StackSettings
from .database import DatabaseTier
from .kubernetes import ClusterTier, workload_args


@dataclass(frozen=True)
class IdentityTier:
    """What the rest of the program needs from the identity tier."""
    identity: AppIdentity
    workload_role_arn: pulumi.Output[str]
    """Role of the workload's service account (its ``eks.amazonaws.com/role-arn`` annotation)."""
    exports: dict[str, Any]
    """Stack outputs of the tier."""


def app_identity_args(settings: StackSettings, cluster_tier: Any, database: Any, cache_and_streaming: Any,
                      instance_role_names: Sequence[Any]) -> AppIdentityArgs:
    """Arguments of the identity; the tiers may be the real ones or anything with the same attributes."""
    # The service account the Workload component declares: same name and namespace as the workload.
    workload = workload_args(settings, cluster_tier.catalog)
    return AppIdentityArgs(
        grants={
            "kafka": cache_and_streaming.streaming.client_policy_statements,
            "database": database.database.connect_policy_statements,
            "cache": cache_and_streaming.cache.auth_token_read_statements,
        },
        instance_role_names=list(instance_role_names),
        oidc_provider_arn=cluster_tier.cluster.oidc_provider_arn, oidc_issuer=cluster_tier.cluster.oidc_issuer,
        service_account_namespace=workload.namespace, service_account_name=workload.name,
        environment=settings.environment)


def build_identity(settings: StackSettings, cluster_tier: ClusterTier, database: DatabaseTier,
                   cache_and_streaming: CacheAndStreamingTier, instance_role_names: Sequence[pulumi.Input[str]],
                   prefix: str = "") -> IdentityTier:
    """Declare the application's policies and workload role, attached to ``instance_role_names`` (one per EC2
    pool) and to the workload's service account."""
    identity = AppIdentity(f"{prefix}app-identity", app_identity_args(
        settings, cluster_tier, database, cache_and_streaming, instance_role_names))
    return IdentityTier(identity=identity, workload_role_arn=identity.workload_role_arn, exports={
        "appWorkloadRoleArn": identity.workload_role_arn,
        "appPolicyArns": identity.policy_arns,
    })
