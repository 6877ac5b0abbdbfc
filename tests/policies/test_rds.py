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


# Whole messages, the replica test per resource type, and each rule's edges (mutation testing, issue 19).
CLUSTER = "aws:rds/cluster:Cluster"


def test_replica_key_depends_on_the_resource_type():
    # An instance is a replica through replicateSourceDb, a cluster through replicationSourceIdentifier.
    assert run(rds.storage_encrypted, CLUSTER, {"replicationSourceIdentifier": "arn:primary"}) == []
    assert run(rds.storage_encrypted, CLUSTER, {"replicateSourceDb": "db-primary"}) == [
        "storageEncrypted is not true: data, backups and snapshots would be stored unencrypted"]
    assert run(rds.storage_encrypted, DB, {"replicationSourceIdentifier": "arn:primary"}) == [
        "storageEncrypted is not true: data, backups and snapshots would be stored unencrypted"]


def test_storage_encrypted_values():
    message = "storageEncrypted is not true: data, backups and snapshots would be stored unencrypted"
    assert run(rds.storage_encrypted, DB, {**PRIMARY, "storageEncrypted": "true"}) == []
    assert run(rds.storage_encrypted, DB, {**PRIMARY, "storageEncrypted": False}) == [message]
    # A replica told not to encrypt is not excused: only an absent value is inherited from the source.
    assert run(rds.storage_encrypted, DB, {**REPLICA, "storageEncrypted": False}) == [message]


def test_in_transit_messages_and_version_edges():
    def in_transit(**props):
        return run(rds.instance_in_transit, DB, props)

    assert in_transit(engine="postgres", engineVersion="14.9") == [
        "engine postgres 14.9 with the default parameter group accepts unencrypted connections; use a parameter "
        "group with rds.force_ssl=1"]
    # The engine defaults to postgres; the version to the engine's default, which the rule cannot trust.
    assert in_transit(engineVersion="13") == [
        "engine postgres 13 with the default parameter group accepts unencrypted connections; use a parameter "
        "group with rds.force_ssl=1"]
    assert in_transit(engine="postgres") == [
        "engine postgres (default version) with the default parameter group accepts unencrypted connections; use a "
        "parameter group with rds.force_ssl=1"]
    assert in_transit(engine="postgres", engineVersion="latest") == [
        "engine postgres latest with the default parameter group accepts unencrypted connections; use a parameter "
        "group with rds.force_ssl=1"]
    assert in_transit(engine="postgres", engineVersion="15") == []
    assert in_transit(engine="postgres", engineVersion="15.4") == []
    assert in_transit(engineVersion="16") == []
    assert in_transit(engine="mysql", engineVersion="5.7") == []
    assert in_transit(engine="postgres", engineVersion="12", parameterGroupName="pg") == []


def test_force_ssl_messages_and_family_edges():
    def group(family=None, *parameters):
        props = {"parameters": [{"name": n, "value": v} for n, v in parameters]}
        return run(rds.parameter_group_force_ssl, PG, {**props, "family": family} if family else props)

    assert group("postgres14") == ["family postgres14 defaults rds.force_ssl to 0; set rds.force_ssl=1"]
    assert group("postgres15") == []
    assert group("postgres14", ("rds.force_ssl", "0")) == ["rds.force_ssl is '0'; it must be 1"]
    assert group("postgres16", ("rds.force_ssl", "on")) == ["rds.force_ssl is 'on'; it must be 1"]
    # The first rds.force_ssl entry decides (other parameters before it do not), and " 1 " is 1.
    assert group("postgres14", ("log_connections", "1"), ("rds.force_ssl", " 1 ")) == []
    assert group("postgres14", ("rds.force_ssl", "1"), ("rds.force_ssl", "0")) == []
    assert group("postgres", ) == ["family postgres defaults rds.force_ssl to 0; set rds.force_ssl=1"]
    assert group("mysql8.0", ("rds.force_ssl", "0")) == []
    assert group(None, ("rds.force_ssl", "0")) == []


