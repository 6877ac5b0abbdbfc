"""Cache component: validators without the engine, then the resources under the mock engine."""

from __future__ import annotations

import dataclasses

import pytest
from pulumi.runtime import rpc

from components.cache import (
    AUTH_TOKEN_SPECIALS,
    Cache,
    CacheArgs,
    parameter_group_family,
    validate_cache_args,
    windows_overlap,
)
from offline.engine import OfflineMocks
from tests.conftest import evaluate_stack, run_program, run_refused_program, stack_evaluation
from tests.helpers import untagged

SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
BASE = CacheArgs(vpc_id="vpc-1", subnet_ids=SUBNETS, app_security_group_ids=("sg-app", "sg-nodes"))
RG = "aws:elasticache/replicationGroup:ReplicationGroup"


@pytest.fixture(autouse=True)
def provider_autonames(monkeypatch):
    """Like the real provider, give autonamed resources a physical name (the shared mocks echo inputs only)."""
    original = OfflineMocks.new_resource

    def new_resource(self, mock_args):
        resource_id, state = original(self, mock_args)
        if not self.preview and mock_args.typ.startswith(("aws:elasticache/", "aws:cloudwatch/logGroup")):
            state.setdefault("name", f"{mock_args.name}-name")
        return resource_id, state

    monkeypatch.setattr(OfflineMocks, "new_resource", new_resource)


def args(**changes) -> CacheArgs:
    return dataclasses.replace(BASE, **changes)


@pytest.mark.parametrize("engine, version, family", [
    ("valkey", "8.0", "valkey8"), ("valkey", "7.2", "valkey7"), ("redis", "7.1", "redis7"),
    ("redis", "6.2", "redis6.x"), ("redis", "6.x", "redis6.x"),
])
def test_parameter_group_family_follows_engine_and_major_version(engine, version, family):
    assert parameter_group_family(engine, version) == family


