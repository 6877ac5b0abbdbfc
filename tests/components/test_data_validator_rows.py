"""Pure rows for the data-tier, network and validation helpers (database, sharded_database, streaming, network,
network_policy, metrics_pipeline, validation): each rule at its edge, each enum and pattern accepted and refused,
whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations

import dataclasses
import hashlib
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Optional, Union

import pulumi
import pytest

from components import database, validation
from components.database import (
    IDENTIFIER_MAX_LENGTH,
    MONITORING_INTERVALS,
    SUPPORTED_ENGINE_VERSIONS,
    DatabaseArgs,
    SharedDatabaseResources,
    app_db_user,
    client_settings,
    default_identifier,
    parameter_group_family,
    parameter_group_parameters,
    proxy_connect_statements,
    proxy_db_user_arn,
    proxy_pool_settings,
    replica_zones,
    validate_database_args,
    validate_identifier,
    validate_windows,
)
from components.metrics_pipeline import (
    MetricsCatalog,
    MetricsPipelineArgs,
    PodDemand,
    adapter_rule,
    alerting_rules,
    alertmanagers,
    hpa_at_max_rule,
    metrics_catalog,
    metrics_server_values,
    pipeline_demand,
    prometheus_adapter_values,
    prometheus_values,
    validate_metrics_pipeline_args,
)
from components.network import NetworkArgs, plan_subnets, validate_network_args
from components.network_policy import AppTraffic, app_allowance_spec, default_deny_spec, validate_app_traffic
from components.sharded_database import (
    ShardedDatabaseArgs,
    default_base_identifier,
    shard_name,
    validate_sharded_database_args,
)
from components.streaming import (
    ENHANCED_MONITORING,
    StreamingArgs,
    TopicSpec,
    client_policy_statements,
    consumer_policy_statements,
    kafka_resource_arn,
    kafka_version_tuple,
    lag_reader_policy_statements,
    parse_topic_spec,
    server_properties,
    validate_streaming_args,
    validate_topic_changes,
)
from components.validation import (
    ArgumentError,
    ArgumentTypeError,
    check_argument_types,
    check_arguments,
    check_environment,
    check_pod_identity,
    resolve_protect,
)
from scaling_kit.aws_limits import LOG_RETENTION_DAYS

SUBNETS = ("subnet-a", "subnet-b", "subnet-c")
DB = DatabaseArgs(vpc_id="vpc-1", subnet_ids=SUBNETS[:2])


def refused(call, message: str, error: type[Exception] = ArgumentError) -> None:
    """``call()`` raises ``error`` whose whole text is ``message``."""
    with pytest.raises(error) as info:
        call()
    assert str(info.value) == message


def name_of(length: int, first: str = "a", fill: str = "b") -> str:
    return first + fill * (length - 1)


# ============================================================================================
# components/database.py
# ============================================================================================

def validate_db(args: DatabaseArgs = DB, identifier: str = "prod-db") -> None:
    validate_database_args(args, identifier)


def test_the_default_database_arguments_are_valid():
    validate_db()


def test_the_identifier_leaves_room_for_the_longest_replica_suffix():
    assert IDENTIFIER_MAX_LENGTH == 63 - len("-replica-14") == 52
    assert default_identifier("db", "prod", project="scaling") == "scaling-prod-db"
    long = default_identifier("d" * 80, "prod", project="scaling")
    assert len(long) == IDENTIFIER_MAX_LENGTH and long.startswith("scaling-prod-ddd")
    # Too long for max_length: the beginning, then the first 8 hex digits of the SHA-256 of the whole name.
    digest = hashlib.sha256(b"scaling-prod-db").hexdigest()[:8]
    assert default_identifier("db", "prod", project="scaling", max_length=12) == f"sca-{digest}"
    # RDS identifiers start with a letter.
    assert default_identifier("db", "prod", project="1project") == "x-1project-prod-db"


def test_parameter_group_family_and_parameters():
    assert parameter_group_family("16") == "postgres16"
    assert parameter_group_parameters(250) == [
        ("rds.force_ssl", "1", "immediate"),
        ("log_min_duration_statement", "250", "immediate"),
        ("log_connections", "1", "immediate"),
        ("log_disconnections", "1", "immediate"),
        ("log_lock_waits", "1", "immediate"),
        ("log_statement", "ddl", "immediate"),
        ("log_temp_files", "10240", "immediate"),
        ("log_autovacuum_min_duration", "10000", "immediate"),
        ("shared_preload_libraries", "pg_stat_statements", "pending-reboot"),
    ]


@pytest.mark.parametrize("zones, count, offset, expected", [
    ((), 2, 0, [None, None]),
    ((), 0, 0, []),
    (("a", "b"), 3, 0, ["a", "b", "a"]),
    (("a", "b", "c"), 4, 1, ["b", "c", "a", "b"]),
    (("a", "b", "c"), 2, 5, ["c", "a"]),
])
def test_replicas_go_round_robin_over_the_zones_from_the_offset(zones, count, offset, expected):
    assert replica_zones(zones, count, offset) == expected


def test_replica_zones_offset_defaults_to_zero():
    assert replica_zones(("a", "b"), 2) == ["a", "b"]


def test_the_proxy_pool_follows_the_client_pool():
    args = replace(DB, pool_idle_timeout_seconds=31, pool_connect_timeout_seconds=3, proxy_max_connections_percent=80,
                   proxy_max_idle_connections_percent=40)
    assert proxy_pool_settings(args) == {"idle_client_timeout": 62, "connection_borrow_timeout": 3,
                                         "max_connections_percent": 80, "max_idle_connections_percent": 40}


def test_the_app_user_defaults_to_the_master_user():
    assert app_db_user(DB) == "postgres"
    assert app_db_user(replace(DB, master_username="admin")) == "admin"
    assert app_db_user(replace(DB, app_db_user="app")) == "app"


def test_client_settings_are_the_pool_in_node_postgres_names():
    args = replace(DB, port=6543, database_name="shop", app_db_user="app", pool_max_connections=12,
                   pool_idle_timeout_seconds=31, pool_connect_timeout_seconds=3)
    assert client_settings(args) == {"port": 6543, "database": "shop", "user": "app", "authentication": "iam",
                                     "sslMode": "verify-full", "max": 12, "idleTimeoutMillis": 31000,
                                     "connectionTimeoutMillis": 3000}


PROXY_ARN = "arn:aws-cn:rds:cn-north-1:123456789012:db-proxy:prx-0abc"


def test_the_connect_resource_of_a_proxy_user():
    assert proxy_db_user_arn(PROXY_ARN, "app") == "arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:prx-0abc/app"


@pytest.mark.parametrize("arn", [
    "arn:aws:rds:eu-west-1:123456789012:db-proxy",                 # 6 parts
    "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0abc:x",      # 8 parts
    "arm:aws:rds:eu-west-1:123456789012:db-proxy:prx-0abc",        # not an ARN
    "arn:aws:rds-db:eu-west-1:123456789012:db-proxy:prx-0abc",     # another service
    "arn:aws:rds:eu-west-1:123456789012:db:prx-0abc",              # an instance
    "arn:aws:rds:eu-west-1:123456789012:db-proxy:0abc",            # no prx- id
])
def test_only_an_rds_proxy_arn_has_a_connect_resource(arn):
    refused(lambda: proxy_db_user_arn(arn, "app"),
            f"proxy_arn: {arn!r} is not an RDS Proxy ARN (arn:<partition>:rds:<region>:<account>:db-proxy:prx-<id>)",
            ValueError)


def test_connect_statements_name_each_proxy_for_one_user():
    other = "arn:aws:rds:eu-west-1:123456789012:db-proxy:prx-0def"
    assert proxy_connect_statements([PROXY_ARN, other], "app") == [{
        "Sid": "RdsProxyConnect", "Effect": "Allow", "Action": "rds-db:connect",
        "Resource": ["arn:aws-cn:rds-db:cn-north-1:123456789012:dbuser:prx-0abc/app",
                     "arn:aws:rds-db:eu-west-1:123456789012:dbuser:prx-0def/app"]}]


def bad_backup(window: str) -> str:
    return f"backup_window: {window!r} is not allowed; expected UTC 'hh:mm-hh:mm' such as '03:00-04:00'"


def bad_maintenance(window: str) -> str:
    return (f"maintenance_window: {window!r} is not allowed; expected UTC 'ddd:hh:mm-ddd:hh:mm' such as "
            "'sun:05:00-sun:06:00'")


def overlap(maintenance: str, backup: str) -> str:
    return (f"maintenance_window: {maintenance!r} overlaps backup_window {backup!r}; expected non-overlapping "
            "windows")


@pytest.mark.parametrize("backup, maintenance", [
    ("03:00-04:00", "sun:05:00-sun:06:00"),
    ("00:00-00:30", "mon:01:00-mon:01:30"),             # exactly 30 minutes each
    ("23:45-00:15", "wed:12:00-wed:12:30"),             # the backup crosses midnight
    ("19:59-20:29", "sun:23:50-mon:00:20"),             # the maintenance crosses the week's end
    ("09:00-10:00", "fri:23:30-sat:00:15"),
    ("03:00-04:00", "tue:04:00-tue:04:30"),             # touches the end of the backup: no overlap
    ("03:00-04:00", "thu:02:30-thu:03:00"),             # touches its start
    ("23:30-00:30", "sun:23:00-sun:23:30"),             # touches a backup that crosses midnight
    ("23:30-00:30", "mon:00:30-mon:01:00"),
    ("12:00-13:00", "sat:13:00-sun:11:59"),             # most of a day, between two backups
])
def test_well_formed_windows_of_30_minutes_or_more_that_do_not_overlap_are_allowed(backup, maintenance):
    validate_windows(backup, maintenance)
    validate_db(replace(DB, backup_window=backup, maintenance_window=maintenance))


@pytest.mark.parametrize("backup, maintenance, message", [
    ("3:00-04:00", "sun:05:00-sun:06:00", bad_backup("3:00-04:00")),
    ("24:00-00:30", "sun:05:00-sun:06:00", bad_backup("24:00-00:30")),
    ("03:60-04:30", "sun:05:00-sun:06:00", bad_backup("03:60-04:30")),
    ("03:00-04:00x", "sun:05:00-sun:06:00", bad_backup("03:00-04:00x")),
    ("03:00 04:00", "sun:05:00-sun:06:00", bad_backup("03:00 04:00")),
    ("03:00-04:00", "sun:05:00-sun:06:00 ", bad_maintenance("sun:05:00-sun:06:00 ")),
    ("03:00-04:00", "Sun:05:00-sun:06:00", bad_maintenance("Sun:05:00-sun:06:00")),
    ("03:00-04:00", "sun:05:00-sund:06:00", bad_maintenance("sun:05:00-sund:06:00")),
    ("03:00-04:00", "05:00-06:00", bad_maintenance("05:00-06:00")),
    ("03:00-04:00", "sun:24:00-mon:00:30", bad_maintenance("sun:24:00-mon:00:30")),
    ("03:00-03:29", "sun:05:00-sun:06:00", "backup_window: '03:00-03:29' lasts 29 minutes; expected at least 30"),
    ("23:50-00:19", "sun:05:00-sun:06:00", "backup_window: '23:50-00:19' lasts 29 minutes; expected at least 30"),
    ("03:00-03:00", "sun:05:00-sun:06:00", "backup_window: '03:00-03:00' lasts 0 minutes; expected at least 30"),
    ("03:00-04:00", "sun:05:00-sun:05:29",
     "maintenance_window: 'sun:05:00-sun:05:29' lasts 29 minutes; expected at least 30"),
    ("03:00-04:00", "sun:23:50-mon:00:19",
     "maintenance_window: 'sun:23:50-mon:00:19' lasts 29 minutes; expected at least 30"),
    ("03:00-04:00", "sun:05:00-sun:05:00",
     "maintenance_window: 'sun:05:00-sun:05:00' lasts 0 minutes; expected at least 30"),
    ("03:00-04:00", "tue:03:59-tue:04:30", overlap("tue:03:59-tue:04:30", "03:00-04:00")),
    ("03:00-04:00", "thu:02:30-thu:03:01", overlap("thu:02:30-thu:03:01", "03:00-04:00")),
    ("03:00-04:00", "mon:03:10-mon:03:40", overlap("mon:03:10-mon:03:40", "03:00-04:00")),
    ("03:00-04:00", "wed:02:00-wed:05:00", overlap("wed:02:00-wed:05:00", "03:00-04:00")),
    ("03:00-04:00", "sat:03:00-sat:03:30", overlap("sat:03:00-sat:03:30", "03:00-04:00")),
    ("23:30-00:30", "mon:00:00-mon:00:30", overlap("mon:00:00-mon:00:30", "23:30-00:30")),
    ("23:30-00:30", "sun:23:59-mon:00:29", overlap("sun:23:59-mon:00:29", "23:30-00:30")),
    ("23:30-00:30", "sun:23:00-sun:23:31", overlap("sun:23:00-sun:23:31", "23:30-00:30")),
    ("23:30-00:30", "mon:00:29-mon:01:00", overlap("mon:00:29-mon:01:00", "23:30-00:30")),
    ("12:00-13:00", "sat:12:59-sun:11:59", overlap("sat:12:59-sun:11:59", "12:00-13:00")),
    ("12:00-13:00", "sat:13:00-sun:12:01", overlap("sat:13:00-sun:12:01", "12:00-13:00")),
    ("12:00-13:00", "sat:13:00-mon:11:59", overlap("sat:13:00-mon:11:59", "12:00-13:00")),
])
def test_a_malformed_short_or_overlapping_window_is_refused(backup, maintenance, message):
    refused(lambda: validate_windows(backup, maintenance), message)
    refused(lambda: validate_db(replace(DB, backup_window=backup, maintenance_window=maintenance)), message)


@pytest.mark.parametrize("day", ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
def test_a_maintenance_window_on_any_day_meets_the_daily_backup(day):
    """The day's position in the week matters: the backup runs every day, so a maintenance window at the
    backup's hour overlaps whatever the day, and one an hour later never does."""
    validate_windows("03:00-04:00", f"{day}:04:00-{day}:05:00")
    refused(lambda: validate_windows("03:00-04:00", f"{day}:03:30-{day}:05:00"),
            overlap(f"{day}:03:30-{day}:05:00", "03:00-04:00"))


