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


# Whole messages and the defaults that apply when a property is absent (mutation testing, issue 19).

def test_encryption_messages():
    assert run(elasticache.at_rest_encryption, RG, {"atRestEncryptionEnabled": "false"}) == [
        "atRestEncryptionEnabled is not true: snapshots and swap would be unencrypted"]
    assert run(elasticache.at_rest_encryption, RG, {"atRestEncryptionEnabled": "true"}) == []
    assert run(elasticache.transit_encryption, RG, {"transitEncryptionEnabled": False}) == [
        "transitEncryptionEnabled is not true: clients would talk to the cache in clear text"]
    # Only one message when both are wrong: the mode matters only once encryption is on.
    assert run(elasticache.transit_encryption, RG, {"transitEncryptionEnabled": False,
                                                    "transitEncryptionMode": "preferred"}) == [
        "transitEncryptionEnabled is not true: clients would talk to the cache in clear text"]
    assert run(elasticache.transit_encryption, RG, {"transitEncryptionEnabled": "true",
                                                    "transitEncryptionMode": "preferred"}) == [
        "transitEncryptionMode is 'preferred'; 'preferred' still accepts clear-text clients"]
    # An absent mode is AWS's default, required.
    assert run(elasticache.transit_encryption, RG, {"transitEncryptionEnabled": True}) == []
    assert run(elasticache.transit_encryption, RG, {"transitEncryptionEnabled": True,
                                                    "transitEncryptionMode": "required"}) == []


def test_cluster_mode_messages():
    assert run(elasticache.cluster_mode, RG, {"clusterMode": "disabled", "numNodeGroups": 2.0}) == [
        "clusterMode is 'disabled'; the design runs the cache as a Redis Cluster (--cluster-enabled yes)",
        "numNodeGroups is 2; the design shards the cache over at least 3 node groups"]
    assert run(elasticache.cluster_mode, RG, {}) == [
        "clusterMode is None; the design runs the cache as a Redis Cluster (--cluster-enabled yes)",
        "numNodeGroups is not set; the design shards the cache over 3 node groups"]
    assert run(elasticache.cluster_mode, RG, {"clusterMode": "enabled", "numNodeGroups": 3.0}) == []
    assert run(elasticache.cluster_mode, RG, {"clusterMode": "enabled", "numNodeGroups": 2.0}, {"minShards": 2}) == []
    assert run(elasticache.cluster_mode, RG, {"clusterMode": "enabled", "numNodeGroups": 1.0}, {"minShards": 2}) == [
        "numNodeGroups is 1; the design shards the cache over at least 2 node groups"]


def test_failover_messages():
    assert run(elasticache.automatic_failover, RG, {"automaticFailoverEnabled": "false", "multiAzEnabled": False}) == [
        "automaticFailoverEnabled is not true: a failed primary would not be replaced by its replica",
        "multiAzEnabled is not true: primaries and replicas may share a zone"]
    assert run(elasticache.automatic_failover, RG, {"automaticFailoverEnabled": True, "multiAzEnabled": "true"}) == []
    assert run(elasticache.automatic_failover, RG, {"automaticFailoverEnabled": True}) == [
        "multiAzEnabled is not true: primaries and replicas may share a zone"]


def test_snapshot_messages():
    # Absent means 0: ElastiCache takes no automatic snapshots.
    assert run(elasticache.snapshot_retention, RG, {}) == ["snapshotRetentionLimit is 0 days; keep at least 7 days"]
    assert run(elasticache.snapshot_retention, RG, {"snapshotRetentionLimit": 6.0}) == [
        "snapshotRetentionLimit is 6 days; keep at least 7 days"]
    assert run(elasticache.snapshot_retention, RG, {"snapshotRetentionLimit": 7.0}) == []
    assert run(elasticache.snapshot_retention, RG, {"snapshotRetentionLimit": 1.0}, {"minDays": 1}) == []
    assert run(elasticache.snapshot_retention, RG, {}, {"minDays": 1}) == [
        "snapshotRetentionLimit is 0 days; keep at least 1 days"]
    assert run(elasticache.final_snapshot, RG, {"finalSnapshotIdentifier": ""}) == [
        "finalSnapshotIdentifier is not set: deleting the group would lose its data"]
    assert run(elasticache.final_snapshot, RG, {}) == [
        "finalSnapshotIdentifier is not set: deleting the group would lose its data"]
