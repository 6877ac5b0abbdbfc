"""ElastiCache: the design's "Redis Cluster" section (cluster mode, three shards), encrypted and durable."""

from __future__ import annotations

from scaling_kit.limits import CACHE

from .common import CRITICAL, HIGH, MEDIUM, as_bool, as_number, fmt, get, integer, resource_policy, schema

REPLICATION_GROUP = "aws:elasticache/replicationGroup:ReplicationGroup"


def _at_rest(args, k, violation):
    if as_bool(get(args.props, "atRestEncryptionEnabled")) is not True:
        violation("atRestEncryptionEnabled is not true: snapshots and swap would be unencrypted")


at_rest_encryption = resource_policy(
    "aws-elasticache-replication-group-at-rest-encryption",
    "Cache replication groups encrypt data at rest.",
    (REPLICATION_GROUP,), _at_rest, severity=CRITICAL,
    remediation="Set at_rest_encryption_enabled=True (a replacement for existing groups).")


def _in_transit(args, k, violation):
    props = args.props
    if as_bool(get(props, "transitEncryptionEnabled")) is not True:
        violation("transitEncryptionEnabled is not true: clients would talk to the cache in clear text")
    elif get(props, "transitEncryptionMode", default="required") != "required":
        violation(f"transitEncryptionMode is {get(props, 'transitEncryptionMode')!r}; "
                  "'preferred' still accepts clear-text clients")


transit_encryption = resource_policy(
    "aws-elasticache-replication-group-transit-encryption",
    "Cache replication groups accept TLS connections only.",
    (REPLICATION_GROUP,), _in_transit, severity=CRITICAL,
    remediation="Set transit_encryption_enabled=True and transit_encryption_mode='required'.")


def _cluster_mode(args, k, violation):
    props = args.props
    mode = get(props, "clusterMode")
    if mode != "enabled":
        violation(f"clusterMode is {mode!r}; the design runs the cache as a Redis Cluster "
                  "(--cluster-enabled yes)")
    shards = as_number(get(props, "numNodeGroups"))
    if shards is None:
        violation(f"numNodeGroups is not set; the design shards the cache over {k['minShards']} node groups")
    elif shards < k["minShards"]:
        violation(f"numNodeGroups is {fmt(shards)}; the design shards the cache over at least "
                  f"{k['minShards']} node groups")


cluster_mode = resource_policy(
    "aws-elasticache-replication-group-cluster-mode",
    f"The cache runs in cluster mode with the documented {CACHE.shards} shards.",
    (REPLICATION_GROUP,), _cluster_mode, severity=HIGH,
    remediation=f"Set cluster_mode='enabled' and num_node_groups={CACHE.shards} (scaling:cacheShards).",
    config_schema=schema(minShards=integer(CACHE.shards, "Fewest node groups (shards).", 1)))


def _failover(args, k, violation):
    props = args.props
    if as_bool(get(props, "automaticFailoverEnabled")) is not True:
        violation("automaticFailoverEnabled is not true: a failed primary would not be replaced by its replica")
    if as_bool(get(props, "multiAzEnabled")) is not True:
        violation("multiAzEnabled is not true: primaries and replicas may share a zone")


automatic_failover = resource_policy(
    "aws-elasticache-replication-group-automatic-failover",
    "In production, cache shards fail over automatically to a replica in another zone.",
    (REPLICATION_GROUP,), _failover, severity=HIGH, prod_only=True,
    remediation="Set automatic_failover_enabled=True, multi_az_enabled=True and replicas_per_node_group >= 1.")


def _snapshots(args, k, violation):
    days = as_number(get(args.props, "snapshotRetentionLimit", default=0))
    if days < k["minDays"]:
        violation(f"snapshotRetentionLimit is {fmt(days)} days; keep at least {k['minDays']} days")


snapshot_retention = resource_policy(
    "aws-elasticache-replication-group-snapshot-retention",
    "Cache replication groups keep daily snapshots for at least 7 days.",
    (REPLICATION_GROUP,), _snapshots, severity=MEDIUM,
    remediation="Set snapshot_retention_limit=7 or more (scaling:cacheSnapshotRetentionDays).",
    config_schema=schema(minDays=integer(7, "Fewest days of automatic snapshots.", 1)))


def _final_snapshot(args, k, violation):
    if get(args.props, "finalSnapshotIdentifier") in (None, ""):
        violation("finalSnapshotIdentifier is not set: deleting the group would lose its data")


final_snapshot = resource_policy(
    "aws-elasticache-replication-group-final-snapshot",
    "Cache replication groups take a final snapshot when deleted.",
    (REPLICATION_GROUP,), _final_snapshot, severity=MEDIUM,
    remediation="Set final_snapshot_identifier='<name>-final'.")

POLICIES = [at_rest_encryption, transit_encryption, cluster_mode, automatic_failover, snapshot_retention,
            final_snapshot]
