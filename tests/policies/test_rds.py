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


def logging_group(**changes):
    values = {"rds.force_ssl": "1", "log_min_duration_statement": "1000", "log_connections": "1",
              "log_disconnections": "1"}
    values.update(changes)
    return {"family": "postgres17", "parameters": [{"name": k, "value": v} for k, v in values.items() if v is not None]}


CASES.append(Case(rds.parameter_group_logging, PG, logging_group(), logging_group(log_connections="0"),
                  {"family": "postgres17"}, True, "log_connections is 0"))
test_compliant, test_violating, test_missing_property, test_other_resource_types_are_ignored = case_tests(CASES)


def test_every_missing_logging_parameter_is_named():
    assert run(rds.parameter_group_logging, PG, {"family": "postgres17"}) == [
        "log_min_duration_statement is not set (-1, off): slow queries are not logged; set 0 to 1000 ms",
        "log_connections is not set (off): who connected, from where and for how long is not in the log; set it to 1",
        "log_disconnections is not set (off): who connected, from where and for how long is not in the log; set it "
        "to 1"]


def test_slow_query_logging_switched_off_and_the_threshold_knob():
    assert run(rds.parameter_group_logging, PG, logging_group(log_min_duration_statement="-1")) == [
        "log_min_duration_statement is -1: slow queries are not logged; set 0 to 1000 ms"]
    assert run(rds.parameter_group_logging, PG, logging_group(log_min_duration_statement="5000"),
               {"maxLogMinDurationMs": 5000}) == []
    assert run(rds.parameter_group_logging, PG, logging_group(log_connections="on", log_disconnections="true")) == []


def test_logging_rule_applies_to_postgres_groups_only():
    assert run(rds.parameter_group_logging, PG, {"family": "mysql8.0"}) == []


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
