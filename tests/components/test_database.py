"""Database component (one shard): validation, the resources under the mock engine, and the guards."""

from __future__ import annotations

import dataclasses
import json

import pytest

from components.database import (
    Database,
    DatabaseArgs,
    SharedDatabaseResources,
    client_settings,
    default_identifier,
    parameter_group_parameters,
    proxy_pool_settings,
    replica_zones,
    validate_database_args,
    validate_identifier,
    validate_windows,
)
from offline.engine import resolve
from scaling_kit.limits import DATABASE
from tests.conftest import run_program
from tests.helpers import untagged

INSTANCE = "aws:rds/instance:Instance"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
BASE = DatabaseArgs(vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b", "subnet-c"),
                    app_security_group_ids=("sg-asg", "sg-eks"), availability_zones=ZONES)


def args(**changes) -> DatabaseArgs:
    return dataclasses.replace(BASE, **changes)


def build(stack: str = "prod", **changes):
    box: list[Database] = []
    ev = run_program(lambda: box.append(Database("orders", args(**changes))), stack=stack)
    return ev, box[0]


# --- validation -------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, message", [
    (dict(engine_version="16.3"), "engine_version: '16.3' is not allowed; expected a major version"),
    (dict(engine_version="13"), "engine_version: '13' is not allowed; expected a major version, one of ('14'"),
    (dict(storage_type="gp2"), "storage_type: 'gp2' is not allowed; expected one of ('gp3',)"),
    (dict(storage_type="standard"), "storage_type: 'standard' is not allowed"),
    (dict(replica_count=2, backup_retention_days=0),
     "backup_retention_days: 0 with replica_count 2; read replicas need automated backups on the source"),
    (dict(replica_count=16), "replica_count: 16 is out of range; expected 0 to 15"),
    (dict(subnet_ids=("subnet-a",)), "subnet_ids: 1 subnet(s) given; expected at least 2"),
    (dict(max_allocated_storage_gb=50), "max_allocated_storage_gb: 50 is out of range; expected "
                                        "allocated_storage_gb (100) to 65536"),
    (dict(instance_class="r6g.large"), "instance_class: 'r6g.large' is not allowed"),
    (dict(replica_instance_class="large"), "replica_instance_class: 'large' is not allowed"),
    (dict(monitoring_interval_seconds=45), "monitoring_interval_seconds: 45 is not allowed"),
    (dict(performance_insights_retention_days=30), "performance_insights_retention_days: 30 is not allowed"),
    (dict(database_name="ai-agent"), "database_name: 'ai-agent' is not allowed"),
    (dict(master_username="rdsadmin"), "master_username: 'rdsadmin' is not allowed"),
    (dict(pool_connect_timeout_seconds=0), "pool_connect_timeout_seconds: 0 is out of range"),
    (dict(pool_idle_timeout_seconds=20000), "pool_idle_timeout_seconds: 20000 is out of range"),
    (dict(proxy_max_idle_connections_percent=95), "proxy_max_idle_connections_percent: 95 is out of range"),
    (dict(shared=SharedDatabaseResources("15", "k", "s", "p", "sg", "psg", "r")),
     "engine_version: '16' differs from the shared parameter group's '15'"),
])
def test_validation_names_argument_value_and_allowed(changes, message):
    with pytest.raises(ValueError) as info:
        validate_database_args(args(**changes), "prod-orders")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize("identifier", ["Orders", "1orders", "orders-", "or--ders", "orders_1", "x" * 53])
def test_identifier_must_follow_rds_rules_with_room_for_the_replica_suffix(identifier):
    with pytest.raises(ValueError, match=f"identifier: '{identifier}' is not allowed"):
        validate_database_args(BASE, identifier)


def test_defaults_are_valid_and_the_design_numbers():
    validate_database_args(BASE, "x" * 52)
    assert (BASE.pool_max_connections, BASE.pool_idle_timeout_seconds, BASE.pool_connect_timeout_seconds) == (
        DATABASE.pool_max_connections, DATABASE.pool_idle_timeout_seconds, DATABASE.pool_connect_timeout_seconds)
    assert BASE.replica_count >= DATABASE.min_read_replicas_prod and BASE.port == DATABASE.port