def bad_identifier(identifier: str) -> str:
    return (f"identifier: {identifier!r} is not allowed; expected a lower-case letter, then letters, digits or single "
            f"hyphens, not ending with a hyphen, at most {IDENTIFIER_MAX_LENGTH} characters")


@pytest.mark.parametrize("identifier", ["a", "z9", "a-b-c", "prod-db-0", name_of(IDENTIFIER_MAX_LENGTH),
                                        name_of(IDENTIFIER_MAX_LENGTH - 1, fill="-1")[:IDENTIFIER_MAX_LENGTH - 1]])
def test_rds_identifiers_are_allowed(identifier):
    validate_identifier(identifier)
    validate_db(identifier=identifier)


@pytest.mark.parametrize("identifier", ["", "1a", "-a", "A", "aB", "a_b", "a--b", "a-", "a.b", "a b", "é",
                                        name_of(IDENTIFIER_MAX_LENGTH + 1)])
def test_other_identifiers_are_refused(identifier):
    refused(lambda: validate_identifier(identifier), bad_identifier(identifier))
    refused(lambda: validate_db(identifier=identifier), bad_identifier(identifier))


def shared(engine_version: str) -> SharedDatabaseResources:
    return SharedDatabaseResources(engine_version=engine_version, kms_key_arn="arn:kms", subnet_group_name="subnets",
                                   parameter_group_name="params", security_group_id="sg-1",
                                   proxy_security_group_id="sg-2", monitoring_role_arn="arn:role")


def bad_engine(version: str) -> str:
    return (f"engine_version: {version!r} is not allowed; expected a major version, one of {SUPPORTED_ENGINE_VERSIONS} "
            "(minor versions are applied by AWS; pinning one would ask for a downgrade after the next automatic minor "
            "upgrade)")


def bad_name(path: str, value: str) -> str:
    return f"{path}: {value!r} is not allowed; expected a letter, then letters, digits or '_', at most 63 characters"


def bad_user(value: str) -> str:
    return (f"master_username: {value!r} is not allowed; expected a letter, then letters, digits or '_', and not an "
            "RDS-reserved name")


def bad_app_user(value: str) -> str:
    return (f"app_db_user: {value!r} is not allowed; expected '' (the master user) or a letter, then letters, digits "
            "or '_', and not an RDS-reserved name")


def bad_class(path: str, value: str) -> str:
    suffix = " or '' for instance_class" if path != "instance_class" else ""
    return f"{path}: {value!r} is not allowed; expected an RDS instance class such as 'db.r6g.large'{suffix}"


def bad_pi(days: int) -> str:
    return (f"performance_insights_retention_days: {days} is not allowed; expected 7, a multiple of 31 up to 713, "
            "or 731")


DB_ACCEPTED = {
    **{f"engine {v}": {"engine_version": v} for v in ("14", "15", "16", "17")},
    "shared engine equal": {"engine_version": "15", "shared": shared("15")},
    "instance class": {"instance_class": "db.t4g.micro"},
    "instance class digits": {"instance_class": "db.x2iedn.24xlarge"},
    "replica class": {"replica_instance_class": "db.r6g.xlarge"},
    "replica class empty": {"replica_instance_class": ""},
    "database name 1": {"database_name": "a"},
    "database name 63": {"database_name": "A" + "z_9" * 20 + "Zz"},
    "database name mixed": {"database_name": "Shop_2"},
    "master user 63": {"master_username": "U" + "x" * 62},
    "master user like reserved": {"master_username": "rdsadmin2"},
    "master user underscore": {"master_username": "app_admin"},
    "app user": {"app_db_user": "app_1"},
    "app user 63": {"app_db_user": "A" + "9" * 62},
    "app user like reserved": {"app_db_user": "rds_superuser_x"},
    **{f"monitoring {s}": {"monitoring_interval_seconds": s} for s in MONITORING_INTERVALS},
    **{f"performance insights {d}": {"performance_insights_retention_days": d} for d in (7, 31, 62, 372, 713, 731)},
    "environment dev": {"environment": "dev"},
    "no replicas no backups": {"replica_count": 0, "backup_retention_days": 0},
}

