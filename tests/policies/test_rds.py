from policies import rds
from tests.policies import UNKNOWN, run
from tests.policies.cases import Case, case_tests

DB, PG = "aws:rds/instance:Instance", "aws:rds/parameterGroup:ParameterGroup"
PRIMARY = {"engine": "postgres", "engineVersion": "16", "storageEncrypted": True, "publiclyAccessible": False,
           "deletionProtection": True, "backupRetentionPeriod": 7.0, "skipFinalSnapshot": False,
           "finalSnapshotIdentifier": "db-final", "multiAz": True}
REPLICA = {"replicateSourceDb": "db-primary", "instanceClass": "db.r6g.large"}


def without(key):
    return {k: v for k, v in PRIMARY.items() if k != key}


CASES = [
    Case(rds.storage_encrypted, DB, PRIMARY, {**PRIMARY, "storageEncrypted": False}, without("storageEncrypted"),
         True, "storageEncrypted"),
    Case(rds.instance_in_transit, DB, PRIMARY, {**PRIMARY, "engineVersion": "14"}, without("engineVersion"), True,
         "rds.force_ssl=1"),
    Case(rds.parameter_group_force_ssl, PG, {"family": "postgres14", "parameters": [{"name": "rds.force_ssl", "value": "1"}]},
         {"family": "postgres16", "parameters": [{"name": "rds.force_ssl", "value": "0"}]}, {"family": "postgres14"},
         True, "rds.force_ssl is '0'"),
    Case(rds.not_publicly_accessible, DB, PRIMARY, {**PRIMARY, "publiclyAccessible": True},
         without("publiclyAccessible"), False, "publiclyAccessible"),
    Case(rds.deletion_protection, DB, PRIMARY, {**PRIMARY, "deletionProtection": False},
         without("deletionProtection"), True, "deletionProtection"),
    Case(rds.backup_retention, DB, PRIMARY, {**PRIMARY, "backupRetentionPeriod": 3.0},
         without("backupRetentionPeriod"), True, "3 days"),
    Case(rds.final_snapshot, DB, PRIMARY, {**PRIMARY, "skipFinalSnapshot": True}, without("finalSnapshotIdentifier"),
         True, "skipFinalSnapshot is true"),
    Case(rds.multi_az, DB, PRIMARY, {**PRIMARY, "multiAz": False}, without("multiAz"), True, "multiAz"),
]
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_replicas_inherit_encryption_and_take_no_backups_or_final_snapshot():
    for policy in (rds.storage_encrypted, rds.backup_retention, rds.final_snapshot, rds.multi_az,
                   rds.instance_in_transit):
        assert run(policy, DB, REPLICA) == [], policy.name


def test_replica_with_unknown_source_is_still_a_replica():
    assert run(rds.backup_retention, DB, {"replicateSourceDb": UNKNOWN}) == []


def test_postgres_16_default_parameter_group_forces_tls():
    assert run(rds.parameter_group_force_ssl, PG, {"family": "postgres16"}) == []


def test_unknown_parameter_group_name_defers_to_the_group_policy():
    assert run(rds.instance_in_transit, DB, {**PRIMARY, "engineVersion": "13", "parameterGroupName": UNKNOWN}) == []


def test_multi_az_applies_only_in_prod():
    assert run(rds.multi_az, DB, without("multiAz"), {"environment": "dev"}) == []


def test_backup_retention_knob():
    assert run(rds.backup_retention, DB, {**PRIMARY, "backupRetentionPeriod": 3.0}, {"minDays": 3}) == []


def test_clusters_are_checked_too():
    assert run(rds.storage_encrypted, "aws:rds/cluster:Cluster", {"storageEncrypted": False})