@pytest.mark.parametrize("backup, maintenance, message", [
    ("03:00-04:00", "sun:03:30-sun:04:30", "overlaps backup_window"),
    ("23:30-00:30", "wed:00:00-wed:00:45", "overlaps backup_window"),       # backup wraps midnight
    ("01:00-02:00", "sun:23:00-mon:01:30", "overlaps backup_window"),       # maintenance wraps the week
    ("03:00-03:20", "sun:05:00-sun:06:00", "backup_window: '03:00-03:20' lasts 20 minutes"),
    ("03:00-04:00", "sun:05:00-sun:05:10", "maintenance_window: 'sun:05:00-sun:05:10' lasts 10 minutes"),
    ("3:00-4:00", "sun:05:00-sun:06:00", "backup_window: '3:00-4:00' is not allowed"),
    ("03:00-04:00", "sunday:05:00-sunday:06:00", "maintenance_window: 'sunday:05:00-sunday:06:00' is not"),
])
def test_windows_are_well_formed_long_enough_and_disjoint(backup, maintenance, message):
    with pytest.raises(ValueError, match=message):
        validate_windows(backup, maintenance)


def test_adjacent_windows_are_fine():
    validate_windows("03:00-04:00", "sun:04:00-sun:05:00")
    validate_windows("23:30-00:30", "sat:00:30-sat:23:30")


def test_default_identifier_is_a_valid_rds_identifier_for_any_project_and_stack_name():
    assert default_identifier("orders", "prod", project="scaling") == "scaling-prod-orders"
    assert default_identifier("s1_db-shard-00", "Team.EU_prod", project="scaling") == \
        "scaling-team-eu-prod-s1-db-shard-00"
    assert default_identifier("db", "prod", project="2024") == "x-2024-prod-db"
    validate_identifier(default_identifier("s1_db-shard-00", "Team.EU_prod", project="scaling"))


def test_two_projects_prod_stacks_get_different_identifiers_that_fit_even_when_long():
    assert default_identifier("db", "prod", project="billing") != default_identifier("db", "prod", project="search")
    long_a, long_b = (default_identifier("orders", "prod", project=f"{'p' * 60}{suffix}") for suffix in "ab")
    assert long_a != long_b
    for identifier in (long_a, long_b):
        validate_identifier(identifier)


def test_replicas_go_round_robin_over_the_zones():
    assert replica_zones(ZONES, 4) == ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"]
    assert replica_zones(ZONES, 2, offset=2) == ["us-east-1c", "us-east-1a"]
    assert replica_zones((), 2) == [None, None]


def test_pool_mapping_keeps_the_proxy_behind_the_client():
    pool = proxy_pool_settings(BASE)
    assert pool["idle_client_timeout"] > BASE.pool_idle_timeout_seconds  # the client pool closes idle first
    assert pool["connection_borrow_timeout"] == DATABASE.pool_connect_timeout_seconds
    assert client_settings(BASE) == {
        "port": 5432, "database": "aiagent", "user": "postgres", "authentication": "iam", "sslMode": "verify-full",
        "max": 20, "idleTimeoutMillis": 30000, "connectionTimeoutMillis": 2000}


def test_static_parameters_wait_for_a_reboot():
    params = {name: (value, method) for name, value, method in parameter_group_parameters(500)}
    assert params["rds.force_ssl"] == ("1", "immediate")
    assert params["log_min_duration_statement"] == ("500", "immediate")
    assert params["shared_preload_libraries"][1] == "pending-reboot"
    assert {"log_connections", "log_disconnections", "log_lock_waits"} <= set(params)


# --- resources ----------------------------------------------------------------------------------

