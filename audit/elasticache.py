"""ElastiCache replication group in cluster mode (the design's Redis cluster)."""

from __future__ import annotations

from .context import AuditContext

SERVICE = "elasticache"


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    with ctx.guard(f"stack {exp.stack}", "cache replication groups",
                   "tag:GetResources, elasticache:DescribeReplicationGroups"):
        tagged = ctx.tagged_arns(SERVICE, lambda arn: ":replicationgroup:" in arn)
        groups = [g for g in ctx.paginate(SERVICE, "describe_replication_groups", "ReplicationGroups")
                  if g.get("ARN") in tagged]
        ctx.expect_count("cache replication groups", 1,
                         [(f"elasticache/{g['ReplicationGroupId']}", str(g.get("ReplicationGroupCreateTime", "")))
                          for g in groups])
        for group in groups:
            _check_group(ctx, group)


def _check_group(ctx: AuditContext, group: dict) -> None:
    cfg = ctx.settings.cache
    resource = f"elasticache/{group['ReplicationGroupId']}"
    enabled = group.get("ClusterEnabled", False) or group.get("ClusterMode") == "enabled"
    ctx.check(resource, "cluster mode", "enabled", "enabled" if enabled else group.get("ClusterMode", "disabled"))
    node_groups = group.get("NodeGroups", [])
    ctx.check(resource, "shards (node groups)", cfg.shards, len(node_groups))
    for node_group in node_groups:
        # Each node group is one primary plus its replicas.
        ctx.check(f"{resource} shard {node_group.get('NodeGroupId')}", "replicas per shard", cfg.replicas_per_shard,
                  max(len(node_group.get("NodeGroupMembers", [])) - 1, 0))
    ctx.check(resource, "engine", cfg.engine, group.get("Engine"))
    ctx.check(resource, "encryption at rest", True, group.get("AtRestEncryptionEnabled", False))
    ctx.check(resource, "encryption in transit", True, group.get("TransitEncryptionEnabled", False))
    ctx.check(resource, "automatic failover", "enabled", group.get("AutomaticFailover", "disabled"),
              ok=group.get("AutomaticFailover") in ("enabled", "enabling"))
    if cfg.replicas_per_shard >= 1:
        ctx.check(resource, "Multi-AZ", "enabled", group.get("MultiAZ", "disabled"))