DB_REFUSED = {
    **{f"engine {v!r}": ({"engine_version": v}, bad_engine(v)) for v in ("13", "18", "16.1", "", "16 ")},
    "shared engine differs": ({"engine_version": "16", "shared": shared("15")},
                              "engine_version: '16' differs from the shared parameter group's '15'; expected the same "
                              "major version"),
    "instance class empty": ({"instance_class": ""}, bad_class("instance_class", "")),
    "instance class no prefix": ({"instance_class": "r6g.large"}, bad_class("instance_class", "r6g.large")),
    "instance class short": ({"instance_class": "db.r6g"}, bad_class("instance_class", "db.r6g")),
    "instance class upper": ({"instance_class": "db.R6G.large"}, bad_class("instance_class", "db.R6G.large")),
    "instance class tail": ({"instance_class": "db.r6g.large.x"}, bad_class("instance_class", "db.r6g.large.x")),
    "instance class dot": ({"instance_class": "dbxr6g.large"}, bad_class("instance_class", "dbxr6g.large")),
    "replica class": ({"replica_instance_class": "r6g.large"}, bad_class("replica_instance_class", "r6g.large")),
    "storage gp2": ({"storage_type": "gp2"},
                    "storage_type: 'gp2' is not allowed; expected one of ('gp3',) (gp3 gives baseline IOPS independent "
                    "of size; a later type change is a long modification)"),
    "database name empty": ({"database_name": ""}, bad_name("database_name", "")),
    "database name digit": ({"database_name": "1shop"}, bad_name("database_name", "1shop")),
    "database name underscore first": ({"database_name": "_shop"}, bad_name("database_name", "_shop")),
    "database name hyphen": ({"database_name": "my-shop"}, bad_name("database_name", "my-shop")),
    "database name 64": ({"database_name": "a" * 64}, bad_name("database_name", "a" * 64)),
    "master user 64": ({"master_username": "u" * 64}, bad_user("u" * 64)),
    "master user digit": ({"master_username": "1u"}, bad_user("1u")),
    "master user hyphen": ({"master_username": "a-b"}, bad_user("a-b")),
    **{f"master user {n}": ({"master_username": n}, bad_user(n))
       for n in ("rdsadmin", "RdsAdmin", "rdsrepladmin", "RDSREPLADMIN", "rds_superuser", "Rds_SuperUser")},
    "app user 64": ({"app_db_user": "u" * 64}, bad_app_user("u" * 64)),
    "app user digit": ({"app_db_user": "1u"}, bad_app_user("1u")),
    "app user space": ({"app_db_user": "a b"}, bad_app_user("a b")),
    **{f"app user {n}": ({"app_db_user": n}, bad_app_user(n))
       for n in ("rdsadmin", "RDSAdmin", "rdsrepladmin", "RdsReplAdmin", "rds_superuser", "RDS_SUPERUSER")},
    **{f"monitoring {s}": ({"monitoring_interval_seconds": s},
                           f"monitoring_interval_seconds: {s} is not allowed; expected one of {MONITORING_INTERVALS}")
       for s in (-1, 2, 20, 59, 61, 120)},
    **{f"performance insights {d}": ({"performance_insights_retention_days": d}, bad_pi(d))
       for d in (0, 6, 8, 30, 32, 93 + 1, 744, 730, 732, -31)},
    "environment": ({"environment": "staging"}, "environment: 'staging' is not allowed; expected one of 'dev', 'prod'"),
}


@pytest.mark.parametrize("name", DB_ACCEPTED)
def test_database_enum_and_pattern_values_that_are_allowed(name):
    validate_db(replace(DB, **DB_ACCEPTED[name]))


@pytest.mark.parametrize("name", DB_REFUSED)
def test_database_enum_and_pattern_values_that_are_refused(name):
    fields, message = DB_REFUSED[name]
    refused(lambda: validate_db(replace(DB, **fields)), message)


@pytest.mark.parametrize("replicas", [1, 2])
def test_any_read_replica_needs_automated_backups(replicas):
    validate_db(replace(DB, replica_count=replicas, backup_retention_days=1))
    refused(lambda: validate_db(replace(DB, replica_count=replicas, backup_retention_days=0)),
            f"backup_retention_days: 0 with replica_count {replicas}; read replicas need automated backups on the "
            "source, expected backup_retention_days >= 1 or replica_count 0")


def test_database_rules_run_in_order_the_identifier_first():
    """An args with two faults reports the identifier (checked first) and then the subnets."""
    both = replace(DB, subnet_ids=SUBNETS[:1])
    refused(lambda: validate_db(both, "Bad"), bad_identifier("Bad"))
    assert database.MAX_REPLICAS == 15


# ============================================================================================
# components/streaming.py
# ============================================================================================

STREAMING = StreamingArgs(vpc_id="vpc-1", subnet_ids=SUBNETS)
CLUSTER_ARN = "arn:aws:kafka:eu-west-1:123456789012:cluster/events/0a1b-2c3d-4"


def test_the_default_streaming_arguments_are_valid():
    validate_streaming_args(STREAMING)


def test_a_topic_spec_reads_and_writes_the_configuration_form():
    spec = parse_topic_spec("orders.v1:12:2")
    assert spec == TopicSpec("orders.v1", 12, 2)
    assert str(spec) == "orders.v1:12:2"
    assert parse_topic_spec("a:0:0") == TopicSpec("a", 0, 0)


@pytest.mark.parametrize("text", ["orders", "orders:10", "orders:10:3:1", ":10:3", "orders:ten:3", "orders:10:-3",
                                  "orders:10:", "or ders:10:3", "orders\n:10:3", "a" * 250 + ":10:3"])
def test_a_malformed_topic_spec_is_refused(text):
    refused(lambda: parse_topic_spec(text),
            f"{text!r} is not 'name:partitions:replicationFactor' such as 'features:10:3'", ValueError)


@pytest.mark.parametrize("version, expected", [("3.8.x", (3, 8)), ("3.6.0", (3, 6)), ("2.8.2.tiered", None),
                                               ("3.7.x.kraft", (3, 7)), ("10.12.3", (10, 12)), ("3.8", None),
                                               ("3.8.x ", None), (" 3.8.x", None), ("3.8.y", None), ("v3.8.x", None),
                                               ("3.8.x.kraft.x", None), ("3.8.x\n", None)])
def test_kafka_versions(version, expected):
    if expected is None:
        refused(lambda: kafka_version_tuple(version),
                f"kafka_version: {version!r} is not an MSK version such as '3.8.x' or '3.6.0'")
        refused(lambda: validate_streaming_args(replace(STREAMING, kafka_version=version)),
                f"kafka_version: {version!r} is not an MSK version such as '3.8.x' or '3.6.0'")
    else:
        assert kafka_version_tuple(version) == expected


@pytest.mark.parametrize("version", ["3.6.0", "3.6.x", "3.9.x", "4.0.x.kraft"])
def test_the_topic_api_needs_kafka_3_6_or_later(version):
    validate_streaming_args(replace(STREAMING, kafka_version=version))


@pytest.mark.parametrize("version", ["3.5.1", "2.9.x", "2.8.1"])
def test_an_older_kafka_is_refused_while_topics_are_declared(version):
    refused(lambda: validate_streaming_args(replace(STREAMING, kafka_version=version)),
            f"kafka_version: {version!r} is too old for the MSK topic API; expected 3.6 or later")


def test_an_older_kafka_is_allowed_without_topics():
    """Without topics the version check passes, and the next rule speaks: the policy topic is not a topic."""
    refused(lambda: validate_streaming_args(replace(STREAMING, kafka_version="3.5.1", topics=())),
            "policy_topic: 'features' is not one of the topics []")


@pytest.mark.parametrize("count", [0, 1, 4])
def test_streaming_takes_two_or_three_subnets(count):
    refused(lambda: validate_streaming_args(replace(STREAMING, subnet_ids=tuple(f"s{i}" for i in range(count)))),
            f"subnet_ids: {count} subnet(s); expected 2 or 3, one per zone (MSK spreads brokers evenly over them)")


@pytest.mark.parametrize("subnets, brokers", [(2, 2), (2, 4), (3, 3), (3, 6), (3, 9)])
def test_brokers_in_whole_rounds_of_the_zones_are_allowed(subnets, brokers):
    validate_streaming_args(replace(STREAMING, subnet_ids=SUBNETS[:subnets], broker_count=brokers,
                                    replication_factor=2, min_insync_replicas=1,
                                    topics=(TopicSpec("features", replication_factor=2),)))


@pytest.mark.parametrize("subnets, brokers", [(2, 0), (2, 1), (2, 3), (2, 5), (3, 0), (3, 2), (3, 4), (3, 5), (3, 7),
                                              (3, -3)])
def test_brokers_not_in_whole_rounds_of_the_zones_are_refused(subnets, brokers):
    refused(lambda: validate_streaming_args(replace(STREAMING, subnet_ids=SUBNETS[:subnets], broker_count=brokers,
                                                    replication_factor=1, min_insync_replicas=1)),
            f"broker_count: {brokers} is not a multiple of the {subnets} zones; expected {subnets}, {2 * subnets}, "
            f"{3 * subnets}, ...")


def test_min_insync_replicas_may_be_1_with_a_replication_factor_of_1():
    """``max(1, replication_factor - 1)``: a single copy still allows one in-sync replica."""
    validate_streaming_args(replace(STREAMING, replication_factor=1, min_insync_replicas=1,
                                    topics=(TopicSpec("features", replication_factor=1),)))
    refused(lambda: validate_streaming_args(replace(STREAMING, replication_factor=1, min_insync_replicas=2)),
            "min_insync_replicas: 2 is out of range; expected 1 to 1 (below replication_factor 1, so acks=all survives "
            "one broker loss)")
    refused(lambda: validate_streaming_args(replace(STREAMING, replication_factor=2, min_insync_replicas=2)),
            "min_insync_replicas: 2 is out of range; expected 1 to 1 (below replication_factor 2, so acks=all survives "
            "one broker loss)")
    refused(lambda: validate_streaming_args(replace(STREAMING, min_insync_replicas=0)),
            "min_insync_replicas: 0 is out of range; expected 1 to 2 (below replication_factor 3, so acks=all survives "
            "one broker loss)")


def bad_topic(name: str) -> str:
    return f"topics: {name!r} is not a Kafka topic name (1 to 249 of letters, digits, '.', '_', '-')"


@pytest.mark.parametrize("name", ["a", "A.b_c-9", "...a", "." * 3, "x" * 249])
def test_kafka_topic_names_are_allowed(name):
    validate_streaming_args(replace(STREAMING, topics=(TopicSpec(name),), policy_topic=name))


@pytest.mark.parametrize("name", ["", ".", "..", "x" * 250, "a b", "a/b", "é", "a\n"])
def test_other_topic_names_are_refused(name):
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=(TopicSpec(name),), policy_topic=name)),
            bad_topic(name))


def test_topic_names_must_be_unique():
    topics = (TopicSpec("a"), TopicSpec("b"), TopicSpec("a"))
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="a")),
            "topics: ['a', 'b', 'a'] has duplicates; topic names must be unique")


