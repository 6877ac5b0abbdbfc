"""EKS cluster: version, API endpoint access, secrets encryption and control-plane logging (issue 14)."""

from __future__ import annotations

from components.eks_cluster import LOG_TYPES

from .context import AuditContext

SERVICE = "eks"


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    with ctx.guard(f"stack {exp.stack}", "EKS clusters", "eks:ListClusters, eks:DescribeCluster"):
        # DescribeCluster returns the tags; one call per cluster instead of the tagging API, which emulators
        # (moto 5.2) do not answer for EKS.
        clusters = []
        for name in ctx.paginate(SERVICE, "list_clusters", "clusters"):
            cluster = ctx.client(SERVICE).describe_cluster(name=name)["cluster"]
            tags = cluster.get("tags", {})
            if tags.get("Project") == exp.project and tags.get("Stack") == exp.stack:
                clusters.append(cluster)
        ctx.expect_count("EKS clusters", 1, [(f"eks/{c['name']}", str(c.get("createdAt", ""))) for c in clusters])
        for cluster in clusters:
            _check_cluster(ctx, cluster)


def _check_cluster(ctx: AuditContext, cluster: dict) -> None:
    k = ctx.settings.kubernetes
    resource = f"eks/{cluster['name']}"
    ctx.check(resource, "Kubernetes version", k.version, cluster.get("version"))
    vpc = cluster.get("resourcesVpcConfig", {})
    ctx.check(resource, "private API endpoint", True, vpc.get("endpointPrivateAccess"))
    public = bool(k.public_access_cidrs)
    ctx.check(resource, "public API endpoint", public, vpc.get("endpointPublicAccess"))
    if public and vpc.get("endpointPublicAccess"):
        ctx.check(resource, "public API endpoint CIDRs", sorted(k.public_access_cidrs),
                  sorted(vpc.get("publicAccessCidrs", [])))
    secrets_keys = [c.get("provider", {}).get("keyArn") for c in cluster.get("encryptionConfig", [])
                    if "secrets" in c.get("resources", [])]
    ctx.check(resource, "secrets encryption (KMS key)", "a KMS key", secrets_keys[0] if secrets_keys else "none",
              ok=bool(secrets_keys and secrets_keys[0]))
    enabled = sorted({t for entry in cluster.get("logging", {}).get("clusterLogging", []) if entry.get("enabled")
                      for t in entry.get("types", [])})
    ctx.check(resource, "control-plane logs", sorted(LOG_TYPES), enabled, ok=set(LOG_TYPES) <= set(enabled))
