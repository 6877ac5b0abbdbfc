"""Database: one PostgreSQL shard - an RDS primary, read replicas and an RDS Proxy in front of the primary.

* The primary is encrypted with a customer KMS key, keeps its master password in an RDS-managed Secrets
  Manager secret (no password in code, config or state), backs up daily, exports its logs, and is
  monitored by Performance Insights and enhanced monitoring.
* Read replicas (``replicate_source_db``) depend only on the primary, so the engine creates them in
  parallel; they are spread round-robin over the zones.
* The RDS Proxy pools connections to the primary (the design's "Connection Pooling"), requires TLS and
  IAM authentication, and reads the managed secret through its own role.

The pieces several shards can share - KMS key, subnet group, parameter group, security groups,
monitoring role - are declared by ``declare_shared_resources``. A ``Database`` used alone declares its
own; ``ShardedDatabase`` declares them once and hands them to every shard in ``DatabaseArgs.shared``.

Replacement guard: the identifiers are derived from the component name (part of the URN, which
``tests/test_urn_stability.py`` pins), ``engine_version`` is a major version only, a major upgrade needs
``allow_major_version_upgrade``, and in prod the primary, the replicas and the KMS key are ``protect``-ed,
so Pulumi refuses any plan that would replace or delete them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from scaling_kit.limits import DATABASE

from .encryption import customer_managed_key
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

ENGINE = "postgres"
SUPPORTED_ENGINE_VERSIONS = ("14", "15", "16", "17")
STORAGE_TYPES = ("gp3",)
MONITORING_INTERVALS = (0, 1, 5, 10, 15, 30, 60)
LOG_EXPORTS = ("postgresql", "upgrade")
MAX_REPLICAS = 15                 # RDS for PostgreSQL: at most 15 read replicas per source
_IDENTIFIER_LIMIT = 63
_LONGEST_SUFFIX = "-replica-14"   # the longest identifier suffix a shard uses (MAX_REPLICAS - 1)
IDENTIFIER_MAX_LENGTH = _IDENTIFIER_LIMIT - len(_LONGEST_SUFFIX)
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class SharedDatabaseResources:
    """Pieces shared by several shards (see ``declare_shared_resources``)."""

    engine_version: str
    """Major version the parameter group was made for (a shard must run the same)."""
    kms_key_arn: pulumi.Input[str]
    """Customer KMS key for storage, Performance Insights and the managed secret."""
    subnet_group_name: pulumi.Input[str]
    """DB subnet group in the isolated subnets."""
    parameter_group_name: pulumi.Input[str]
    """Parameter group ``postgres<major>`` with ``rds.force_ssl=1`` and logging."""
    security_group_id: pulumi.Input[str]
    """Security group of the instances."""
    proxy_security_group_id: pulumi.Input[str]
    """Security group of the RDS Proxy."""
    monitoring_role_arn: pulumi.Input[str]
    """Role enhanced monitoring publishes metrics with."""


@dataclass(frozen=True)
class DatabaseArgs:
    """Arguments of :class:`Database`. Defaults are the production values of the design."""

    vpc_id: pulumi.Input[str]
    """VPC of the database (for its security groups)."""
    subnet_ids: Sequence[pulumi.Input[str]]
    """Isolated subnets (no route out), at least two in different zones: subnet group and proxy."""
    app_security_group_ids: Sequence[pulumi.Input[str]] = ()
    """Security groups of the application tier; only these reach port 5432. Defaults to none (nothing)."""
    availability_zones: Sequence[str] = ()
    """Zones the replicas are spread over, round-robin. Defaults to none (RDS picks)."""
    zone_offset: int = 0
    """Where in ``availability_zones`` the first replica goes (shards stagger it). Defaults to 0."""
    identifier: str = ""
    """Identifier of the primary; replicas get ``-replica-<n>``, the proxy ``-proxy``. Defaults to
    ``<stack>-<name>``. Changing it replaces the database (prod ``protect`` refuses that)."""
    engine_version: str = "16"
    """PostgreSQL MAJOR version (14 to 17); AWS applies minor versions. Defaults to ``16``."""
    allow_major_version_upgrade: bool = False
    """Allow an in-place major upgrade when ``engine_version`` is raised. Defaults to False."""
    instance_class: str = "db.r6g.large"
    """Instance class of the primary. Defaults to ``db.r6g.large``."""
    replica_instance_class: str = ""
    """Instance class of the replicas. Defaults to ``instance_class``."""
    storage_type: str = "gp3"
    """Storage type; only ``gp3``. Defaults to ``gp3``."""
    allocated_storage_gb: int = 100
    """Initial storage in GiB (20 to 65536). Defaults to 100."""
    max_allocated_storage_gb: int = 1000
    """Storage autoscaling ceiling in GiB, at least ``allocated_storage_gb``. Defaults to 1000."""
    replica_count: int = DATABASE.min_read_replicas_prod
    """Read replicas (0 to 15). Defaults to 2 (the design's production minimum)."""
    multi_az: bool = True
    """Run the primary Multi-AZ (synchronous standby). Defaults to True."""
    backup_retention_days: int = 7
    """Automated backup retention (0 to 35; at least 1 with replicas). Defaults to 7."""
    backup_window: str = "03:00-04:00"
    """Daily backup window, UTC ``hh:mm-hh:mm``, at least 30 minutes. Defaults to ``03:00-04:00``."""
    maintenance_window: str = "sun:05:00-sun:06:00"
    """Weekly maintenance window, UTC, not overlapping the backup window. Defaults to ``sun:05:00-sun:06:00``."""
    deletion_protection: bool = True
    """Deletion protection, a final snapshot and kept automated backups. Defaults to True."""
    database_name: str = DATABASE.database_name
    """Database created on the primary. Defaults to ``aiagent``."""
    master_username: str = "postgres"
    """Master user; its password lives only in the RDS-managed secret. Defaults to ``postgres``."""
    app_db_user: str = ""
    """Database user the application connects as through the proxy, with an IAM auth token as its password;
    ``connect_policy_statements`` grant ``rds-db:connect`` for this user only. Defaults to
    ``master_username``, the one user whose credentials the proxy holds (the RDS-managed secret). A narrower
    role needs what this component cannot do from outside the database: ``CREATE ROLE ... LOGIN`` with its
    ``GRANT``s in the database, and that role's own secret added to the proxy's authentication list."""
    port: int = DATABASE.port
    """PostgreSQL port. Defaults to 5432."""
    monitoring_interval_seconds: int = 60
    """Enhanced monitoring interval (0 disables; 1, 5, 10, 15, 30 or 60). Defaults to 60."""
    performance_insights_retention_days: int = 7
    """Performance Insights retention: 7 (free tier) or a multiple of 31 up to 731. Defaults to 7."""
    log_min_duration_ms: int = 1000
    """Log statements slower than this many milliseconds (-1 disables). Defaults to 1000."""
    pool_max_connections: int = DATABASE.pool_max_connections
    """Client pool size per application process (exported, client-side). Defaults to 20."""
    pool_idle_timeout_seconds: int = DATABASE.pool_idle_timeout_seconds
    """Client pool idle timeout; the proxy's idle client timeout is twice this. Defaults to 30."""
    pool_connect_timeout_seconds: int = DATABASE.pool_connect_timeout_seconds
    """Client connect timeout, also the proxy's connection borrow timeout. Defaults to 2."""
    proxy_max_connections_percent: int = 90
    """Share of the primary's ``max_connections`` the proxy may open (headroom for admin). Defaults to 90."""
    proxy_max_idle_connections_percent: int = 50
    """Share of ``max_connections`` the proxy keeps open while idle. Defaults to 50."""
    shared: Optional[SharedDatabaseResources] = None
    """Shared pieces from ``declare_shared_resources``. Defaults to none (the shard declares its own)."""
    protect: Optional[bool] = None
    """Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that encrypt it).
    Defaults to True when ``environment`` is ``prod``."""
    environment: str = "prod"
    """Environment for the house tags and the default of ``protect``: ``dev`` or ``prod``. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


# --------------------------------------------------------------------------------------------
# Pure helpers and validation (no Outputs, testable without the engine)
# --------------------------------------------------------------------------------------------

def default_identifier(name: str, stack: Optional[str] = None, *, project: Optional[str] = None,
                       max_length: int = IDENTIFIER_MAX_LENGTH) -> str:
    """``<project>-<stack>-<name>`` (``components.naming.physical_name``): unique per project and stack, so two
    projects' ``prod`` stacks can share an account. At most ``max_length`` characters, by default what leaves
    room for the longest suffix (``-replica-14``) within RDS's 63."""
    return physical_name(name, max_length, project=project, stack=stack, must_start_with_letter=True)


def parameter_group_family(engine_version: str) -> str:
    return f"{ENGINE}{engine_version}"


def parameter_group_parameters(log_min_duration_ms: int) -> list[tuple[str, str, str]]:
    """``(name, value, apply_method)`` of the parameter group. Static parameters must use
    ``pending-reboot`` (RDS rejects ``immediate`` for them); the dynamic ones apply at once."""
    return [
        ("rds.force_ssl", "1", "immediate"),                   # no plain-text connections at all
        ("log_min_duration_statement", str(log_min_duration_ms), "immediate"),
        ("log_connections", "1", "immediate"),
        ("log_disconnections", "1", "immediate"),
        ("log_lock_waits", "1", "immediate"),
        ("log_statement", "ddl", "immediate"),                 # an audit trail of schema changes
        ("log_temp_files", "10240", "immediate"),              # kB: queries spilling to disk
        ("log_autovacuum_min_duration", "10000", "immediate"),  # ms
        ("shared_preload_libraries", "pg_stat_statements", "pending-reboot"),
    ]


def replica_zones(zones: Sequence[str], replica_count: int, offset: int = 0) -> list[Optional[str]]:
    """Zone of each replica: round-robin over ``zones`` from ``offset`` (None when no zones are given)."""
    if not zones:
        return [None] * replica_count
    return [zones[(offset + i) % len(zones)] for i in range(replica_count)]


def proxy_pool_settings(args: DatabaseArgs) -> dict[str, int]:
    """How the design's pool maps onto RDS Proxy (see the README table)."""
    return {
        # The client pool closes idle connections after the design's 30 s; the proxy only cleans up what a
        # client leaks, and waits longer so it never closes a connection the pool still thinks is usable.
        "idle_client_timeout": 2 * args.pool_idle_timeout_seconds,
        # A client gives up after the design's 2 s connect timeout; the proxy fails as fast instead of
        # queueing the request for its default 120 s.
        "connection_borrow_timeout": args.pool_connect_timeout_seconds,
        "max_connections_percent": args.proxy_max_connections_percent,
        "max_idle_connections_percent": args.proxy_max_idle_connections_percent,
    }


def app_db_user(args: DatabaseArgs) -> str:
    """The database user the application connects as (``app_db_user``, else the master user)."""
    return args.app_db_user or args.master_username


def proxy_db_user_arn(proxy_arn: str, db_user: str) -> str:
    """The ``rds-db:connect`` resource of ``db_user`` through an RDS Proxy.

    ``arn:<partition>:rds:<region>:<account>:db-proxy:prx-<id>`` gives
    ``arn:<partition>:rds-db:<region>:<account>:dbuser:prx-<id>/<db_user>``: for a proxy the resource id in
    the ARN is the proxy's ``prx-`` id (AWS, "Connecting to a database using IAM authentication")."""
    parts = proxy_arn.split(":")
    if len(parts) != 7 or parts[0] != "arn" or parts[2] != "rds" or parts[5] != "db-proxy" \
            or not parts[6].startswith("prx-"):
        raise ValueError(f"proxy_arn: {proxy_arn!r} is not an RDS Proxy ARN "
                         "(arn:<partition>:rds:<region>:<account>:db-proxy:prx-<id>)")
    return f"arn:{parts[1]}:rds-db:{parts[3]}:{parts[4]}:dbuser:{parts[6]}/{db_user}"


def proxy_connect_statements(proxy_arns: Sequence[str], db_user: str) -> list[dict]:
    """IAM statement letting a principal open IAM-authenticated connections as ``db_user`` through each
    proxy in ``proxy_arns`` (and nothing else: not the instances, not another user)."""
    return [{"Sid": "RdsProxyConnect", "Effect": "Allow", "Action": "rds-db:connect",
             "Resource": [proxy_db_user_arn(arn, db_user) for arn in proxy_arns]}]


def client_settings(args: DatabaseArgs) -> dict[str, Any]:
    """The pool settings applications use (node-postgres names), exported as ``dbClientSettings``."""
    return {
        "port": args.port,
        "database": args.database_name,
        "user": app_db_user(args),
        "authentication": "iam",          # the proxy requires an IAM auth token as the password
        "sslMode": "verify-full",         # the proxy requires TLS
        "max": args.pool_max_connections,
        "idleTimeoutMillis": args.pool_idle_timeout_seconds * 1000,
        "connectionTimeoutMillis": args.pool_connect_timeout_seconds * 1000,
    }


def _week_minutes(day: str, hhmm: str) -> int:
    hours, minutes = map(int, hhmm.split(":"))
    return _DAYS.index(day) * 1440 + hours * 60 + minutes


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    """Whether two (start, length) intervals on the circular week overlap."""
    return (b[0] - a[0]) % _WEEK_MINUTES < a[1] or (a[0] - b[0]) % _WEEK_MINUTES < b[1]


def validate_windows(backup_window: str, maintenance_window: str) -> None:
    """Both windows well-formed, at least 30 minutes, and not overlapping (RDS rejects overlaps)."""
    hhmm = r"([01]\d|2[0-3]):[0-5]\d"
    if not re.fullmatch(f"{hhmm}-{hhmm}", backup_window):
        raise ArgumentError("backup_window", f"{backup_window!r} is not allowed; expected UTC 'hh:mm-hh:mm' "
                         "such as '03:00-04:00'")
    day = "(" + "|".join(_DAYS) + ")"
    if not re.fullmatch(f"{day}:{hhmm}-{day}:{hhmm}", maintenance_window):
        raise ArgumentError("maintenance_window", f"{maintenance_window!r} is not allowed; expected UTC "
                         "'ddd:hh:mm-ddd:hh:mm' such as 'sun:05:00-sun:06:00'")
    b_start, b_end = backup_window.split("-")
    b_len = (_week_minutes("mon", b_end) - _week_minutes("mon", b_start)) % 1440
    m_start, m_end = maintenance_window.split("-")
    m_from, m_to = _week_minutes(*m_start.split(":", 1)), _week_minutes(*m_end.split(":", 1))
    m_len = (m_to - m_from) % _WEEK_MINUTES
    if b_len < 30:
        raise ArgumentError("backup_window", f"{backup_window!r} lasts {b_len} minutes; expected at least 30")
    if m_len < 30:
        raise ArgumentError("maintenance_window", f"{maintenance_window!r} lasts {m_len} minutes; expected at least 30")
    daily = [(d * 1440 + _week_minutes("mon", b_start), b_len) for d in range(7)]
    if any(_overlaps(window, (m_from, m_len)) for window in daily):
        raise ArgumentError("maintenance_window", f"{maintenance_window!r} overlaps backup_window "
                         f"{backup_window!r}; expected non-overlapping windows")


def validate_identifier(identifier: str) -> None:
    """RDS identifier rules, leaving room for the longest suffix (``-replica-14``)."""
    limit = IDENTIFIER_MAX_LENGTH
    if (not re.fullmatch(r"[a-z][a-z0-9-]*", identifier) or "--" in identifier or identifier.endswith("-")
            or len(identifier) > limit):
        raise ArgumentError("identifier", f"{identifier!r} is not allowed; expected a lower-case letter, then letters, "
                         f"digits or single hyphens, not ending with a hyphen, at most {limit} characters")


def validate_database_args(args: DatabaseArgs, identifier: str) -> None:
    """Raise ``ValueError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    validate_identifier(identifier)
    if len(args.subnet_ids) < 2:
        raise ArgumentError("subnet_ids", f"{len(args.subnet_ids)} subnet(s) given; expected at least 2 in different "
                         "zones (the DB subnet group and the proxy need two zones)")
    if args.engine_version not in SUPPORTED_ENGINE_VERSIONS:
        raise ArgumentError("engine_version", f"{args.engine_version!r} is not allowed; expected a major version, one "
                         f"of {SUPPORTED_ENGINE_VERSIONS} (minor versions are applied by AWS; pinning one would "
                         "ask for a downgrade after the next automatic minor upgrade)")
    if args.shared is not None and args.shared.engine_version != args.engine_version:
        raise ArgumentError("engine_version", f"{args.engine_version!r} differs from the shared parameter group's "
                         f"{args.shared.engine_version!r}; expected the same major version")
    for attr in ("instance_class", "replica_instance_class"):
        value = getattr(args, attr)
        if (value or attr == "instance_class") and not re.fullmatch(r"db\.[a-z0-9]+\.[a-z0-9]+", value):
            raise ArgumentError(attr, f"{value!r} is not allowed; expected an RDS instance class such as "
                             "'db.r6g.large'" + (" or '' for instance_class" if attr != "instance_class" else ""))
    if args.storage_type not in STORAGE_TYPES:
        raise ArgumentError("storage_type", f"{args.storage_type!r} is not allowed; expected one of {STORAGE_TYPES} "
                         "(gp3 gives baseline IOPS independent of size; a later type change is a long modification)")
    if not 20 <= args.allocated_storage_gb <= 65536:
        raise ArgumentError("allocated_storage_gb", f"{args.allocated_storage_gb} is out of range; expected 20 to 65536")
    if not args.allocated_storage_gb <= args.max_allocated_storage_gb <= 65536:
        raise ArgumentError("max_allocated_storage_gb", f"{args.max_allocated_storage_gb} is out of range; expected "
                         f"allocated_storage_gb ({args.allocated_storage_gb}) to 65536")
    if not 0 <= args.replica_count <= MAX_REPLICAS:
        raise ArgumentError("replica_count", f"{args.replica_count} is out of range; expected 0 to {MAX_REPLICAS}")
    if not 0 <= args.backup_retention_days <= 35:
        raise ArgumentError("backup_retention_days", f"{args.backup_retention_days} is out of range; expected 0 to 35")
    if args.replica_count > 0 and args.backup_retention_days < 1:
        raise ArgumentError("backup_retention_days", f"{args.backup_retention_days} with replica_count "
                         f"{args.replica_count}; read replicas need automated backups on the source, expected "
                         "backup_retention_days >= 1 or replica_count 0")
    validate_windows(args.backup_window, args.maintenance_window)
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", args.database_name):
        raise ArgumentError("database_name", f"{args.database_name!r} is not allowed; expected a letter, then letters, "
                         "digits or '_', at most 63 characters")
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", args.master_username) or \
            args.master_username.lower() in ("rdsadmin", "rdsrepladmin", "rds_superuser"):
        raise ArgumentError("master_username", f"{args.master_username!r} is not allowed; expected a letter, then "
                         "letters, digits or '_', and not an RDS-reserved name")
    if args.app_db_user and (not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", args.app_db_user) or
                             args.app_db_user.lower() in ("rdsadmin", "rdsrepladmin", "rds_superuser")):
        raise ArgumentError("app_db_user", f"{args.app_db_user!r} is not allowed; expected '' (the master user) or a "
                         "letter, then letters, digits or '_', and not an RDS-reserved name")
    if not 1150 <= args.port <= 65535:
        raise ArgumentError("port", f"{args.port} is out of range; expected 1150 to 65535")
    if args.monitoring_interval_seconds not in MONITORING_INTERVALS:
        raise ArgumentError("monitoring_interval_seconds", f"{args.monitoring_interval_seconds} is not allowed; "
                         f"expected one of {MONITORING_INTERVALS}")
    pi_days = args.performance_insights_retention_days
    if not (pi_days == 7 or pi_days == 731 or (pi_days % 31 == 0 and 31 <= pi_days <= 713)):
        raise ArgumentError("performance_insights_retention_days", f"{pi_days} is not allowed; expected 7, a multiple "
                         "of 31 up to 713, or 731")
    if args.log_min_duration_ms < -1:
        raise ArgumentError("log_min_duration_ms", f"{args.log_min_duration_ms} is out of range; expected -1 or more")
    if args.pool_max_connections < 1:
        raise ArgumentError("pool_max_connections", f"{args.pool_max_connections} is out of range; expected at least 1")
    if not 1 <= args.pool_idle_timeout_seconds <= 14400:
        raise ArgumentError("pool_idle_timeout_seconds", f"{args.pool_idle_timeout_seconds} is out of range; expected 1 "
                         "to 14400 (the proxy's idle client timeout, twice this, is at most 28800)")
    if not 1 <= args.pool_connect_timeout_seconds <= 3600:
        raise ArgumentError("pool_connect_timeout_seconds", f"{args.pool_connect_timeout_seconds} is out of range; "
                         "expected 1 to 3600 (the proxy's connection borrow timeout)")
    if not 1 <= args.proxy_max_connections_percent <= 100:
        raise ArgumentError("proxy_max_connections_percent", f"{args.proxy_max_connections_percent} is out of range; "
                         "expected 1 to 100")
    if not 0 <= args.proxy_max_idle_connections_percent <= args.proxy_max_connections_percent:
        raise ArgumentError("proxy_max_idle_connections_percent", f"{args.proxy_max_idle_connections_percent} is out of "
                         f"range; expected 0 to proxy_max_connections_percent ({args.proxy_max_connections_percent})")
    if args.zone_offset < 0:
        raise ArgumentError("zone_offset", f"{args.zone_offset} is out of range; expected 0 or more")


# --------------------------------------------------------------------------------------------
# Shared pieces
# --------------------------------------------------------------------------------------------

def declare_shared_resources(name: str, args: DatabaseArgs, parent: pulumi.Resource) -> SharedDatabaseResources:
    """Declare the KMS key, subnet group, parameter group, security groups (with their rules) and the
    monitoring role under ``parent``. Call once per set of shards; ``args`` must be validated."""
    tags = merge_tags(house_tags(args.environment), args.tags)
    child = pulumi.ResourceOptions(parent=parent)
    protect = resolve_protect(args.protect, args.environment)

    key = customer_managed_key(f"{name}-kms", f"{name}: PostgreSQL storage, Performance Insights, secrets", tags,
                               parent, protect)
    subnet_group = aws.rds.SubnetGroup(f"{name}-subnets", subnet_ids=list(args.subnet_ids),
                                       description=f"{name}: isolated subnets", tags=tags, opts=child)
    parameter_group = aws.rds.ParameterGroup(
        f"{name}-params", family=parameter_group_family(args.engine_version),
        description=f"{name}: TLS only, slow query and connection logging",
        parameters=[aws.rds.ParameterGroupParameterArgs(name=n, value=v, apply_method=m)
                    for n, v, m in parameter_group_parameters(args.log_min_duration_ms)],
        tags=tags, opts=child)

    # No inline rules on either group: the rules are separate resources (mixing both makes them fight),
    # and leaving `egress` unset removes AWS's default allow-all egress rule.
    db_sg = aws.ec2.SecurityGroup(f"{name}-sg", vpc_id=args.vpc_id, description="PostgreSQL instances",
                                  tags={**tags, "Name": f"{name}-db"}, opts=child)
    proxy_sg = aws.ec2.SecurityGroup(f"{name}-proxy-sg", vpc_id=args.vpc_id, description="PostgreSQL RDS Proxy",
                                     tags={**tags, "Name": f"{name}-proxy"}, opts=child)

    def rule(kind, rule_name: str, group, peer, description: str) -> None:
        kind(rule_name, security_group_id=group.id, referenced_security_group_id=peer, ip_protocol="tcp",
             from_port=args.port, to_port=args.port, description=description, tags=tags,
             opts=pulumi.ResourceOptions(parent=group))

    # Apps reach the writer through the proxy and the readers directly (a proxy fronts only the primary).
    for i, app_sg in enumerate(args.app_security_group_ids):
        rule(aws.vpc.SecurityGroupIngressRule, f"{name}-sg-from-app-{i}", db_sg, app_sg, "PostgreSQL from the app tier")
        rule(aws.vpc.SecurityGroupIngressRule, f"{name}-proxy-sg-from-app-{i}", proxy_sg, app_sg,
             "PostgreSQL from the app tier")
    rule(aws.vpc.SecurityGroupIngressRule, f"{name}-sg-from-proxy", db_sg, proxy_sg.id, "PostgreSQL from the proxy")
    rule(aws.vpc.SecurityGroupEgressRule, f"{name}-proxy-sg-to-db", proxy_sg, db_sg.id, "PostgreSQL to the instances")

    monitoring_role = aws.iam.Role(f"{name}-monitoring-role", tags=tags, opts=child, assume_role_policy=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                       "Principal": {"Service": "monitoring.rds.amazonaws.com"}}],
    }))
    aws.iam.RolePolicyAttachment(f"{name}-monitoring-policy", role=monitoring_role.id,
                                 policy_arn=aws.iam.ManagedPolicy.AMAZON_RDS_ENHANCED_MONITORING_ROLE.value,
                                 opts=pulumi.ResourceOptions(parent=monitoring_role))
    # For these three types `id` is the name; unlike `name` the mock engine (which does not auto-name) knows it.
    return SharedDatabaseResources(
        engine_version=args.engine_version, kms_key_arn=key.arn, subnet_group_name=subnet_group.id,
        parameter_group_name=parameter_group.id, security_group_id=db_sg.id,
        proxy_security_group_id=proxy_sg.id, monitoring_role_arn=monitoring_role.arn)


# --------------------------------------------------------------------------------------------
# The component
# --------------------------------------------------------------------------------------------

class Database(pulumi.ComponentResource):
    """One PostgreSQL shard: primary, read replicas and an RDS Proxy."""

    identifier: str
    """Identifier of the primary."""
    writer_endpoint: pulumi.Output[str]
    """Host name of the primary (direct writes; applications should prefer ``proxy_endpoint``)."""
    proxy_endpoint: pulumi.Output[str]
    """Host name of the RDS Proxy in front of the primary (pooled writes, TLS and IAM auth)."""
    reader_endpoints: list[pulumi.Output[str]]
    """Host names of the read replicas, in replica order."""
    port: int
    """PostgreSQL port."""
    secret_arn: pulumi.Output[str]
    """ARN of the RDS-managed Secrets Manager secret of the master user."""
    security_group_id: pulumi.Output[str]
    """Security group of the instances."""
    proxy_security_group_id: pulumi.Output[str]
    """Security group of the proxy."""
    proxy_arn: pulumi.Output[str]
    """ARN of the RDS Proxy (its last segment is the ``prx-`` resource id IAM authentication names)."""
    app_db_user: str
    """Database user the application connects as through the proxy."""
    connect_policy_statements: pulumi.Output[list]
    """IAM statements (JSON-able dicts) granting ``rds-db:connect`` as ``app_db_user`` through this shard's
    proxy; put them in the policy of the application's role."""
    kms_key_arn: pulumi.Output[str]
    """KMS key of storage, Performance Insights and the secret."""
    client_settings: dict[str, Any]
    """Pool settings for applications (see ``client_settings``)."""
    replica_identifiers: list[str]
    """RDS identifiers of the read replicas, in replica order (the CloudWatch ``DBInstanceIdentifier``)."""
    proxy_name: pulumi.Output[str]
    """Name of the RDS Proxy (the CloudWatch ``ProxyName`` dimension)."""

    def __init__(self, name: str, args: DatabaseArgs, opts: Optional[pulumi.ResourceOptions] = None):
        identifier = args.identifier or default_identifier(name)
        validate_database_args(args, identifier)
        super().__init__("scaling:database:Database", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        # In prod Pulumi refuses to delete or replace these (a replacement deletes the old instance).
        stateful = pulumi.ResourceOptions(parent=self, protect=resolve_protect(args.protect, args.environment))
        shared = args.shared or declare_shared_resources(name, args, self)

        common: dict[str, Any] = dict(
            instance_class=args.instance_class, storage_type=args.storage_type,
            max_allocated_storage=args.max_allocated_storage_gb, storage_encrypted=True,
            kms_key_id=shared.kms_key_arn, parameter_group_name=shared.parameter_group_name,
            vpc_security_group_ids=[shared.security_group_id], port=args.port, publicly_accessible=False,
            iam_database_authentication_enabled=True, auto_minor_version_upgrade=True,
            allow_major_version_upgrade=args.allow_major_version_upgrade,
            maintenance_window=args.maintenance_window, copy_tags_to_snapshot=True,
            deletion_protection=args.deletion_protection,
            enabled_cloudwatch_logs_exports=list(LOG_EXPORTS),
            performance_insights_enabled=True, performance_insights_kms_key_id=shared.kms_key_arn,
            performance_insights_retention_period=args.performance_insights_retention_days,
            monitoring_interval=args.monitoring_interval_seconds,
            monitoring_role_arn=shared.monitoring_role_arn if args.monitoring_interval_seconds else None,
        )
        primary = aws.rds.Instance(
            f"{name}-primary", identifier=identifier, engine=ENGINE, engine_version=args.engine_version,
            allocated_storage=args.allocated_storage_gb, db_name=args.database_name,
            username=args.master_username, manage_master_user_password=True,
            master_user_secret_kms_key_id=shared.kms_key_arn, db_subnet_group_name=shared.subnet_group_name,
            multi_az=args.multi_az, backup_retention_period=args.backup_retention_days,
            backup_window=args.backup_window, skip_final_snapshot=not args.deletion_protection,
            final_snapshot_identifier=f"{identifier}-final" if args.deletion_protection else None,
            delete_automated_backups=not args.deletion_protection,
            tags={**tags, "Name": identifier, "Role": "primary"}, opts=stateful, **common)

        # Each replica depends on the primary only, so the engine creates them in parallel. Same-region
        # replicas take the source's subnet group, engine version and encryption; a replica cannot take a
        # final snapshot. A replica's zone is fixed at creation (changing it replaces the replica).
        replica_class = args.replica_instance_class or args.instance_class
        replicas = [
            aws.rds.Instance(
                f"{name}-replica-{i}", identifier=f"{identifier}-replica-{i}", replicate_source_db=primary.identifier,
                availability_zone=zone, skip_final_snapshot=True,
                tags={**tags, "Name": f"{identifier}-replica-{i}", "Role": "replica"}, opts=stateful,
                **{**common, "instance_class": replica_class})
            for i, zone in enumerate(replica_zones(args.availability_zones, args.replica_count, args.zone_offset))
        ]

        # RDS fills the ARN of the secret it manages (manage_master_user_password); the SDK types it Optional.
        secret_arn: pulumi.Output[str] = primary.master_user_secrets.apply(
            lambda secrets: secrets[0].secret_arn)  # type: ignore[arg-type,return-value]
        proxy = self._proxy(name, identifier, args, shared, secret_arn, tags)
        pool = proxy_pool_settings(args)
        target_group = aws.rds.ProxyDefaultTargetGroup(
            f"{name}-proxy-pool", db_proxy_name=proxy.name,
            connection_pool_config=aws.rds.ProxyDefaultTargetGroupConnectionPoolConfigArgs(
                connection_borrow_timeout=pool["connection_borrow_timeout"],
                max_connections_percent=pool["max_connections_percent"],
                max_idle_connections_percent=pool["max_idle_connections_percent"]),
            opts=pulumi.ResourceOptions(parent=proxy))
        aws.rds.ProxyTarget(f"{name}-proxy-target", db_proxy_name=proxy.name, target_group_name=target_group.name,
                            db_instance_identifier=primary.identifier, opts=pulumi.ResourceOptions(parent=proxy))

        self.identifier = identifier
        self.writer_endpoint = primary.address
        self.proxy_endpoint = proxy.endpoint
        self.reader_endpoints = [r.address for r in replicas]
        self.port = args.port
        self.secret_arn = secret_arn
        self.security_group_id = pulumi.Output.from_input(shared.security_group_id)
        self.proxy_security_group_id = pulumi.Output.from_input(shared.proxy_security_group_id)
        self.kms_key_arn = pulumi.Output.from_input(shared.kms_key_arn)
        self.client_settings = client_settings(args)
        self.proxy_arn = proxy.arn
        self.replica_identifiers = [f"{identifier}-replica-{i}" for i in range(len(replicas))]
        self.proxy_name = proxy.name
        self.app_db_user = app_db_user(args)
        self.connect_policy_statements = proxy.arn.apply(
            lambda arn: proxy_connect_statements([arn], self.app_db_user))
        self.register_outputs({
            "writer_endpoint": self.writer_endpoint,
            "proxy_endpoint": self.proxy_endpoint,
            "reader_endpoints": self.reader_endpoints,
            "port": self.port,
            "secret_arn": self.secret_arn,
            "security_group_id": self.security_group_id,
            "proxy_arn": self.proxy_arn,
            "connect_policy_statements": self.connect_policy_statements,
        })

    def _proxy(self, name: str, identifier: str, args: DatabaseArgs, shared: SharedDatabaseResources,
               secret_arn: pulumi.Output[str], tags: Mapping[str, str]) -> aws.rds.Proxy:
        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "rds.amazonaws.com"}}]}
        role = aws.iam.Role(f"{name}-proxy-role", assume_role_policy=json.dumps(trust), tags=tags,
                            opts=pulumi.ResourceOptions(parent=self))
        # Only this shard's secret, and the key only when Secrets Manager (of the secret's region) asks for it.
        policy = pulumi.Output.all(secret_arn, shared.kms_key_arn).apply(lambda v: json.dumps({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": v[0]},
                {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": v[1],
                 "Condition": {"StringEquals": {
                     "kms:ViaService": f"secretsmanager.{v[0].split(':')[3]}.amazonaws.com"}}},
            ]}))
        access = aws.iam.RolePolicy(f"{name}-proxy-secret-access", role=role.id, policy=policy,
                                    opts=pulumi.ResourceOptions(parent=role))
        return aws.rds.Proxy(
            f"{name}-proxy", name=f"{identifier}-proxy", engine_family="POSTGRESQL", require_tls=True,
            idle_client_timeout=proxy_pool_settings(args)["idle_client_timeout"], debug_logging=False,
            role_arn=role.arn, vpc_subnet_ids=list(args.subnet_ids),
            vpc_security_group_ids=[shared.proxy_security_group_id],
            auths=[aws.rds.ProxyAuthArgs(auth_scheme="SECRETS", iam_auth="REQUIRED", secret_arn=secret_arn,
                                         client_password_auth_type="POSTGRES_SCRAM_SHA_256",
                                         description=f"{identifier} master user (RDS-managed secret)")],
            tags={**tags, "Name": f"{identifier}-proxy"},
            # The proxy reads the secret as soon as it exists: let the policy be there first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[access]))
