from policies import elasticache
from tests.policies import run
from tests.policies.cases import Case, case_tests

RG = "aws:elasticache/replicationGroup:ReplicationGroup"
GOOD = {"atRestEncryptionEnabled": True, "transitEncryptionEnabled": True, "clusterMode": "enabled",
        "numNodeGroups": 3.0, "replicasPerNodeGroup": 1.0, "automaticFailoverEnabled": True, "multiAzEnabled": True,
        "snapshotRetentionLimit": 7.0, "finalSnapshotIdentifier": "cache-final"}


def without(*keys):
    return {k: v for k, v in GOOD.items() if k not in keys}


CASES = [
    Case(elasticache.at_rest_encryption, RG, GOOD, {**GOOD, "atRestEncryptionEnabled": False},
         without("atRestEncryptionEnabled"), True, "atRestEncryptionEnabled"),
    Case(elasticache.transit_encryption, RG, GOOD, {**GOOD, "transitEncryptionMode": "preferred"},
         without("transitEncryptionEnabled"), True, "'preferred'"),
    Case(elasticache.cluster_mode, RG, GOOD, {**GOOD, "numNodeGroups": 1.0}, without("numNodeGroups"), True,
         "numNodeGroups is 1"),
    Case(elasticache.automatic_failover, RG, GOOD, {**GOOD, "automaticFailoverEnabled": False},
         without("automaticFailoverEnabled", "multiAzEnabled"), True, "automaticFailoverEnabled"),
    Case(elasticache.snapshot_retention, RG, GOOD, {**GOOD, "snapshotRetentionLimit": 1.0},
         without("snapshotRetentionLimit"), True, "1 days"),
    Case(elasticache.final_snapshot, RG, GOOD, {**GOOD, "finalSnapshotIdentifier": ""},
         without("finalSnapshotIdentifier"), True, "finalSnapshotIdentifier"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_cluster_mode_disabled_is_reported():
    assert any("clusterMode" in m for m in run(elasticache.cluster_mode, RG, {**GOOD, "clusterMode": "disabled"}))


def test_automatic_failover_is_prod_only():
    assert run(elasticache.automatic_failover, RG, without("automaticFailoverEnabled"), {"environment": "dev"}) == []
