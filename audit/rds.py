"""RDS PostgreSQL shards: one primary per shard, read replicas per primary, and their safety settings."""

from __future__ import annotations

from .context import AuditContext

SERVICE = "rds"


def audit(ctx: AuditContext) -> None:
    exp, cfg = ctx.expectations, ctx.settings.database
    scope = f"stack {exp.stack}"
    with ctx.guard(scope, "database instances", "tag:GetResources, rds:DescribeDBInstances"):
        tagged = ctx.tagged_arns(SERVICE, lambda arn: ":db:" in arn)
        # Tagged ARNs can outlive a deleted instance for a while: describe is the source of truth.
        instances = [d for d in ctx.paginate(SERVICE, "describe_db_instances", "DBInstances")
                     if d["DBInstanceArn"] in tagged]
        primaries = [d for d in instances if not d.get("ReadReplicaSourceDBInstanceIdentifier")]
        replicas = [d for d in instances if d.get("ReadReplicaSourceDBInstanceIdentifier")]
        ctx.expect_count("database primaries (shards)", cfg.shard_count,
                         [(f"rds/{d['DBInstanceIdentifier']}", str(d.get("InstanceCreateTime", ""))) for d in primaries])
        primary_ids = {d["DBInstanceIdentifier"] for d in primaries}
        for primary in primaries:
            _check_primary(ctx, primary)
        for replica in replicas:
            _check_replica(ctx, replica, primary_ids)


def _check_common(ctx: AuditContext, resource: str, instance: dict) -> None:
    ctx.check(resource, "storage encrypted", True, instance.get("StorageEncrypted", False))
    ctx.check(resource, "publicly accessible", False, instance.get("PubliclyAccessible", False))
    ctx.check(resource, "engine", ctx.expectations.database_engine, instance.get("Engine"))


def _check_primary(ctx: AuditContext, primary: dict) -> None:
    cfg = ctx.settings.database
    resource = f"rds/{primary['DBInstanceIdentifier']}"
    _check_common(ctx, resource, primary)
    # Counted from the primary's own list, so a replica created by hand without tags counts too.
    ctx.check(resource, "read replicas", cfg.replica_count, len(primary.get("ReadReplicaDBInstanceIdentifiers", [])))
    if cfg.multi_az:
        ctx.check(resource, "Multi-AZ", True, primary.get("MultiAZ", False))
    ctx.check(resource, "backup retention days (at least)", cfg.backup_retention_days,
              primary.get("BackupRetentionPeriod", 0),
              ok=primary.get("BackupRetentionPeriod", 0) >= cfg.backup_retention_days)
    if cfg.deletion_protection:
        ctx.check(resource, "deletion protection", True, primary.get("DeletionProtection", False))


def _check_replica(ctx: AuditContext, replica: dict, primary_ids: set[str]) -> None:
    resource = f"rds/{replica['DBInstanceIdentifier']}"
    _check_common(ctx, resource, replica)
    source = replica["ReadReplicaSourceDBInstanceIdentifier"]
    # Cross-region sources come as ARNs; the stack keeps replicas next to their primary.
    ctx.check(resource, "replica of a stack primary", "one of the stack's primaries", source,
              ok=source in primary_ids or source.rsplit(":", 1)[-1] in primary_ids)