def test_primary_is_encrypted_private_backed_up_monitored_and_passwordless():
    ev, _ = build()
    primary = ev.one(INSTANCE, "orders-primary").inputs
    key_arn = "arn:aws:kms:us-east-1:123456789012:orders-kms"
    assert primary["identifier"] == "scaling-prod-orders" and primary["engine"] == "postgres"
    assert primary["engineVersion"] == "16" and primary["allowMajorVersionUpgrade"] is False
    assert primary["storageEncrypted"] is True and primary["kmsKeyId"] == key_arn
    assert primary["manageMasterUserPassword"] is True and primary["masterUserSecretKmsKeyId"] == key_arn
    assert "password" not in primary and "passwordWo" not in primary
    assert primary["multiAz"] is True and primary["publiclyAccessible"] is False
    assert primary["backupRetentionPeriod"] == 7 and primary["backupWindow"] == "03:00-04:00"
    assert primary["maintenanceWindow"] == "sun:05:00-sun:06:00"
    assert primary["deletionProtection"] is True and primary["skipFinalSnapshot"] is False
    assert primary["finalSnapshotIdentifier"] == "scaling-prod-orders-final" and primary["deleteAutomatedBackups"] is False
    assert primary["performanceInsightsEnabled"] is True and primary["performanceInsightsKmsKeyId"] == key_arn
    assert primary["monitoringInterval"] == 60
    assert primary["monitoringRoleArn"] == "arn:aws:iam:us-east-1:123456789012:orders-monitoring-role"
    assert primary["enabledCloudwatchLogsExports"] == ["postgresql", "upgrade"]
    assert primary["iamDatabaseAuthenticationEnabled"] is True and primary["autoMinorVersionUpgrade"] is True
    assert primary["storageType"] == "gp3" and (primary["allocatedStorage"], primary["maxAllocatedStorage"]) == (100, 1000)
    assert primary["copyTagsToSnapshot"] is True and primary["dbSubnetGroupName"] == "orders-subnets-id"
    assert primary["parameterGroupName"] == "orders-params-id" and primary["vpcSecurityGroupIds"] == ["orders-sg-id"]
    assert "availabilityZone" not in primary  # a Multi-AZ primary moves on failover; a pinned zone would drift


