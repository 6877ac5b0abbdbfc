"""Amazon MSK (Kafka) cluster: encryption, authentication and broker count."""

from __future__ import annotations

from .context import AuditContext

SERVICE = "kafka"


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    with ctx.guard(f"stack {exp.stack}", "MSK clusters", "tag:GetResources, kafka:ListClustersV2"):
        tagged = ctx.tagged_arns(SERVICE, lambda arn: ":cluster/" in arn)
        # ListClustersV2 returns the full description of each cluster (ListClusters in moto 5.2 does not).
        clusters = [c for c in ctx.paginate(SERVICE, "list_clusters_v2", "ClusterInfoList")
                    if c["ClusterArn"] in tagged]
        ctx.expect_count("MSK clusters", 1,
                         [(f"msk/{c['ClusterName']}", str(c.get("CreationTime", ""))) for c in clusters])
        for cluster in clusters:
            _check_cluster(ctx, cluster)


def _check_cluster(ctx: AuditContext, cluster: dict) -> None:
    resource = f"msk/{cluster['ClusterName']}"
    if not ctx.check(resource, "cluster type", "PROVISIONED", cluster.get("ClusterType")):
        return
    info = cluster.get("Provisioned", {})
    encryption = info.get("EncryptionInfo", {})
    in_transit = encryption.get("EncryptionInTransit", {})
    # MSK's defaults when the block is absent: TLS to clients, TLS between brokers.
    ctx.check(resource, "encryption in transit (client-broker)", "TLS", in_transit.get("ClientBroker", "TLS"))
    ctx.check(resource, "encryption in transit (in cluster)", True, in_transit.get("InCluster", True))
    ctx.check(resource, "encryption at rest (KMS key)", "a KMS key",
              encryption.get("EncryptionAtRest", {}).get("DataVolumeKMSKeyId") or "none",
              ok=bool(encryption.get("EncryptionAtRest", {}).get("DataVolumeKMSKeyId")))
    auth = info.get("ClientAuthentication", {})
    iam = auth.get("Sasl", {}).get("Iam", {}).get("Enabled", False)
    other = auth.get("Sasl", {}).get("Scram", {}).get("Enabled", False) or auth.get("Tls", {}).get("Enabled", False)
    ctx.check(resource, "IAM authentication", True, iam)
    # A cluster created without any client authentication admits unauthenticated clients.
    ctx.check(resource, "unauthenticated access", False,
              auth.get("Unauthenticated", {}).get("Enabled", not (iam or other)))
    ctx.check(resource, "broker count", ctx.settings.streaming.broker_count, info.get("NumberOfBrokerNodes"))