def test_each_topic_is_checked_not_only_the_first():
    topics = (TopicSpec("a"), TopicSpec("b", partitions=0))
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="a")),
            "topics: 'b' partitions 0 is out of range; expected at least 1")
    topics = (TopicSpec("a"), TopicSpec("b", replication_factor=0))
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="a")),
            "topics: 'b' replication_factor 0 is out of range; expected 1 to broker_count (3)")
    topics = (TopicSpec("a"), TopicSpec("b c"))
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="a")), bad_topic("b c"))


def test_a_topic_replication_factor_of_1_is_allowed():
    validate_streaming_args(replace(STREAMING, topics=(TopicSpec("features", replication_factor=1),)))


@pytest.mark.parametrize("deployed", [
    (),
    (TopicSpec("features", 10, 3),),
    (TopicSpec("features", 9, 3),),
    (TopicSpec("features", 1, 3),),
])
def test_topic_changes_that_keep_the_data_are_allowed(deployed):
    validate_topic_changes((TopicSpec("features", 10, 3), TopicSpec("new")), deployed)
    validate_streaming_args(replace(STREAMING, deployed_topics=deployed))


@pytest.mark.parametrize("deployed, message", [
    ((TopicSpec("features"), TopicSpec("orders")),
     "topics: deployed topic 'orders' is missing; removing it deletes its messages. Keep it, or drop it from "
     "deployed_topics first if the data may go"),
    ((TopicSpec("features", 11, 3),),
     "topics: 'features' partitions 10 is below the deployed 11; Kafka cannot remove partitions (keys would move and "
     "data be lost). Expected at least 11"),
    ((TopicSpec("features", 10, 2),),
     "topics: 'features' replication_factor 3 differs from the deployed 2; changing it replaces the topic and deletes "
     "its messages. Expected 2, or a new topic"),
    ((TopicSpec("features", 10, 4),),
     "topics: 'features' replication_factor 3 differs from the deployed 4; changing it replaces the topic and deletes "
     "its messages. Expected 4, or a new topic"),
    ((TopicSpec("features"), TopicSpec("features", 12, 3)),
     "topics: 'features' partitions 10 is below the deployed 12; Kafka cannot remove partitions (keys would move and "
     "data be lost). Expected at least 12"),
])
def test_topic_changes_that_lose_data_are_refused(deployed, message):
    refused(lambda: validate_topic_changes((TopicSpec("features", 10, 3),), deployed), message)
    refused(lambda: validate_streaming_args(replace(STREAMING, deployed_topics=deployed)), message)


def test_the_policy_topic_is_one_of_the_topics():
    topics = (TopicSpec("a"), TopicSpec("b"))
    validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="b"))
    refused(lambda: validate_streaming_args(replace(STREAMING, topics=topics, policy_topic="c")),
            "policy_topic: 'c' is not one of the topics ['a', 'b']")


@pytest.mark.parametrize("group", ["g", "A.b_c-9", "x" * 255])
def test_consumer_group_ids_are_allowed(group):
    validate_streaming_args(replace(STREAMING, consumer_group=group))


@pytest.mark.parametrize("group", ["", "x" * 256, "a b", "a/b", "g\n"])
def test_other_consumer_group_ids_are_refused(group):
    refused(lambda: validate_streaming_args(replace(STREAMING, consumer_group=group)),
            f"consumer_group: {group!r} is not a group id (letters, digits, '.', '_', '-')")


@pytest.mark.parametrize("level", ENHANCED_MONITORING)
def test_each_enhanced_monitoring_level_is_allowed(level):
    validate_streaming_args(replace(STREAMING, enhanced_monitoring=level))


@pytest.mark.parametrize("level", ["", "per_broker", "PER_TOPIC", "DEFAULT "])
def test_other_monitoring_levels_are_refused(level):
    refused(lambda: validate_streaming_args(replace(STREAMING, enhanced_monitoring=level)),
            f"enhanced_monitoring: {level!r} is not allowed; expected one of ('DEFAULT', 'PER_BROKER', "
            "'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION')")


@pytest.mark.parametrize("days", [1, 14, 3653])
def test_log_retention_values_are_allowed(days):
    validate_streaming_args(replace(STREAMING, log_retention_days=days))


@pytest.mark.parametrize("days", [0, 2, 366, 3654])
def test_other_log_retention_values_are_refused(days):
    refused(lambda: validate_streaming_args(replace(STREAMING, log_retention_days=days)),
            f"log_retention_days: {days} is not allowed; expected one of {LOG_RETENTION_DAYS}")


def test_streaming_environment_is_checked():
    refused(lambda: validate_streaming_args(replace(STREAMING, environment="qa")),
            "environment: 'qa' is not allowed; expected one of 'dev', 'prod'")


def test_server_properties():
    args = replace(STREAMING, replication_factor=2, min_insync_replicas=1, default_partitions=7)
    assert server_properties(args) == (
        "auto.create.topics.enable=false\n"
        "default.replication.factor=2\n"
        "min.insync.replicas=1\n"
        "num.partitions=7\n"
        "allow.everyone.if.no.acl.found=false\n"
        "unclean.leader.election.enable=false\n")


@pytest.mark.parametrize("kind", ["topic", "group", "transactional-id"])
def test_a_kafka_resource_arn_sits_beside_the_cluster(kind):
    assert kafka_resource_arn(CLUSTER_ARN, kind, "x.y") == \
        f"arn:aws:kafka:eu-west-1:123456789012:{kind}/events/0a1b-2c3d-4/x.y"
    assert kafka_resource_arn("arn:aws-cn:kafka:cn-north-1:1:cluster/c/u", kind, "n") == \
        f"arn:aws-cn:kafka:cn-north-1:1:{kind}/c/u/n"


def test_the_cluster_resource_is_everything_after_the_fifth_colon():
    """An ARN's resource part may itself hold colons (the ARN format splits only the first five), so the cluster
    part is read whole: a name with a colon stays one name."""
    assert kafka_resource_arn("arn:aws:kafka:eu-west-1:1:cluster/a:b/u", "group", "g") == \
        "arn:aws:kafka:eu-west-1:1:group/a:b/u/g"


@pytest.mark.parametrize("arn", [
    "arn:aws:kafka:eu-west-1:123456789012",
    "arn:aws:kafka:eu-west-1:123456789012:cluster/events",
    "arn:aws:kafka:eu-west-1:123456789012:cluster/events/u/x",
    "arn:aws:kafka:eu-west-1:123456789012:topic/events/u",
    "arn:aws:msk:eu-west-1:123456789012:cluster/events/u",
    "arn:aws:kafka:eu-west-1:123456789012:clusters/events/u",
])
def test_only_an_msk_cluster_arn_has_topics_and_groups(arn):
    refused(lambda: kafka_resource_arn(arn, "topic", "t"),
            f"cluster_arn: {arn!r} is not an MSK cluster ARN (arn:<partition>:kafka:<region>:<account>:cluster/<name>"
            "/<uuid>)", ValueError)


@pytest.mark.parametrize("kind", ["cluster", "Topic", "transactional_id", ""])
def test_only_topics_groups_and_transactional_ids_have_resource_arns(kind):
    refused(lambda: kafka_resource_arn(CLUSTER_ARN, kind, "t"),
            f"kind: {kind!r} is not allowed; expected 'topic', 'group' or 'transactional-id'", ValueError)


TOPIC_ARN = "arn:aws:kafka:eu-west-1:123456789012:topic/events/0a1b-2c3d-4/orders"
GROUP_ARN = "arn:aws:kafka:eu-west-1:123456789012:group/events/0a1b-2c3d-4/workers"


def test_client_statements_produce_and_consume():
    assert client_policy_statements(CLUSTER_ARN, "orders", "workers") == [
        {"Sid": "KafkaConnect", "Effect": "Allow",
         "Action": ["kafka-cluster:Connect", "kafka-cluster:WriteDataIdempotently"], "Resource": CLUSTER_ARN},
        {"Sid": "KafkaTopicReadWrite", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:WriteData", "kafka-cluster:ReadData"],
         "Resource": TOPIC_ARN},
        {"Sid": "KafkaConsumerGroup", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"], "Resource": GROUP_ARN},
    ]


def test_consumer_statements_only_read():
    assert consumer_policy_statements(CLUSTER_ARN, "orders", "workers") == [
        {"Sid": "KafkaConnect", "Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": CLUSTER_ARN},
        {"Sid": "KafkaTopicRead", "Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"],
         "Resource": TOPIC_ARN},
        {"Sid": "KafkaConsumerGroup", "Effect": "Allow",
         "Action": ["kafka-cluster:DescribeGroup", "kafka-cluster:AlterGroup"], "Resource": GROUP_ARN},
    ]


def test_lag_reader_statements_only_describe():
    assert lag_reader_policy_statements(CLUSTER_ARN, "orders", "workers") == [
        {"Sid": "KafkaConnect", "Effect": "Allow", "Action": ["kafka-cluster:Connect"], "Resource": CLUSTER_ARN},
        {"Sid": "KafkaTopicDescribe", "Effect": "Allow", "Action": ["kafka-cluster:DescribeTopic"],
         "Resource": TOPIC_ARN},
        {"Sid": "KafkaGroupDescribe", "Effect": "Allow", "Action": ["kafka-cluster:DescribeGroup"],
         "Resource": GROUP_ARN},
    ]


# ============================================================================================
# components/sharded_database.py
# ============================================================================================

def test_shard_names_depend_on_the_index_only():
    assert [shard_name("orders", i) for i in (0, 7, 15, 63, 100)] == [
        "orders-shard-00", "orders-shard-07", "orders-shard-15", "orders-shard-63", "orders-shard-100"]


def test_the_base_identifier_leaves_room_for_the_shard_and_replica_suffixes():
    assert default_base_identifier("db", "prod", "scaling") == "scaling-prod-db"
    long = default_base_identifier("d" * 80, "prod", "scaling")
    assert len(long) == IDENTIFIER_MAX_LENGTH - len("-shard-00") == 43
    assert len(shard_name(long, 63) + "-replica-14") == 63
    assert default_base_identifier("db", "prod", "1p") == "x-1p-prod-db"


