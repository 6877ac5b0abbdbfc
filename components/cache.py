"""Cache: an ElastiCache replication group in cluster mode (the design's "Redis Cluster").

Valkey by default (Redis OSS selectable), sharded over ``num_node_groups`` node groups with replicas in
other zones, Multi-AZ with automatic failover, encrypted at rest with a customer KMS key and in transit
(TLS required), an AUTH token that only ever exists as a Pulumi secret and in a Secrets Manager secret
encrypted with the cache's key (``auth_token_read_statements`` let the application read it), daily snapshots,
slow and engine logs in CloudWatch, and a security group that admits the application tier only.

Applications also get the design's cache-aside settings (TTL 3600 s, ``feature:`` and ``session:`` key
prefixes) as outputs, so the numbers live in one place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Optional

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.limits import CACHE

from .encryption import customer_managed_key, log_group_key
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

ENGINES = ("valkey", "redis")
# Major versions ElastiCache offers in cluster mode with AUTH and TLS, per engine.
SUPPORTED_MAJORS = {"valkey": (7, 8), "redis": (6, 7)}
MAX_SHARDS = 500
MAX_REPLICAS = 5
# ElastiCache names (replication group ids: 40) are short; a snapshot name gets the RDS-like 63 to be safe.
FINAL_SNAPSHOT_NAME_MAX_LENGTH = 63
LOG_GROUP_NAME_MAX_LENGTH = 512
AUTH_TOKEN_MIN, AUTH_TOKEN_MAX = 32, 128
# ElastiCache AUTH tokens allow printable ASCII, but of the non-alphanumerics only these.
AUTH_TOKEN_SPECIALS = "!&#$^<>-"
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_SNAPSHOT_WINDOW = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")
_MAINTENANCE_WINDOW = re.compile(
    r"^(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)-(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):([0-5]\d)$")
_WEEK = 7 * 24 * 60


@dataclass(frozen=True)
class CacheArgs:
    """Arguments of :class:`Cache`."""

    vpc_id: pulumi.Input[str]
    """VPC of the cache. Required."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Subnets of the cache subnet group: the ISOLATED subnets, one per zone. Required."""
    app_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """Security groups of the application tier; only these may connect. Defaults to none (nobody)."""
    engine: str = "valkey"
    """``valkey`` or ``redis`` (Redis OSS). Defaults to ``valkey``."""
    engine_version: str = "8.0"
    """Engine version (``8.0``, ``7.2`` for Valkey; ``7.1``, ``6.2`` for Redis). Defaults to ``8.0``."""
    node_type: str = "cache.r7g.large"
    """Node type. Defaults to ``cache.r7g.large``."""
    num_node_groups: int = CACHE.shards
    """Shards (node groups), 1 to 500. Defaults to the design's 3."""
    replicas_per_node_group: int = 1
    """Replicas per shard, 0 to 5; cluster mode needs at least 1 for automatic failover. Defaults to 1."""
    automatic_failover: bool = True
    """Promote a replica when a primary fails; required in cluster mode. Defaults to True."""
    multi_az: bool = True
    """Place replicas in other zones than their primary. Defaults to True."""
    transit_encryption: bool = True
    """TLS between clients and nodes (mode ``required``). Defaults to True."""
    auth_token: bool = True
    """Require an AUTH token (generated, kept as a secret); needs TLS. Defaults to True."""
    auth_token_length: int = 64
    """Length of the generated AUTH token, 32 to 128. Defaults to 64."""
    kms_key_arn: Optional[pulumi.Input[str]] = None
    """Customer KMS key for encryption at rest. Defaults to a new key with rotation."""
    port: int = 6379
    """Port of the nodes. Defaults to 6379."""
    snapshot_retention_days: int = 7
    """Days to keep daily snapshots, 0 to 35. Defaults to 7."""
    snapshot_window: str = "03:00-04:00"
    """Daily UTC snapshot window ``hh:mm-hh:mm``, at least 60 minutes. Defaults to ``03:00-04:00``."""
    maintenance_window: str = "sun:05:00-sun:06:00"
    """Weekly UTC maintenance window ``ddd:hh:mm-ddd:hh:mm``, at least 60 minutes, not overlapping the
    snapshot window. Defaults to ``sun:05:00-sun:06:00``."""
    final_snapshot: bool = True
    """Take a final snapshot named ``<stack>-<name>-final`` when the group is deleted. Defaults to True."""
    log_retention_days: int = 365
    """Retention of the slow-log and engine-log groups in days (a CloudWatch Logs retention value). Defaults to 365."""
    ttl_seconds: int = CACHE.ttl_seconds
    """Cache-aside TTL handed to applications. Defaults to the design's 3600."""
    feature_key_prefix: str = CACHE.feature_key_prefix
    """Key prefix of cached features. Defaults to ``feature:``."""
    session_key_prefix: str = CACHE.session_key_prefix
    """Key prefix of session state. Defaults to ``session:``."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def parameter_group_family(engine: str, engine_version: str) -> str:
    """The parameter group family of an engine version: ``valkey8``, ``valkey7``, ``redis7``, ``redis6.x``."""
    major = _major(engine_version)
    if engine == "redis" and major == 6:
        return "redis6.x"
    return f"{engine}{major}"


def _major(version: str) -> int:
    match = re.fullmatch(r"(\d+)\.(\d+|x)(\.\d+)?", version)
    if not match:
        raise ArgumentError("engine_version", f"{version!r} is not a version such as '8.0' or '7.1'")
    return int(match.group(1))


def _daily_minutes(text: str) -> tuple[int, int]:
    m = _SNAPSHOT_WINDOW.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a UTC range such as '03:00-04:00'")
    start, end = int(m[1]) * 60 + int(m[2]), int(m[3]) * 60 + int(m[4])
    return start, end if end > start else end + 24 * 60


def _weekly_minutes(text: str) -> tuple[int, int]:
    m = _MAINTENANCE_WINDOW.match(text)
    if m is None:
        raise ValueError(f"{text!r} is not a UTC range such as 'sun:05:00-sun:06:00'")
    start = _DAYS.index(m[1]) * 1440 + int(m[2]) * 60 + int(m[3])
    end = _DAYS.index(m[4]) * 1440 + int(m[5]) * 60 + int(m[6])
    return start, end if end > start else end + _WEEK


def windows_overlap(snapshot_window: str, maintenance_window: str) -> bool:
    """Whether the daily snapshot window overlaps the weekly maintenance window on any day."""
    s_start, s_end = _daily_minutes(snapshot_window)
    m_start, m_end = _weekly_minutes(maintenance_window)
    for day in range(-1, 8):  # -1 and 7: windows that wrap around midnight or the week
        a, b = day * 1440 + s_start, day * 1440 + s_end
        for shift in (-_WEEK, 0, _WEEK):
            if a < m_end + shift and m_start + shift < b:
                return True
    return False


def validate_cache_args(args: CacheArgs) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if args.engine not in ENGINES:
        raise ArgumentError("engine", f"{args.engine!r} is not allowed; expected one of {ENGINES}")
    major = _major(args.engine_version)
    if major not in SUPPORTED_MAJORS[args.engine]:
        raise ArgumentError("engine_version", f"{args.engine_version!r} is not supported for {args.engine}; expected "
                         f"major version {' or '.join(map(str, SUPPORTED_MAJORS[args.engine]))}")
    if not args.subnet_ids:
        raise ArgumentError("subnet_ids", "[] is empty; expected the isolated subnets, one per zone")
    if not 1 <= args.num_node_groups <= MAX_SHARDS:
        raise ArgumentError("num_node_groups", f"{args.num_node_groups} is out of range; expected 1 to {MAX_SHARDS}")
    if not 0 <= args.replicas_per_node_group <= MAX_REPLICAS:
        raise ArgumentError("replicas_per_node_group", f"{args.replicas_per_node_group} is out of range; "
                         f"expected 0 to {MAX_REPLICAS}")
    if not args.automatic_failover:
        raise ArgumentError("automatic_failover", "False is not allowed; cluster mode requires automatic failover")
    if args.replicas_per_node_group < 1:
        raise ArgumentError("replicas_per_node_group", f"{args.replicas_per_node_group} is not allowed with automatic "
                         "failover (required in cluster mode); expected 1 to 5 so a replica can be promoted")
    if args.multi_az and len(args.subnet_ids) < 2:
        raise ArgumentError("subnet_ids", f"{len(args.subnet_ids)} subnet(s) cannot hold a Multi-AZ group; expected at "
                         "least 2 (one per zone)")
    if args.auth_token and not args.transit_encryption:
        raise ArgumentError("auth_token", "True requires transit_encryption=True; ElastiCache accepts an AUTH token "
                         "only over TLS")
    if not AUTH_TOKEN_MIN <= args.auth_token_length <= AUTH_TOKEN_MAX:
        raise ArgumentError("auth_token_length", f"{args.auth_token_length} is out of range; expected "
                         f"{AUTH_TOKEN_MIN} to {AUTH_TOKEN_MAX}")
    if not 1 <= args.port <= 65535:
        raise ArgumentError("port", f"{args.port} is out of range; expected 1 to 65535")
    if not 0 <= args.snapshot_retention_days <= 35:
        raise ArgumentError("snapshot_retention_days", f"{args.snapshot_retention_days} is out of range; expected 0 to 35")
    if not _SNAPSHOT_WINDOW.match(args.snapshot_window):
        raise ArgumentError("snapshot_window", f"{args.snapshot_window!r} is not a UTC range such as '03:00-04:00'")
    if not _MAINTENANCE_WINDOW.match(args.maintenance_window):
        raise ArgumentError("maintenance_window", f"{args.maintenance_window!r} is not a UTC range such as "
                         "'sun:05:00-sun:06:00'")
    for arg, (start, end) in (("snapshot_window", _daily_minutes(args.snapshot_window)),
                              ("maintenance_window", _weekly_minutes(args.maintenance_window))):
        if end - start < 60:
            raise ArgumentError(arg, f"{getattr(args, arg)!r} lasts {end - start} minutes; expected at least 60")
    if windows_overlap(args.snapshot_window, args.maintenance_window):
        raise ArgumentError("maintenance_window", f"{args.maintenance_window!r} overlaps snapshot_window "
                         f"{args.snapshot_window!r}; ElastiCache requires them apart")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise ArgumentError("log_retention_days", f"{args.log_retention_days} is not allowed; expected one of "
                         f"{LOG_RETENTION_DAYS}")
    if args.ttl_seconds < 1:
        raise ArgumentError("ttl_seconds", f"{args.ttl_seconds} is out of range; expected at least 1")


def auth_token_read_statements(secret_arn: str, kms_key_arn: str) -> list[dict]:
    """IAM statements to read the AUTH token secret: the secret by ARN, and its key only when Secrets Manager
    of the secret's region asks for it (``kms:ViaService``), so the role cannot decrypt anything else."""
    region = secret_arn.split(":")[3] if secret_arn.count(":") >= 6 else ""
    if not secret_arn.startswith("arn:") or not region:
        raise ValueError(f"secret_arn: {secret_arn!r} is not a Secrets Manager secret ARN "
                         "(arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)")
    return [
        {"Sid": "CacheAuthTokenRead", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": secret_arn},
        {"Sid": "CacheAuthTokenDecrypt", "Effect": "Allow", "Action": "kms:Decrypt", "Resource": kms_key_arn,
         "Condition": {"StringEquals": {"kms:ViaService": f"secretsmanager.{region}.amazonaws.com"}}},
    ]


class Cache(pulumi.ComponentResource):
    """An encrypted ElastiCache replication group in cluster mode, reachable only from the app tier."""

    configuration_endpoint: pulumi.Output[str]
    """Cluster-mode configuration endpoint (host name) clients discover the shards through."""
    port: int
    """Port of the nodes."""
    auth_token: pulumi.Output[str]
    """AUTH token, a secret output (empty when ``auth_token`` is False)."""
    security_group_id: pulumi.Output[str]
    """Security group of the nodes."""
    replication_group_id: pulumi.Output[str]
    """ID of the replication group."""
    kms_key_arn: pulumi.Output[str]
    """KMS key that encrypts the data at rest."""
    settings: dict
    """Cache-aside settings for applications: ``ttlSeconds``, ``featureKeyPrefix``, ``sessionKeyPrefix``."""
    auth_token_secret_arn: pulumi.Output[str]
    """ARN of the Secrets Manager secret whose value is the AUTH token (empty when ``auth_token`` is False)."""
    num_node_groups: int
    """Shards (node groups); with ``replicas_per_node_group`` it names the nodes CloudWatch reports on."""
    replicas_per_node_group: int
    """Replicas per shard."""
    auth_token_read_statements: pulumi.Output[list]
    """IAM statements (JSON-able dicts) to read the AUTH token: ``secretsmanager:GetSecretValue`` on the
    secret and ``kms:Decrypt`` on the cache's key only through Secrets Manager. Empty without a token."""

    def __init__(self, name: str, args: CacheArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_cache_args(args)
        super().__init__("scaling:cache:Cache", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        protect = resolve_protect(args.protect, args.environment)
        child = pulumi.ResourceOptions(parent=self)

        if args.kms_key_arn is None:
            key = customer_managed_key(f"{name}-key", f"{name}: ElastiCache encryption at rest", tags, self,
                                       protect)
            kms_key_arn: pulumi.Input[str] = key.arn
        else:
            kms_key_arn = args.kms_key_arn

        sg = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description=f"{name}: cache nodes, port {args.port} from the app tier",
            tags={**tags, "Name": f"{name}-cache"}, opts=child)
        # Separate rule resources (no inline rules): the provider then also drops the default allow-all
        # egress, and the nodes never need to open a connection themselves.
        for i, source in enumerate(args.app_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-ingress-app-{i}", security_group_id=sg.id, referenced_security_group_id=source,
                ip_protocol="tcp", from_port=args.port, to_port=args.port,
                description="cache clients of the application tier", tags=tags,
                opts=pulumi.ResourceOptions(parent=sg))

        subnet_group = aws.elasticache.SubnetGroup(
            f"{name}-subnets", subnet_ids=list(args.subnet_ids), description=f"{name}: isolated subnets",
            tags=tags, opts=child)
        parameter_group = aws.elasticache.ParameterGroup(
            f"{name}-params", family=parameter_group_family(args.engine, args.engine_version),
            description=f"{name}: cluster mode",
            parameters=[aws.elasticache.ParameterGroupParameterArgs(name="cluster-enabled", value="yes")],
            tags=tags, opts=child)

        # Named here, not auto-named: the logs key's policy names both groups before they exist. One key for
        # both (same component, same readers), separate from the data key, which may come from the caller.
        log_group_names = {kind: physical_name(f"{name}-{kind}", LOG_GROUP_NAME_MAX_LENGTH)
                           for kind in ("slow-log", "engine-log")}
        logs_key = log_group_key(f"{name}-logs-key", f"{name}: ElastiCache slow and engine logs", tags, self,
                                 protect, list(log_group_names.values()))
        log_groups = {kind: aws.cloudwatch.LogGroup(f"{name}-{kind}", name=log_group_name, kms_key_id=logs_key.arn,
                                                    retention_in_days=args.log_retention_days, tags=tags, opts=child)
                      for kind, log_group_name in log_group_names.items()}

        token: Optional[random.RandomPassword] = None
        if args.auth_token:
            # RandomPassword marks `result` secret itself; the replication group marks `auth_token` secret.
            token = random.RandomPassword(f"{name}-auth-token", length=args.auth_token_length, special=True,
                                          override_special=AUTH_TOKEN_SPECIALS, min_special=0,
                                          opts=child)

        major = _major(args.engine_version)
        group = aws.elasticache.ReplicationGroup(
            f"{name}-rg",
            description=f"{name}: {args.engine} cluster, {args.num_node_groups} shard(s)",
            engine=args.engine, engine_version=args.engine_version, node_type=args.node_type, port=args.port,
            cluster_mode="enabled", parameter_group_name=parameter_group.name,
            num_node_groups=args.num_node_groups, replicas_per_node_group=args.replicas_per_node_group,
            automatic_failover_enabled=args.automatic_failover, multi_az_enabled=args.multi_az,
            subnet_group_name=subnet_group.name, security_group_ids=[sg.id],
            at_rest_encryption_enabled=True, kms_key_id=kms_key_arn,
            transit_encryption_enabled=args.transit_encryption,
            # The mode exists from Redis OSS 7 and every Valkey; "required" refuses plain-text clients.
            transit_encryption_mode=("required" if args.transit_encryption and (args.engine == "valkey" or major >= 7)
                                     else None),
            auth_token=pulumi.Output.secret(token.result) if token else None,  # type: ignore[arg-type]  # SDK typing gap: Input[U] given an Output infers U = Never
            # ROTATE keeps the old token valid while clients pick up the new one.
            auth_token_update_strategy="ROTATE" if token else None,
            snapshot_retention_limit=args.snapshot_retention_days, snapshot_window=args.snapshot_window,
            maintenance_window=args.maintenance_window, auto_minor_version_upgrade=True,
            final_snapshot_identifier=(physical_name(f"{name}-final", FINAL_SNAPSHOT_NAME_MAX_LENGTH)
                                       if args.final_snapshot else None),
            log_delivery_configurations=[
                aws.elasticache.ReplicationGroupLogDeliveryConfigurationArgs(
                    destination=log_groups[kind].name, destination_type="cloudwatch-logs", log_format="json",
                    log_type=kind)
                for kind in ("slow-log", "engine-log")],
            apply_immediately=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, protect=protect, additional_secret_outputs=["auth_token"]))

        secret_arn: pulumi.Output[str] = pulumi.Output.from_input("")
        read_statements: pulumi.Output[list] = pulumi.Output.from_input([])
        if token:
            # The application reads the token at start-up with its own role instead of receiving it in its
            # environment; the secret uses the cache's key, so reading it also needs kms:Decrypt on that key.
            secret = aws.secretsmanager.Secret(
                f"{name}-auth-token-secret", description=f"{name}: AUTH token of the {args.engine} cache",
                kms_key_id=kms_key_arn, recovery_window_in_days=30, tags=tags,
                opts=pulumi.ResourceOptions(parent=self, protect=protect))
            aws.secretsmanager.SecretVersion(
                f"{name}-auth-token-value", secret_id=secret.id,
                secret_string=pulumi.Output.secret(token.result),  # type: ignore[arg-type]  # SDK typing gap: Input[U] given an Output infers U = Never
                opts=pulumi.ResourceOptions(parent=secret))
            secret_arn = secret.arn
            read_statements = pulumi.Output.all(secret.arn, kms_key_arn).apply(
                lambda v: auth_token_read_statements(v[0], v[1]))

        self.configuration_endpoint = group.configuration_endpoint_address
        self.port = args.port
        self.auth_token = pulumi.Output.secret(token.result if token else "")
        self.security_group_id = sg.id
        self.replication_group_id = group.id
        self.kms_key_arn = pulumi.Output.from_input(kms_key_arn)
        self.settings = {"ttlSeconds": args.ttl_seconds, "featureKeyPrefix": args.feature_key_prefix,
                         "sessionKeyPrefix": args.session_key_prefix}
        self.auth_token_secret_arn = secret_arn
        self.auth_token_read_statements = read_statements
        self.num_node_groups = args.num_node_groups
        self.replicas_per_node_group = args.replicas_per_node_group
        self.register_outputs({
            "configuration_endpoint": self.configuration_endpoint,
            "port": self.port,
            "auth_token": self.auth_token,
            "security_group_id": self.security_group_id,
            "replication_group_id": self.replication_group_id,
            "kms_key_arn": self.kms_key_arn,
            "settings": self.settings,
            "auth_token_secret_arn": self.auth_token_secret_arn,
            "auth_token_read_statements": self.auth_token_read_statements,
        })
