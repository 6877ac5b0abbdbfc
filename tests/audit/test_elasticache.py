"""ElastiCache replication group: cluster mode, shards, replicas, encryption, failover."""

import pytest

from audit.findings import ERROR, WARNING

from .conftest import audit, only, tags

SERVICES = ["elasticache"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_cache("cache-ok")
    return audit(account, "cache-ok", SERVICES)


def test_conforming_cluster_passes_every_check(conforming):
    assert conforming.findings == []
    # count, cluster mode, shards, 3 x replicas per shard, engine, at rest, in transit, failover, Multi-AZ
    assert conforming.checks == 1 + 2 + 3 + 5


# Cluster mode and shard counts cannot be changed in place in moto 5.2 (nor cluster mode in AWS): these
# drifts are built as their own replication group under their own Stack tag instead.
def test_cluster_mode_disabled_is_reported(account):
    group = account.build_cache("cache-single", cluster_mode=False)
    report = audit(account, "cache-single", SERVICES)
    mode = only(report, "cluster mode")
    assert (mode.resource, mode.expected, mode.actual) == (f"elasticache/{group}", "enabled", "disabled")
    shards = only(report, "shards (node groups)")
    assert (shards.expected, shards.actual) == (3, 1)


def test_wrong_shard_count_and_replicas_per_shard(account):
    account.build_cache("cache-small", shards=2, replicas=0)
    report = audit(account, "cache-small", SERVICES)
    shards = only(report, "shards (node groups)")
    assert (shards.expected, shards.actual) == (3, 2)
    replicas = report.find("", "replicas per shard")
    assert [(f.expected, f.actual) for f in replicas] == [(1, 0), (1, 0)]
    # Only the counts are wrong: encryption, failover and Multi-AZ flags are as created.
    assert {f.check for f in report.errors} == {"shards (node groups)", "replicas per shard"}


def test_missing_encryption_is_reported(account):
    account.build_cache("cache-plain", at_rest=False, in_transit=False)
    report = audit(account, "cache-plain", SERVICES)
    assert {(f.check, f.expected, f.actual) for f in report.findings} == {
        ("encryption at rest", True, False), ("encryption in transit", True, False)}


def test_disabled_failover_is_reported(account):
    group = account.build_cache("cache-nofail")
    account.client("elasticache").modify_replication_group(
        ReplicationGroupId=group, AutomaticFailoverEnabled=False, MultiAZEnabled=False, ApplyImmediately=True)
    report = audit(account, "cache-nofail", SERVICES)
    failover = only(report, "automatic failover")
    assert (failover.expected, failover.actual, failover.severity) == ("enabled", "disabled", ERROR)
    assert (only(report, "Multi-AZ").expected, only(report, "Multi-AZ").actual) == ("enabled", "disabled")


def test_missing_and_surplus_replication_groups(account):
    missing = only(audit(account, "cache-none", SERVICES), "cache replication groups count")
    assert (missing.expected, missing.actual, missing.severity) == (1, 0, ERROR)

    account.build_cache("cache-two")
    account.client("elasticache").create_replication_group(
        ReplicationGroupId="by-hand", ReplicationGroupDescription="copy", Engine="valkey", ClusterMode="enabled",
        NumNodeGroups=3, ReplicasPerNodeGroup=1, AutomaticFailoverEnabled=True, MultiAZEnabled=True,
        AtRestEncryptionEnabled=True, TransitEncryptionEnabled=True, Tags=tags("cache-two"))
    report = audit(account, "cache-two", SERVICES)
    surplus = only(report, "declared by the stack")
    assert (surplus.resource, surplus.severity) == ("elasticache/by-hand", WARNING)
    assert report.errors == []
