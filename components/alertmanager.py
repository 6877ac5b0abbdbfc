"""Alertmanager: where the metrics pipeline's Prometheus alerts go, published to the stack's SNS alarm topic.

The metrics pipeline (``components/metrics_pipeline.py``) keeps its data inside the cluster, so what only it
knows (an HPA sitting at its maximum replicas: CloudWatch has no replica count) is alerted on there:
Prometheus evaluates the rule and sends the alert here; Alertmanager publishes it to the same SNS topic the
CloudWatch alarms notify, so operators subscribe once.

* **Release**: the prometheus-community ``alertmanager`` chart, pinned (``chart_version``; 1.20.1 is
  Alertmanager v0.28.1, the version the pipeline's ``prometheus`` chart 27.19.0 locks for its own optional
  Alertmanager). Its names are fixed (``fullnameOverride``), so Prometheus finds every replica through the
  headless Service ``alertmanager-headless`` (``discovery_name``) before this component exists.
* **Receiver**: ``sns_configs`` with ``topic_arn`` and ``sigv4.region`` (the topic's region, read from its
  ARN) and no keys: Alertmanager's SNS client falls back to the AWS SDK's default credentials chain, which
  reads the web-identity token EKS mounts for a service account annotated with a role (IRSA).
* **Role**: trusted by ``<namespace>/alertmanager`` only; may ``sns:Publish`` to the topic and use the topic's
  KMS key (``kms:GenerateDataKey*``, ``kms:Decrypt``) only through SNS (``kms:ViaService``) and only for this
  topic (the encryption context SNS sends). A publisher to an encrypted topic needs both. The key's policy
  delegates to IAM (the account statement), so the grant belongs on the role and the key policy stays as it is.
* **Storage**: an emptyDir. Silences and the notification log are lost when a pod restarts (the next
  evaluation re-sends a firing alert); a PersistentVolume would need the EBS CSI driver add-on.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s

from .irsa import irsa_trust_policy
from .metrics_pipeline import PROMETHEUS_COMMUNITY_REPO, PodDemand
from .tagging import house_tags, merge_tags
from .validation import DNS_LABEL, ArgumentError, check_arguments

RELEASE_NAME = "alertmanager"
"""Helm release name, also the chart's full name (``fullnameOverride``): the Service, the StatefulSet and the
service account are called this."""
SERVICE_ACCOUNT = RELEASE_NAME
PORT = 9093
"""Alertmanager's API port (the chart's ``service.port``), where Prometheus posts alerts."""
RECEIVER = "sns-alarm-topic"
_CHART_VERSION = re.compile(r"\d+\.\d+\.\d+")
_TOPIC_ARN = re.compile(r"arn:[a-z-]+:sns:([a-z0-9-]+):\d{12}:[A-Za-z0-9_-]{1,256}")
_POD_REQUESTS = {"cpu_millicores": 20, "memory_mib": 64}   # idle but for a few alerts an hour
SUBJECT = ('{{ printf "%.100s" (printf "[%s] %s %s/%s" (.Status | toUpper) .CommonLabels.alertname '
           '.CommonLabels.namespace .CommonLabels.horizontalpodautoscaler) }}')
"""Subject of the SNS message. SNS rejects a subject over 100 characters and Alertmanager does not shorten it
(its default subject lists every label), so this one names the alert and the HPA and is cut at 100."""


def discovery_name(namespace: str) -> str:
    """DNS name of the headless Service, one A record per Alertmanager pod: Prometheus sends each alert to every
    replica (they deduplicate among themselves), as Prometheus's documentation asks, instead of to one behind a
    load-balanced Service."""
    return f"{RELEASE_NAME}-headless.{namespace}.svc.cluster.local"


def discovery_address(namespace: str) -> str:
    """``host:port`` of the Alertmanagers in ``namespace``, for ``MetricsPipelineArgs.alertmanager_address``."""
    return f"{discovery_name(namespace)}:{PORT}"


@dataclass(frozen=True)
class AlertmanagerArgs:
    """Arguments of :class:`Alertmanager`."""

    oidc_provider_arn: pulumi.Input[str]
    """IAM OIDC provider of the cluster (IRSA). Required."""
    oidc_issuer: pulumi.Input[str]
    """OIDC issuer URL of the cluster. Required."""
    topic_arn: pulumi.Input[str]
    """ARN of the SNS topic the alerts are published to (``Alarms.topic_arn``). Required."""
    topic_key_arn: pulumi.Input[str]
    """ARN of the KMS key that encrypts the topic (``Alarms.kms_key_arn``). Required."""
    namespace: str = "monitoring"
    """Namespace of the release, the metrics pipeline's (it must exist: see ``prometheus_release``). Defaults
    to ``monitoring``."""
    prometheus_release: Optional[pulumi.Resource] = None
    """The metrics pipeline's Prometheus release; the Alertmanager release waits for it (and so for the
    namespace the pipeline creates). Defaults to none."""
    chart_version: str = "1.20.1"
    """prometheus-community ``alertmanager`` chart version (app v0.28.1). Defaults to ``1.20.1``."""
    highly_available: bool = True
    """Two replicas that gossip (one notification per alert between them) and a PodDisruptionBudget, so a node
    drain never drops an alert. Defaults to True."""
    repeat_interval: str = "4h"
    """How often a still-firing alert is published again. Defaults to ``4h``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_alertmanager_args(args: AlertmanagerArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not DNS_LABEL.fullmatch(args.namespace):
        raise ArgumentError("namespace", f"{args.namespace!r} is not a DNS label (lower-case letters, digits, '-', "
                            "at most 63 characters)")
    if not _CHART_VERSION.fullmatch(args.chart_version):
        raise ArgumentError("chart_version", f"{args.chart_version!r} is not a pinned chart version; expected "
                            "MAJOR.MINOR.PATCH")
    if not re.fullmatch(r"[1-9][0-9]*[mh]", args.repeat_interval):
        raise ArgumentError("repeat_interval", f"{args.repeat_interval!r} is not a duration in minutes or hours "
                            "such as 30m or 4h")
    if isinstance(args.topic_arn, str) and not _TOPIC_ARN.fullmatch(args.topic_arn):
        raise ArgumentError("topic_arn", f"{args.topic_arn!r} is not an SNS topic ARN "
                            "(arn:<partition>:sns:<region>:<account>:<name>)")


def topic_region(topic_arn: str) -> str:
    """The region of an SNS topic ARN (where Alertmanager must sign its requests)."""
    match = _TOPIC_ARN.fullmatch(topic_arn)
    if match is None:
        raise ArgumentError("topic_arn", f"{topic_arn!r} is not an SNS topic ARN "
                            "(arn:<partition>:sns:<region>:<account>:<name>)")
    return match.group(1)


def publisher_policy(topic_arn: str, key_arn: str) -> str:
    """The role's policy: publish to this topic, and use its key only as SNS does for this topic."""
    region = topic_region(topic_arn)
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "PublishAlertsToTheAlarmTopic", "Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
        {"Sid": "EncryptThroughSnsForTheAlarmTopic", "Effect": "Allow",
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"sns.{region}.amazonaws.com",
                                        "kms:EncryptionContext:aws:sns:topicArn": topic_arn}}},
    ]})


