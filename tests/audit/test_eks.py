"""EKS cluster: version, endpoint access, secrets encryption and control-plane logs."""

import pytest

from audit.findings import ERROR, WARNING

from .conftest import audit, only

SERVICES = ["eks"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_eks("eks-ok")
    return audit(account, "eks-ok", SERVICES)


def test_conforming_cluster_passes_every_check(conforming):
    assert conforming.findings == []
    # count, version, private endpoint, public endpoint, secrets key, logs
    assert conforming.checks == 6


def test_drifted_cluster_reports_each_setting(account):
    account.build_eks("eks-drift", version="1.31", public=True, secrets_key=False, log_types=("api",))
    report = audit(account, "eks-drift", SERVICES)
    assert {(f.check, str(f.expected), str(f.actual)) for f in report.findings} == {
        ("Kubernetes version", "1.33", "1.31"),
        ("public API endpoint", "False", "True"),
        ("secrets encryption (KMS key)", "a KMS key", "none"),
        ("control-plane logs", "['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']", "['api']")}
    assert all(f.severity == ERROR for f in report.findings)


def test_public_endpoint_is_expected_when_cidrs_are_configured(account):
    account.build_eks("eks-public", public=True)
    report = audit(account, "eks-public", SERVICES, **{"scaling:eksPublicAccessCidrs": '["203.0.113.0/24"]'})
    # moto leaves publicAccessCidrs empty when none are given: the configured CIDR is reported missing.
    assert only(report, "public API endpoint CIDRs").expected == ["203.0.113.0/24"]


def test_missing_and_surplus_clusters(account):
    assert only(audit(account, "eks-none", SERVICES), "EKS clusters count").actual == 0
    account.build_eks("eks-two")
    account.client("eks").create_cluster(
        name="eks-two-copy", version="1.33", roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": account.subnet_ids, "endpointPrivateAccess": True},
        logging={"clusterLogging": [{"types": ["api", "audit", "authenticator", "controllerManager", "scheduler"],
                                     "enabled": True}]},
        encryptionConfig=[{"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:us-east-1:1:key/k"}}],
        tags={"Project": "scaling", "Stack": "eks-two"})
    report = audit(account, "eks-two", SERVICES)
    assert [f.severity for f in report.findings if f.check == "declared by the stack"] == [WARNING]