def test_each_shard_gets_its_identifier_zone_offset_and_protect():
    shards = validate_sharded_database_args(ShardedDatabaseArgs(database=DB, shard_count=3), "prod-db")
    assert [(s.identifier, s.zone_offset, s.protect) for s in shards] == [
        ("prod-db-shard-00", 0, True), ("prod-db-shard-01", 1, True), ("prod-db-shard-02", 2, True)]
    assert shards[1] == replace(DB, identifier="prod-db-shard-01", zone_offset=1, protect=True)


@pytest.mark.parametrize("protect, environment, expected", [
    (None, "prod", True), (None, "dev", False), (False, "prod", False), (True, "dev", True)])
def test_the_shards_protect_follows_the_sharded_argument_else_the_environment(protect, environment, expected):
    args = ShardedDatabaseArgs(database=replace(DB, environment=environment), shard_count=2, protect=protect)
    assert [s.protect for s in validate_sharded_database_args(args, "prod-db")] == [expected, expected]


def test_the_shard_template_may_not_carry_shared_pieces():
    refused(lambda: validate_sharded_database_args(ShardedDatabaseArgs(database=replace(DB, shared=shared("16"))),
                                                   "prod-db"),
            "database.shared: given; expected None (ShardedDatabase declares the shared pieces)")


@pytest.mark.parametrize("protect", [True, False])
def test_the_shard_template_may_not_carry_protect(protect):
    refused(lambda: validate_sharded_database_args(ShardedDatabaseArgs(database=replace(DB, protect=protect)),
                                                   "prod-db"),
            f"database.protect: {protect!r} given on the template; expected None (set ShardedDatabaseArgs.protect: "
            "it covers every shard and the shared key)")


def test_a_shard_fault_is_reported_under_database():
    args = ShardedDatabaseArgs(database=replace(DB, replica_count=16), shard_count=2)
    with pytest.raises(ArgumentError) as info:
        validate_sharded_database_args(args, "prod-db")
    assert str(info.value) == "database.replica_count: 16 is out of range; expected 0 to 15"
    assert info.value.paths == ("database.replica_count",)
    assert isinstance(info.value.__cause__, ArgumentError) and info.value.__cause__.paths == ("replica_count",)


def test_a_base_identifier_too_long_for_the_last_shard_is_reported_under_database():
    base = "a" * (IDENTIFIER_MAX_LENGTH - len("-shard-00"))
    validate_sharded_database_args(ShardedDatabaseArgs(database=DB, shard_count=64), base)
    longer = base + "b"
    refused(lambda: validate_sharded_database_args(ShardedDatabaseArgs(database=DB, shard_count=1), longer),
            "database." + bad_identifier(longer + "-shard-00"))


@pytest.mark.parametrize("count", [True, "2", 2.0])
def test_a_shard_count_that_is_not_an_integer_is_refused(count):
    with pytest.raises(ArgumentError) as info:
        validate_sharded_database_args(ShardedDatabaseArgs(database=DB, shard_count=count), "prod-db")
    assert info.value.paths == ("shard_count",)
    assert str(info.value) == f"shard_count: {count!r} is {type(count).__name__}; expected an integer"


def test_the_sharded_template_environment_is_checked():
    refused(lambda: validate_sharded_database_args(ShardedDatabaseArgs(database=replace(DB, environment="qa")),
                                                   "prod-db"),
            "database.environment: 'qa' is not allowed; expected one of 'dev', 'prod'")


# ============================================================================================
# components/network.py
# ============================================================================================

def test_the_default_network_arguments_are_valid():
    validate_network_args(NetworkArgs())


def test_subnets_take_one_of_eight_slots_per_tier_and_zone():
    assert plan_subnets("10.0.0.0/16", 3) == {
        "public": ["10.0.0.0/21", "10.0.8.0/21", "10.0.16.0/21"],
        "private": ["10.0.64.0/21", "10.0.72.0/21", "10.0.80.0/21"],
        "isolated": ["10.0.128.0/21", "10.0.136.0/21", "10.0.144.0/21"],
    }
    plan = plan_subnets("192.168.0.0/23", 8)
    assert plan["public"][7] == "192.168.0.112/28" and plan["private"][0] == "192.168.0.128/28"
    assert plan["isolated"] == [f"192.168.1.{16 * z}/28" for z in range(8)]
    assert plan_subnets("10.0.0.0/16", 2)["isolated"] == ["10.0.128.0/21", "10.0.136.0/21"]


def test_the_subnet_plan_refuses_a_cidr_with_host_bits_instead_of_truncating_it():
    refused(lambda: plan_subnets("10.0.0.1/16", 2), "10.0.0.1/16 has host bits set", ValueError)


@pytest.mark.parametrize("cidr", ["10.0.0.0/33", "10.0.0.1/16", "300.0.0.0/16", "fd00::/56", "", "vpc"])
def test_a_vpc_cidr_that_is_not_an_ipv4_block_is_refused(cidr):
    refused(lambda: validate_network_args(NetworkArgs(cidr_block=cidr)),
            f"cidr_block: {cidr!r} is not an IPv4 CIDR block such as 10.0.0.0/16")


@pytest.mark.parametrize("cidr, prefix", [("10.0.0.0/8", 8), ("10.0.0.0/15", 15), ("10.0.0.0/24", 24),
                                          ("10.0.0.0/28", 28), ("10.0.0.0", 32)])
def test_a_vpc_cidr_outside_16_to_23_is_refused(cidr, prefix):
    refused(lambda: validate_network_args(NetworkArgs(cidr_block=cidr)),
            f"cidr_block: {cidr!r} has prefix /{prefix}; expected /16 to /23 (AWS allows /16 at most; subnets of /28 "
            "need at least /23)")


@pytest.mark.parametrize("zones, count", [(("a", "b"), 2), (("a", "b", "c"), 2), (("a", "b", "c"), 3), ((), 8)])
def test_named_zones_at_least_az_count_are_allowed(zones, count):
    validate_network_args(NetworkArgs(availability_zones=zones, az_count=count))


@pytest.mark.parametrize("zones, count", [(("a",), 2), (("a", "b"), 3)])
def test_fewer_named_zones_than_az_count_are_refused(zones, count):
    refused(lambda: validate_network_args(NetworkArgs(availability_zones=zones, az_count=count)),
            f"availability_zones: {list(zones)!r} names fewer zones than az_count ({count})")


@pytest.mark.parametrize("mode", ["per-az", "single"])
def test_each_nat_mode_is_allowed(mode):
    validate_network_args(NetworkArgs(nat_gateways=mode))


@pytest.mark.parametrize("mode", ["", "none", "per_az", "Single"])
def test_other_nat_modes_are_refused(mode):
    refused(lambda: validate_network_args(NetworkArgs(nat_gateways=mode)),
            f"nat_gateways: {mode!r} is not allowed; expected one of ('per-az', 'single')")


@pytest.mark.parametrize("days", [1, 3653])
def test_flow_log_retention_values_are_allowed(days):
    validate_network_args(NetworkArgs(flow_log_retention_days=days))


@pytest.mark.parametrize("days", [0, 2, 3654])
def test_other_flow_log_retention_values_are_refused(days):
    refused(lambda: validate_network_args(NetworkArgs(flow_log_retention_days=days)),
            f"flow_log_retention_days: {days} is not a CloudWatch Logs retention; expected one of {LOG_RETENTION_DAYS}")


def test_network_environment_and_types_are_checked():
    refused(lambda: validate_network_args(NetworkArgs(environment="qa")),
            "environment: 'qa' is not allowed; expected one of 'dev', 'prod'")
    refused(lambda: validate_network_args(NetworkArgs(az_count="3")), "az_count: '3' is str; expected an integer")


# ============================================================================================
# components/network_policy.py
# ============================================================================================

TRAFFIC = AppTraffic(pod_labels={"app": "api"}, ingress_port=8443, load_balancer_cidrs=("10.0.0.0/21", "10.0.8.0/21"),
                     metrics_port=9090, monitoring_namespace="observability", vpc_cidr="10.0.0.0/16",
                     data_ports=(5432, 6379))


def test_default_deny_selects_every_pod_both_ways():
    assert default_deny_spec() == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_the_app_allowance_spec():
    assert app_allowance_spec(TRAFFIC) == {
        "podSelector": {"matchLabels": {"app": "api"}},
        "policyTypes": ["Ingress", "Egress"],
        "ingress": [
            {"from": [{"ipBlock": {"cidr": "10.0.0.0/21"}}, {"ipBlock": {"cidr": "10.0.8.0/21"}}],
             "ports": [{"protocol": "TCP", "port": 8443}]},
            {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
             "ports": [{"protocol": "TCP", "port": 9090}]},
        ],
        "egress": [
            {"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                     "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
             "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]},
            {"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}],
             "ports": [{"protocol": "TCP", "port": 5432}, {"protocol": "TCP", "port": 6379}]},
            {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}],
             "ports": [{"protocol": "TCP", "port": 443}]},
        ],
    }


def test_no_load_balancer_cidrs_and_no_data_ports_leave_those_rules_out():
    spec = app_allowance_spec(replace(TRAFFIC, load_balancer_cidrs=(), data_ports=()))
    assert spec["ingress"] == [
        {"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
         "ports": [{"protocol": "TCP", "port": 9090}]}]
    assert [rule["ports"][0]["port"] for rule in spec["egress"]] == [53, 443]


