"""Amazon EKS: a private (or CIDR-restricted) API endpoint and envelope encryption of Secrets."""

from __future__ import annotations

from .common import CRITICAL, HIGH, as_bool, get, has, items, resource_policy

CLUSTER = "aws:eks/cluster:Cluster"
OPEN_CIDRS = {"0.0.0.0/0", "::/0"}


def _endpoint(args, k, violation):
    vpc = get(args.props, "vpcConfig")
    # EKS defaults: public endpoint on, open to 0.0.0.0/0; private endpoint off.
    public = as_bool(get(vpc, "endpointPublicAccess", default=True))
    private = as_bool(get(vpc, "endpointPrivateAccess", default=False))
    if not private:
        violation("vpcConfig.endpointPrivateAccess is not true: nodes would reach the API over the internet")
    if public:
        cidrs = [str(c) for c in items(get(vpc, "publicAccessCidrs"))]
        if not cidrs:
            violation("the public API endpoint is open to 0.0.0.0/0 (publicAccessCidrs not set); "
                      "disable it or list the allowed CIDRs")
        elif OPEN_CIDRS & set(cidrs):
            violation(f"publicAccessCidrs {cidrs} opens the API endpoint to the internet")


cluster_endpoint_access = resource_policy(
    "aws-eks-cluster-endpoint-access",
    "The EKS API endpoint is private, or public only to listed CIDRs.",
    (CLUSTER,), _endpoint, severity=CRITICAL,
    remediation="Set vpc_config endpoint_private_access=True and endpoint_public_access=False "
                "(or public_access_cidrs to the operators' ranges).")


def _secrets_encryption(args, k, violation):
    config = get(args.props, "encryptionConfig")
    resources = [str(r) for r in items(get(config, "resources"))]
    if "secrets" not in resources:
        violation("encryptionConfig does not cover 'secrets': Kubernetes Secrets would not be envelope-encrypted "
                  "with a KMS key")
    elif not has(get(config, "provider"), "keyArn"):  # the key's ARN is unknown until it exists
        violation("encryptionConfig.provider.keyArn is not set")


cluster_secrets_encryption = resource_policy(
    "aws-eks-cluster-secrets-encryption",
    "EKS envelope-encrypts Kubernetes Secrets with a KMS key.",
    (CLUSTER,), _secrets_encryption, severity=HIGH,
    remediation="Set encryption_config={'resources': ['secrets'], 'provider': {'key_arn': key.arn}}.")

POLICIES = [cluster_endpoint_access, cluster_secrets_encryption]
