"""LoadBalancer: the design's nginx upstream as an internet-facing Application Load Balancer.

nginx -> ALB mapping (design section "Load Balancing"):

* ``least_conn``                 -> target group algorithm ``least_outstanding_requests``;
* ``server apiN ... weight=W``   -> one target group per backend, all in one weighted ``forward`` action;
* ``proxy_*_timeout 60s``        -> ALB idle timeout 60 s;
* ``proxy_http_version 1.1`` / ``keepalive 32`` -> HTTP/1.1 to targets; the ALB pools and reuses backend
  connections itself, there is no knob for the pool size;
* ``X-Real-IP`` / ``X-Forwarded-For`` / ``X-Forwarded-Proto`` / ``Host`` -> the ALB always sends
  ``X-Forwarded-For`` (client IP appended), ``X-Forwarded-Proto`` and ``X-Forwarded-Port`` and keeps
  the ``Host`` header; there is no ``X-Real-IP``, applications read the last ``X-Forwarded-For`` entry.

Security: the ALB's security group admits 80/443 from the configured CIDRs and starts with NO egress at
all; whoever attaches targets (``AutoScalingGroup``) adds the one egress rule to the targets' security
group on the backend port. The rules are separate ``aws.vpc.SecurityGroup*Rule`` resources, so the ALB
group and the instance group can reference each other without a dependency cycle.
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

from scaling_kit.limits import LOAD_BALANCING

from .certificate import (
    DnsValidatedCertificate,
    DnsValidatedCertificateArgs,
    certificate_arn_problem,
    validate_dns_validated_certificate_args,
)
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

# AWS's current recommendation (console default since 2025-09): TLS 1.3 and 1.2 with restricted ciphers and
# hybrid post-quantum key exchange. ELBSecurityPolicy-TLS13-1-2-2021-06 is its pre-PQ predecessor.
TLS13_SSL_POLICY = "ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09"
MAX_BACKENDS = 5          # weighted forward actions take 1 to 5 target groups
MAX_WEIGHT = 999
ACCESS_LOG_PREFIX = "alb"
# Regions that existed before August 2022 deliver ALB logs from a regional ELB account
# (aws.elb.get_service_account); newer regions use the log delivery service principal. AWS documents both;
# a policy naming the wrong one is rejected or never written to.
LEGACY_ELB_LOG_REGIONS = frozenset({
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-south-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
    "ca-central-1", "eu-central-1", "eu-west-1", "eu-west-2", "eu-west-3", "eu-south-1", "eu-north-1",
    "me-south-1", "sa-east-1", "us-gov-west-1", "us-gov-east-1", "cn-north-1", "cn-northwest-1",
})
ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com"
_NAME = re.compile(r"[a-z][a-z0-9-]{0,30}")


@dataclass(frozen=True)
class BackendArgs:
    """One backend (the design's ``server apiN``): a target group and its share of the traffic."""

    name: str
    """Name of the backend, lower-case letters, digits and '-'; part of the target group's identity."""
    weight: int = 1
    """Relative weight in the forward action, 0 to 999 (0 drains it). Defaults to 1."""
    target_type: str = "instance"
    """``instance`` for a pool of EC2 instances (an Auto Scaling group registers them) or ``ip`` for pods
    (the AWS Load Balancer Controller registers them). Defaults to ``instance``."""


TARGET_TYPES = ("instance", "ip")
DESIGN_BACKENDS = tuple(BackendArgs(f"api{i + 1}", w) for i, w in enumerate(LOAD_BALANCING.backend_weights))


@dataclass(frozen=True)
class LoadBalancerArgs:
    """Arguments of :class:`LoadBalancer`."""

    vpc_id: pulumi.Input[str]
    """VPC of the load balancer and its target groups. Required."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets, one per zone, at least two (ALB requirement). Required."""
    backends: Sequence[BackendArgs] = DESIGN_BACKENDS
    """1 to 5 weighted backends. Defaults to the design's api1/api2/api3 with weights 5/5/3."""
    backend_port: int = LOAD_BALANCING.backend_port
    """Port the targets listen on. Defaults to 3000 (the design)."""
    health_check_path: str = "/health"
    """HTTP path the target groups probe. Defaults to ``/health``."""
    health_check_matcher: str = "200"
    """HTTP codes that count as healthy. Defaults to ``200``."""
    backend_tls: bool = False
    """HTTPS to the targets and for their health checks (end-to-end TLS): the targets must serve TLS on
    ``backend_port``; the load balancer does not validate their certificates, so a self-signed one created at
    boot suffices (``ContainerApp.tls``, ``WorkloadArgs.proxy_tls``). Changing it replaces the target groups
    (AWS cannot change a target group's protocol). Defaults to False (plain HTTP to the targets)."""
    ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """IPv4 CIDRs admitted on 80/443. Defaults to the whole internet."""
    certificate_arn: str = ""
    """An existing ACM certificate for the HTTPS listener, in the stack's region; exclusive with ``domain_name``.
    Defaults to none."""
    domain_name: str = ""
    """A domain to serve: the component requests a DNS-validated ACM certificate for it and points an alias
    record at the load balancer; needs ``hosted_zone_id``. Defaults to none. With neither this nor
    ``certificate_arn`` the listener is plain HTTP (the policy pack flags it)."""
    hosted_zone_id: str = ""
    """Route 53 hosted zone of ``domain_name`` (validation and alias records). Defaults to none."""
    ssl_policy: str = TLS13_SSL_POLICY
    """TLS 1.3 security policy of the HTTPS listener. Defaults to ``ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09``."""
    idle_timeout_seconds: int = LOAD_BALANCING.idle_timeout_seconds
    """Idle timeout, 1 to 4000 s. Defaults to 60 (the design's proxy timeouts)."""
    deregistration_delay_seconds: int = LOAD_BALANCING.idle_timeout_seconds
    """Draining time of a deregistering target, 0 to 3600 s. Defaults to 60 (requests end within the 60 s
    timeouts, so AWS's 300 s default would only slow down deployments)."""
    slow_start_seconds: int = 0
    """Ramp-up time of a new target, 0 (off) or 30 to 900 s. Defaults to 0."""
    deletion_protection: bool = True
    """AWS deletion protection of the ALB; when off, the log bucket is also emptied on destroy. Defaults to True."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    access_log_retention_days: int = 90
    """Days access logs are kept in S3. Defaults to 90."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_backends(backends: Sequence[BackendArgs]) -> None:
    """1 to 5 uniquely named backends, weights 0 to 999, not all zero."""
    if not 1 <= len(backends) <= MAX_BACKENDS:
        raise ArgumentError("backends", f"{len(backends)} given; expected 1 to {MAX_BACKENDS} (the limit of target "
                         "groups in one weighted forward action)")
    names = [b.name for b in backends]
    for b in backends:
        if not isinstance(b.name, str) or not _NAME.fullmatch(b.name):
            raise ArgumentError("backends", f"name {b.name!r} is not allowed; expected a lower-case letter, then up to "
                             "30 letters, digits or '-'")
        if isinstance(b.weight, bool) or not isinstance(b.weight, int) or not 0 <= b.weight <= MAX_WEIGHT:
            raise ArgumentError("backends", f"weight {b.weight!r} of {b.name!r} is out of range; expected 0 to {MAX_WEIGHT}")
        if b.target_type not in TARGET_TYPES:
            raise ArgumentError("backends", f"target_type {b.target_type!r} of {b.name!r} is not allowed; expected one of "
                             f"{TARGET_TYPES}")
    if len(set(names)) != len(names):
        raise ArgumentError("backends", f"names {names!r} have duplicates; each backend needs its own name")
    if not any(b.weight for b in backends):
        raise ArgumentError("backends", f"weights {[b.weight for b in backends]!r} are all zero; at least one backend "
                         "needs a weight above 0")


def validate_load_balancer_args(args: LoadBalancerArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    validate_backends(args.backends)
    if len(args.subnet_ids) < 2:
        raise ArgumentError("subnet_ids", f"{len(args.subnet_ids)} subnet(s) given; an Application Load Balancer needs "
                         "subnets in at least two availability zones")
    if not 1 <= args.backend_port <= 65535:
        raise ArgumentError("backend_port", f"{args.backend_port} is out of range; expected 1 to 65535")
    if not args.health_check_path.startswith("/") or len(args.health_check_path) > 1024:
        raise ArgumentError("health_check_path", f"{args.health_check_path!r} is not allowed; expected a path starting "
                         "with '/', at most 1024 characters")
    if not re.fullmatch(r"\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*", args.health_check_matcher):
        raise ArgumentError("health_check_matcher", f"{args.health_check_matcher!r} is not allowed; expected HTTP codes "
                         "such as '200' or '200-299' or '200,302'")
    if not args.ingress_cidrs:
        raise ArgumentError("ingress_cidrs", "empty; expected at least one IPv4 CIDR (0.0.0.0/0 for the internet)")
    for cidr in args.ingress_cidrs:
        try:
            ipaddress.IPv4Network(cidr, strict=True)
        except ValueError:
            raise ArgumentError("ingress_cidrs", f"{cidr!r} is not an IPv4 CIDR block such as 203.0.113.0/24") from None
    if args.certificate_arn and (reason := certificate_arn_problem(args.certificate_arn)):
        raise ArgumentError("certificate_arn", f"{args.certificate_arn!r}: {reason}")
    if args.certificate_arn and args.domain_name:
        raise ArgumentError("certificate_arn", f"{args.certificate_arn!r} and domain_name {args.domain_name!r} are both "
                            "given; expected one: an existing certificate, or a domain to request one for")
    if bool(args.domain_name) != bool(args.hosted_zone_id):
        raise ArgumentError("domain_name" if args.hosted_zone_id else "hosted_zone_id",
                            f"domain_name {args.domain_name!r} and hosted_zone_id {args.hosted_zone_id!r}: expected "
                            "both (the certificate is validated and the alias created in that zone) or neither")
    if args.domain_name:
        validate_dns_validated_certificate_args(DnsValidatedCertificateArgs(args.domain_name, args.hosted_zone_id))
    if not args.ssl_policy.startswith("ELBSecurityPolicy-TLS13-"):
        raise ArgumentError("ssl_policy", f"{args.ssl_policy!r} does not offer TLS 1.3; expected an "
                         f"ELBSecurityPolicy-TLS13-* policy such as {TLS13_SSL_POLICY}")
    if not 1 <= args.idle_timeout_seconds <= 4000:
        raise ArgumentError("idle_timeout_seconds", f"{args.idle_timeout_seconds} is out of range; expected 1 to 4000")
    if not 0 <= args.deregistration_delay_seconds <= 3600:
        raise ArgumentError("deregistration_delay_seconds", f"{args.deregistration_delay_seconds} is out of range; "
                         "expected 0 to 3600")
    if args.slow_start_seconds != 0 and not 30 <= args.slow_start_seconds <= 900:
        raise ArgumentError("slow_start_seconds", f"{args.slow_start_seconds} is not allowed; expected 0 (off) or "
                         "30 to 900")
    if args.access_log_retention_days < 1:
        raise ArgumentError("access_log_retention_days", f"{args.access_log_retention_days} is out of range; "
                         "expected at least 1")


def access_log_bucket_policy(bucket_arn: str, account_id: str, elb_account_arn: Optional[str]) -> str:
    """The bucket policy that lets the regional ELB log delivery write and denies any non-TLS access."""
    principal = {"AWS": elb_account_arn} if elb_account_arn else {"Service": ELB_LOG_DELIVERY_SERVICE}
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowElbLogDelivery", "Effect": "Allow", "Principal": principal, "Action": "s3:PutObject",
             "Resource": f"{bucket_arn}/{ACCESS_LOG_PREFIX}/AWSLogs/{account_id}/*"},
            {"Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [bucket_arn, f"{bucket_arn}/*"],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ],
    })


def access_log_bucket_name(project: str, stack: str, name: str, account_id: str, region: str) -> str:
    """A deterministic, globally unique bucket name (account and region in it), at most 63 characters."""
    suffix = f"-{account_id}-{region}"
    return physical_name(f"{name}-logs", 63 - len(suffix), project=project, stack=stack) + suffix


class LoadBalancer(pulumi.ComponentResource):
    """An internet-facing ALB with weighted target groups, HTTPS (or HTTP), and access logs in S3."""

    arn: pulumi.Output[str]
    """ARN of the load balancer (for the WAF association)."""
    arn_suffix: pulumi.Output[str]
    """ARN suffix (``app/<name>/<id>``), the CloudWatch dimension and part of scaling resource labels."""
    dns_name: pulumi.Output[str]
    """DNS name of the load balancer."""
    zone_id: pulumi.Output[str]
    """Route 53 hosted zone of the DNS name (for alias records)."""
    security_group_id: pulumi.Output[str]
    """Security group of the load balancer (targets admit traffic from it)."""
    http_listener_arn: pulumi.Output[str]
    """The port 80 listener (a 301 redirect when HTTPS is on, else the forward)."""
    https_listener_arn: Optional[pulumi.Output[str]]
    """The port 443 listener, or None without a certificate."""
    domain_name: Optional[str]
    """The domain whose alias record points at the load balancer, or None."""
    certificate_arn: Optional[pulumi.Output[str]]
    """The HTTPS listener's certificate (the issued one when requested here), or None without HTTPS."""
    backend_names: list[str]
    """Backend names, in the order of the target group lists."""
    backend_weights: list[int]
    """Backend weights, in the same order."""
    target_group_arns: list[pulumi.Output[str]]
    """Target group ARNs, one per backend (targets register in these)."""
    target_group_arn_suffixes: list[pulumi.Output[str]]
    """Target group ARN suffixes (``targetgroup/<name>/<id>``), for CloudWatch and scaling labels."""
    backend_port: int
    """Port the targets listen on."""
    backend_protocol: str
    """``HTTPS`` with ``backend_tls``, else ``HTTP``: what the targets must serve on ``backend_port``."""
    access_log_bucket: pulumi.Output[str]
    """Name of the access log bucket."""

    def __init__(self, name: str, args: LoadBalancerArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_load_balancer_args(args)
        super().__init__("scaling:load_balancer:LoadBalancer", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)
        https = bool(args.certificate_arn or args.domain_name)
        certificate_arn: pulumi.Input[str] = args.certificate_arn
        if args.certificate_arn:
            # The listener accepts only a certificate of its own region; AWS would say so only mid-deployment.
            region = aws.get_region(opts=pulumi.InvokeOptions(parent=self)).region
            if (reason := certificate_arn_problem(args.certificate_arn, region)):
                raise ArgumentError("certificate_arn", f"{args.certificate_arn!r}: {reason}")
        certificate = None
        if args.domain_name:
            certificate = DnsValidatedCertificate(f"{name}-certificate", DnsValidatedCertificateArgs(
                args.domain_name, args.hosted_zone_id, environment=args.environment, tags=args.tags),
                opts=pulumi.ResourceOptions(parent=self))
            certificate_arn = certificate.certificate_arn

        sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=args.vpc_id,
                                   description=f"{name}: load balancer, {'80/443' if https else '80'} in",
                                   tags={**tags, "Name": f"{name}-alb"}, opts=child)
        sg_child = pulumi.ResourceOptions(parent=sg)
        # Port 80 stays open with HTTPS too: it only answers with the 301 to HTTPS.
        for port in ((80, 443) if https else (80,)):
            for i, cidr in enumerate(args.ingress_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-in-{port}-{i}", security_group_id=sg.id, ip_protocol="tcp", from_port=port,
                    to_port=port, cidr_ipv4=cidr, description=f"HTTP{'S' if port == 443 else ''} from {cidr}",
                    tags=tags, opts=sg_child)

        bucket = self._access_log_bucket(name, args, tags)

        backend_protocol = "HTTPS" if args.backend_tls else "HTTP"

        groups = [aws.lb.TargetGroup(
            f"{name}-tg-{b.name}", vpc_id=args.vpc_id, target_type=b.target_type, port=args.backend_port,
            protocol=backend_protocol, protocol_version="HTTP1",
            load_balancing_algorithm_type=LOAD_BALANCING.algorithm,
            deregistration_delay=args.deregistration_delay_seconds, slow_start=args.slow_start_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True, protocol=backend_protocol, port="traffic-port", path=args.health_check_path,
                matcher=args.health_check_matcher, interval=15, timeout=5, healthy_threshold=3,
                unhealthy_threshold=3),
            tags={**tags, "Name": f"{name}-{b.name}", "Backend": b.name}, opts=child) for b in args.backends]

        alb = aws.lb.LoadBalancer(
            f"{name}-alb", load_balancer_type="application", internal=False, security_groups=[sg.id],
            subnets=list(args.subnet_ids), idle_timeout=args.idle_timeout_seconds,
            drop_invalid_header_fields=True, desync_mitigation_mode="defensive", enable_http2=True,
            xff_header_processing_mode="append", enable_deletion_protection=args.deletion_protection,
            access_logs=aws.lb.LoadBalancerAccessLogsArgs(bucket=bucket.bucket, prefix=ACCESS_LOG_PREFIX,
                                                          enabled=True),
            tags={**tags, "Name": name},
            # ELB checks that it may write to the bucket when logging is switched on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=self._bucket_ready))

        forward = aws.lb.ListenerDefaultActionArgs(type="forward", forward=aws.lb.ListenerDefaultActionForwardArgs(
            target_groups=[aws.lb.ListenerDefaultActionForwardTargetGroupArgs(arn=g.arn, weight=b.weight)
                           for g, b in zip(groups, args.backends, strict=True)]))
        alb_child = pulumi.ResourceOptions(parent=alb)
        https_listener = None
        if https:
            https_listener = aws.lb.Listener(
                f"{name}-https", load_balancer_arn=alb.arn, port=443, protocol="HTTPS", ssl_policy=args.ssl_policy,
                certificate_arn=certificate_arn, default_actions=[forward], tags=tags, opts=alb_child)
            http_action = aws.lb.ListenerDefaultActionArgs(type="redirect", redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                protocol="HTTPS", port="443", status_code="HTTP_301"))
        else:
            http_action = forward
        http_listener = aws.lb.Listener(f"{name}-http", load_balancer_arn=alb.arn, port=80, protocol="HTTP",
                                        default_actions=[http_action], tags=tags, opts=alb_child)
        if certificate is not None:
            # An alias (not a CNAME) works at a zone apex too, costs no queries, and follows the ALB's addresses.
            aws.route53.Record(
                f"{name}-alias", zone_id=args.hosted_zone_id, name=args.domain_name, type="A",
                aliases=[aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id,
                                                     evaluate_target_health=True)],
                opts=alb_child)

        self.arn = alb.arn
        self.arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.zone_id = alb.zone_id
        self.security_group_id = sg.id
        self.http_listener_arn = http_listener.arn
        self.https_listener_arn = https_listener.arn if https_listener else None
        self.domain_name = args.domain_name or None
        self.certificate_arn = pulumi.Output.from_input(certificate_arn) if https else None
        self.backend_names = [b.name for b in args.backends]
        self.backend_weights = [b.weight for b in args.backends]
        self.target_group_arns = [g.arn for g in groups]
        self.target_group_arn_suffixes = [g.arn_suffix for g in groups]
        self.backend_port = args.backend_port
        self.backend_protocol = backend_protocol
        self.access_log_bucket = bucket.bucket
        self.register_outputs({
            "arn": self.arn, "arn_suffix": self.arn_suffix, "dns_name": self.dns_name, "zone_id": self.zone_id,
            "security_group_id": self.security_group_id, "http_listener_arn": self.http_listener_arn,
            "https_listener_arn": self.https_listener_arn, "target_group_arns": self.target_group_arns,
            "domain_name": self.domain_name, "certificate_arn": self.certificate_arn,
            "target_group_arn_suffixes": self.target_group_arn_suffixes,
            "access_log_bucket": self.access_log_bucket,
        })

    def _access_log_bucket(self, name: str, args: LoadBalancerArgs, tags: Mapping[str, str]) -> aws.s3.Bucket:
        invoke = pulumi.InvokeOptions(parent=self)
        region = aws.get_region(opts=invoke).region
        account = aws.get_caller_identity(opts=invoke).account_id
        partition = aws.get_partition(opts=invoke).partition
        bucket_name = access_log_bucket_name(pulumi.get_project(), pulumi.get_stack(), name, account, region)
        # Logs are audit data: with deletion protection (prod) the bucket is also protected in Pulumi and a
        # non-empty bucket makes destroy fail instead of being emptied.
        bucket = aws.s3.Bucket(f"{name}-logs", bucket=bucket_name, force_destroy=not args.deletion_protection,
                               tags=tags, opts=pulumi.ResourceOptions(
                                   parent=self, protect=resolve_protect(args.protect, args.environment)))
        opts = pulumi.ResourceOptions(parent=bucket)
        block = aws.s3.BucketPublicAccessBlock(f"{name}-logs-public-access", bucket=bucket.id,
                                               block_public_acls=True, block_public_policy=True,
                                               ignore_public_acls=True, restrict_public_buckets=True, opts=opts)
        # ACLs off: ALB log delivery works with BucketOwnerEnforced, so every object belongs to this account.
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-logs-ownership", bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"), opts=opts)
        # SSE-S3 is the only default encryption ALB log delivery supports (not SSE-KMS).
        encryption = aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-logs-encryption", bucket=bucket.id,
            rules=[aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                apply_server_side_encryption_by_default=aws.s3.
                BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                    sse_algorithm="AES256"))], opts=opts)
        versioning = aws.s3.BucketVersioning(
            f"{name}-logs-versioning", bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"), opts=opts)
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-logs-lifecycle", bucket=bucket.id,
            rules=[aws.s3.BucketLifecycleConfigurationRuleArgs(
                id="expire-access-logs", status="Enabled",
                filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=args.access_log_retention_days),
                # Versioning guards against overwrites and deletes; old versions still go after a week.
                noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                    noncurrent_days=7),
                abort_incomplete_multipart_upload=aws.s3.
                BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(days_after_initiation=1))],
            opts=pulumi.ResourceOptions(parent=bucket, depends_on=[versioning]))

        elb_account = (aws.elb.get_service_account(opts=invoke).arn if region in LEGACY_ELB_LOG_REGIONS else None)
        policy = aws.s3.BucketPolicy(
            f"{name}-logs-policy", bucket=bucket.id,
            # Built from the plain name (not bucket.arn) so the policy is known, and checkable, at preview.
            policy=access_log_bucket_policy(f"arn:{partition}:s3:::{bucket_name}", account, elb_account),
            # S3 rejects concurrent bucket-level changes; the public access block must also exist first.
            opts=pulumi.ResourceOptions(parent=bucket, depends_on=[block, ownership]))
        self._bucket_ready = [policy, encryption, ownership]
        return bucket
