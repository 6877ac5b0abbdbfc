"""KafkaConsumer: a Kafka consumer group on Kubernetes, scaled by KEDA on its lag (the design's
``feature-processors`` reading ``features``).

Declares an IRSA role that may only consume (connect, describe and read the topic, join the group:
``streaming.consumer_policy_statements``, nothing else), then with the Kubernetes provider of ``opts``: a
namespace, the ServiceAccount annotated with that role, the Deployment, a KEDA ``TriggerAuthentication`` and
a ``ScaledObject`` with the ``apache-kafka`` scaler over SASL/IAM (``sasl: aws_msk_iam``, TLS).

* The lag is read by the KEDA operator with its own role (``identityOwner: keda``, see ``components/keda.py``),
  which can describe the topic and the group but not read messages; this role is never shared with KEDA.
* The replica ceiling is the topic's partition count: Kafka gives each partition to one member of a group,
  so consumers beyond the partitions sit idle. ``max_replicas`` above ``partitions`` is refused, and the
  policy pack checks every ScaledObject against the topic it reads.
* The floor defaults to 1, not 0: a running member keeps the group STABLE, so a new message is read at once
  (no pod start and group join first) and MSK keeps publishing the group's lag for the alarm. 0 is allowed
  where idle cost matters more: KEDA activates the Deployment on the first lag, and MSK still publishes lag for
  an EMPTY group with committed offsets.
* The Deployment has no ``spec.replicas``: the HPA KEDA creates owns the count.
* Network: the pods use the nodes' security group, which the brokers admit on 9098 (the stack passes it to
  ``Streaming.app_security_group_ids``); the component adds no rule. Inside the cluster the namespace gets
  ``default-deny`` and one allowance (``consumer_network_policy_spec``): no ingress at all; egress to the
  cluster DNS, to the brokers on 9098 (inside ``vpc_cidr``) and on 443 to the VPC's interface endpoints
  (``aws_endpoint_cidrs``) and, with ``internet_https``, outside the VPC (STS for IRSA).
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

from scaling_kit.limits import MESSAGING

from . import network_policy
from .irsa import irsa_trust_policy
from .metrics_pipeline import PodDemand
from .streaming import consumer_policy_statements
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, check_pod_identity

BROKER_PORT = 9098               # SASL/IAM over TLS (components/streaming.py IAM_TLS_PORT)
SCALER = "apache-kafka"          # KEDA's kafka-go scaler: the one with AWS MSK IAM authentication
OFFSET_RESET_POLICIES = ("earliest", "latest")
_TOPIC = re.compile(r"[a-zA-Z0-9._-]{1,249}")
_GROUP = re.compile(r"[a-zA-Z0-9._-]{1,255}")


@dataclass(frozen=True)
class KafkaConsumerArgs:
    """Arguments of :class:`KafkaConsumer`."""

    cluster_arn: pulumi.Input[str]
    """ARN of the MSK cluster (the role's grants name its topic and group). Required."""
    bootstrap_brokers_iam: pulumi.Input[str]
    """SASL/IAM bootstrap brokers (``host:9098,...``), for the consumer and for KEDA. Required."""
    oidc_provider_arn: pulumi.Input[str]
    """IAM OIDC provider of the cluster (IRSA). Required."""
    oidc_issuer: pulumi.Input[str]
    """OIDC issuer URL of the cluster. Required."""
    image: str
    """Container image of the consumer. Required."""
    args: tuple[str, ...] = ()
    """Arguments to the image's entrypoint. Defaults to none (the image's own)."""
    aws_region: Optional[pulumi.Input[str]] = None
    """Region of the MSK cluster (KEDA's ``awsRegion`` signs the IAM authentication with it). Defaults to the
    AWS provider's region."""
    name: str = MESSAGING.consumer_group
    """Name of the Deployment, ServiceAccount and ScaledObject. Defaults to ``feature-processors``."""
    namespace: str = MESSAGING.consumer_group
    """Namespace created for the consumer. Defaults to ``feature-processors``."""
    topic: str = MESSAGING.topic
    """Topic consumed. Defaults to ``features``."""
    consumer_group: str = MESSAGING.consumer_group
    """Consumer group id. Defaults to ``feature-processors``."""
    partitions: int = MESSAGING.partitions
    """Partitions of ``topic``: the replica ceiling. Defaults to the design's 10."""
    min_replicas: int = 1
    """Replica floor, 0 (scale to zero when there is no lag) up to ``max_replicas``. Defaults to 1."""
    max_replicas: Optional[int] = None
    """Replica ceiling, at most ``partitions``. Defaults to ``partitions``."""
    lag_threshold: int = 100
    """Target lag per replica (KEDA's ``lagThreshold``): replicas = total lag / this, within the bounds.
    Defaults to 100, so the group reaches 10 replicas at 1,000 messages behind, well before the lag alarm
    (1,000 per partition)."""
    offset_reset_policy: str = "earliest"
    """Where a group without committed offsets starts (the consumer's ``auto.offset.reset`` and KEDA's
    ``offsetResetPolicy``, kept equal). Defaults to ``earliest``: nothing produced before the first deploy is
    skipped."""
    polling_interval_seconds: int = 15
    """How often KEDA reads the lag. Defaults to 15."""
    cooldown_period_seconds: int = 300
    """How long without lag before KEDA scales to zero (only with ``min_replicas`` 0). Defaults to 300."""
    cpu_request_millicores: int = 250
    """CPU request per pod (limit: twice the request). Defaults to 250."""
    memory_request_mib: int = 256
    """Memory request and limit per pod. Defaults to 256."""
    run_as_user: int = 10001
    """Non-root UID of the container. Defaults to 10001."""
    vpc_cidr: Optional[str] = None
    """CIDR of the VPC: the NetworkPolicy admits 9098 only inside it and 443 only outside it. Defaults to none
    (9098 and 443 to any address; still nothing else, and no ingress)."""
    aws_endpoint_cidrs: tuple[str, ...] = ()
    """Subnets of the VPC's interface endpoints (``Network.endpoint_subnet_cidrs``), admitted on 443: the pods
    reach STS there. Needs ``vpc_cidr``. Defaults to none."""
    internet_https: bool = True
    """Admit 443 to any address outside the VPC as well. False needs ``aws_endpoint_cidrs``. Defaults to True."""
    keda_release: Optional[pulumi.Resource] = None
    """The release that installs KEDA's CRDs (``Keda.release``); the KEDA objects wait for it. Defaults to none
    (KEDA already installed)."""
    environment: str = "prod"
    """Environment for the house tags and labels. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags (AWS) and added as labels (Kubernetes). Defaults to none."""


def resolved_max_replicas(args: KafkaConsumerArgs) -> int:
    return args.partitions if args.max_replicas is None else args.max_replicas


def validate_kafka_consumer_args(args: KafkaConsumerArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed (plain values only)."""
    check_arguments(args)
    check_pod_identity(args)
    if not _TOPIC.fullmatch(args.topic) or args.topic in (".", ".."):
        raise ArgumentError("topic", f"{args.topic!r} is not a Kafka topic name (letters, digits, '.', '_', '-')")
    if not _GROUP.fullmatch(args.consumer_group):
        raise ArgumentError("consumer_group", f"{args.consumer_group!r} is not a group id (letters, digits, '.', "
                                              "'_', '-'; MSK publishes no lag for a group with ':')")
    if args.partitions < 1:
        raise ArgumentError("partitions", f"{args.partitions} is out of range; expected at least 1")
    ceiling = resolved_max_replicas(args)
    if not 1 <= ceiling <= args.partitions:
        raise ArgumentError("max_replicas/partitions", f"{ceiling} is out of range; expected 1 to {args.partitions} "
                                                       f"(the partitions of {args.topic!r}: a consumer beyond them "
                                                       "is given no partition and sits idle)")
    if not 0 <= args.min_replicas <= ceiling:
        raise ArgumentError("min_replicas", f"{args.min_replicas} is out of range; expected 0 to {ceiling} "
                                            "(max_replicas)")
    if args.lag_threshold < 1:
        raise ArgumentError("lag_threshold", f"{args.lag_threshold} is out of range; expected at least 1 message")
    if args.offset_reset_policy not in OFFSET_RESET_POLICIES:
        raise ArgumentError("offset_reset_policy", f"{args.offset_reset_policy!r} is not allowed; expected one of "
                                                   f"{OFFSET_RESET_POLICIES}")
    if not 5 <= args.polling_interval_seconds <= 3600:
        raise ArgumentError("polling_interval_seconds", f"{args.polling_interval_seconds} is out of range; "
                                                        "expected 5 to 3600")
    if not 0 <= args.cooldown_period_seconds <= 86400:
        raise ArgumentError("cooldown_period_seconds", f"{args.cooldown_period_seconds} is out of range; "
                                                       "expected 0 to 86400")
    for name in ("cpu_request_millicores", "memory_request_mib"):
        if getattr(args, name) < 1:
            raise ArgumentError(name, f"{getattr(args, name)} is out of range; every container needs requests "
                                      "(the node sizing counts them); expected at least 1")
    if args.run_as_user < 1:
        raise ArgumentError("run_as_user", f"{args.run_as_user} is root; expected a UID of at least 1")
    if args.vpc_cidr is not None:
        try:
            ipaddress.IPv4Network(args.vpc_cidr, strict=True)
        except ValueError:
            raise ArgumentError("vpc_cidr", f"{args.vpc_cidr!r} is not an IPv4 CIDR block such as 10.0.0.0/16") \
                from None
        network_policy.check_https_egress(args.vpc_cidr, args.aws_endpoint_cidrs, args.internet_https)
    elif args.aws_endpoint_cidrs or not args.internet_https:
        raise ArgumentError("vpc_cidr", "none while aws_endpoint_cidrs or internet_https=False narrow the HTTPS "
                            "egress; expected the VPC's CIDR (the rule admits addresses relative to it)")


def consumer_demand(args: KafkaConsumerArgs) -> PodDemand:
    """What the consumer needs from the nodes at its ceiling."""
    return PodDemand(args.name, resolved_max_replicas(args), args.cpu_request_millicores, args.memory_request_mib)


def consumer_network_policy_spec(pod_labels: Mapping[str, str], vpc_cidr: Optional[str],
                                 aws_endpoint_cidrs: Sequence[str] = (), internet_https: bool = True) -> dict:
    """The consumer's allowance beside ``default-deny``: it serves nothing, so no ingress; it resolves names,
    reads from the brokers and calls STS (IRSA)."""
    inside = [{"ipBlock": {"cidr": vpc_cidr or "0.0.0.0/0"}}]
    outside = (network_policy.https_egress_peers(vpc_cidr, aws_endpoint_cidrs, internet_https) if vpc_cidr
               else [{"ipBlock": {"cidr": "0.0.0.0/0"}}])
    return {
        "podSelector": {"matchLabels": dict(pod_labels)}, "policyTypes": ["Ingress", "Egress"], "ingress": [],
        "egress": [
            {"to": [{"namespaceSelector": {"matchLabels": {
                network_policy.NAMESPACE_NAME_LABEL: network_policy.DNS_NAMESPACE}},
                "podSelector": {"matchLabels": dict(network_policy.DNS_POD_LABELS)}}],
             "ports": [{"protocol": "UDP", "port": network_policy.DNS_PORT},
                       {"protocol": "TCP", "port": network_policy.DNS_PORT}]},
            {"to": inside, "ports": [{"protocol": "TCP", "port": BROKER_PORT}]},
            {"to": outside, "ports": [{"protocol": "TCP", "port": network_policy.HTTPS_PORT}]},
        ]}


def trigger_metadata(args: KafkaConsumerArgs, bootstrap_servers: pulumi.Input[str],
                     region: pulumi.Input[str]) -> dict[str, pulumi.Input[str]]:
    """Metadata of the ``apache-kafka`` trigger (KEDA wants every value as a string)."""
    return {
        "bootstrapServers": bootstrap_servers, "consumerGroup": args.consumer_group, "topic": args.topic,
        "lagThreshold": str(args.lag_threshold), "offsetResetPolicy": args.offset_reset_policy,
        # The scaler's own cap at the partition count stays on; max_replicas says the same.
        "allowIdleConsumers": "false",
        "sasl": "aws_msk_iam", "tls": "enable", "awsRegion": region,
    }


class KafkaConsumer(pulumi.ComponentResource):
    """A consumer group's Deployment, scaled by KEDA on its lag, with an IRSA role that may only consume."""

    namespace: pulumi.Output[str]
    """Namespace of the consumer."""
    deployment_name: pulumi.Output[str]
    """Name of the Deployment."""
    scaled_object_name: pulumi.Output[str]
    """Name of the KEDA ScaledObject (KEDA names its HPA ``keda-hpa-<name>``)."""
    role_arn: pulumi.Output[str]
    """IAM role of the consumer's service account."""
    max_replicas: int
    """The replica ceiling (the topic's partitions unless set lower)."""

    def __init__(self, name: str, args: KafkaConsumerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_kafka_consumer_args(args)
        super().__init__("scaling:consumer:KafkaConsumer", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        ceiling = resolved_max_replicas(args)
        region = args.aws_region if args.aws_region is not None else \
            aws.get_region_output(opts=pulumi.InvokeOptions(parent=self)).region

        # The Kubernetes provider of opts must not reach the AWS resources.
        aws_child = pulumi.ResourceOptions(parent=self, provider=None)
        role = aws.iam.Role(
            f"{name}-role", tags=tags, opts=aws_child,
            description=f"{name}: consumer {args.namespace}/{args.name} (IRSA), reads {args.topic} as "
                        f"{args.consumer_group}",
            assume_role_policy=irsa_trust_policy(args.oidc_provider_arn, args.oidc_issuer, args.namespace, args.name))
        aws.iam.RolePolicy(
            f"{name}-policy", role=role.id, opts=pulumi.ResourceOptions(parent=role),
            policy=pulumi.Output.from_input(args.cluster_arn).apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": consumer_policy_statements(arn, args.topic, args.consumer_group)})))

        child = pulumi.ResourceOptions(parent=self)
        selector = {"app.kubernetes.io/name": args.name}
        labels = {**selector, "app.kubernetes.io/component": "kafka-consumer", "app.kubernetes.io/managed-by": "pulumi",
                  "environment": args.environment, **dict(args.tags)}
        ns = k8s.core.v1.Namespace(f"{name}-namespace", metadata=k8s.meta.v1.ObjectMetaArgs(
            name=args.namespace, labels=labels), opts=child)

        def meta(object_name: str, annotations: Optional[dict] = None) -> k8s.meta.v1.ObjectMetaArgs:
            return k8s.meta.v1.ObjectMetaArgs(name=object_name, namespace=ns.metadata.name, labels=labels,
                                              annotations=annotations)

        account = k8s.core.v1.ServiceAccount(
            f"{name}-service-account", metadata=meta(args.name, {"eks.amazonaws.com/role-arn": role.arn}),
            # The consumer calls no Kubernetes API; the IRSA token is projected by EKS regardless.
            automount_service_account_token=False, opts=child)
        hardened = k8s.core.v1.SecurityContextArgs(
            run_as_non_root=True, run_as_user=args.run_as_user, read_only_root_filesystem=True,
            allow_privilege_escalation=False, capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]))
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": args.bootstrap_brokers_iam, "KAFKA_TOPIC": args.topic,
            "KAFKA_CONSUMER_GROUP": args.consumer_group, "KAFKA_CLIENT_ID": MESSAGING.client_id,
            "KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "KAFKA_SASL_MECHANISM": "AWS_MSK_IAM",
            "KAFKA_AUTO_OFFSET_RESET": args.offset_reset_policy, "AWS_REGION": region,
        }
        container = k8s.core.v1.ContainerArgs(
            name="consumer", image=args.image, args=list(args.args) or None,
            env=[k8s.core.v1.EnvVarArgs(name=k, value=v) for k, v in env.items()],
            resources=k8s.core.v1.ResourceRequirementsArgs(
                requests={"cpu": f"{args.cpu_request_millicores}m", "memory": f"{args.memory_request_mib}Mi"},
                limits={"cpu": f"{2 * args.cpu_request_millicores}m", "memory": f"{args.memory_request_mib}Mi"}),
            security_context=hardened,
            volume_mounts=[k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp")])
        deployment = k8s.apps.v1.Deployment(
            f"{name}-deployment", metadata=meta(args.name),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                # No replicas: the HPA that KEDA creates owns the count.
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector), revision_history_limit=10,
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=account.metadata.name, automount_service_account_token=False,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True, run_as_user=args.run_as_user, run_as_group=args.run_as_user,
                            fs_group=args.run_as_user,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault")),
                        # Time to commit offsets and leave the group cleanly (a faster rebalance).
                        termination_grace_period_seconds=30, containers=[container],
                        topology_spread_constraints=[k8s.core.v1.TopologySpreadConstraintArgs(
                            max_skew=1, topology_key="topology.kubernetes.io/zone",
                            when_unsatisfiable="ScheduleAnyway",
                            label_selector=k8s.meta.v1.LabelSelectorArgs(match_labels=selector))],
                        volumes=[k8s.core.v1.VolumeArgs(name="tmp", empty_dir=k8s.core.v1.EmptyDirVolumeSourceArgs(
                            size_limit="64Mi"))]))),
            opts=child)

        # Deny all traffic in the namespace, then admit what the consumer needs.
        k8s.networking.v1.NetworkPolicy(  # type: ignore[call-overload]  # a camelCase spec: accepted, but not the SDK's TypedDict
            f"{name}-default-deny", metadata=meta(network_policy.DEFAULT_DENY_NAME),
            spec=network_policy.default_deny_spec(), opts=child)
        k8s.networking.v1.NetworkPolicy(  # type: ignore[call-overload]  # a camelCase spec: accepted, but not the SDK's TypedDict
            f"{name}-network-policy", metadata=meta(args.name),
            spec=consumer_network_policy_spec(selector, args.vpc_cidr, args.aws_endpoint_cidrs,
                                              args.internet_https), opts=child)

        crds = pulumi.ResourceOptions(parent=self, depends_on=[args.keda_release] if args.keda_release else [])
        auth = k8s.apiextensions.CustomResource(
            f"{name}-trigger-auth", api_version="keda.sh/v1alpha1", kind="TriggerAuthentication",
            metadata=meta(args.name),
            # The KEDA operator's own IRSA role reads the lag (describe only); see components/keda.py.
            spec={"podIdentity": {"provider": "aws", "identityOwner": "keda"}}, opts=crds)
        scaled = k8s.apiextensions.CustomResource(
            f"{name}-scaled-object", api_version="keda.sh/v1alpha1", kind="ScaledObject", metadata=meta(args.name),
            spec={
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": deployment.metadata.name},
                "minReplicaCount": args.min_replicas, "maxReplicaCount": ceiling,
                "pollingInterval": args.polling_interval_seconds, "cooldownPeriod": args.cooldown_period_seconds,
                "triggers": [{"type": SCALER, "metadata": trigger_metadata(args, args.bootstrap_brokers_iam, region),
                              "authenticationRef": {"name": auth.metadata["name"]}}],  # type: ignore[attr-defined]  # CustomResource sets its outputs at run time
            },
            opts=crds)

        self.namespace = ns.metadata.name
        self.deployment_name = deployment.metadata.name
        self.scaled_object_name = scaled.metadata["name"]  # type: ignore[attr-defined]  # CustomResource sets its outputs at run time
        self.role_arn = role.arn
        self.max_replicas = ceiling
        self.register_outputs({"namespace": self.namespace, "deployment_name": self.deployment_name,
                               "scaled_object_name": self.scaled_object_name, "role_arn": self.role_arn})