def test_kms_key_rotates_and_monitoring_role_has_the_managed_policy():
    ev, _ = build()
    assert ev.one("aws:kms/key:Key", "orders-kms").inputs["enableKeyRotation"] is True
    role = ev.one("aws:iam/role:Role", "orders-monitoring-role").inputs
    assert json.loads(role["assumeRolePolicy"])["Statement"][0]["Principal"] == {
        "Service": "monitoring.rds.amazonaws.com"}
    attachment = ev.one("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "orders-monitoring-policy").inputs
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"


def test_parameter_group_matches_the_major_version_and_forces_tls():
    ev, _ = build(engine_version="17")
    group = ev.one("aws:rds/parameterGroup:ParameterGroup", "orders-params").inputs
    assert group["family"] == "postgres17"
    assert {"name": "rds.force_ssl", "value": "1", "applyMethod": "immediate"} in group["parameters"]


def test_subnet_group_uses_the_given_isolated_subnets():
    ev, _ = build()
    assert ev.one("aws:rds/subnetGroup:SubnetGroup", "orders-subnets").inputs["subnetIds"] == list(BASE.subnet_ids)


def test_replicas_follow_the_primary_in_their_own_zones_and_in_parallel():
    ev, _ = build(replica_count=3, replica_instance_class="db.r6g.xlarge")
    replicas = [ev.one(INSTANCE, f"orders-replica-{i}") for i in range(3)]
    assert [r.inputs["availabilityZone"] for r in replicas] == list(ZONES)
    replica_urns = {r.urn for r in replicas}
    for i, replica in enumerate(replicas):
        inputs = replica.inputs
        assert inputs["identifier"] == f"scaling-prod-orders-replica-{i}" and inputs["replicateSourceDb"] == "scaling-prod-orders"
        assert inputs["storageEncrypted"] is True and inputs["kmsKeyId"].endswith(":orders-kms")
        assert inputs["instanceClass"] == "db.r6g.xlarge" and inputs["publiclyAccessible"] is False
        assert inputs["vpcSecurityGroupIds"] == ["orders-sg-id"] and inputs["skipFinalSnapshot"] is True
        assert "finalSnapshotIdentifier" not in inputs and "password" not in inputs
        # Parallel: a replica waits for the primary, never for another replica.
        assert not replica_urns & set(replica.depends_on)
        assert ev.one(INSTANCE, "orders-primary").urn in replica.depends_on


def test_replicas_default_to_the_primary_class():
    ev, _ = build(instance_class="db.m7g.large")
    assert {r.inputs["instanceClass"] for r in ev.by_type(INSTANCE)} == {"db.m7g.large"}


def test_no_replicas_without_a_replica_count():
    ev, db = build(replica_count=0, backup_retention_days=0)
    assert [r.name for r in ev.by_type(INSTANCE)] == ["orders-primary"] and db.reader_endpoints == []


def test_proxy_requires_tls_and_iam_and_uses_the_managed_secret():
    ev, db = build()
    secret = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-orders-primary"
    proxy = ev.one("aws:rds/proxy:Proxy", "orders-proxy").inputs
    assert proxy["name"] == "scaling-prod-orders-proxy" and proxy["engineFamily"] == "POSTGRESQL"
    assert proxy["requireTls"] is True and proxy["debugLogging"] is False
    assert proxy["auths"] == [{"authScheme": "SECRETS", "iamAuth": "REQUIRED", "secretArn": secret,
                               "clientPasswordAuthType": "POSTGRES_SCRAM_SHA_256",
                               "description": "scaling-prod-orders master user (RDS-managed secret)"}]
    assert proxy["vpcSubnetIds"] == list(BASE.subnet_ids) and proxy["vpcSecurityGroupIds"] == ["orders-proxy-sg-id"]
    assert proxy["idleClientTimeout"] == 60
    assert resolve(db.secret_arn)[0] == secret


def test_proxy_role_reads_only_this_secret_and_decrypts_only_through_secrets_manager():
    ev, _ = build()
    policy = json.loads(ev.one("aws:iam/rolePolicy:RolePolicy", "orders-proxy-secret-access").inputs["policy"])
    read, decrypt = policy["Statement"]
    assert read == {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                    "Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-orders-primary"}
    assert decrypt["Action"] == "kms:Decrypt" and decrypt["Resource"].endswith(":orders-kms")
    assert decrypt["Condition"] == {"StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    trust = json.loads(ev.one("aws:iam/role:Role", "orders-proxy-role").inputs["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "rds.amazonaws.com"}
    proxy = ev.one("aws:rds/proxy:Proxy", "orders-proxy")
    assert ev.one("aws:iam/rolePolicy:RolePolicy", "orders-proxy-secret-access").urn in proxy.depends_on


def test_proxy_pool_and_target_point_at_the_primary():
    ev, _ = build(pool_connect_timeout_seconds=3)
    pool = ev.one("aws:rds/proxyDefaultTargetGroup:ProxyDefaultTargetGroup", "orders-proxy-pool").inputs
    assert pool["dbProxyName"] == "scaling-prod-orders-proxy"
    assert pool["connectionPoolConfig"] == {"connectionBorrowTimeout": 3, "maxConnectionsPercent": 90,
                                            "maxIdleConnectionsPercent": 50}
    target = ev.one("aws:rds/proxyTarget:ProxyTarget", "orders-proxy-target").inputs
    assert target == {"dbProxyName": "scaling-prod-orders-proxy", "targetGroupName": "default",
                      "dbInstanceIdentifier": "scaling-prod-orders"}


def test_security_groups_admit_only_the_app_tier_and_the_proxy_on_5432():
    ev, _ = build()
    for group in ev.by_type("aws:ec2/securityGroup:SecurityGroup"):
        assert "ingress" not in group.inputs and "egress" not in group.inputs  # rules are separate resources
    ingress = {r.name: r.inputs for r in ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")}
    egress = {r.name: r.inputs for r in ev.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")}
    expected_in = {("orders-sg-id", "sg-asg"), ("orders-sg-id", "sg-eks"), ("orders-sg-id", "orders-proxy-sg-id"),
                   ("orders-proxy-sg-id", "sg-asg"), ("orders-proxy-sg-id", "sg-eks")}
    assert {(r["securityGroupId"], r["referencedSecurityGroupId"]) for r in ingress.values()} == expected_in
    assert [(r["securityGroupId"], r["referencedSecurityGroupId"]) for r in egress.values()] == [
        ("orders-proxy-sg-id", "orders-sg-id")]
    for rule in [*ingress.values(), *egress.values()]:
        assert (rule["ipProtocol"], rule["fromPort"], rule["toPort"]) == ("tcp", 5432, 5432)
        assert not {"cidrIpv4", "cidrIpv6", "prefixListId"} & set(rule)


def test_without_app_security_groups_only_the_proxy_gets_in():
    ev, _ = build(app_security_group_ids=())
    ingress = ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert [r.inputs["referencedSecurityGroupId"] for r in ingress] == ["orders-proxy-sg-id"]


def test_outputs_give_consumers_every_endpoint():
    _, db = build()
    assert resolve(db.writer_endpoint)[0] == "scaling-prod-orders.c0ffee.us-east-1.rds.amazonaws.com"
    assert resolve(db.proxy_endpoint)[0] == "scaling-prod-orders-proxy.proxy-c0ffee.us-east-1.rds.amazonaws.com"
    assert [resolve(r)[0] for r in db.reader_endpoints] == [
        "scaling-prod-orders-replica-0.c0ffee.us-east-1.rds.amazonaws.com",
        "scaling-prod-orders-replica-1.c0ffee.us-east-1.rds.amazonaws.com"]
    assert db.port == 5432 and resolve(db.security_group_id)[0] == "orders-sg-id"
    assert db.client_settings["max"] == 20


def test_every_taggable_resource_carries_the_house_tags():
    ev, _ = build(tags={"Team": "data"})
    assert untagged(ev) == []
    assert ev.one(INSTANCE, "orders-primary").inputs["tags"]["Team"] == "data"


# --- durability and the replacement guard -------------------------------------------------------

STATEFUL = {(INSTANCE, "orders-primary"), (INSTANCE, "orders-replica-0"), (INSTANCE, "orders-replica-1"),
            ("aws:kms/key:Key", "orders-kms")}


def test_prod_protects_primary_replicas_and_key():
    ev, _ = build(stack="prod", environment="prod")
    protected = {(r.type, r.name) for r in ev.resources if r.protect}
    assert protected == STATEFUL


def test_dev_protects_nothing_and_skips_the_final_snapshot():
    ev, _ = build(stack="dev", environment="dev", deletion_protection=False)
    assert not any(r.protect for r in ev.resources)
    primary = ev.one(INSTANCE, "orders-primary").inputs
    assert primary["skipFinalSnapshot"] is True and "finalSnapshotIdentifier" not in primary
    assert primary["deletionProtection"] is False and primary["identifier"] == "scaling-dev-orders"


def test_nothing_that_would_replace_a_database_is_hidden_by_ignore_changes():
    # The guard is protect + validation, not ignore_changes: a changed identifier or engine must show up in
    # the preview (and be refused in prod), never be silently skipped.
    ev, _ = build()
    assert all(not r.ignore_changes and not r.delete_before_replace for r in ev.by_type(INSTANCE))


def test_identifier_follows_the_component_name_so_a_rename_is_a_visible_urn_change():
    ev, _ = build()
    names = {r.inputs["identifier"] for r in ev.by_type(INSTANCE)}
    assert names == {"scaling-prod-orders", "scaling-prod-orders-replica-0", "scaling-prod-orders-replica-1"}
    ev2, _ = build(identifier="legacy-orders")
    assert ev2.one(INSTANCE, "orders-primary").inputs["identifier"] == "legacy-orders"


def test_major_upgrade_is_opt_in():
    ev, _ = build(engine_version="17", allow_major_version_upgrade=True)
    assert all(r.inputs["allowMajorVersionUpgrade"] is True for r in ev.by_type(INSTANCE))
    assert ev.one(INSTANCE, "orders-primary").inputs["engineVersion"] == "17"


def test_invalid_arguments_declare_nothing():
    errors: list[ValueError] = []

    def program():
        try:
            Database("orders", args(storage_type="io1"))
        except ValueError as error:
            errors.append(error)

    ev = run_program(program)
    assert str(errors[0]).startswith("storage_type: 'io1' is not allowed") and ev.resources == []
