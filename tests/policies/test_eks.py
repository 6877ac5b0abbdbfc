from policies import eks
from tests.policies import UNKNOWN, run
from tests.policies.cases import Case, case_tests

EKS = "aws:eks/cluster:Cluster"
GOOD = {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False, "subnetIds": ["a"]},
        "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": "arn:kms"}}}

CASES = [
    Case(eks.cluster_endpoint_access, EKS, GOOD,
         {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]}},
         {"vpcConfig": {"subnetIds": ["a"]}}, True, "opens the API endpoint"),
    Case(eks.cluster_secrets_encryption, EKS, GOOD, {**GOOD, "encryptionConfig": {"resources": ["configmaps"]}},
         {"vpcConfig": GOOD["vpcConfig"]}, True, "'secrets'"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_public_endpoint_restricted_to_cidrs_passes():
    props = {"vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": True,
                           "publicAccessCidrs": ["203.0.113.0/24"]}}
    assert run(eks.cluster_endpoint_access, EKS, props) == []


def test_unknown_key_arn_counts_as_set():
    props = {**GOOD, "encryptionConfig": {"resources": ["secrets"], "provider": {"keyArn": UNKNOWN}}}
    assert run(eks.cluster_secrets_encryption, EKS, props) == []
