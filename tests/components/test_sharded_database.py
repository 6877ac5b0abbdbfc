"""ShardedDatabase: shard names as identity, shared pieces declared once, the shard map, and the stacks."""

from __future__ import annotations

import pytest

from components.database import DatabaseArgs, SharedDatabaseResources
from components.sharded_database import ShardedDatabase, ShardedDatabaseArgs, validate_sharded_database_args
from offline.engine import UNKNOWN, resolve
from scaling_kit.limits import DATABASE
from scaling_kit.sharding import shard_for
from tests.conftest import run_program, stack_evaluation
from tests.helpers import untagged

INSTANCE = "aws:rds/instance:Instance"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
TEMPLATE = DatabaseArgs(vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b", "subnet-c"),
                        app_security_group_ids=("sg-app",), availability_zones=ZONES, replica_count=1)


def build(shard_count: int, stack: str = "prod", **changes):
    box: list[ShardedDatabase] = []
    template = DatabaseArgs(**{**TEMPLATE.__dict__, **changes})
    ev = run_program(lambda: box.append(ShardedDatabase("users", ShardedDatabaseArgs(
        database=template, shard_count=shard_count))), stack=stack)
    return ev, box[0]


def test_default_shard_count_is_the_design():
    assert ShardedDatabaseArgs(database=TEMPLATE).shard_count == DATABASE.shard_count == 16


@pytest.mark.parametrize("shard_count", [0, 65, True])
def test_shard_count_is_bounded(shard_count):
    # A bool is refused by the type check every component runs first, before the range is read.
    reason = "is bool; expected an integer" if shard_count is True else "is out of range; expected an integer"
    with pytest.raises(ValueError, match=f"shard_count: {shard_count!r} {reason}"):
        validate_sharded_database_args(ShardedDatabaseArgs(database=TEMPLATE, shard_count=shard_count), "prod-users")


def test_template_must_not_bring_shared_pieces():
    shared = SharedDatabaseResources("16", "k", "s", "p", "sg", "psg", "r")
    with pytest.raises(ValueError, match="database.shared: given; expected None"):
        validate_sharded_database_args(ShardedDatabaseArgs(database=DatabaseArgs(
            vpc_id="v", subnet_ids=("a", "b"), shared=shared)), "prod-users")


def test_every_shard_is_validated_including_its_identifier_length():
    with pytest.raises(ValueError, match="identifier: 'x{44}-shard-00' is not allowed"):
        validate_sharded_database_args(ShardedDatabaseArgs(database=TEMPLATE, shard_count=2), "x" * 44)
    with pytest.raises(ValueError, match="backup_retention_days: 0 with replica_count 1"):
        validate_sharded_database_args(ShardedDatabaseArgs(
            database=DatabaseArgs(**{**TEMPLATE.__dict__, "backup_retention_days": 0})), "prod-users")


def test_shards_have_deterministic_names_and_identifiers():
    ev, sharded = build(3)
    assert [s.identifier for s in sharded.shards] == ["scaling-prod-users-shard-00", "scaling-prod-users-shard-01",
                                                      "scaling-prod-users-shard-02"]
    assert sorted(r.name for r in ev.by_type("scaling:database:Database")) == [
        "users-shard-00", "users-shard-01", "users-shard-02"]
    assert ev.one(INSTANCE, "users-shard-02-replica-0").inputs["identifier"] == "scaling-prod-users-shard-02-replica-0"


def test_adding_a_shard_never_renames_an_existing_one():
    two = {r.urn for r in build(2)[0].resources}
    three = {r.urn for r in build(3)[0].resources}
    assert two < three
    assert all("users-shard-02" in urn for urn in three - two)
    assert sum("users-shard-00" in urn for urn in two) == 8  # component, 2 instances, proxy and its parts


def test_shared_pieces_are_declared_once_for_all_shards():
    ev, _ = build(4)
    for type_ in ("aws:kms/key:Key", "aws:rds/subnetGroup:SubnetGroup", "aws:rds/parameterGroup:ParameterGroup",
                  "aws:iam/rolePolicyAttachment:RolePolicyAttachment"):
        assert len(ev.by_type(type_)) == 1, type_
    assert len(ev.by_type("aws:ec2/securityGroup:SecurityGroup")) == 2
    primaries = [r.inputs for r in ev.by_type(INSTANCE) if "replicateSourceDb" not in r.inputs]
    assert len(primaries) == 4
    assert {(p["kmsKeyId"], p["dbSubnetGroupName"], p["parameterGroupName"], p["vpcSecurityGroupIds"][0],
             p["monitoringRoleArn"]) for p in primaries} == {(
                 "arn:aws:kms:us-east-1:123456789012:users-kms", "users-subnets-id", "users-params-id", "users-sg-id",
                 "arn:aws:iam:us-east-1:123456789012:users-monitoring-role")}
    # Each proxy reads only its own shard's secret.
    secrets = {r.inputs["auths"][0]["secretArn"] for r in ev.by_type("aws:rds/proxy:Proxy")}
    assert len(secrets) == 4


def test_resource_count_per_shard_stays_modest():
    small, big = build(2)[0], build(6)[0]
    per_shard = (len(big.resources) - len(small.resources)) / 4
    assert per_shard == 8  # Database, primary, 1 replica, proxy, pool, target, proxy role, its policy