@pytest.mark.parametrize("changes, message", [
    (dict(num_node_groups=0), "num_node_groups: 0 is out of range; expected 1 to 500"),
    (dict(num_node_groups=501), "num_node_groups: 501 is out of range; expected 1 to 500"),
    (dict(replicas_per_node_group=6), "replicas_per_node_group: 6 is out of range; expected 0 to 5"),
    (dict(replicas_per_node_group=0), "replicas_per_node_group: 0 is not allowed with automatic failover"),
    (dict(automatic_failover=False), "automatic_failover: False is not allowed; cluster mode requires"),
    (dict(transit_encryption=False), "auth_token: True requires transit_encryption=True"),
    (dict(auth_token_length=31), "auth_token_length: 31 is out of range; expected 32 to 128"),
    (dict(auth_token_length=129), "auth_token_length: 129 is out of range; expected 32 to 128"),
    (dict(engine="memcached"), "engine: 'memcached' is not allowed"),
    (dict(engine_version="latest"), "engine_version: 'latest' is not a version"),
    (dict(engine="redis", engine_version="8.0"), "engine_version: '8.0' is not supported for redis"),
    (dict(subnet_ids=()), "subnet_ids: [] is empty"),
    (dict(subnet_ids=("subnet-a",)), "subnet_ids: 1 subnet(s) cannot hold a Multi-AZ group"),
    (dict(snapshot_retention_days=36), "snapshot_retention_days: 36 is out of range; expected 0 to 35"),
    (dict(snapshot_window="3am"), "snapshot_window: '3am' is not a UTC range"),
    (dict(snapshot_window="03:00-03:30"), "snapshot_window: '03:00-03:30' lasts 30 minutes; expected at least 60"),
    (dict(maintenance_window="sun:03:30-sun:04:30"), "maintenance_window: 'sun:03:30-sun:04:30' overlaps"),
    (dict(maintenance_window="sunday"), "maintenance_window: 'sunday' is not a UTC range"),
    (dict(log_retention_days=10), "log_retention_days: 10 is not allowed"),
    (dict(port=0), "port: 0 is out of range"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_cache_args(args(**changes))
    assert str(info.value).startswith(message)


def test_tls_off_is_allowed_only_without_auth():
    validate_cache_args(args(transit_encryption=False, auth_token=False))


@pytest.mark.parametrize("snapshot, maintenance, overlap", [
    ("03:00-04:00", "sun:05:00-sun:06:00", False),
    ("03:00-04:00", "wed:03:30-wed:04:30", True),
    ("23:30-00:30", "mon:00:00-mon:01:00", True),    # the daily window wraps past midnight
    ("23:30-00:30", "sat:23:00-sun:00:00", True),    # the weekly window wraps past the week
    ("01:00-02:00", "sat:23:00-sun:00:30", False),
])
def test_windows_overlap(snapshot, maintenance, overlap):
    assert windows_overlap(snapshot, maintenance) is overlap


def build(a: CacheArgs = BASE, stack: str = "dev"):
    return run_program(lambda: Cache("cache", a), stack=stack)


def test_replication_group_is_cluster_mode_multi_az_and_encrypted_with_its_own_key():
    ev = build()
    rg = ev.one(RG, "cache-rg").inputs
    assert rg["clusterMode"] == "enabled" and rg["engine"] == "valkey" and rg["engineVersion"] == "8.0"
    assert rg["numNodeGroups"] == 3 and rg["replicasPerNodeGroup"] == 1
    assert rg["automaticFailoverEnabled"] is True and rg["multiAzEnabled"] is True
    assert rg["atRestEncryptionEnabled"] is True
    assert rg["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:cache-key"
    assert rg["transitEncryptionEnabled"] is True and rg["transitEncryptionMode"] == "required"
    assert rg["parameterGroupName"] == "cache-params-name" and rg["subnetGroupName"] == "cache-subnets-name"
    assert rg["securityGroupIds"] == ["cache-sg-id"]
    assert ev.one("aws:kms/key:Key", "cache-key").inputs["enableKeyRotation"] is True


def test_parameter_group_enables_cluster_mode_for_the_engine_family():
    ev = build(args(engine="redis", engine_version="7.1"))
    params = ev.one("aws:elasticache/parameterGroup:ParameterGroup", "cache-params").inputs
    assert params["family"] == "redis7"
    assert params["parameters"] == [{"name": "cluster-enabled", "value": "yes"}]


def test_redis_6_keeps_tls_without_the_transit_mode_it_does_not_know():
    rg = build(args(engine="redis", engine_version="6.2")).one(RG, "cache-rg").inputs
    assert rg["transitEncryptionEnabled"] is True and "transitEncryptionMode" not in rg


def test_auth_token_is_random_restricted_to_allowed_characters_and_only_a_secret():
    ev = build(args(auth_token_length=48))
    password = ev.one("random:index/randomPassword:RandomPassword", "cache-auth-token").inputs
    assert password["length"] == 48 and password["overrideSpecial"] == AUTH_TOKEN_SPECIALS
    assert set(AUTH_TOKEN_SPECIALS) <= set("!&#$^<>-") and not set('"/@ ') & set(AUTH_TOKEN_SPECIALS)
    rg = ev.one(RG, "cache-rg").inputs
    assert rpc.is_rpc_secret(rg["authToken"]) and rg["authTokenUpdateStrategy"] == "ROTATE"


def test_no_auth_token_means_no_password_resource():
    ev = build(args(auth_token=False))
    assert ev.by_type("random:index/randomPassword:RandomPassword") == []
    assert "authToken" not in ev.one(RG, "cache-rg").inputs


def test_snapshots_windows_and_final_snapshot():
    rg = build(args(snapshot_retention_days=14)).one(RG, "cache-rg").inputs
    assert rg["snapshotRetentionLimit"] == 14 and rg["snapshotWindow"] == "03:00-04:00"
    assert rg["maintenanceWindow"] == "sun:05:00-sun:06:00" and rg["finalSnapshotIdentifier"] == "scaling-dev-cache-final"


def test_slow_and_engine_logs_go_to_their_cloudwatch_groups():
    ev = build(args(log_retention_days=90))
    deliveries = {d["logType"]: d for d in ev.one(RG, "cache-rg").inputs["logDeliveryConfigurations"]}
    assert set(deliveries) == {"slow-log", "engine-log"}
    for kind, delivery in deliveries.items():
        # Named by the component (the logs key's policy names the groups before they exist).
        assert delivery["destinationType"] == "cloudwatch-logs" and delivery["destination"] == f"scaling-dev-cache-{kind}"
        group = ev.one("aws:cloudwatch/logGroup:LogGroup", f"cache-{kind}").inputs
        assert group["retentionInDays"] == 90 and group["name"] == f"scaling-dev-cache-{kind}"
        assert group["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:cache-logs-key"


def test_subnet_group_uses_the_given_isolated_subnets():
    ev = build()
    assert ev.one("aws:elasticache/subnetGroup:SubnetGroup", "cache-subnets").inputs["subnetIds"] == list(SUBNETS)


def test_security_group_admits_only_the_app_tier_on_the_cache_port():
    ev = build()
    rules = ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert sorted(r.inputs["referencedSecurityGroupId"] for r in rules) == ["sg-app", "sg-nodes"]
    assert all(r.inputs["fromPort"] == r.inputs["toPort"] == 6379 and r.inputs["ipProtocol"] == "tcp"
               and "cidrIpv4" not in r.inputs and r.inputs["securityGroupId"] == "cache-sg-id" for r in rules)
    assert ev.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []
    sg = ev.one("aws:ec2/securityGroup:SecurityGroup", "cache-sg").inputs
    assert not sg.get("ingress") and not sg.get("egress")


def test_prod_protects_the_replication_group_and_key_dev_does_not():
    prod, dev = build(args(environment="prod"), stack="prod"), build(args(environment="dev"))
    for name, type_ in (("cache-rg", RG), ("cache-key", "aws:kms/key:Key")):
        assert prod.one(type_, name).protect is True
        assert dev.one(type_, name).protect is False
    assert build(args(environment="dev", protect=True)).one(RG, "cache-rg").protect is True


def test_a_given_kms_key_is_used_and_none_created():
    ev = build(args(kms_key_arn="arn:aws:kms:us-east-1:123456789012:key/abc"))
    # The only key made is the logs key: its policy is ours to write, a given key's is not.
    assert [k.name for k in ev.by_type("aws:kms/key:Key")] == ["cache-logs-key"]
    assert ev.one(RG, "cache-rg").inputs["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:key/abc"


def test_every_taggable_resource_has_the_house_tags():
    assert untagged(build(args(tags={"Team": "data"}))) == []


def test_invalid_arguments_declare_nothing():
    error, ev = run_refused_program(lambda: Cache("cache", args(num_node_groups=0)))
    assert str(error).startswith("num_node_groups: 0 is out of range") and ev.resources == []


def test_stack_exports_the_cache_with_the_token_only_as_a_secret(each_stack):
    out = each_stack.outputs
    assert out["cacheAuthToken"] == "[secret]"
    assert out["cachePort"] == 6379
    assert out["cacheSettings"] == {"ttlSeconds": 3600, "featureKeyPrefix": "feature:", "sessionKeyPrefix": "session:"}
    assert {"cacheConfigurationEndpoint", "cacheSecurityGroupId"} <= set(out)
    rg = each_stack.one(RG, "cache-rg")
    assert rg.protect is (each_stack.stack == "prod")
    assert rpc.is_rpc_secret(rg.inputs["authToken"])


def test_dev_is_one_shard_prod_the_designs_three():
    assert stack_evaluation("dev").one(RG, "cache-rg").inputs["numNodeGroups"] == 1
    assert stack_evaluation("prod").one(RG, "cache-rg").inputs["numNodeGroups"] == 3


@pytest.mark.parametrize("overrides, message", [
    ({"scaling:cacheReplicasPerShard": 0}, "scaling:cacheReplicasPerShard: 0 is not allowed with automatic failover"),
    ({"scaling:cacheEngine": "redis", "scaling:cacheEngineVersion": "8.0"}, "'8.0' is not supported for redis"),
])
def test_cache_settings_are_refused_before_any_resource(overrides, message):
    ev = evaluate_stack("prod", overrides)
    assert ev.error is not None and ev.resources == [] and message in str(ev.error)
