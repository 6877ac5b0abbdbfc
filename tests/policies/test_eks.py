import pytest

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


# ---------------------------------------------------------------- whole messages and branches (issue 19, mutation)

NOT_PRIVATE = "vpcConfig.endpointPrivateAccess is not true: nodes would reach the API over the internet"
OPEN = ("the public API endpoint is open to 0.0.0.0/0 (publicAccessCidrs not set); disable it or list the allowed "
        "CIDRs")


@pytest.mark.parametrize("vpc, expected", [
    (None, [NOT_PRIVATE, OPEN]),  # EKS's defaults: public endpoint open to the world, no private endpoint
    ({}, [NOT_PRIVATE, OPEN]),
    ({"endpointPrivateAccess": True}, [OPEN]),
    ({"endpointPrivateAccess": "true", "endpointPublicAccess": "false"}, []),
    ({"endpointPrivateAccess": False, "endpointPublicAccess": False}, [NOT_PRIVATE]),
    ({"endpointPrivateAccess": "false", "endpointPublicAccess": False}, [NOT_PRIVATE]),
    ({"endpointPrivateAccess": True, "endpointPublicAccess": "true", "publicAccessCidrs": []}, [OPEN]),
    ({"endpointPrivateAccess": True, "publicAccessCidrs": ["10.0.0.0/8", "::/0"]},
     ["publicAccessCidrs ['10.0.0.0/8', '::/0'] opens the API endpoint to the internet"]),
    ({"endpointPrivateAccess": True, "publicAccessCidrs": ["0.0.0.0/0"]},
     ["publicAccessCidrs ['0.0.0.0/0'] opens the API endpoint to the internet"]),
    ({"endpointPrivateAccess": True, "publicAccessCidrs": ["0.0.0.0/1", "198.51.100.7/32"]}, []),
    ({"endpointPrivateAccess": True, "endpointPublicAccess": False, "publicAccessCidrs": ["0.0.0.0/0"]}, []),
])
def test_endpoint_messages(vpc, expected):
    props = {} if vpc is None else {"vpcConfig": vpc}
    assert run(eks.cluster_endpoint_access, EKS, props) == expected


NOT_SECRETS = ("encryptionConfig does not cover 'secrets': Kubernetes Secrets would not be envelope-encrypted with a "
               "KMS key")


@pytest.mark.parametrize("config, expected", [
    (None, [NOT_SECRETS]),
    ({"resources": ["configmaps"], "provider": {"keyArn": "arn:kms"}}, [NOT_SECRETS]),
    ({"resources": ["configmaps", "secrets"], "provider": {"keyArn": "arn:kms"}}, []),
    ({"resources": ["secrets"]}, ["encryptionConfig.provider.keyArn is not set"]),
    ({"resources": ["secrets"], "provider": {}}, ["encryptionConfig.provider.keyArn is not set"]),
])
def test_secrets_encryption_messages(config, expected):
    props = {} if config is None else {"encryptionConfig": config}
    assert run(eks.cluster_secrets_encryption, EKS, props) == expected