def test_replicas_of_neighbouring_shards_start_in_different_zones():
    ev, _ = build(3, replica_count=2)
    zones = [[ev.one(INSTANCE, f"users-shard-{s:02d}-replica-{r}").inputs["availabilityZone"] for r in range(2)]
             for s in range(3)]
    assert zones == [["us-east-1a", "us-east-1b"], ["us-east-1b", "us-east-1c"], ["us-east-1c", "us-east-1a"]]


def test_shard_map_and_outputs_follow_shard_order():
    _, sharded = build(2)
    shard_map = resolve(sharded.shard_map)[0]
    assert shard_map == {
        "0": {"writer": "scaling-prod-users-shard-00.c0ffee.us-east-1.rds.amazonaws.com",
              "proxy": "scaling-prod-users-shard-00-proxy.proxy-c0ffee.us-east-1.rds.amazonaws.com",
              "readers": ["scaling-prod-users-shard-00-replica-0.c0ffee.us-east-1.rds.amazonaws.com"]},
        "1": {"writer": "scaling-prod-users-shard-01.c0ffee.us-east-1.rds.amazonaws.com",
              "proxy": "scaling-prod-users-shard-01-proxy.proxy-c0ffee.us-east-1.rds.amazonaws.com",
              "readers": ["scaling-prod-users-shard-01-replica-0.c0ffee.us-east-1.rds.amazonaws.com"]},
    }
    assert [resolve(a)[0] for a in sharded.secret_arns] == [
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-users-shard-00-primary",
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-users-shard-01-primary"]
    assert sharded.client_settings["shardCount"] == 2 and sharded.client_settings["shardKeyHexChars"] == 8


def test_a_routed_user_finds_its_shard_in_the_map():
    _, sharded = build(3)
    shard_map = resolve(sharded.shard_map)[0]
    shard = shard_for("5f1e2d3c-0000-4000-8000-000000000000", sharded.client_settings["shardCount"])
    assert shard == 0x5F1E2D3C % 3
    assert shard_map[str(shard)]["proxy"].startswith(f"scaling-prod-users-shard-{shard:02d}-proxy.")


def test_prod_protects_every_instance_and_the_key_dev_nothing():
    prod, _ = build(2, stack="prod", environment="prod")
    assert all(r.protect for r in prod.by_type(INSTANCE)) and prod.one("aws:kms/key:Key", "users-kms").protect
    dev, _ = build(2, stack="dev", environment="dev")
    assert not any(r.protect for r in dev.resources)


def test_tags_everywhere():
    ev, _ = build(2)
    assert untagged(ev) == []


# --- the stacks ------------------------------------------------------------------------------------

def test_prod_stack_runs_the_documented_shards_and_replicas():
    ev = stack_evaluation("prod")
    assert len(ev.by_type("scaling:database:Database")) == DATABASE.shard_count
    instances = ev.by_type(INSTANCE)
    replicas = [r for r in instances if "replicateSourceDb" in r.inputs]
    assert len(instances) - len(replicas) == DATABASE.shard_count
    assert len(replicas) == DATABASE.shard_count * DATABASE.min_read_replicas_prod
    assert all(r.protect for r in instances)
    primary = ev.one(INSTANCE, "db-shard-15-primary").inputs
    assert primary["identifier"] == "scaling-prod-db-shard-15" and primary["multiAz"] is True
    assert primary["backupRetentionPeriod"] >= 7 and primary["deletionProtection"] is True
    assert ev.outputs["dbClientSettings"] == {
        "port": DATABASE.port, "database": DATABASE.database_name, "user": "postgres", "authentication": "iam",
        "sslMode": "verify-full", "max": DATABASE.pool_max_connections,
        "idleTimeoutMillis": DATABASE.pool_idle_timeout_seconds * 1000,
        "connectionTimeoutMillis": DATABASE.pool_connect_timeout_seconds * 1000,
        "shardCount": DATABASE.shard_count, "shardKeyHexChars": DATABASE.shard_key_hex_chars}


def test_dev_stack_is_small_and_exports_everything():
    ev = stack_evaluation("dev")
    assert len(ev.by_type("scaling:database:Database")) == 2
    assert not any(r.protect for r in ev.by_type(INSTANCE))
    assert {"dbShardMap", "dbProxyEndpoint", "dbPort", "dbSecretArns", "dbSecurityGroupId",
            "dbClientSettings"} <= set(ev.outputs)
    assert ev.outputs["dbPort"] == 5432 and ev.outputs["dbProxyEndpoint"] == UNKNOWN  # known after apply
    assert ev.outputs["dbClientSettings"]["shardCount"] == 2


def test_database_lives_in_the_isolated_subnets(each_stack):
    subnet_group = each_stack.one("aws:rds/subnetGroup:SubnetGroup", "db-subnets")
    isolated = {r.urn for r in each_stack.by_type("aws:ec2/subnet:Subnet") if "-isolated-" in r.name}
    assert len(isolated) == len(subnet_group.inputs["subnetIds"]) and isolated <= set(subnet_group.depends_on)
