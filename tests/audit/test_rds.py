"""RDS shards: primaries per shard, replicas per primary, encryption, exposure, durability."""

import pytest
from botocore.stub import Stubber

from audit.findings import ERROR, WARNING

from .conftest import audit, make_clients, only, short, tags

SERVICES = ["rds"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_database("db-ok")
    return audit(account, "db-ok", SERVICES)


def test_conforming_shards_pass_every_check(conforming):
    assert conforming.findings == []
    # count + 2 primaries x (encrypted, public, engine, replicas, Multi-AZ, backups, deletion protection)
    # + 4 replicas x (encrypted, public, engine, source)
    assert conforming.checks == 1 + 2 * 7 + 4 * 4


def test_deleted_replica_is_reported_on_its_primary(account):
    primaries = account.build_database("db-replica")
    rds = account.client("rds")
    rds.modify_db_instance(DBInstanceIdentifier=f"{primaries[1]}-r0", DeletionProtection=False, ApplyImmediately=True)
    rds.delete_db_instance(DBInstanceIdentifier=f"{primaries[1]}-r0", SkipFinalSnapshot=True)
    finding = only(audit(account, "db-replica", SERVICES), "read replicas")
    assert (finding.resource, finding.expected, finding.actual, finding.severity) == (
        f"rds/{primaries[1]}", 2, 1, ERROR)


def test_fewer_primaries_than_shards(account):
    account.build_database("db-shards", shards=2)
    report = audit(account, "db-shards", SERVICES, **{"scaling:dbShardCount": 3})
    finding = only(report, "database primaries (shards) count")
    assert (finding.resource, finding.expected, finding.actual) == ("stack db-shards", 3, 2)


def test_surplus_primary_is_a_warning(account):
    account.build_database("db-surplus", shards=2)
    account.build_database("db-surplus", shards=1, first_shard=2, replicas=2)
    report = audit(account, "db-surplus", SERVICES)
    surplus = only(report, "declared by the stack")
    assert (surplus.resource, surplus.severity) == (f"rds/{short('db-surplus')}-shard02", WARNING)
    assert report.errors == []


def test_unencrypted_primary_is_reported(account):
    primaries = account.build_database("db-plain", shards=2, encrypted=False)
    report = audit(account, "db-plain", SERVICES)
    findings = report.find("", "storage encrypted")
    # Replicas of an unencrypted primary are unencrypted too: every instance is reported.
    assert {f.resource for f in findings} == {f"rds/{p}{suffix}" for p in primaries for suffix in ("", "-r0", "-r1")}
    assert {(f.expected, f.actual) for f in findings} == {(True, False)}


def test_public_primary_without_multi_az_backups_or_protection(account):
    primaries = account.build_database("db-loose", shards=2)
    account.client("rds").modify_db_instance(
        DBInstanceIdentifier=primaries[0], PubliclyAccessible=True, MultiAZ=False, BackupRetentionPeriod=3,
        DeletionProtection=False, ApplyImmediately=True)
    report = audit(account, "db-loose", SERVICES)
    resource = f"rds/{primaries[0]}"
    expected = {"publicly accessible": (False, True), "Multi-AZ": (True, False),
                "backup retention days (at least)": (7, 3), "deletion protection": (True, False)}
    assert {f.check: (f.expected, f.actual) for f in report.findings if f.resource == resource} == expected
    assert len(report.findings) == len(expected)


def test_settings_the_stack_turns_off_are_not_required(account):
    primaries = account.build_database("db-dev-like", shards=1, replicas=1)
    account.client("rds").modify_db_instance(DBInstanceIdentifier=primaries[0], MultiAZ=False,
                                             DeletionProtection=False, ApplyImmediately=True)
    report = audit(account, "db-dev-like", SERVICES, **{
        "scaling:dbShardCount": 1, "scaling:dbReplicaCount": 1, "scaling:dbMultiAz": False,
        "scaling:dbDeletionProtection": False})
    assert report.findings == []


def test_instances_of_other_stacks_are_not_counted(account):
    account.build_database("db-mine", shards=2)
    account.client("rds").create_db_instance(
        DBInstanceIdentifier="other-stack-db", Engine="postgres", DBInstanceClass="db.t4g.micro",
        AllocatedStorage=20, MasterUsername="app", MasterUserPassword="not-a-real-one-1", Tags=tags("db-other"))
    assert audit(account, "db-mine", SERVICES).findings == []


def test_denied_describe_is_reported_without_traceback(account):
    account.build_database("db-denied", shards=1, replicas=0)
    clients = make_clients()
    with Stubber(clients("rds")) as stub:
        stub.add_client_error("describe_db_instances", service_error_code="AccessDenied", http_status_code=403,
                              service_message="User is not authorized to perform: rds:DescribeDBInstances")
        report = audit(account, "db-denied", SERVICES, clients=clients)
    finding = only(report, "database instances")
    assert (finding.resource, finding.severity) == ("stack db-denied", ERROR)
    assert finding.expected == "readable (tag:GetResources, rds:DescribeDBInstances)"
    assert finding.actual.startswith("permission denied on DescribeDBInstances: AccessDenied")
    assert len(report.findings) == 1