def test_public_and_deletion_protection_messages():
    assert run(rds.not_publicly_accessible, DB, {"publiclyAccessible": "true"}) == [
        "publiclyAccessible is true: the database would get a public address"]
    assert run(rds.not_publicly_accessible, DB, {"publiclyAccessible": False}) == []
    assert run(rds.deletion_protection, DB, {"deletionProtection": "false"}) == ["deletionProtection is not true"]
    assert run(rds.deletion_protection, DB, {}) == ["deletionProtection is not true"]
    assert run(rds.deletion_protection, DB, {"deletionProtection": "true"}) == []


def test_backup_retention_messages():
    assert run(rds.backup_retention, DB, without("backupRetentionPeriod")) == [
        "backupRetentionPeriod is not set (AWS keeps 1 day); keep at least 7 days"]
    assert run(rds.backup_retention, DB, {**PRIMARY, "backupRetentionPeriod": 6.0}) == [
        "backupRetentionPeriod is 6 days; keep at least 7 days"]
    assert run(rds.backup_retention, DB, {**PRIMARY, "backupRetentionPeriod": 7.0}) == []
    assert run(rds.backup_retention, CLUSTER, {"replicationSourceIdentifier": "arn:primary"}) == []
    assert run(rds.backup_retention, DB, {**PRIMARY, "backupRetentionPeriod": 1.0}, {"minDays": 2}) == [
        "backupRetentionPeriod is 1 days; keep at least 2 days"]


def test_final_snapshot_messages():
    assert run(rds.final_snapshot, DB, {**PRIMARY, "skipFinalSnapshot": "true"}) == [
        "skipFinalSnapshot is true: deleting the database would lose its data"]
    assert run(rds.final_snapshot, DB, without("finalSnapshotIdentifier")) == [
        "finalSnapshotIdentifier is not set: deleting the database would fail or lose data"]
    assert run(rds.final_snapshot, DB, {**PRIMARY, "finalSnapshotIdentifier": ""}) == [
        "finalSnapshotIdentifier is not set: deleting the database would fail or lose data"]
    assert run(rds.final_snapshot, CLUSTER, {"skipFinalSnapshot": False, "finalSnapshotIdentifier": "c-final"}) == []
    assert run(rds.final_snapshot, CLUSTER, {"skipFinalSnapshot": True, "replicationSourceIdentifier": "arn"}) == []


def test_multi_az_message():
    assert run(rds.multi_az, DB, {**PRIMARY, "multiAz": "false"}) == [
        "multiAz is not true: a zone failure would take the shard's primary down"]
    assert run(rds.multi_az, DB, {**PRIMARY, "multiAz": "true"}) == []
    assert run(rds.multi_az, DB, {**REPLICA, "multiAz": False}) == []


def test_logging_messages_and_edges():
    def logging(config=None, **changes):
        return run(rds.parameter_group_logging, PG, logging_group(**changes), config)

    assert logging(log_min_duration_statement="1001") == [
        "log_min_duration_statement is 1001 ms; log queries slower than 1000 ms at the latest"]
    assert logging(log_min_duration_statement="1000") == []
    assert logging(log_min_duration_statement="0") == []
    assert logging(log_min_duration_statement="-1") == [
        "log_min_duration_statement is -1: slow queries are not logged; set 0 to 1000 ms"]
    assert logging(log_min_duration_statement="soon") == [
        "log_min_duration_statement is soon: slow queries are not logged; set 0 to 1000 ms"]
    assert logging({"maxLogMinDurationMs": 200}, log_min_duration_statement="-1") == [
        "log_min_duration_statement is -1: slow queries are not logged; set 0 to 200 ms"]
    assert logging({"maxLogMinDurationMs": 200}, log_min_duration_statement="201") == [
        "log_min_duration_statement is 201 ms; log queries slower than 200 ms at the latest"]
    # Values are compared case- and space-insensitively; "off" is reported as given (lower-cased).
    assert logging(log_connections=" ON ", log_disconnections="Yes") == []
    assert logging(log_connections="Off", log_disconnections="0") == [
        "log_connections is off: who connected, from where and for how long is not in the log; set it to 1",
        "log_disconnections is 0: who connected, from where and for how long is not in the log; set it to 1"]
    assert run(rds.parameter_group_logging, PG, {"parameters": []}) == []