@pytest.mark.parametrize("cidrs, vpc, bad", [
    (("10.0.0.1/21",), "10.0.0.0/16", "10.0.0.1/21"),
    (("10.0.0.0/21", "x"), "10.0.0.0/16", "x"),
    ((), "10.0.0.0/33", "10.0.0.0/33"),
    ((), "fd00::/56", "fd00::/56"),
    ((), None, None),
])
def test_cidrs_that_are_not_ipv4_blocks_are_refused(cidrs, vpc, bad):
    traffic = replace(TRAFFIC, load_balancer_cidrs=cidrs, vpc_cidr=vpc)
    for call, path in ((lambda: validate_app_traffic(traffic, "app.policy"), "app.policy"),
                       (lambda: app_allowance_spec(traffic), "network_policy")):
        with pytest.raises(ArgumentError) as info:
            call()
        assert str(info.value) == f"{path}.cidrs: {bad!r} is not an IPv4 CIDR block such as 10.0.0.0/16"
        assert info.value.value == bad


@pytest.mark.parametrize("field_name, value", [("ingress_port", 1), ("metrics_port", 65535), ("data_ports", (1, 65535))])
def test_ports_from_1_to_65535_are_allowed(field_name, value):
    validate_app_traffic(replace(TRAFFIC, **{field_name: value}))


@pytest.mark.parametrize("field_name, value, bad", [
    ("ingress_port", 0, 0), ("metrics_port", 65536, 65536), ("data_ports", (5432, 0), 0),
    ("data_ports", (65536,), 65536), ("ingress_port", True, True), ("metrics_port", "9090", "9090"),
    ("ingress_port", 80.0, 80.0),
])
def test_ports_outside_1_to_65535_or_not_integers_are_refused(field_name, value, bad):
    with pytest.raises(ArgumentError) as info:
        validate_app_traffic(replace(TRAFFIC, **{field_name: value}), "app.policy")
    assert str(info.value) == f"app.policy.ports: {bad!r} is out of range; expected 1 to 65535"
    assert info.value.value == bad
    refused(lambda: validate_app_traffic(replace(TRAFFIC, **{field_name: value})),
            f"network_policy.ports: {bad!r} is out of range; expected 1 to 65535")


def test_an_allowance_must_select_pods():
    refused(lambda: validate_app_traffic(replace(TRAFFIC, pod_labels={})),
            "network_policy.pod_labels: empty; an allowance must select the application's pods only")
    refused(lambda: validate_app_traffic(replace(TRAFFIC, pod_labels={}), "x"),
            "x.pod_labels: empty; an allowance must select the application's pods only")


# ============================================================================================
# components/metrics_pipeline.py
# ============================================================================================

PIPELINE = MetricsPipelineArgs()
COUNTER, SELECTOR = "envoy_http_downstream_rq_total", 'envoy_http_conn_manager_prefix="ingress"'


def pipeline(**fields) -> MetricsPipelineArgs:
    return replace(PIPELINE, **fields)


def test_the_default_pipeline_arguments_are_valid():
    validate_metrics_pipeline_args(PIPELINE)
    assert (PIPELINE.request_counter, PIPELINE.request_counter_selector) == (COUNTER, SELECTOR)


PIPELINE_ACCEPTED = {
    "namespace 63": {"namespace": "a" + "-" * 61 + "9"},
    "namespace 1": {"namespace": "m"},
    "chart versions": {"metrics_server_chart_version": "10.0.12", "prometheus_chart_version": "0.0.0",
                       "prometheus_adapter_chart_version": "123.45.6"},
    "selector empty": {"request_counter_selector": ""},
    "selector operators": {"request_counter_selector": 'a="",_b!="x",c9=~"y.*",D!~"z"'},
    "metric names": {"request_counter": "_a:b_9", "metric_name": ":rps"},
    "durations": {"rate_window": "4h", "scrape_interval": "1h", "retention": "30d", "hpa_at_max_for": "2h"},
    "retention hours": {"retention": "12h"},
    "rate window exactly four scrapes": {"rate_window": "2m", "scrape_interval": "30s"},
    "rate window seconds": {"rate_window": "120s", "scrape_interval": "30s"},
    # Four scrape intervals of a minute / an hour exactly, the window in seconds: a minute is 60 s, an hour 3600 s.
    "rate window four minutes": {"rate_window": "240s", "scrape_interval": "1m"},
    "rate window four hours": {"rate_window": "14400s", "scrape_interval": "1h", "hpa_at_max_for": "7200s"},
    "at max exactly two scrapes": {"hpa_at_max_for": "60s", "scrape_interval": "30s", "rate_window": "2m"},
    "at max hours": {"hpa_at_max_for": "1h"},
    "alertmanager": {"alertmanager_address": "alertmanager-headless.monitoring.svc.cluster.local:9093"},
    "alertmanager short": {"alertmanager_address": "a:1"},
    "alertmanager max port": {"alertmanager_address": "a-1.b2:65535"},
    "no alert no address": {"hpa_at_max_alert": False},
    "dev": {"environment": "dev", "highly_available": False},
}


def bad_chart(name: str, value: str) -> str:
    return (f"{name}: {value!r} is not a pinned chart version; expected MAJOR.MINOR.PATCH (ranges would let a preview "
            "and an update install different charts)")


def bad_selector(value: str) -> str:
    return (f"request_counter_selector: {value!r} is not a list of PromQL label matchers such as "
            'envoy_http_conn_manager_prefix="ingress"')


def bad_metric(name: str, value: str) -> str:
    return f"{name}: {value!r} is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"


def bad_duration(name: str, value: str) -> str:
    return f"{name}: {value!r} is not a duration such as 30s, 2m or 1h"


def bad_address(value: str) -> str:
    return (f"alertmanager_address: {value!r} is not host:port (a DNS name in lower case and a port, such as "
            "alertmanager-headless.monitoring.svc.cluster.local:9093)")


PIPELINE_REFUSED = {
    **{f"namespace {v!r}": ({"namespace": v}, f"namespace: {v!r} is not a DNS label (lower-case letters, digits, '-', "
                                              "at most 63 characters)")
       for v in ("", "Monitoring", "-a", "a-", "a" * 64, "a.b")},
    **{f"{n} {v!r}": ({n: v}, bad_chart(n, v))
       for n in ("metrics_server_chart_version", "prometheus_chart_version", "prometheus_adapter_chart_version")
       for v in ("3.12", "^3.12.2", "3.12.2-rc1", "v3.12.2")},
    **{f"selector {v!r}": ({"request_counter_selector": v}, bad_selector(v))
       for v in ("ingress", 'a="x",', 'a=="x"', '9a="x"', 'a="x" ', "a='x'", 'a="x",,b="y"', 'a>"x"', 'a="x"b="y"')},
    **{f"{n} {v!r}": ({n: v}, bad_metric(n, v))
       for n in ("request_counter", "metric_name") for v in ("", "9rps", "rps-total", "rps total")},
    **{f"{n} {v!r}": ({n: v}, bad_duration(n, v))
       for n in ("rate_window", "scrape_interval") for v in ("", "0s", "05m", "2", "m", "1d", "1.5m", "2ms")},
    **{f"retention {v!r}": ({"retention": v}, bad_duration("retention", v)) for v in ("", "0d", "1w", "d", "01d", "1y")},
    "rate window three scrapes": ({"rate_window": "89s", "scrape_interval": "30s"},
                                  "rate_window: '89s' is shorter than four scrape intervals (scrape_interval '30s'); "
                                  "rate() would drop to nothing after one missed scrape"),
    "rate window one step short": ({"rate_window": "119s", "scrape_interval": "30s"},
                                   "rate_window: '119s' is shorter than four scrape intervals (scrape_interval '30s'); "
                                   "rate() would drop to nothing after one missed scrape"),
    "rate window 239s": ({"rate_window": "239s", "scrape_interval": "1m"},
                         "rate_window: '239s' is shorter than four scrape intervals (scrape_interval '1m'); rate() "
                         "would drop to nothing after one missed scrape"),
    "rate window 4m with 61s": ({"rate_window": "4m", "scrape_interval": "61s", "hpa_at_max_for": "15m"},
                                "rate_window: '4m' is shorter than four scrape intervals (scrape_interval '61s'); "
                                "rate() would drop to nothing after one missed scrape"),
    "rate window hours": ({"rate_window": "3h", "scrape_interval": "1h"},
                          "rate_window: '3h' is shorter than four scrape intervals (scrape_interval '1h'); rate() would "
                          "drop to nothing after one missed scrape"),
    **{f"at max {v!r}": ({"hpa_at_max_for": v}, f"hpa_at_max_for: {v!r} is not a duration such as 15m")
       for v in ("", "0m", "15", "1d", "15min")},
    "at max short": ({"hpa_at_max_for": "59s"},
                     "hpa_at_max_for: '59s' is shorter than two scrape intervals (scrape_interval '30s'); one sample at "
                     "the maximum would fire it"),
    "at max short minutes": ({"hpa_at_max_for": "1m", "scrape_interval": "1m", "rate_window": "4m"},
                             "hpa_at_max_for: '1m' is shorter than two scrape intervals (scrape_interval '1m'); one "
                             "sample at the maximum would fire it"),
    **{f"address {v!r}": ({"alertmanager_address": v}, bad_address(v))
       for v in ("alertmanager", "Alertmanager:9093", "a:0", "a:093", "a:123456", ":9093", "a..b:9093", "-a:9093",
                 "a-:9093", "a:9093 ", "http://a:9093", "a_b:9093")},
    "address port": ({"alertmanager_address": "a:65536"}, "alertmanager_address: 'a:65536' has a port above 65535"),
    "address port 99999": ({"alertmanager_address": "a.b:99999"},
                           "alertmanager_address: 'a.b:99999' has a port above 65535"),
    "address without alert": ({"alertmanager_address": "a:9093", "hpa_at_max_alert": False},
                              "alertmanager_address/hpa_at_max_alert: 'a:9093' is set while hpa_at_max_alert is False; "
                              "there would be no rule to send (enable the alert or drop the address)"),
    "environment": ({"environment": "qa"}, "environment: 'qa' is not allowed; expected one of 'dev', 'prod'"),
}