def alertmanager_config(topic_arn: str, repeat_interval: str = "4h") -> dict[str, Any]:
    """Alertmanager's configuration: every alert, one notification per alert and HPA, to the SNS topic."""
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": RECEIVER,
            # One message per alert and HPA, so the subject can name the HPA.
            "group_by": ["alertname", "namespace", "horizontalpodautoscaler"],
            "group_wait": "30s", "group_interval": "5m", "repeat_interval": repeat_interval,
        },
        "receivers": [{"name": RECEIVER, "sns_configs": [{
            "topic_arn": topic_arn,
            "sigv4": {"region": topic_region(topic_arn)},
            "subject": SUBJECT,
            # Like the CloudWatch alarms' OK actions: the topic hears when it clears.
            "send_resolved": True,
        }]}],
    }


def chart_values(args: AlertmanagerArgs, topic_arn: pulumi.Input[str], role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Helm values: fixed names, the IRSA annotation, no volume, the SNS receiver, small requests."""
    replicas = 2 if args.highly_available else 1
    requests = {"cpu": f"{_POD_REQUESTS['cpu_millicores']}m", "memory": f"{_POD_REQUESTS['memory_mib']}Mi"}
    return {
        "fullnameOverride": RELEASE_NAME,
        "replicaCount": replicas,
        "serviceAccount": {"create": True, "name": SERVICE_ACCOUNT,
                           "annotations": {"eks.amazonaws.com/role-arn": role_arn}},
        # The chart's default is a 50Mi PersistentVolumeClaim per replica; the cluster has no EBS CSI driver.
        "persistence": {"enabled": False},
        "config": pulumi.Output.from_input(topic_arn).apply(
            lambda arn: {"enabled": True, **alertmanager_config(arn, args.repeat_interval)}),
        "resources": {"requests": requests, "limits": {"memory": requests["memory"]}},
        "podDisruptionBudget": {"maxUnavailable": 1} if args.highly_available else {},
    }


def alertmanager_demand(args: AlertmanagerArgs) -> PodDemand:
    """Pods Alertmanager runs and what each requests (for the node group's capacity check)."""
    return PodDemand("alertmanager", 2 if args.highly_available else 1, **_POD_REQUESTS)


class Alertmanager(pulumi.ComponentResource):
    """Alertmanager from its Helm chart, pinned, publishing to an SNS topic with its IRSA role."""

    role_arn: pulumi.Output[str]
    """IAM role of Alertmanager's service account (``<namespace>/alertmanager``)."""
    address: str
    """``host:port`` Prometheus discovers the Alertmanagers at (``discovery_address``)."""
    release: k8s.helm.v3.Release
    """The Helm release."""

    def __init__(self, name: str, args: AlertmanagerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_alertmanager_args(args)
        super().__init__("scaling:alertmanager:Alertmanager", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        aws_child = pulumi.ResourceOptions(parent=self, provider=None)

        role = aws.iam.Role(
            f"{name}-role", tags=tags, opts=aws_child,
            description=f"{name}: Alertmanager ({args.namespace}/{SERVICE_ACCOUNT}, IRSA), publishes to the alarm topic",
            assume_role_policy=irsa_trust_policy(args.oidc_provider_arn, args.oidc_issuer, args.namespace,
                                                 SERVICE_ACCOUNT))
        aws.iam.RolePolicy(f"{name}-policy", role=role.id,
                           policy=pulumi.Output.all(args.topic_arn, args.topic_key_arn).apply(
                               lambda arns: publisher_policy(arns[0], arns[1])),
                           opts=pulumi.ResourceOptions(parent=role))

        self.release = k8s.helm.v3.Release(
            f"{name}-release", name=RELEASE_NAME, chart="alertmanager", version=args.chart_version,
            repository_opts=k8s.helm.v3.RepositoryOptsArgs(repo=PROMETHEUS_COMMUNITY_REPO), namespace=args.namespace,
            atomic=True, cleanup_on_fail=True, timeout=600, max_history=10,
            values=chart_values(args, args.topic_arn, role.arn),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[args.prometheus_release] if args.prometheus_release
                                        else []))

        self.role_arn = role.arn
        self.address = discovery_address(args.namespace)
        self.register_outputs({"role_arn": self.role_arn, "address": self.address})
