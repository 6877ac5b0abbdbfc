"""IAM roles for Kubernetes service accounts (IRSA): the trust policy every such role uses."""

from __future__ import annotations

import json

import pulumi

STS_AUDIENCE = "sts.amazonaws.com"


def service_account_subject(namespace: str, service_account: str) -> str:
    return f"system:serviceaccount:{namespace}:{service_account}"


def trust_policy_document(oidc_provider_arn: str, oidc_issuer: str, namespace: str, service_account: str) -> str:
    """Only tokens the cluster issued to ``namespace/service_account``, and only for STS, may assume the role."""
    host = oidc_issuer.removeprefix("https://")
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": oidc_provider_arn}, "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {f"{host}:sub": service_account_subject(namespace, service_account),
                                       f"{host}:aud": STS_AUDIENCE}}}]})


def irsa_trust_policy(oidc_provider_arn: pulumi.Input[str], oidc_issuer: pulumi.Input[str], namespace: str,
                      service_account: str) -> pulumi.Output[str]:
    """``trust_policy_document`` once the provider ARN and issuer are known."""
    return pulumi.Output.all(oidc_provider_arn, oidc_issuer).apply(
        lambda parts: trust_policy_document(parts[0], parts[1], namespace, service_account))