@pytest.mark.parametrize("name", PIPELINE_ACCEPTED)
def test_pipeline_values_that_are_allowed(name):
    validate_metrics_pipeline_args(pipeline(**PIPELINE_ACCEPTED[name]))


@pytest.mark.parametrize("name", PIPELINE_REFUSED)
def test_pipeline_values_that_are_refused(name):
    fields, message = PIPELINE_REFUSED[name]
    refused(lambda: validate_metrics_pipeline_args(pipeline(**fields)), message)


def test_the_catalog_serves_cpu_memory_and_the_request_metric():
    assert metrics_catalog(pipeline(metric_name="rps", request_counter="hits")) == MetricsCatalog(
        resource_metrics=frozenset({"cpu", "memory"}), pods_metrics={"rps": "hits"})


def test_the_adapter_rule_with_a_selector():
    assert adapter_rule(pipeline(rate_window="3m")) == {
        "seriesQuery": f'{COUNTER}{{namespace!="",pod!="",{SELECTOR}}}',
        "resources": {"overrides": {"namespace": {"resource": "namespace"}, "pod": {"resource": "pod"}}},
        "name": {"matches": f"^{COUNTER}$", "as": "requests_per_second"},
        "metricsQuery": f"sum(rate({COUNTER}{{<<.LabelMatchers>>,{SELECTOR}}}[3m])) by (<<.GroupBy>>)",
    }


def test_the_adapter_rule_without_a_selector():
    rule = adapter_rule(pipeline(request_counter="hits", request_counter_selector="", metric_name="rps"))
    assert rule["seriesQuery"] == 'hits{namespace!="",pod!=""}'
    assert rule["name"] == {"matches": "^hits$", "as": "rps"}
    assert rule["metricsQuery"] == "sum(rate(hits{<<.LabelMatchers>>}[2m])) by (<<.GroupBy>>)"


def test_the_hpa_at_max_rule():
    by = "max by (namespace, horizontalpodautoscaler)"
    assert hpa_at_max_rule(pipeline(hpa_at_max_for="20m")) == {
        "alert": "HpaAtMaxReplicas",
        "expr": f"{by} (kube_horizontalpodautoscaler_status_current_replicas) >= "
                f"{by} (kube_horizontalpodautoscaler_spec_max_replicas)",
        "for": "20m",
        "labels": {"severity": "warning"},
        "annotations": {
            "summary": "HPA {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has been at its maximum "
                       "replicas for 20m",
            "description": "Demand is above what the HPA's bounds allow: raise its max replicas (and the node group's "
                           "maximum to hold them), or make each pod serve more. See docs/alarms.md.",
        },
    }


def test_alerting_rules_hold_the_hpa_group_only_with_the_alert():
    assert alerting_rules(PIPELINE) == {"groups": [{"name": "hpa", "rules": [hpa_at_max_rule(PIPELINE)]}]}
    assert alerting_rules(pipeline(hpa_at_max_alert=False)) == {}


def test_alertmanagers_resolve_every_a_record_of_the_address():
    assert alertmanagers(PIPELINE) == []
    assert alertmanagers(pipeline(alertmanager_address="am.monitoring.svc:9093")) == [
        {"dns_sd_configs": [{"names": ["am.monitoring.svc"], "type": "A", "port": 9093}]}]


def test_pipeline_demand():
    assert pipeline_demand(PIPELINE) == [
        PodDemand("metrics-server", 2, 100, 200), PodDemand("prometheus", 1, 500, 2048),
        PodDemand("prometheus-adapter", 2, 100, 256), PodDemand("kube-state-metrics", 1, 20, 64)]
    assert pipeline_demand(pipeline(highly_available=False, hpa_at_max_alert=False)) == [
        PodDemand("metrics-server", 1, 100, 200), PodDemand("prometheus", 1, 500, 2048),
        PodDemand("prometheus-adapter", 1, 100, 256)]


@pytest.mark.parametrize("highly_available, replicas", [(True, 2), (False, 1)])
def test_metrics_server_values(highly_available, replicas):
    assert metrics_server_values(pipeline(highly_available=highly_available)) == {
        "replicas": replicas,
        "resources": {"requests": {"cpu": "100m", "memory": "200Mi"}, "limits": {"memory": "200Mi"}},
        "podDisruptionBudget": {"enabled": highly_available, "maxUnavailable": 1},
    }


@pytest.mark.parametrize("highly_available, replicas", [(True, 2), (False, 1)])
def test_prometheus_adapter_values(highly_available, replicas):
    args = pipeline(highly_available=highly_available, namespace="obs")
    assert prometheus_adapter_values(args) == {
        "replicas": replicas,
        "prometheus": {"url": "http://prometheus-server.obs.svc", "port": 80, "path": ""},
        "metricsRelistInterval": "1m",
        "rules": {"default": False, "custom": [adapter_rule(args)]},
        "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}},
        "podDisruptionBudget": {"enabled": highly_available, "maxUnavailable": 1},
    }


