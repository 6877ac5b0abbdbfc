"""RDS: the design's "Read Replicas" and "Sharding Strategy" sections, encrypted, private and durable."""

from __future__ import annotations

import re

from .common import CRITICAL, HIGH, MEDIUM, as_bool, as_number, fmt, get, has, integer, items, resource_policy, schema

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
CLUSTER_INSTANCE = "aws:rds/clusterInstance:ClusterInstance"
PARAMETER_GROUP = "aws:rds/parameterGroup:ParameterGroup"
# PostgreSQL 15 and later default rds.force_ssl to 1 in their default parameter groups.
FORCE_SSL_DEFAULT_FROM = 15


def is_replica(resource_type: str, props) -> bool:
    key = "replicateSourceDb" if resource_type == INSTANCE else "replicationSourceIdentifier"
    return has(props, key)  # the source is often an unknown ARN during preview; being set is what counts


def _storage_encrypted(args, k, violation):
    props = args.props
    value = as_bool(get(props, "storageEncrypted"))
    if value is True:
        return
    if value is None and is_replica(args.resource_type, props):
        return  # a same-region replica inherits the encryption of its source
    violation("storageEncrypted is not true: data, backups and snapshots would be stored unencrypted")


storage_encrypted = resource_policy(
    "aws-rds-instance-storage-encrypted",
    "RDS instances and clusters encrypt storage at rest.",
    (INSTANCE, CLUSTER), _storage_encrypted, severity=CRITICAL,
    remediation="Set storage_encrypted=True (optionally kms_key_id); existing instances need a snapshot restore.")


def _major(version) -> float | None:
    match = re.match(r"(\d+)", str(version or ""))
    return float(match.group(1)) if match else None


def _in_transit(args, k, violation):
    props = args.props
    engine = str(get(props, "engine", default="postgres"))
    if "postgres" not in engine or is_replica(args.resource_type, props):
        return
    if has(props, "parameterGroupName"):
        return  # the group itself (often known only after apply) is checked by aws-rds-parameter-group-force-ssl
    major = _major(get(props, "engineVersion"))
    if major is None or major < FORCE_SSL_DEFAULT_FROM:
        violation(f"engine {engine} {get(props, 'engineVersion', default='(default version)')} with the default "
                  f"parameter group accepts unencrypted connections; use a parameter group with rds.force_ssl=1")


instance_in_transit = resource_policy(
    "aws-rds-instance-in-transit-encryption",
    "PostgreSQL instances accept TLS connections only (rds.force_ssl=1).",
    (INSTANCE,), _in_transit, severity=CRITICAL,
    remediation="Attach a parameter group with rds.force_ssl=1, or use PostgreSQL 15+ whose default is 1.")


def _force_ssl(args, k, violation):
    props = args.props
    family = str(get(props, "family", default=""))
    if not family.startswith("postgres"):
        return
    for parameter in items(get(props, "parameters")):
        if get(parameter, "name") == "rds.force_ssl":
            if str(get(parameter, "value")).strip() != "1":
                violation(f"rds.force_ssl is {get(parameter, 'value')!r}; it must be 1")
            return
    major = _major(family.replace("postgres", ""))
    if major is None or major < FORCE_SSL_DEFAULT_FROM:
        violation(f"family {family} defaults rds.force_ssl to 0; set rds.force_ssl=1")


parameter_group_force_ssl = resource_policy(
    "aws-rds-parameter-group-force-ssl",
    "PostgreSQL parameter groups force TLS (rds.force_ssl=1).",
    (PARAMETER_GROUP,), _force_ssl, severity=CRITICAL,
    remediation="Add parameters=[{'name': 'rds.force_ssl', 'value': '1'}] to the parameter group.")


def _not_public(args, k, violation):
    if as_bool(get(args.props, "publiclyAccessible")) is True:
        violation("publiclyAccessible is true: the database would get a public address")


not_publicly_accessible = resource_policy(
    "aws-rds-instance-not-publicly-accessible",
    "Databases are reachable only from inside the VPC.",
    (INSTANCE, CLUSTER, CLUSTER_INSTANCE), _not_public, severity=CRITICAL,
    remediation="Set publicly_accessible=False and place the instance in isolated subnets.")


def _deletion_protection(args, k, violation):
    if as_bool(get(args.props, "deletionProtection")) is not True:
        violation("deletionProtection is not true")


deletion_protection = resource_policy(
    "aws-rds-instance-deletion-protection",
    "Databases cannot be deleted by accident (deletion protection).",
    (INSTANCE, CLUSTER), _deletion_protection, severity=HIGH,
    remediation="Set deletion_protection=True (scaling:dbDeletionProtection).")


