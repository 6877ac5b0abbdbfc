"""Keda: the KEDA event-driven autoscaler (Helm), with the least-privilege IRSA role of its operator.

KEDA turns an event source's backlog into replicas: its operator reads the source (here Kafka consumer lag)
and drives an HPA it creates for each ``ScaledObject``, through its own external-metrics API server.

Whose AWS identity reads the source. KEDA's ``aws`` pod-identity provider offers three owners:

* ``identityOwner: keda`` (the default, used here): the operator's own IRSA role. It holds only
  ``operator_policy_statements``: for Kafka lag, connect, describe the topic and describe the group. It can
  neither read a message nor join a group.
* ``identityOwner: workload``: KEDA reads the workload's ``eks.amazonaws.com/role-arn`` and assumes that role,
  first with AssumeRoleWithWebIdentity on the operator's own token (KEDA 2.13+), else with sts:AssumeRole from
  the operator's role. Either way the workload role must also trust the ``keda/keda-operator`` service account
  (or the operator role), and the operator then holds everything the consumer may do (read the data, commit
  offsets) to do something that needs only describe rights. Not used.
* ``roleArn``: a third role the operator assumes (sts:AssumeRole), one more role and trust to keep. Not used.

The chart is pinned (``chart_version``): chart 2.18.3 is KEDA 2.18.3, tested by KEDA with Kubernetes 1.31 to
1.33 (the stack's EKS version is 1.33).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .irsa import STS_AUDIENCE, irsa_trust_policy
from .metrics_pipeline import PodDemand
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

CHART_REPO = "https://kedacore.github.io/charts"
NAMESPACE = "keda"
OPERATOR_SERVICE_ACCOUNT = "keda-operator"
_CHART_VERSION = re.compile(r"\d+\.\d+\.\d+")
_POD_REQUESTS = {"cpu_millicores": 100, "memory_mib": 128}   # what chart_values requests for every KEDA pod


@dataclass(frozen=True)
class KedaArgs:
    """Arguments of :class:`Keda`."""

    oidc_provider_arn: pulumi.Input[str]
    """IAM OIDC provider of the cluster (IRSA). Required."""
    oidc_issuer: pulumi.Input[str]
    """OIDC issuer URL of the cluster. Required."""
    operator_policy_statements: pulumi.Input[Sequence[Mapping[str, Any]]]
    """IAM statements the operator needs to read its event sources (``identityOwner: keda``), such as
    ``streaming.lag_reader_policy_statements``. Required: a KEDA without AWS rights needs no role."""
    chart_version: str = "2.18.3"
    """kedacore/keda chart version (app v2.18.3, for Kubernetes 1.31 to 1.33). Defaults to ``2.18.3``."""
    highly_available: bool = True
    """Two replicas of the operator (one leads) and of the metrics API server, and PodDisruptionBudgets, so a
    node drain never stops scaling. Defaults to True."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_keda_args(args: KedaArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not _CHART_VERSION.fullmatch(args.chart_version):
        raise ArgumentError("chart_version", f"{args.chart_version!r} is not a chart version such as 2.18.3")


def operator_policy(statements: Sequence[Mapping[str, Any]]) -> str:
    if not statements:
        raise ValueError("operator_policy_statements: empty; expected the statements KEDA needs to read its "
                         "event sources (IAM rejects an empty policy)")
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def chart_values(role_arn: pulumi.Input[str], highly_available: bool) -> dict[str, Any]:
    """Helm values: the operator's IRSA annotations, replicas and small requests."""
    replicas = 2 if highly_available else 1
    small = {"requests": {"cpu": f"{_POD_REQUESTS['cpu_millicores']}m", "memory": f"{_POD_REQUESTS['memory_mib']}Mi"},
             "limits": {"memory": "512Mi"}}
    return {
        "podIdentity": {"aws": {"irsa": {"enabled": True, "roleArn": role_arn, "audience": STS_AUDIENCE,
                                         "stsRegionalEndpoints": "true"}}},
        "serviceAccount": {"operator": {"create": True, "name": OPERATOR_SERVICE_ACCOUNT}},
        "operator": {"replicaCount": replicas},
        "metricsServer": {"replicaCount": replicas},
        "webhooks": {"replicaCount": replicas},
        "podDisruptionBudget": {"operator": {"minAvailable": 1}, "metricServer": {"minAvailable": 1},
                                "webhooks": {"minAvailable": 1}} if highly_available else {},
        "resources": {"operator": small, "metricServer": small, "webhooks": small},
    }


def keda_demand(args: KedaArgs) -> list[PodDemand]:
    """Pods KEDA runs (operator, metrics API server, admission webhooks) and what each requests."""
    replicas = 2 if args.highly_available else 1
    return [PodDemand(f"keda-{part}", replicas, **_POD_REQUESTS) for part in ("operator", "metrics-server", "webhooks")]


class Keda(pulumi.ComponentResource):
    """KEDA from its Helm chart, pinned, with the operator's IRSA role holding only the given statements."""

    operator_role_arn: pulumi.Output[str]
    """IAM role of the KEDA operator's service account (``keda/keda-operator``)."""
    release: k8s.helm.v3.Release
    """The Helm release: ScaledObjects and TriggerAuthentications depend on it (it installs their CRDs)."""

    def __init__(self, name: str, args: KedaArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_keda_args(args)
        super().__init__("scaling:keda:Keda", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        aws_child = pulumi.ResourceOptions(parent=self, provider=None)

        role = aws.iam.Role(
            f"{name}-operator-role", tags=tags, opts=aws_child,
            description=f"{name}: KEDA operator ({NAMESPACE}/{OPERATOR_SERVICE_ACCOUNT}, IRSA), reads event sources",
            assume_role_policy=irsa_trust_policy(args.oidc_provider_arn, args.oidc_issuer, NAMESPACE,
                                                 OPERATOR_SERVICE_ACCOUNT))
        aws.iam.RolePolicy(f"{name}-operator-policy", role=role.id,
                           policy=pulumi.Output.from_input(args.operator_policy_statements).apply(operator_policy),
                           opts=pulumi.ResourceOptions(parent=role))

        self.release = k8s.helm.v3.Release(
            f"{name}-release", name="keda", chart="keda", version=args.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=CHART_REPO), namespace=NAMESPACE,
            create_namespace=True, atomic=True, cleanup_on_fail=True, timeout=600, max_history=10,
            values=chart_values(role.arn, args.highly_available),
            opts=pulumi.ResourceOptions(parent=self))

        self.operator_role_arn = role.arn
        self.register_outputs({"operator_role_arn": self.operator_role_arn})