def test_prometheus_values_with_the_alert_and_an_alertmanager():
    args = pipeline(alertmanager_address="am:9093", scrape_interval="15s", retention="2d")
    assert prometheus_values(args) == {
        "alertmanager": {"enabled": False},
        "kube-state-metrics": {
            "enabled": True, "collectors": ["horizontalpodautoscalers"],
            "metricAllowlist": ["kube_horizontalpodautoscaler_status_current_replicas",
                                "kube_horizontalpodautoscaler_spec_max_replicas",
                                "kube_horizontalpodautoscaler_status_desired_replicas",
                                "kube_horizontalpodautoscaler_spec_min_replicas"],
            "resources": {"requests": {"cpu": "20m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}},
        "prometheus-node-exporter": {"enabled": False},
        "prometheus-pushgateway": {"enabled": False},
        "serverFiles": {"alerting_rules.yml": alerting_rules(args)},
        "server": {
            "alertmanagers": [{"dns_sd_configs": [{"names": ["am"], "type": "A", "port": 9093}]}],
            "global": {"scrape_interval": "15s", "evaluation_interval": "15s"},
            "retention": "2d",
            "persistentVolume": {"enabled": False},
            "resources": {"requests": {"cpu": "500m", "memory": "2048Mi"}, "limits": {"memory": "2048Mi"}},
            "securityContext": {"runAsNonRoot": True, "runAsUser": 65534, "runAsGroup": 65534, "fsGroup": 65534},
        },
    }


def test_prometheus_values_without_the_alert():
    values = prometheus_values(pipeline(hpa_at_max_alert=False))
    assert values["kube-state-metrics"] == {"enabled": False}
    assert values["serverFiles"] == {"alerting_rules.yml": {}}
    assert "alertmanagers" not in values["server"]


# ============================================================================================
# components/validation.py
# ============================================================================================

@dataclass(frozen=True)
class Inner:
    count: int = 1
    name: str = "n"


@dataclass(frozen=True)
class Typed:
    """Every kind of annotation the checker models, plus one it does not (``Literal``)."""

    text: str = "t"
    number: int = 1
    ratio: float = 0.5
    flag: bool = True
    maybe: Optional[int] = None
    either: Union[int, str] = 1
    reference: pulumi.Input[str] = "r"
    references: Sequence[pulumi.Input[str]] = ()
    names: list[str] = dataclasses.field(default_factory=list)
    pair: tuple[int, str] = (1, "a")
    many: tuple[bool, ...] = ()
    labels: Mapping[str, int] = dataclasses.field(default_factory=dict)
    bare_mapping: typing.Mapping = dataclasses.field(default_factory=dict)
    tags: frozenset[str] = frozenset()
    inner: Inner = Inner()
    maybe_inner: Optional[Inner] = None
    anything: Any = None
    mode: typing.Literal["a", "b"] = "a"


class Deferred:
    """An awaitable that is not an Output (the engine resolves those too)."""

    def __await__(self):
        yield
        return "x"


def mismatch(**fields) -> str:
    with pytest.raises(ArgumentTypeError) as info:
        check_argument_types(replace(Typed(), **fields))
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)
    return str(info.value)


def test_values_of_the_annotated_types_pass():
    check_argument_types(Typed())
    output = pulumi.Output.from_input("x")
    check_argument_types(Typed(text="", number=-3, ratio=2, flag=False, maybe=4, either="s", reference=output,
                               references=("a", output, Deferred()), names=["a", "b"], pair=(2, "b"),
                               many=(True, False, True), labels={"a": 1}, bare_mapping={1: "x"},
                               tags=frozenset({"a"}), inner=Inner(2, "m"), maybe_inner=Inner(), anything=object(),
                               mode="zzz"))
    check_argument_types(Typed(reference=Deferred(), tags={"a"}, names=("a",), many=[True]))


@pytest.mark.parametrize("fields, message", [
    ({"text": 3}, "text: 3 is int; expected a string"),
    ({"text": None}, "text: None is None; expected a string"),
    ({"number": "3"}, "number: '3' is str; expected an integer"),
    ({"number": True}, "number: True is bool; expected an integer"),
    ({"number": 1.0}, "number: 1.0 is float; expected an integer"),
    ({"ratio": "0.5"}, "ratio: '0.5' is str; expected a number"),
    ({"ratio": False}, "ratio: False is bool; expected a number"),
    ({"flag": 1}, "flag: 1 is int; expected a boolean"),
    ({"flag": None}, "flag: None is None; expected a boolean"),
    ({"maybe": "1"}, "maybe: '1' is str; expected an integer or None"),
    ({"either": 1.5}, "either: 1.5 is float; expected an integer or a string"),
    ({"either": None}, "either: None is None; expected an integer or a string"),
    ({"reference": 3}, "reference: 3 is int; expected a string or an Output"),
    ({"references": "abc"}, "references: 'abc' is str; expected a list or tuple of items that are a string or an Output"),
    ({"references": ("a", 2)}, "references[1]: 2 is int; expected a string or an Output"),
    ({"names": ["a", "b", 3]}, "names[2]: 3 is int; expected a string"),
    ({"names": {"a"}}, "names: {'a'} is set; expected a list or tuple of strings"),
    ({"pair": (1,)}, "pair: (1,) is tuple; expected a list or tuple of integers"),
    ({"pair": (1, "a", "b")}, "pair: (1, 'a', 'b') is tuple; expected a list or tuple of integers"),
    ({"pair": (1, 2)}, "pair[1]: 2 is int; expected a string"),
    ({"pair": ("1", "a")}, "pair[0]: '1' is str; expected an integer"),
    ({"many": (True, 1)}, "many[1]: 1 is int; expected a boolean"),
    ({"labels": [("a", 1)]}, "labels: [('a', 1)] is list; expected a mapping of a string to an integer"),
    ({"labels": {1: 1}}, "labels[1]: 1 is int; expected a string"),
    ({"labels": {"a": 1, "b": "2"}}, "labels['b']: '2' is str; expected an integer"),
    ({"bare_mapping": ()}, "bare_mapping: () is tuple; expected a mapping"),
    ({"tags": ["a"]}, "tags: ['a'] is list; expected a set"),
    ({"inner": "x"}, "inner: 'x' is str; expected a Inner"),
    ({"inner": Inner(count="2")}, "inner.count: '2' is str; expected an integer"),
    ({"inner": Inner(name=None)}, "inner.name: None is None; expected a string"),
    ({"maybe_inner": Inner(count=True)}, "maybe_inner.count: True is bool; expected an integer"),
    ({"maybe_inner": 3}, "maybe_inner: 3 is int; expected a Inner or None"),
])
def test_a_value_of_another_type_is_refused_at_its_innermost_path(fields, message):
    assert mismatch(**fields) == message


def test_the_first_wrong_field_is_reported():
    assert mismatch(number="1", text=2) == "text: 2 is int; expected a string"
    with pytest.raises(ArgumentTypeError) as info:
        check_argument_types(Typed(flag="no"))
    assert info.value.paths == ("flag",) and info.value.value == "no"
    assert info.value.reason == "'no' is str; expected a boolean"


@pytest.mark.parametrize("hint, text", [
    (str, "a string"), (int, "an integer"), (float, "a number"), (bool, "a boolean"),
    (Optional[str], "a string or None"), (Union[int, str, None], "an integer or a string or None"),
    (list[int], "a list or tuple of integers"), (Sequence[bool], "a list or tuple of booleans"),
    (Sequence[float], "a list or tuple of items that are a number"), (list[Any], "a list or tuple"),
    (tuple[str, ...], "a list or tuple of strings"), (typing.List, "a list or tuple"),  # noqa: UP006
    (dict[str, bool], "a mapping of a string to a boolean"), (typing.Dict, "a mapping"),  # noqa: UP006
    (set[int], "a set"), (frozenset[str], "a set"), (Inner, "a Inner"), (bytes, "a bytes"),
    (Union[Inner, None], "a Inner or None"), (str | None, "a string or None"), (int | str, "an integer or a string"),
    (typing.Literal["a"], "typing.Literal['a']"), (Any, "any value"),
    (dict[str, Any], "a mapping of a string to any value"),
    (Sequence[dict[str, Any]], "a list or tuple of items that are a mapping of a string to any value"),
])
def test_each_annotation_is_described_for_the_message(hint, text):
    assert validation._describe(hint) == text


def test_an_input_is_described_with_its_output():
    assert validation._describe(validation._Input(int)) == "an integer or an Output"
    assert validation._describe(validation._Input(Optional[str])) == "a string or None or an Output"


@pytest.mark.parametrize("value, hint", [
    (None, Optional[int]), (3, int | None), ("a", str | int), (None, Any), (b"x", bytes), ("x", typing.Literal["a"]),
    ((), tuple[()]), ([1, 2], list), ({"a": 1}, dict),
])
def test_matching_values_pass(value, hint):
    assert validation._mismatch(value, hint, "p") is None


def test_a_union_of_several_arms_reports_the_union_and_one_arm_its_own_error():
    error = validation._mismatch([1], Union[list[str], int], "p")
    assert str(error) == "p: [1] is list; expected a list or tuple of strings or an integer"
    error = validation._mismatch([1], Optional[list[str]], "p")
    assert str(error) == "p[0]: 1 is int; expected a string" and error.paths == ("p[0]",)


def test_a_dataclass_with_real_annotations_is_checked():
    """``from __future__ import annotations`` makes them strings; without it they are the types themselves."""
    Real = dataclasses.make_dataclass("Real", [("count", int), ("names", list[str])])
    check_argument_types(Real(1, ["a"]))
    refused(lambda: check_argument_types(Real(1, ["a", 2])), "names[1]: 2 is int; expected a string",
            ArgumentTypeError)
    refused(lambda: check_argument_types(Real("1", [])), "count: '1' is str; expected an integer", ArgumentTypeError)


def test_string_annotations_are_read_in_the_class_module_with_pulumi_input_as_a_marker():
    """A class defined here, now, so its hints are not cached yet: ``pulumi.Input[str]`` is the checkable marker (a
    plain value is judged against ``str``), and names resolve in this module (``Inner``, ``Optional``)."""

    @dataclass(frozen=True)
    class Fresh:
        reference: pulumi.Input[str] = "r"
        inner: Optional[Inner] = None
        count: int = 0

    assert validation._hints(Fresh) == {"reference": validation._Input(str), "inner": Optional[Inner], "count": int}
    check_argument_types(Fresh(reference=pulumi.Output.from_input("x"), inner=Inner()))
    refused(lambda: check_argument_types(Fresh(reference=3)), "reference: 3 is int; expected a string or an Output",
            ArgumentTypeError)
    refused(lambda: check_argument_types(Fresh(count="1")), "count: '1' is str; expected an integer", ArgumentTypeError)


@pytest.mark.parametrize("value, error", [((1,), None), ((1, 2), "p: (1, 2) is tuple; expected a list or tuple of "
                                                                  "integers"), (("1",), "p[0]: '1' is str; expected an integer")])
def test_a_one_item_tuple_annotation_has_a_fixed_length(value, error):
    result = validation._mismatch(value, tuple[int], "p")
    assert (None if result is None else str(result)) == error


def test_the_hints_of_a_class_are_read_once():
    check_argument_types(Inner())
    assert validation._HINTS[Inner] == {"count": int, "name": str}
    assert validation._hints(Inner) is validation._HINTS[Inner]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_each_environment_is_allowed(environment):
    check_environment(environment)


@pytest.mark.parametrize("environment", ["", "Prod", "staging", None, 1])
def test_other_environments_are_refused(environment):
    with pytest.raises(ArgumentError) as info:
        check_environment(environment)
    assert str(info.value) == f"environment: {environment!r} is not allowed; expected one of 'dev', 'prod'"
    assert info.value.value == environment and type(info.value) is ArgumentError


@pytest.mark.parametrize("protect, environment, expected", [
    (None, "prod", True), (None, "dev", False), (False, "prod", False), (True, "dev", True), (True, "prod", True),
    (False, "dev", False)])
def test_protect_is_as_given_else_true_in_production(protect, environment, expected):
    assert resolve_protect(protect, environment) is expected


def test_check_arguments_checks_types_then_the_environment_when_there_is_one():
    check_arguments(Typed())
    check_arguments(NetworkArgs(environment="dev"))
    refused(lambda: check_arguments(NetworkArgs(environment="qa")),
            "environment: 'qa' is not allowed; expected one of 'dev', 'prod'")
    refused(lambda: check_arguments(NetworkArgs(environment="qa", az_count="2")),
            "az_count: '2' is str; expected an integer", ArgumentTypeError)
    refused(lambda: check_arguments(Typed(text=1)), "text: 1 is int; expected a string", ArgumentTypeError)


def test_an_argument_error_names_its_paths_reason_and_value():
    error = ArgumentError("min_size/max_size", "1/0 is not allowed", value=(1, 0))
    assert error.paths == ("min_size", "max_size") and error.path == "min_size/max_size"
    assert error.reason == "1/0 is not allowed" and error.value == (1, 0)
    assert str(error) == "min_size/max_size: 1/0 is not allowed"
    listed = ArgumentError(["a", "b.c"], "why")
    assert listed.paths == ("a", "b.c") and str(listed) == "a/b.c: why" and listed.value is None
    assert ArgumentError(("x",), "why").paths == ("x",)


def test_within_prefixes_every_path_and_keeps_the_rest():
    error = ArgumentTypeError("min_size/max_size", "bad", value=3)
    outer = error.within("database")
    assert type(outer) is ArgumentTypeError
    assert outer.paths == ("database.min_size", "database.max_size")
    assert (outer.reason, outer.value, outer.__cause__) == ("bad", 3, error)
    assert str(outer) == "database.min_size/database.max_size: bad"


@dataclass(frozen=True)
class Pod:
    name: str = "api"
    namespace: str = "default"
    image: str = "registry.example/app:1"


@pytest.mark.parametrize("pod", [Pod(), Pod(name="a" * 63), Pod(namespace="0"), Pod(name="a-b-9"),
                                 Pod(image="x")])
def test_a_pod_identity_of_dns_labels_and_an_image_passes(pod):
    check_pod_identity(pod)


@pytest.mark.parametrize("field_name", ["name", "namespace"])
@pytest.mark.parametrize("value", ["", "A", "-a", "a-", "a" * 64, "a.b", "a_b"])
def test_a_pod_name_or_namespace_that_is_not_a_dns_label_is_refused(field_name, value):
    refused(lambda: check_pod_identity(replace(Pod(), **{field_name: value})),
            f"{field_name}: {value!r} is not a DNS label (lower-case letters, digits, '-', at most 63)")


@pytest.mark.parametrize("image", ["", " ", "app :1", "app\t1", "app:1\n"])
def test_an_empty_image_or_one_with_whitespace_is_refused(image):
    refused(lambda: check_pod_identity(Pod(image=image)), f"image: {image!r} is not an image reference")