def _backup_retention(args, k, violation):
    if is_replica(args.resource_type, args.props):
        return  # backups are taken on the primary
    days = as_number(get(args.props, "backupRetentionPeriod"))
    if days is None:
        violation(f"backupRetentionPeriod is not set (AWS keeps 1 day); keep at least {k['minDays']} days")
    elif days < k["minDays"]:
        violation(f"backupRetentionPeriod is {fmt(days)} days; keep at least {k['minDays']} days")


backup_retention = resource_policy(
    "aws-rds-instance-backup-retention",
    "Primary databases keep automated backups for at least 7 days (point-in-time recovery).",
    (INSTANCE, CLUSTER), _backup_retention, severity=HIGH,
    remediation="Set backup_retention_period=7 or more (scaling:dbBackupRetentionDays).",
    config_schema=schema(minDays=integer(7, "Fewest days of automated backups.", 1)))


def _final_snapshot(args, k, violation):
    props = args.props
    if is_replica(args.resource_type, props):
        return  # replicas cannot take a final snapshot; the primary does
    if as_bool(get(props, "skipFinalSnapshot")) is True:
        violation("skipFinalSnapshot is true: deleting the database would lose its data")
    elif get(props, "finalSnapshotIdentifier") in (None, ""):
        violation("finalSnapshotIdentifier is not set: deleting the database would fail or lose data")


final_snapshot = resource_policy(
    "aws-rds-instance-final-snapshot",
    "Primary databases take a final snapshot when deleted.",
    (INSTANCE, CLUSTER), _final_snapshot, severity=HIGH,
    remediation="Set skip_final_snapshot=False and final_snapshot_identifier='<name>-final'.")


def _multi_az(args, k, violation):
    if args.resource_type != INSTANCE or is_replica(args.resource_type, args.props):
        return
    if as_bool(get(args.props, "multiAz")) is not True:
        violation("multiAz is not true: a zone failure would take the shard's primary down")


multi_az = resource_policy(
    "aws-rds-instance-multi-az",
    "Primary databases run Multi-AZ in production (automatic failover to a standby).",
    (INSTANCE,), _multi_az, severity=HIGH, prod_only=True,
    remediation="Set multi_az=True (scaling:dbMultiAz).")

# A statement slower than this is logged with its text and duration; 1 s is the usual slow-query threshold
# (AWS's PostgreSQL logging guidance and pganalyze's start with it) and components.database's default.
MAX_LOG_MIN_DURATION_MS = 1000
_ON = ("1", "on", "true", "yes")


def _logging_parameters(args, k, violation):
    props = args.props
    if not str(get(props, "family", default="")).startswith("postgres"):
        return
    values = {get(p, "name"): str(get(p, "value")).strip().lower() for p in items(get(props, "parameters"))}
    duration = as_number(values.get("log_min_duration_statement"))
    if duration is None or duration < 0:
        violation(f"log_min_duration_statement is {values.get('log_min_duration_statement', 'not set (-1, off)')}: "
                  f"slow queries are not logged; set 0 to {k['maxLogMinDurationMs']} ms")
    elif duration > k["maxLogMinDurationMs"]:
        violation(f"log_min_duration_statement is {fmt(duration)} ms; log queries slower than "
                  f"{k['maxLogMinDurationMs']} ms at the latest")
    for name in ("log_connections", "log_disconnections"):
        if values.get(name) not in _ON:
            violation(f"{name} is {values.get(name, 'not set (off)')}: who connected, from where and for how long "
                      "is not in the log; set it to 1")


parameter_group_logging = resource_policy(
    "aws-rds-parameter-group-logging",
    "PostgreSQL parameter groups log slow queries, connections and disconnections.",
    (PARAMETER_GROUP,), _logging_parameters, severity=MEDIUM,
    remediation="Add log_min_duration_statement (e.g. 1000 ms), log_connections=1 and log_disconnections=1 to the "
                "parameter group (components.database does; DatabaseArgs.log_min_duration_ms).",
    config_schema=schema(maxLogMinDurationMs=integer(
        MAX_LOG_MIN_DURATION_MS, "Highest allowed log_min_duration_statement, in ms.", 0)))

POLICIES = [storage_encrypted, instance_in_transit, parameter_group_force_ssl, not_publicly_accessible,
            deletion_protection, backup_retention, final_snapshot, multi_az, parameter_group_logging]
