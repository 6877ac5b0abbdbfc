"""Pure rows for the remaining component validators (rate_limit, alarms, alertmanager, keda, app_identity,
certificate, app_settings, load_balancer_controller): each rule at its edge, each enum and pattern accepted and
refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import pulumi
import pytest

from components import (
    alarms,
    alertmanager,
    app_identity,
    app_settings,
    certificate,
    keda,
    load_balancer_controller,
    rate_limit,
)
from components.alarms import (
    AlarmsArgs,
    AlarmSpec,
    CacheWatch,
    DatabaseWatch,
    EdgeWatch,
    PoolWatch,
    ShardWatch,
    StreamingWatch,
    TargetGroupWatch,
    validate_alarms_args,
)
from components.alertmanager import AlertmanagerArgs, validate_alertmanager_args
from components.app_identity import AppIdentityArgs, validate_app_identity_args
from components.app_settings import AppSettingsArgs, validate_app_settings_args
from components.certificate import DnsValidatedCertificateArgs, validate_dns_validated_certificate_args
from components.encryption import key_policy
from components.irsa import STS_AUDIENCE
from components.keda import KedaArgs, validate_keda_args
from components.load_balancer_controller import LoadBalancerControllerArgs, validate_load_balancer_controller_args
from components.metrics_pipeline import PodDemand
from components.rate_limit import (
    MANAGED_RULE_GROUPS,
    MODES,
    OVERRIDE_ACTIONS,
    RateLimitArgs,
    parse_rule_overrides,
    validate_rate_limit_args,
)
from components.validation import ArgumentError, ArgumentTypeError
from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.environments import ENVIRONMENTS


def refused(validate, args) -> ArgumentError:
    with pytest.raises(ArgumentError) as caught:
        validate(args)
    return caught.value


# --------------------------------------------------------------------------------------------
# RateLimit
# --------------------------------------------------------------------------------------------

RATE = RateLimitArgs()
GROUPS = [group for _, group in MANAGED_RULE_GROUPS]
COMMON = "AWSManagedRulesCommonRuleSet"


def test_rate_limit_defaults_return_the_design_rule_as_waf_converts_it():
    assert validate_rate_limit_args(RATE) == (67, 600)
    assert validate_rate_limit_args(replace(RATE, requests=50, window_seconds=60)) == (50, 60)


def test_rate_limit_checks_the_common_arguments_first():
    error = refused(validate_rate_limit_args, replace(RATE, environment="staging"))
    assert str(error) == f"environment: 'staging' is not allowed; expected one of {', '.join(map(repr, ENVIRONMENTS))}"


@pytest.mark.parametrize(("changes", "paths", "reason"), [
    ({"requests": 0}, ("requests",), "0 is not allowed; expected a positive integer"),
    ({"window_seconds": 0}, ("window_seconds",), "0 is not allowed; expected a positive integer"),
    ({"requests": 9, "window_seconds": 600}, ("requests", "window_seconds"),
     "9 per 600 s cannot be expressed as a WAF rate-based rule; WAF evaluates windows of 60, 120, 300, 600 s with "
     "limits from 10 to 2,000,000,000, so the rate must lie between 10 per 600 s and 2,000,000,000 per 60 s"),
])
def test_rate_limit_gives_the_waf_conversion_error_its_path(changes, paths, reason):
    error = refused(validate_rate_limit_args, replace(RATE, **changes))
    assert (error.paths, error.reason) == (paths, reason)
    assert str(error) == f"{'/'.join(paths)}: {reason}"
    assert isinstance(error.__cause__, ValueError) and not isinstance(error.__cause__, ArgumentError)


@pytest.mark.parametrize("header", ["", "x", "x-user-id", "X-User-9", "a" * 64, "-"])
def test_rate_limit_key_header_allowed(header):
    assert validate_rate_limit_args(replace(RATE, key_header=header)) == (67, 600)


@pytest.mark.parametrize("header", ["a" * 65, "x_user", "x user", "x-user-id:", "é"])
def test_rate_limit_key_header_refused(header):
    assert str(refused(validate_rate_limit_args, replace(RATE, key_header=header))) == (
        f"key_header: {header!r} is not an HTTP header name; expected 1 to 64 letters, digits or '-', or an empty "
        "string for the client IP")


def test_rate_limit_modes():
    assert MODES == ("block", "count")
    for mode in MODES:
        assert validate_rate_limit_args(replace(RATE, mode=mode)) == (67, 600)
    for mode in ("Block", "allow", ""):
        assert str(refused(validate_rate_limit_args, replace(RATE, mode=mode))) == (
            f"mode: {mode!r} is not allowed; expected one of ('block', 'count')")


def test_rate_limit_log_retention_days():
    for days in LOG_RETENTION_DAYS:
        assert validate_rate_limit_args(replace(RATE, log_retention_days=days)) == (67, 600)
    for days in (0, 2, 366, 3654):
        assert str(refused(validate_rate_limit_args, replace(RATE, log_retention_days=days))) == (
            f"log_retention_days: {days} is not a CloudWatch Logs retention; expected one of {LOG_RETENTION_DAYS}")


def test_rate_limit_overrides_are_parsed_while_validating():
    entry = f"{COMMON}:SizeRestrictions_BODY:skip"
    assert str(refused(validate_rate_limit_args, replace(RATE, managed_rule_overrides=(entry,)))) == (
        f"managed_rule_overrides: {entry!r} has action 'skip'; expected one of {OVERRIDE_ACTIONS}")
    allowed = replace(RATE, managed_rule_overrides=(f"{COMMON}:SizeRestrictions_BODY:count",))
    assert validate_rate_limit_args(allowed) == (67, 600)


def test_rate_limit_overrides_need_the_managed_groups():
    entries = (f"{COMMON}:SizeRestrictions_BODY:count", f"{GROUPS[1]}:Log4JRCE:block")
    args = replace(RATE, managed_rules=False, managed_rule_overrides=entries)
    assert str(refused(validate_rate_limit_args, args)) == (
        f"managed_rule_overrides: {list(entries)!r} overrides rules of the managed groups, but managed_rules is False; "
        "expected no overrides")
    assert validate_rate_limit_args(replace(RATE, managed_rules=False)) == (67, 600)


@pytest.mark.parametrize("body", ["not json", "{", "x" * 100, "{'single': 'quotes'}"])
def test_rate_limit_response_body_must_be_json(body):
    error = refused(validate_rate_limit_args, replace(RATE, response_body=body))
    assert str(error) == (f"response_body: {body[:60]!r} is not JSON; the 429 response is served as "
                          "application/json")
    assert error.__cause__ is None and error.__suppress_context__


def json_string_of_bytes(size: int) -> str:
    """A JSON string literal of exactly ``size`` UTF-8 bytes, mostly two-byte characters (so characters != bytes)."""
    body = '"' + "é" * ((size - 2) // 2) + "a" * ((size - 2) % 2) + '"'
    assert len(body.encode()) == size and len(body) < size
    return body


@pytest.mark.parametrize("body", ["1", "{}", json_string_of_bytes(4096), json_string_of_bytes(4095)])
def test_rate_limit_response_body_sizes_allowed(body):
    assert validate_rate_limit_args(replace(RATE, response_body=body)) == (67, 600)


def test_rate_limit_response_body_over_4096_bytes_refused():
    assert str(refused(validate_rate_limit_args, replace(RATE, response_body=json_string_of_bytes(4097)))) == (
        "response_body: 4097 bytes; WAF allows 1 to 4096")


def test_parse_rule_overrides_groups_the_rules_by_group_in_order():
    entries = (f"{COMMON}:SizeRestrictions_BODY:count", f"{GROUPS[2]}:AWSManagedIPReputationList:allow",
               f"{COMMON}:NoUserAgent_HEADER:challenge", f"{GROUPS[1]}:{'r' * 128}:captcha",
               f"{COMMON}:a-b_C9:block")
    assert parse_rule_overrides(entries) == {
        COMMON: {"SizeRestrictions_BODY": "count", "NoUserAgent_HEADER": "challenge", "a-b_C9": "block"},
        GROUPS[2]: {"AWSManagedIPReputationList": "allow"},
        GROUPS[1]: {"r" * 128: "captcha"},
    }
    assert parse_rule_overrides(()) == {}


def test_parse_rule_overrides_takes_every_group_and_action():
    assert GROUPS == ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                      "AWSManagedRulesAmazonIpReputationList"]
    for group in GROUPS:
        for action in OVERRIDE_ACTIONS:
            assert parse_rule_overrides([f"{group}:Rule:{action}"]) == {group: {"Rule": action}}


@pytest.mark.parametrize(("entry", "reason"), [
    ("AWSManagedRulesCommonRuleSet:count", "'AWSManagedRulesCommonRuleSet:count' is not Group:RuleName:action"),
    ("AWSManagedRulesCommonRuleSet:A:B:count", "'AWSManagedRulesCommonRuleSet:A:B:count' is not Group:RuleName:action"),
    ("", "'' is not Group:RuleName:action"),
    ("MyGroup:Rule:count", "'MyGroup:Rule:count' names group 'MyGroup'; expected one of "
                           f"{GROUPS}"),
    ("aws-common-rule-set:Rule:count", "'aws-common-rule-set:Rule:count' names group 'aws-common-rule-set'; expected "
                                       f"one of {GROUPS}"),
    ("AWSManagedRulesCommonRuleSet::count", "'AWSManagedRulesCommonRuleSet::count' names rule ''; expected 1 to 128 "
                                            "letters, digits, '_' or '-' (the rule's name in the group)"),
    (f"AWSManagedRulesCommonRuleSet:{'r' * 129}:count",
     f"'AWSManagedRulesCommonRuleSet:{'r' * 129}:count' names rule '{'r' * 129}'; expected 1 to 128 letters, digits, "
     "'_' or '-' (the rule's name in the group)"),
    ("AWSManagedRulesCommonRuleSet:Size.Body:count", "'AWSManagedRulesCommonRuleSet:Size.Body:count' names rule "
                                                     "'Size.Body'; expected 1 to 128 letters, digits, '_' or '-' "
                                                     "(the rule's name in the group)"),
    ("AWSManagedRulesCommonRuleSet:Rule:Count", "'AWSManagedRulesCommonRuleSet:Rule:Count' has action 'Count'; "
                                                f"expected one of {OVERRIDE_ACTIONS}"),
    ("AWSManagedRulesCommonRuleSet:Rule:none", "'AWSManagedRulesCommonRuleSet:Rule:none' has action 'none'; "
                                               f"expected one of {OVERRIDE_ACTIONS}"),
])
def test_parse_rule_overrides_refuses_each_bad_entry(entry, reason):
    error = refused(parse_rule_overrides, ["AWSManagedRulesCommonRuleSet:Fine:count", entry])
    assert str(error) == f"managed_rule_overrides: {reason}"


def test_parse_rule_overrides_refuses_a_rule_twice_even_with_the_same_action():
    for second in ("count", "block"):
        entries = [f"{COMMON}:SizeRestrictions_BODY:count", f"{GROUPS[1]}:SizeRestrictions_BODY:count",
                   f"{COMMON}:SizeRestrictions_BODY:{second}"]
        assert str(refused(parse_rule_overrides, entries)) == (
            f"managed_rule_overrides: '{COMMON}:SizeRestrictions_BODY:{second}' overrides "
            f"{COMMON}:SizeRestrictions_BODY a second time")


def test_metric_names_keep_allowed_characters_and_stop_at_128():
    assert rate_limit._metric("Edge-WAF_1-rate-limit-by-IP") == "Edge-WAF_1-rate-limit-by-IP"
    assert rate_limit._metric("a.b c/d:é") == "a-b-c-d--"
    assert rate_limit._metric("x." + "y" * 200) == "x-" + "y" * 126


# --------------------------------------------------------------------------------------------
# Alarms
# --------------------------------------------------------------------------------------------

def settled(value: Any) -> Any:
    """The value of an Output built from plain values (no engine: its tasks run on the default loop)."""
    if isinstance(value, pulumi.Output):
        return asyncio.get_event_loop().run_until_complete(value.future())
    return value


EDGE = EdgeWatch("app/web/1")
POOL = PoolWatch("api", "api-asg", 10)
SHARD = ShardWatch("db-0")
DB_WATCH = DatabaseWatch((SHARD,), allocated_storage_gb=100, max_client_processes=7)
CACHE_WATCH = CacheWatch("rg", 1, 1)
KAFKA = StreamingWatch("kafka", 3)
EVERY_TIER = AlarmsArgs(subscriptions=("ops@example.com",), edge=EDGE, pools=(POOL,), database=DB_WATCH,
                        cache=CACHE_WATCH, streaming=KAFKA)


@pytest.mark.parametrize(("endpoint", "protocol"), [
    ("ops@example.com", "email"), ("a@b.c", "email"), ("first.last+tag@mail.example.org", "email"),
    ("https://hooks.example.com/alarms", "https"), ("https://h", "https"), ("https://h/", "https"),
    ("https://hooks.example.com:8443/a/b?c=d", "https"),
])
def test_alarms_subscription_protocol_allowed(endpoint, protocol):
    assert alarms.subscription_protocol(endpoint) == protocol
    assert validate_alarms_args(AlarmsArgs(subscriptions=(endpoint,))) is None


@pytest.mark.parametrize("endpoint", [
    "", "ops@example", "ops@@example.com", "o ps@example.com", "ops@exa mple.com", "@example.com", "ops@.com.",
    "http://hooks.example.com/alarms", "https://", "https:///alarms", "https://hooks example.com",
    "https://h/a b", "HTTPS://h", "ftp://h", " https://h",
])
def test_alarms_subscription_protocol_refused(endpoint):
    message = (f"subscriptions: {endpoint!r} is not allowed; expected an email address (ops@example.com) or an HTTPS "
               "URL (https://hooks.example.com/alarms)")
    assert str(refused(alarms.subscription_protocol, endpoint)) == message
    assert str(refused(validate_alarms_args, AlarmsArgs(subscriptions=("ops@example.com", endpoint)))) == message


def test_alarms_every_tier_at_its_smallest_is_allowed():
    assert validate_alarms_args(EVERY_TIER) is None
    smallest = AlarmsArgs(
        subscriptions=("ops@example.com", "https://h"),
        edge=EdgeWatch("app/web/1", (TargetGroupWatch("a", "tg/a"), TargetGroupWatch("b", "tg/b")), "acl", ("r",)),
        pools=(PoolWatch("a", "g", 1), PoolWatch("b", "g", 1)),
        database=DatabaseWatch((SHARD,), 1, 1, 1, 1), cache=CacheWatch("rg", 1, 0), streaming=StreamingWatch("k", 1,
                                                                                                            partitions=1))
    assert validate_alarms_args(smallest) is None
    assert validate_alarms_args(AlarmsArgs(edge=EdgeWatch("app/web/1", web_acl_name="acl"))) is None


def test_alarms_checks_the_common_arguments_first():
    assert str(refused(validate_alarms_args, replace(EVERY_TIER, environment="test"))) == (
        f"environment: 'test' is not allowed; expected one of {', '.join(map(repr, ENVIRONMENTS))}")


@pytest.mark.parametrize(("args", "message"), [
    (AlarmsArgs(subscriptions=("a@b.c", "https://h", "a@b.c")),
     "subscriptions: ['a@b.c', 'https://h', 'a@b.c'] has duplicates; list each endpoint once"),
    (AlarmsArgs(edge=EdgeWatch("lb", (TargetGroupWatch("a", "tg/1"), TargetGroupWatch("b", "tg/2"),
                                      TargetGroupWatch("a", "tg/3")))),
     "edge.target_groups: names ['a', 'b', 'a'] have duplicates"),
    (AlarmsArgs(edge=EdgeWatch("lb", rate_rule_metric_names=("r",))),
     "edge.web_acl_name: None while rate_rule_metric_names are given; the WAF metrics are named by both"),
    (AlarmsArgs(pools=(PoolWatch("a", "g1", 1), PoolWatch("b", "g2", 1), PoolWatch("b", "g3", 1))),
     "pools: names ['a', 'b', 'b'] have duplicates"),
    (AlarmsArgs(pools=(PoolWatch("a", "g1", 1), PoolWatch("b", "g2", 0))),
     "pools[1].max_size: 0 is out of range; expected at least 1"),
    (AlarmsArgs(pools=(PoolWatch("a", "g1", -1),)), "pools[0].max_size: -1 is out of range; expected at least 1"),
    (AlarmsArgs(database=DatabaseWatch((), 100, 7)), "database.shards: empty; expected at least one shard"),
    (AlarmsArgs(database=DatabaseWatch((SHARD,), 0, 7)),
     "database.allocated_storage_gb: 0 is out of range; expected at least 1"),
    (AlarmsArgs(database=DatabaseWatch((SHARD,), 1, 0)),
     "database.max_client_processes: 0 is out of range; expected at least 1"),
    (AlarmsArgs(database=DatabaseWatch((SHARD,), 1, 1, pool_max_connections=0)),
     "database.pool_max_connections: 0 is out of range; expected at least 1"),
    (AlarmsArgs(database=DatabaseWatch((SHARD,), 1, 1, pool_connect_timeout_seconds=0)),
     "database.pool_connect_timeout_seconds: 0 is out of range; expected at least 1"),
    (AlarmsArgs(cache=CacheWatch("rg", 0, 1)), "cache.node_groups: 0 is out of range; expected at least 1"),
    (AlarmsArgs(cache=CacheWatch("rg", 1, -1)),
     "cache.replicas_per_node_group: -1 is out of range; expected at least 0"),
    (AlarmsArgs(streaming=StreamingWatch("k", 0)), "streaming.broker_count: 0 is out of range; expected at least 1"),
    (AlarmsArgs(streaming=StreamingWatch("k", 1, partitions=0)),
     "streaming.partitions: 0 is out of range; expected at least 1"),
])
def test_alarms_refusals(args, message):
    assert str(refused(validate_alarms_args, args)) == message


def test_alarms_thresholds_derived_from_the_arguments():
    assert alarms.free_storage_threshold_bytes(100) == 5_368_709_120
    assert alarms.free_storage_threshold_bytes(1) == 53_687_091  # 5 % of 1 GiB, rounded down
    assert alarms.proxy_client_connections_threshold(DB_WATCH) == 112  # 80 % of 20 x 7
    assert alarms.proxy_client_connections_threshold(DatabaseWatch((SHARD,), 1, 3, pool_max_connections=3)) == 7
    assert alarms.borrow_latency_threshold_microseconds(DB_WATCH) == 200_000
    assert alarms.borrow_latency_threshold_microseconds(DatabaseWatch((SHARD,), 1, 1, 1, 3)) == 300_000
    assert alarms.borrow_latency_threshold_microseconds(DatabaseWatch((SHARD,), 1, 1, 1, 10)) == 1_000_000
    assert type(alarms.borrow_latency_threshold_microseconds(DB_WATCH)) is int
    assert alarms.consumer_lag_threshold(KAFKA) == 10_000
    assert alarms.consumer_lag_threshold(StreamingWatch("k", 1, partitions=3)) == 3_000


def test_alarms_cache_node_ids_and_labels():
    assert alarms.cache_node_ids("rg", 2, 1) == ["rg-0001-001", "rg-0001-002", "rg-0002-001", "rg-0002-002"]
    assert alarms.cache_node_ids("rg", 1, 0) == ["rg-0001-001"]
    assert alarms.cache_node_ids("rg", 10, 2)[-1] == "rg-0010-003"
    nodes = alarms.cache_nodes(CacheWatch("rg", 2, 1))
    assert [(label, settled(node)) for label, node in nodes] == [
        ("0001-001", "rg-0001-001"), ("0001-002", "rg-0001-002"), ("0002-001", "rg-0002-001"),
        ("0002-002", "rg-0002-002")]


def test_alarms_endpoint_key_is_a_short_hash_of_the_endpoint():
    assert alarms.endpoint_key("ops@example.com") == "af3c8254"
    assert alarms.endpoint_key("https://hooks.example.com/alarms") == "87312a32"


def test_alarms_topic_key_policy():
    assert json.loads(alarms.topic_key_policy("aws", "123456789012", "arn:aws:sns:eu-west-1:123456789012:t")) == \
        json.loads(key_policy("aws", "123456789012", {
            "Sid": "CloudWatchAlarmsPublishToTheTopic", "Effect": "Allow",
            "Principal": {"Service": "cloudwatch.amazonaws.com"},
            "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012",
                                           "kms:EncryptionContext:aws:sns:topicArn":
                                               "arn:aws:sns:eu-west-1:123456789012:t"}}}))


def query(query_id: str, metric_name: str) -> dict:
    return {"id": query_id, "return_data": False, "metric": {
        "namespace": "AWS/ApplicationELB", "metric_name": metric_name, "dimensions": {"LoadBalancer": "app/web/1"},
        "period": 60, "stat": "Sum"}}


EDGE_5XX = AlarmSpec(
    "edge-5xx-rate", "ALB 5xx responses above 5 % of requests", "GreaterThanThreshold", 5.0, "notBreaching", 5, 3,
    metric_queries=[query("elb5xx", "HTTPCode_ELB_5XX_Count"), query("target5xx", "HTTPCode_Target_5XX_Count"),
                    query("requests", "RequestCount"),
                    {"id": "rate", "label": "5xx % of requests", "return_data": True,
                     "expression": "IF(requests >= 50, 100 * (FILL(elb5xx, 0) + FILL(target5xx, 0)) / requests, 0)"}])
EDGE_P99 = AlarmSpec(
    "edge-p99-latency", "ALB target response time p99 above 2 s", "GreaterThanThreshold", 2.0, "notBreaching", 5, 3,
    namespace="AWS/ApplicationELB", metric_name="TargetResponseTime", dimensions={"LoadBalancer": "app/web/1"},
    extended_statistic="p99")


def test_alarms_edge_specs():
    assert alarms.edge_alarms(EDGE, "eu-west-1") == [EDGE_5XX, EDGE_P99]
    watched = EdgeWatch("app/web/1", (TargetGroupWatch("blue", "tg/blue/1"), TargetGroupWatch("green", "tg/green/2")),
                        "acl", ("r1", "r2"))
    unhealthy = [AlarmSpec(f"edge-unhealthy-{n}", f"Unhealthy targets in target group {n}",
                           "GreaterThanOrEqualToThreshold", 1, "notBreaching", 3, 3, namespace="AWS/ApplicationELB",
                           metric_name="UnHealthyHostCount",
                           dimensions={"TargetGroup": arn, "LoadBalancer": "app/web/1"}, statistic="Maximum")
                 for n, arn in (("blue", "tg/blue/1"), ("green", "tg/green/2"))]

    def waf(rule: str, metric: str) -> AlarmSpec:
        return AlarmSpec(f"edge-waf-{rule}", f"WAF rate rule {rule}: more than 1000 {metric} in 5 minutes",
                         "GreaterThanThreshold", 1000, "notBreaching", 1, 1, namespace="AWS/WAFV2", metric_name=metric,
                         dimensions={"WebACL": "acl", "Rule": rule, "Region": "eu-west-1"}, statistic="Sum",
                         period=300)
    assert alarms.edge_alarms(watched, "eu-west-1") == [EDGE_5XX, EDGE_P99, *unhealthy, waf("r1", "BlockedRequests"),
                                                        waf("r2", "BlockedRequests")]
    counting = replace(watched, target_groups=(), rate_rules_count_only=True)
    assert alarms.edge_alarms(counting, "eu-west-1") == [EDGE_5XX, EDGE_P99, waf("r1", "CountedRequests"),
                                                         waf("r2", "CountedRequests")]
    assert list(alarms.edge_alarms(EDGE, "eu-west-1")[0].metric_queries[0]["metric"]["dimensions"].items()) == \
        [("LoadBalancer", "app/web/1")]


def test_alarms_pool_specs():
    assert alarms.pool_alarms([POOL, PoolWatch("w", "w-asg", 3)]) == [
        AlarmSpec(f"asg-at-max-{n}", f"Auto Scaling group {n} in service at its maximum ({m}) for 15 minutes",
                  "GreaterThanOrEqualToThreshold", m, "missing", 15, 15, namespace="AWS/AutoScaling",
                  metric_name="GroupInServiceInstances", dimensions={"AutoScalingGroupName": g}, statistic="Minimum")
        for n, g, m in (("api", "api-asg", 10), ("w", "w-asg", 3))]
    assert alarms.pool_alarms([]) == []


def primary_specs(index: int, primary: str) -> list[AlarmSpec]:
    return [
        AlarmSpec(f"db-shard-{index:02d}-cpu", f"Shard {index} primary CPU above 80 % for 15 minutes",
                  "GreaterThanThreshold", 80.0, "missing", 15, 15, namespace="AWS/RDS", metric_name="CPUUtilization",
                  dimensions={"DBInstanceIdentifier": primary}, statistic="Average"),
        AlarmSpec(f"db-shard-{index:02d}-free-storage",
                  f"Shard {index} primary free storage below 5 % of 100 GiB (storage autoscaling did not grow it)",
                  "LessThanThreshold", 5_368_709_120, "missing", 5, 5, namespace="AWS/RDS",
                  metric_name="FreeStorageSpace", dimensions={"DBInstanceIdentifier": primary}, statistic="Minimum"),
    ]


def test_alarms_database_specs():
    shards = (ShardWatch("db-0"), ShardWatch("db-1", ("db-1-r0", "db-1-r1"), "proxy-1"))
    lag = [AlarmSpec(f"db-shard-01-replica-{r}-lag", f"Shard 1 replica {r} more than 30 s behind its primary",
                     "GreaterThanThreshold", 30.0, "breaching", 5, 5, namespace="AWS/RDS", metric_name="ReplicaLag",
                     dimensions={"DBInstanceIdentifier": f"db-1-r{r}"}, statistic="Maximum") for r in (0, 1)]
    proxy = [
        AlarmSpec("db-shard-01-proxy-connections",
                  "Shard 1 proxy client connections above 80 % of 20 per process x 7 processes",
                  "GreaterThanThreshold", 112, "notBreaching", 5, 5, namespace="AWS/RDS",
                  metric_name="ClientConnections", dimensions={"ProxyName": "proxy-1"}, statistic="Maximum"),
        AlarmSpec("db-shard-01-proxy-borrow-latency",
                  "Shard 1 proxy takes more than 200000 us on average to hand out a database connection",
                  "GreaterThanThreshold", 200_000, "notBreaching", 5, 3, namespace="AWS/RDS",
                  metric_name="DatabaseConnectionsBorrowLatency", dimensions={"ProxyName": "proxy-1"},
                  statistic="Average"),
    ]
    assert alarms.database_alarms(replace(DB_WATCH, shards=shards)) == [
        *primary_specs(0, "db-0"), *primary_specs(1, "db-1"), *lag, *proxy]


def test_alarms_cache_specs():
    specs = alarms.cache_alarms(CacheWatch("rg", 1, 1))

    def node(label: str) -> list[AlarmSpec]:
        dims = {"CacheClusterId": f"rg-{label}"}
        return [
            AlarmSpec(f"cache-{label}-memory", f"Cache node {label} memory above 80 % of maxmemory",
                      "GreaterThanThreshold", 80.0, "missing", 15, 15, namespace="AWS/ElastiCache",
                      metric_name="DatabaseMemoryUsagePercentage", dimensions=dims, statistic="Maximum"),
            AlarmSpec(f"cache-{label}-evictions", f"Cache node {label} evicts more than 100 keys in 5 minutes",
                      "GreaterThanThreshold", 100, "missing", 3, 3, namespace="AWS/ElastiCache",
                      metric_name="Evictions", dimensions=dims, statistic="Sum", period=300),
            AlarmSpec(f"cache-{label}-engine-cpu", f"Cache node {label} engine CPU above 90 %",
                      "GreaterThanThreshold", 90.0, "missing", 5, 5, namespace="AWS/ElastiCache",
                      metric_name="EngineCPUUtilization", dimensions=dims, statistic="Average"),
            AlarmSpec(f"cache-{label}-replication-lag", f"Cache node {label} more than 10 s behind its primary",
                      "GreaterThanThreshold", 10.0, "notBreaching", 5, 5, namespace="AWS/ElastiCache",
                      metric_name="ReplicationLag", dimensions=dims, statistic="Maximum"),
        ]
    assert [replace(s, dimensions={k: settled(v) for k, v in s.dimensions.items()}) for s in specs] == [
        *node("0001-001"), *node("0001-002")]


def test_alarms_streaming_specs():
    cluster = {"Cluster Name": "kafka"}
    brokers = [spec for b in (1, 2) for spec in (
        AlarmSpec(f"kafka-broker-{b}-disk", f"Kafka broker {b} data disk above 85 % used", "GreaterThanThreshold",
                  85.0, "missing", 5, 5, namespace="AWS/Kafka", metric_name="KafkaDataLogsDiskUsed",
                  dimensions={"Cluster Name": "kafka", "Broker ID": str(b)}, statistic="Maximum"),
        AlarmSpec(f"kafka-broker-{b}-under-replicated",
                  f"Kafka broker {b} has under-replicated partitions for 10 minutes", "GreaterThanThreshold", 0,
                  "missing", 10, 10, namespace="AWS/Kafka", metric_name="UnderReplicatedPartitions",
                  dimensions={"Cluster Name": "kafka", "Broker ID": str(b)}, statistic="Maximum"))]
    assert alarms.streaming_alarms(StreamingWatch("kafka", 2, "orders", "billing", 4)) == [
        *brokers,
        AlarmSpec("kafka-offline-partitions", "Kafka has offline partitions (no leader: neither writable nor readable)",
                  "GreaterThanThreshold", 0, "missing", 1, 1, namespace="AWS/Kafka",
                  metric_name="OfflinePartitionsCount", dimensions=cluster, statistic="Maximum"),
        AlarmSpec("kafka-no-active-controller", "Kafka has no active controller", "LessThanThreshold", 1, "breaching",
                  3, 3, namespace="AWS/Kafka", metric_name="ActiveControllerCount", dimensions=cluster,
                  statistic="Maximum"),
        AlarmSpec("kafka-lag-billing", "Consumer group billing more than 4000 messages behind on orders for 15 minutes",
                  "GreaterThanThreshold", 4000, "notBreaching", 15, 15, namespace="AWS/Kafka",
                  metric_name="SumOffsetLag",
                  dimensions={"Cluster Name": "kafka", "Consumer Group": "billing", "Topic": "orders"},
                  statistic="Maximum"),
    ]


def widget(title: str, rows: list, threshold: Any = None) -> dict:
    properties = {"title": title, "region": "eu-west-1", "view": "timeSeries", "stacked": False, "period": 60,
                  "metrics": rows}
    if threshold is not None:
        properties["annotations"] = {"horizontal": [{"label": "alarm", "value": threshold}]}
    return {"type": "metric", "width": 8, "height": 6, "properties": properties}


def header(text: str) -> dict:
    return {"type": "text", "width": 24, "height": 1, "properties": {"markdown": f"## {text}"}}


def line(namespace: str, metric: str, dims: list, stat: str, label: str) -> list:
    return [namespace, metric, *dims, {"stat": stat, "label": label}]


def test_alarms_dashboard_body_every_tier():
    args = AlarmsArgs(
        edge=EdgeWatch("lb", (TargetGroupWatch("blue", "tg/b"),), "acl", ("r1",), rate_rules_count_only=True),
        pools=(PoolWatch("api", "api-asg", 10),),
        database=DatabaseWatch((ShardWatch("db-0"), ShardWatch("db-1", ("db-1-r",), "px")), 100, 7),
        cache=CacheWatch("rg", 1, 0), streaming=StreamingWatch("kafka", 2, "orders", "billing", 4))
    lb = ["LoadBalancer", "lb"]
    elb = "AWS/ApplicationELB"
    body = json.loads(settled(alarms.dashboard_body(args, "eu-west-1")))
    cache_node = ["CacheClusterId", "rg-0001-001"]
    broker = [["Cluster Name", "kafka", "Broker ID", str(b)] for b in (1, 2)]
    assert body == {"widgets": [
        header("Edge"),
        widget("ALB requests and 5xx", [line(elb, "RequestCount", lb, "Sum", "requests"),
                                        line(elb, "HTTPCode_ELB_5XX_Count", lb, "Sum", "ELB 5xx"),
                                        line(elb, "HTTPCode_Target_5XX_Count", lb, "Sum", "target 5xx")]),
        widget("Target response time p99 (s)", [line(elb, "TargetResponseTime", lb, "p99", "p99")], 2.0),
        widget("Unhealthy hosts per target group",
               [line(elb, "UnHealthyHostCount", ["TargetGroup", "tg/b", *lb], "Maximum", "blue")], 1),
        widget("WAF rate rules: CountedRequests",
               [line("AWS/WAFV2", "CountedRequests", ["WebACL", "acl", "Rule", "r1", "Region", "eu-west-1"], "Sum",
                     "r1")]),
        header("Compute"),
        widget("Pool api: in service (max 10)", [
            line("AWS/AutoScaling", "GroupInServiceInstances", ["AutoScalingGroupName", "api-asg"], "Minimum",
                 "in service"),
            line("AWS/AutoScaling", "GroupDesiredCapacity", ["AutoScalingGroupName", "api-asg"], "Maximum",
                 "desired")], 10),
        header("Database (2 shards)"),
        widget("Shard 00", [line("AWS/RDS", "CPUUtilization", ["DBInstanceIdentifier", "db-0"], "Average",
                                 "primary CPU %")]),
        widget("Shard 01", [line("AWS/RDS", "CPUUtilization", ["DBInstanceIdentifier", "db-1"], "Average",
                                 "primary CPU %"),
                            line("AWS/RDS", "ReplicaLag", ["DBInstanceIdentifier", "db-1-r"], "Maximum",
                                 "replica 0 lag (s)"),
                            line("AWS/RDS", "ClientConnections", ["ProxyName", "px"], "Maximum",
                                 "proxy client connections")]),
        header("Cache"),
        widget("Memory used %", [line("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", cache_node, "Maximum",
                                      "node 0001-001")], 80.0),
        widget("Evictions", [line("AWS/ElastiCache", "Evictions", cache_node, "Sum", "node 0001-001")]),
        widget("Engine CPU %", [line("AWS/ElastiCache", "EngineCPUUtilization", cache_node, "Average",
                                     "node 0001-001")], 90.0),
        widget("Replication lag (s)", [line("AWS/ElastiCache", "ReplicationLag", cache_node, "Maximum",
                                            "node 0001-001")], 10.0),
        header("Streaming"),
        widget("Broker data disk used %", [line("AWS/Kafka", "KafkaDataLogsDiskUsed", broker[b - 1], "Maximum",
                                                f"broker {b}") for b in (1, 2)], 85.0),
        widget("Partitions: under-replicated and offline", [
            *(line("AWS/Kafka", "UnderReplicatedPartitions", broker[b - 1], "Maximum", f"under-replicated, broker {b}")
              for b in (1, 2)),
            line("AWS/Kafka", "OfflinePartitionsCount", ["Cluster Name", "kafka"], "Maximum", "offline")]),
        widget("Lag of billing on orders", [
            line("AWS/Kafka", "SumOffsetLag", ["Cluster Name", "kafka", "Consumer Group", "billing", "Topic", "orders"],
                 "Maximum", "messages behind")], 4000),
    ]}


def test_alarms_dashboard_body_blocking_rules_and_no_optional_widgets():
    args = AlarmsArgs(edge=EdgeWatch("lb", (), "acl", ("r1",)))
    widgets = json.loads(settled(alarms.dashboard_body(args, "eu-west-1")))["widgets"]
    assert [w.get("properties", {}).get("title") for w in widgets] == [
        None, "ALB requests and 5xx", "Target response time p99 (s)", "WAF rate rules: BlockedRequests"]
    assert widgets[-1]["properties"]["metrics"][0][1] == "BlockedRequests"
    assert json.loads(settled(alarms.dashboard_body(AlarmsArgs(), "eu-west-1"))) == {"widgets": []}


# --------------------------------------------------------------------------------------------
# Alertmanager
# --------------------------------------------------------------------------------------------

TOPIC = "arn:aws:sns:eu-west-1:123456789012:prod-alarms"
ALERTMANAGER = AlertmanagerArgs("arn:oidc", "oidc.example", TOPIC, "arn:aws:kms:eu-west-1:123456789012:key/k")


def test_alertmanager_discovery_names():
    assert alertmanager.discovery_name("monitoring") == "alertmanager-headless.monitoring.svc.cluster.local"
    assert alertmanager.discovery_address("obs") == "alertmanager-headless.obs.svc.cluster.local:9093"


@pytest.mark.parametrize("changes", [
    {}, {"namespace": "a"}, {"namespace": "a" * 63}, {"namespace": "m-1"}, {"chart_version": "0.0.0"},
    {"chart_version": "10.200.3000"}, {"repeat_interval": "1m"}, {"repeat_interval": "30m"},
    {"repeat_interval": "10h"}, {"topic_arn": "arn:aws-us-gov:sns:us-gov-west-1:123456789012:a_B-9"},
    {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:" + "t" * 256},
    {"topic_arn": pulumi.Output.from_input("not checked until known")},
])
def test_alertmanager_allowed(changes):
    assert validate_alertmanager_args(replace(ALERTMANAGER, **changes)) is None


def not_a_topic(arn: str) -> str:
    return f"topic_arn: {arn!r} is not an SNS topic ARN (arn:<partition>:sns:<region>:<account>:<name>)"


@pytest.mark.parametrize(("changes", "message"), [
    *[({"namespace": ns}, f"namespace: {ns!r} is not a DNS label (lower-case letters, digits, '-', at most 63 "
                          "characters)") for ns in ("", "a" * 64, "Monitoring", "-m", "m_1")],
    *[({"chart_version": v}, f"chart_version: {v!r} is not a pinned chart version; expected MAJOR.MINOR.PATCH")
      for v in ("1.20", "1.20.1-rc1", "v1.20.1", "^1.20.1", "1.x.1", "")],
    *[({"repeat_interval": v}, f"repeat_interval: {v!r} is not a duration in minutes or hours such as 30m or 4h")
      for v in ("0m", "04h", "4", "4s", "4d", "h", "1h30m", " 4h", "4H")],
    *[({"topic_arn": arn}, not_a_topic(arn)) for arn in (
        "arn:aws:sqs:eu-west-1:123456789012:q", "arn:aws:sns:eu-west-1:12345678901:t",
        "arn:aws:sns:eu-west-1:1234567890123:t", "arn:aws:sns:EU-west-1:123456789012:t",
        "arn:aws:sns:eu-west-1:123456789012:", "arn:aws:sns:eu-west-1:123456789012:" + "t" * 257,
        "arn:aws:sns:eu-west-1:123456789012:t.fifo", "arn:AWS:sns:eu-west-1:123456789012:t",
        "arn:aws:sns::123456789012:t", "arn::sns:eu-west-1:123456789012:t")],
])
def test_alertmanager_refused(changes, message):
    assert str(refused(validate_alertmanager_args, replace(ALERTMANAGER, **changes))) == message


def test_alertmanager_checks_the_common_arguments_first():
    assert str(refused(validate_alertmanager_args, replace(ALERTMANAGER, environment="qa", namespace="BAD"))) == (
        f"environment: 'qa' is not allowed; expected one of {', '.join(map(repr, ENVIRONMENTS))}")


def test_alertmanager_topic_region():
    assert alertmanager.topic_region(TOPIC) == "eu-west-1"
    assert alertmanager.topic_region("arn:aws-cn:sns:cn-north-1:123456789012:t") == "cn-north-1"
    assert str(refused(alertmanager.topic_region, "arn:aws:sns:eu-west-1:1:t")) == not_a_topic(
        "arn:aws:sns:eu-west-1:1:t")


def test_alertmanager_publisher_policy():
    key = "arn:aws:kms:eu-west-1:123456789012:key/k"
    assert json.loads(alertmanager.publisher_policy(TOPIC, key)) == {"Version": "2012-10-17", "Statement": [
        {"Sid": "PublishAlertsToTheAlarmTopic", "Effect": "Allow", "Action": "sns:Publish", "Resource": TOPIC},
        {"Sid": "EncryptThroughSnsForTheAlarmTopic", "Effect": "Allow",
         "Action": ["kms:GenerateDataKey*", "kms:Decrypt"], "Resource": key,
         "Condition": {"StringEquals": {"kms:ViaService": "sns.eu-west-1.amazonaws.com",
                                        "kms:EncryptionContext:aws:sns:topicArn": TOPIC}}},
    ]}
    assert str(refused(lambda arn: alertmanager.publisher_policy(arn, key), "topic")) == not_a_topic("topic")


def expected_alertmanager_config(repeat_interval: str) -> dict:
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {"receiver": "sns-alarm-topic", "group_by": ["alertname", "namespace", "horizontalpodautoscaler"],
                  "group_wait": "30s", "group_interval": "5m", "repeat_interval": repeat_interval},
        "receivers": [{"name": "sns-alarm-topic", "sns_configs": [{
            "topic_arn": TOPIC, "sigv4": {"region": "eu-west-1"},
            "subject": '{{ printf "%.100s" (printf "[%s] %s %s/%s" (.Status | toUpper) .CommonLabels.alertname '
                       '.CommonLabels.namespace .CommonLabels.horizontalpodautoscaler) }}',
            "send_resolved": True}]}],
    }


def test_alertmanager_config():
    assert alertmanager.alertmanager_config(TOPIC) == expected_alertmanager_config("4h")
    assert alertmanager.alertmanager_config(TOPIC, "30m") == expected_alertmanager_config("30m")


def test_alertmanager_chart_values():
    requests = {"cpu": "20m", "memory": "64Mi"}

    def expected(replicas: int, pdb: dict) -> dict:
        return {"fullnameOverride": "alertmanager", "replicaCount": replicas,
                "serviceAccount": {"create": True, "name": "alertmanager",
                                   "annotations": {"eks.amazonaws.com/role-arn": "arn:role"}},
                "persistence": {"enabled": False},
                "config": {"enabled": True, **expected_alertmanager_config("2h")},
                "resources": {"requests": requests, "limits": {"memory": "64Mi"}}, "podDisruptionBudget": pdb}
    for highly_available, replicas, pdb in ((True, 2, {"maxUnavailable": 1}), (False, 1, {})):
        args = replace(ALERTMANAGER, highly_available=highly_available, repeat_interval="2h")
        values = alertmanager.chart_values(args, TOPIC, "arn:role")
        assert {**values, "config": settled(values["config"])} == expected(replicas, pdb)


def test_alertmanager_demand():
    assert alertmanager.alertmanager_demand(ALERTMANAGER) == PodDemand("alertmanager", 2, 20, 64)
    assert alertmanager.alertmanager_demand(replace(ALERTMANAGER, highly_available=False)) == \
        PodDemand("alertmanager", 1, 20, 64)


# --------------------------------------------------------------------------------------------
# Keda
# --------------------------------------------------------------------------------------------

KEDA = KedaArgs("arn:oidc", "oidc.example", ({"Effect": "Allow", "Action": "kafka-cluster:Connect", "Resource": "*"},))


@pytest.mark.parametrize("version", ["2.18.3", "0.0.0", "10.20.30"])
def test_keda_chart_version_allowed(version):
    assert validate_keda_args(replace(KEDA, chart_version=version)) is None


@pytest.mark.parametrize("version", ["2.18", "v2.18.3", "2.18.3-rc1", "2.x.3", "", "2.18.3 "])
def test_keda_chart_version_refused(version):
    assert str(refused(validate_keda_args, replace(KEDA, chart_version=version))) == (
        f"chart_version: {version!r} is not a chart version such as 2.18.3")


def test_keda_checks_the_common_arguments_first():
    assert str(refused(validate_keda_args, replace(KEDA, environment="qa", chart_version="x"))) == (
        f"environment: 'qa' is not allowed; expected one of {', '.join(map(repr, ENVIRONMENTS))}")


def test_keda_operator_policy():
    statements = [{"Effect": "Allow", "Action": "kafka-cluster:Connect", "Resource": "arn:c"},
                  {"Effect": "Allow", "Action": "kafka-cluster:DescribeGroup", "Resource": "arn:g"}]
    assert json.loads(keda.operator_policy(tuple(statements))) == {"Version": "2012-10-17", "Statement": statements}
    with pytest.raises(ValueError) as caught:
        keda.operator_policy(())
    assert str(caught.value) == ("operator_policy_statements: empty; expected the statements KEDA needs to read its "
                                 "event sources (IAM rejects an empty policy)")


def test_keda_chart_values():
    small = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}}

    def expected(replicas: int, pdb: dict) -> dict:
        return {
            "podIdentity": {"aws": {"irsa": {"enabled": True, "roleArn": "arn:role", "audience": STS_AUDIENCE,
                                             "stsRegionalEndpoints": "true"}}},
            "serviceAccount": {"operator": {"create": True, "name": "keda-operator"}},
            "operator": {"replicaCount": replicas}, "metricsServer": {"replicaCount": replicas},
            "webhooks": {"replicaCount": replicas}, "podDisruptionBudget": pdb,
            "resources": {"operator": small, "metricServer": small, "webhooks": small},
        }
    assert keda.chart_values("arn:role", True) == expected(2, {
        "operator": {"minAvailable": 1}, "metricServer": {"minAvailable": 1}, "webhooks": {"minAvailable": 1}})
    assert keda.chart_values("arn:role", False) == expected(1, {})
    assert STS_AUDIENCE == "sts.amazonaws.com"


def test_keda_demand():
    for highly_available, pods in ((True, 2), (False, 1)):
        assert keda.keda_demand(replace(KEDA, highly_available=highly_available)) == [
            PodDemand(f"keda-{part}", pods, 100, 128) for part in ("operator", "metrics-server", "webhooks")]


# --------------------------------------------------------------------------------------------
# AppIdentity
# --------------------------------------------------------------------------------------------

STATEMENT = {"Effect": "Allow", "Action": "kafka-cluster:Connect", "Resource": "*"}
IDENTITY = AppIdentityArgs({"kafka": [STATEMENT]}, instance_role_names=("api-role",))
WORKLOAD = {"oidc_provider_arn": "arn:oidc", "oidc_issuer": "https://oidc.example/id/1",
            "service_account_namespace": "apps", "service_account_name": "api"}


def refusal(validate, args) -> str:
    """The whole message of the ``ArgumentError`` (``<path>: <reason>``) that ``validate`` raises for ``args``."""
    return str(refused(validate, args))


def common_rows(args, validate, wrong_types):
    """The checks every ``*Args`` gets before its own rules: the environment, then each field's type named with
    its path (``wrong_types``: field -> (value, whole message))."""
    error = refused(validate, replace(args, environment="staging"))
    assert (error.paths, str(error)) == (
        ("environment",), f"environment: 'staging' is not allowed; expected one of {', '.join(map(repr, ENVIRONMENTS))}")
    for field_name, (value, message) in wrong_types.items():
        error = refused(validate, replace(args, **{field_name: value}))
        assert isinstance(error, ArgumentTypeError) and str(error) == message, field_name


@pytest.mark.parametrize("changes", [
    {}, {"grants": {f"g{i}": [STATEMENT] for i in range(app_identity.MAX_GRANTS)}},
    {"grants": {"a": [STATEMENT], "a" + "-9" * 15 + "z": [STATEMENT]}},
    {**WORKLOAD, "instance_role_names": ()}, WORKLOAD,
    {**WORKLOAD, "service_account_namespace": "a" * 63}, {**WORKLOAD, "service_account_namespace": "a-1"},
    {**WORKLOAD, "service_account_name": "a" * 253}, {**WORKLOAD, "service_account_name": "a.b-c.d"},
    {**WORKLOAD, "service_account_name": "a" * 61 + "." + "b" * 191},
])
def test_app_identity_allowed(changes):
    assert validate_app_identity_args(replace(IDENTITY, **changes)) is None


NAME_RULE = "expected a lower-case letter, then up to 31 lower-case letters, digits or '-'"
NAMESPACE_RULE = "is not a Kubernetes namespace; expected a DNS label (lower-case letters, digits, '-', at most 63)"
ACCOUNT_RULE = "is not a Kubernetes name; expected a DNS subdomain (lower-case letters, digits, '-', '.', at most 253)"


@pytest.mark.parametrize(("changes", "message"), [
    ({"grants": {}}, "grants: {} is empty; expected at least one grant such as {'kafka': streaming."
                     "client_policy_statements}"),
    ({"grants": {f"g{i}": [STATEMENT] for i in range(app_identity.MAX_GRANTS + 1)}},
     "grants: 11 grants; expected at most 10 (each is one managed policy and a role holds at most 10 by default)"),
    *[({"grants": {"ok": [STATEMENT], name: [STATEMENT]}}, f"grants: name {name!r} is not allowed; {NAME_RULE}")
      for name in ("a" * 33, "Kafka", "1a", "-a", "a_b", "kafka\n", "")],
    *[({**WORKLOAD, "service_account_namespace": ns}, f"service_account_namespace: {ns!r} {NAMESPACE_RULE}")
      for ns in ("a" * 64, "-a", "a-", "A", "a.b", "apps\n")],
    *[({**WORKLOAD, "service_account_name": sa}, f"service_account_name: {sa!r} {ACCOUNT_RULE}")
      for sa in ("a" * 254, "a..b", "a-", ".a", "A", "a_b", "api\n", "a" * 62 + "." + "b" * 191)],
    ({"instance_role_names": ()}, "instance_role_names: () is empty and no service account is given; expected at "
                                  "least one identity to hold the grants (a policy attached to nothing grants nothing)"),
])
def test_app_identity_refused(changes, message):
    assert refusal(validate_app_identity_args, replace(IDENTITY, **changes)) == message


def test_app_identity_checks_the_common_arguments_first():
    common_rows(replace(IDENTITY, grants={}), validate_app_identity_args, {
        "grants": ({"ok": [STATEMENT], 7: [STATEMENT]}, "grants[7]: 7 is int; expected a string"),
        "instance_role_names": ("api-role", "instance_role_names: 'api-role' is str; expected a list or tuple of "
                                            "items that are a string or an Output"),
        "oidc_provider_arn": (3, "oidc_provider_arn: 3 is int; expected a string or an Output or None"),
        "oidc_issuer": (b"x", "oidc_issuer: b'x' is bytes; expected a string or an Output or None"),
        "service_account_namespace": (None, "service_account_namespace: None is None; expected a string"),
        "service_account_name": (1, "service_account_name: 1 is int; expected a string"),
        "environment": (None, "environment: None is None; expected a string"),
        "tags": ({"team": 1}, "tags['team']: 1 is int; expected a string"),
    })
    error = refused(validate_app_identity_args, replace(IDENTITY, grants={"kafka": "x"}))
    assert isinstance(error, ArgumentTypeError) and error.paths == ("grants['kafka']",)
    # An Output stands for its value: the engine resolves it later.
    assert validate_app_identity_args(replace(IDENTITY, grants={"kafka": pulumi.Output.from_input([STATEMENT])},
                                              instance_role_names=(pulumi.Output.from_input("r"),))) is None


@pytest.mark.parametrize("given", [
    ("oidc_provider_arn",), ("oidc_issuer", "service_account_name"),
    ("oidc_provider_arn", "oidc_issuer", "service_account_namespace"), ("service_account_name",),
])
def test_app_identity_workload_settings_come_together(given):
    names = ("oidc_provider_arn", "oidc_issuer", "service_account_namespace", "service_account_name")
    missing = [n for n in names if n not in given]
    # An empty string counts as not given, like None.
    changes = {n: (WORKLOAD[n] if n in given else "") for n in names}
    assert refusal(validate_app_identity_args, replace(IDENTITY, **changes)) == (
        f"{missing[0]}: not given; the workload role needs oidc_provider_arn, oidc_issuer, service_account_namespace "
        f"and service_account_name together (missing: {', '.join(missing)})")


def test_app_identity_none_counts_as_not_given():
    args = replace(IDENTITY, oidc_provider_arn=None, oidc_issuer=None, service_account_namespace="apps",
                   service_account_name="api")
    assert refusal(validate_app_identity_args, args) == (
        "oidc_provider_arn: not given; the workload role needs oidc_provider_arn, oidc_issuer, service_account_namespace "
        "and service_account_name together (missing: oidc_provider_arn, oidc_issuer)")


def test_app_identity_policy_document():
    assert app_identity.policy_document("kafka", [STATEMENT, {"Effect": "Deny", "Action": "*", "Resource": "x"}]) == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kafka-cluster:Connect","Resource":"*"},'
        '{"Effect":"Deny","Action":"*","Resource":"x"}]}')
    assert refusal(lambda s: app_identity.policy_document("kafka", s), ()) == (
        "grants: 'kafka' has no statements; expected at least one (IAM rejects an empty policy)")


def padded_statement(document_chars: int) -> list[dict]:
    """One statement whose compact policy document is exactly ``document_chars`` characters."""
    base = len('{"Version":"2012-10-17","Statement":[{"Resource":""}]}')
    return [{"Resource": "r" * (document_chars - base)}]


def test_app_identity_policy_document_size_at_the_iam_limit():
    limit = app_identity.MANAGED_POLICY_MAX_CHARS
    assert limit == 6144
    for size in (limit, limit - 1):
        assert len(app_identity.policy_document("db", padded_statement(size))) == size
    assert refusal(lambda s: app_identity.policy_document("db", s), padded_statement(limit + 1)) == (
        "grants: 'db' is 6145 characters as a policy document; IAM allows 6144. Split it into two grants")


def test_app_identity_workload_trust_policy():
    assert json.loads(app_identity.workload_trust_policy("arn:oidc", "https://oidc.example/id/1", "apps", "api")) == {
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Federated": "arn:oidc"}, "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {"oidc.example/id/1:sub": "system:serviceaccount:apps:api",
                                           "oidc.example/id/1:aud": "sts.amazonaws.com"}}}]}


# --------------------------------------------------------------------------------------------
# DnsValidatedCertificate and the TLS setting checks
# --------------------------------------------------------------------------------------------

DOMAIN_RULE = ("expected a lower-case DNS name with at least two labels such as api.example.com (a leading '*.' for a "
               "wildcard), at most 253 characters")
ZONE_RULE = "expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (Z, then upper-case letters and digits)"
ARN_RULE = ("expected an ACM certificate ARN, arn:aws:acm:<region>:<12-digit account>:certificate/<uuid> (aws-cn and "
            "aws-us-gov partitions too)")
UUID = "0123abcd-4567-89ef-a0b1-c2d3e4f5a6b7"


def domain_of_length(length: int) -> str:
    """A valid-looking name of exactly ``length`` characters: 63-character labels, then the rest, then ``.com``."""
    labels, left = [], length - len(".com")
    while left > 0:
        size = min(63, left)
        if left - size == 1:        # never leave a lone '.' for the next label
            size -= 1
        labels.append("a" * size)
        left -= size + 1
    name = ".".join(labels) + ".com"
    assert len(name) == length
    return name


@pytest.mark.parametrize("name", [
    "api.example.com", "*.example.com", "a.bc", "a-1.b2", "x.co9", "a" * 63 + ".com", "api." + "c" * 63,
    "a.b.c.d.example.org", domain_of_length(253),
])
def test_certificate_domain_name_allowed(name):
    assert certificate.domain_name_problem(name) is None
    assert validate_dns_validated_certificate_args(DnsValidatedCertificateArgs(name, "Z1")) is None


@pytest.mark.parametrize("name", [
    "", "localhost", "a.b", "a.1com", "API.example.com", "*.*.example.com", "a*.example.com", "-a.example.com",
    "a-.example.com", "a" * 64 + ".com", "api." + "c" * 64, "a.com-", "a..com", "a.com.", "a_b.com",
    domain_of_length(254), " a.com",
])
def test_certificate_domain_name_refused(name):
    assert certificate.domain_name_problem(name) == DOMAIN_RULE
    assert refusal(validate_dns_validated_certificate_args, DnsValidatedCertificateArgs(name, "Z1")) == (
        f"domain_name: {name!r}: {DOMAIN_RULE}")


def test_certificate_hosted_zone_id():
    for zone in ("Z1", "ZZ", "Z0123456789ABCDEFGHIJ", "Z" + "9" * 31):
        assert certificate.hosted_zone_id_problem(zone) is None
        assert validate_dns_validated_certificate_args(DnsValidatedCertificateArgs("a.com", zone)) is None
    for zone in ("Z", "z1", "Zabc", "Y123", "Z" + "9" * 32, "Z12 ", ""):
        assert certificate.hosted_zone_id_problem(zone) == ZONE_RULE
        assert refusal(validate_dns_validated_certificate_args, DnsValidatedCertificateArgs("a.com", zone)) == (
            f"hosted_zone_id: {zone!r}: {ZONE_RULE}")


def test_certificate_key_algorithms():
    assert certificate.KEY_ALGORITHMS == ("RSA_2048", "EC_prime256v1", "EC_secp384r1")
    for algorithm in certificate.KEY_ALGORITHMS:
        assert validate_dns_validated_certificate_args(DnsValidatedCertificateArgs("a.com", "Z1", algorithm)) is None
    assert DnsValidatedCertificateArgs("a.com", "Z1").key_algorithm == "EC_prime256v1"
    for algorithm in ("RSA_4096", "ec_prime256v1", ""):
        assert refusal(validate_dns_validated_certificate_args,
                           DnsValidatedCertificateArgs("a.com", "Z1", algorithm)) == (
            f"key_algorithm: {algorithm!r} is not allowed; expected one of ('RSA_2048', 'EC_prime256v1', "
            "'EC_secp384r1') (the ones an ALB accepts)")


def test_certificate_checks_the_common_arguments_first():
    common_rows(DnsValidatedCertificateArgs("a.com", "Z1", "DSA"), validate_dns_validated_certificate_args, {
        "domain_name": (None, "domain_name: None is None; expected a string"),
        "hosted_zone_id": (1, "hosted_zone_id: 1 is int; expected a string"),
        "key_algorithm": (("RSA_2048",), "key_algorithm: ('RSA_2048',) is tuple; expected a string"),
        "environment": (1, "environment: 1 is int; expected a string"),
        "tags": ({"team": None}, "tags['team']: None is None; expected a string"),
    })


@pytest.mark.parametrize(("arn", "region"), [
    (f"arn:aws:acm:eu-west-1:123456789012:certificate/{UUID}", "eu-west-1"),
    (f"arn:aws-cn:acm:cn-north-1:123456789012:certificate/{UUID}", "cn-north-1"),
    (f"arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/{UUID}", "us-gov-west-1"),
    (f"arn:aws:acm:us-iso-east-1:123456789012:certificate/{UUID}", "us-iso-east-1"),
    (f"arn:aws:acm:us-isob-east-1:123456789012:certificate/{UUID}", "us-isob-east-1"),
])
def test_certificate_arn_allowed(arn, region):
    assert certificate.certificate_arn_problem(arn) is None
    assert certificate.certificate_arn_problem(arn, region) is None
    assert certificate.certificate_arn_problem(arn, "ap-south-2") == (
        f"the certificate is in {region} but the stack deploys to ap-south-2; a load balancer takes only an ACM "
        "certificate of its own region (request or import one in ap-south-2)")


@pytest.mark.parametrize("arn", [
    "", f"arn:aws-eu:acm:eu-west-1:123456789012:certificate/{UUID}",
    f"arn:aws:iam:eu-west-1:123456789012:certificate/{UUID}", f"arn:aws:acm:eu-west:123456789012:certificate/{UUID}",
    f"arn:aws:acm:EU-west-1:123456789012:certificate/{UUID}", f"arn:aws:acm:eu-west-1:12345678901:certificate/{UUID}",
    f"arn:aws:acm:eu-west-1:1234567890123:certificate/{UUID}", "arn:aws:acm:eu-west-1:123456789012:certificate/abc",
    f"arn:aws:acm:eu-west-1:123456789012:certificate/{UUID.upper()}",
    f"arn:aws:acm:eu-west-1:123456789012:certificate/{UUID}0", f"arn:aws:acm:eu-west-1:123456789012:cert/{UUID}",
    f"arn:aws:acm:us-isoab-east-1:123456789012:certificate/{UUID}",
    f"arn:aws:acm:eu-west-12:123456789012:certificate/{UUID}",
])
def test_certificate_arn_refused(arn):
    assert certificate.certificate_arn_problem(arn) == ARN_RULE
    assert certificate.certificate_arn_problem(arn, "eu-west-1") == ARN_RULE


# --------------------------------------------------------------------------------------------
# AppSettings
# --------------------------------------------------------------------------------------------

SETTINGS = AppSettingsArgs("/scaling/prod/app-settings", {"LOG_LEVEL": "info", "PORT": 8080})


@pytest.mark.parametrize("changes", [
    {}, {"parameter_name": "/a"}, {"parameter_name": "/" + "/".join("abcdefghijklmno")},
    {"parameter_name": "/A-z_0.9"}, {"values": {}}, {"values": {"A": "", "_X1": 1, "PASS_WORD_HINT": "x"}},
])
def test_app_settings_allowed(changes):
    assert validate_app_settings_args(replace(SETTINGS, **changes)) is None


@pytest.mark.parametrize(("changes", "message"), [
    *[({"parameter_name": name}, f"parameter_name: {name!r} is not an SSM parameter path such as "
                                 "/project/stack/app-settings")
      for name in ("", "/", "a/b", "/a/", "/a b", "//a", "/" + "/".join("abcdefghijklmnop"), "/a$")],
    *[({"values": {"OK": 1, key: "v"}}, f"values: key {key!r} is not an environment variable name (upper-case "
                                         "letters, digits, '_')") for key in ("a", "1A", "A-B", "", "A B")],
    *[({"values": {"OK": 1, key: "v"}}, f"values: {key!r} looks secret; secrets belong in Secrets Manager, never in "
                                         "plain settings")
      for key in ("DB_PASSWORD", "API_TOKEN", "SECRET", "AWS_CREDENTIALS", "TLS_PRIVATE_KEY", "PASSWORDLESS")],
])
def test_app_settings_refused(changes, message):
    assert refusal(validate_app_settings_args, replace(SETTINGS, **changes)) == message


def test_app_settings_checks_the_common_arguments_first():
    common_rows(replace(SETTINGS, parameter_name="not a path"), validate_app_settings_args, {
        "parameter_name": (7, "parameter_name: 7 is int; expected a string"),
        "values": ({"OK": 1, 3: "v"}, "values[3]: 3 is int; expected a string"),
        "environment": (None, "environment: None is None; expected a string"),
        "tags": ({"team": 1}, "tags['team']: 1 is int; expected a string"),
    })
    assert isinstance(refused(validate_app_settings_args, replace(SETTINGS, parameter_name=None)), ArgumentTypeError)
    error = refused(validate_app_settings_args, replace(SETTINGS, values=[("OK", 1)]))
    assert isinstance(error, ArgumentTypeError) and error.paths == ("values",)
    # Values may be anything the engine resolves: an Output, a number, a list.
    assert validate_app_settings_args(replace(SETTINGS, values={"A": pulumi.Output.from_input("x"), "B": [1]})) is None


def test_app_settings_as_text():
    assert app_settings.as_text("8080") == "8080"
    assert app_settings.as_text("") == ""
    assert app_settings.as_text(8080) == "8080"
    assert app_settings.as_text(True) == "true"
    assert app_settings.as_text({"b": [1, None], "a": 2.5}) == '{"a": 2.5, "b": [1, null]}'


# --------------------------------------------------------------------------------------------
# LoadBalancerController
# --------------------------------------------------------------------------------------------

CONTROLLER = LoadBalancerControllerArgs("eks", "vpc-1", "arn:oidc", "oidc.example", ("arn:tg/1",), "sg-lb", "sg-nodes",
                                        8080)


@pytest.mark.parametrize("changes", [
    {}, {"target_port": 1}, {"target_port": 65535}, {"replicas": 1}, {"replicas": 5}, {"chart_version": "0.0.0"},
    {"chart_version": "10.20.30"}, {"target_group_arns": ("arn:tg/1", "arn:tg/2")},
])
def test_load_balancer_controller_allowed(changes):
    assert validate_load_balancer_controller_args(replace(CONTROLLER, **changes)) is None


@pytest.mark.parametrize(("changes", "message"), [
    ({"target_group_arns": ()}, "target_group_arns: empty; expected the target group(s) the workload serves"),
    *[({"target_port": port}, f"target_port: {port!r} is out of range; expected 1 to 65535")
      for port in (0, 65536, -1)],
    *[({"chart_version": version}, f"chart_version: {version!r} is not a chart version such as 1.13.4")
      for version in ("1.13", "v1.13.4", "1.13.4-rc", "")],
    *[({"replicas": replicas}, f"replicas: {replicas!r} is out of range; expected 1 to 5")
      for replicas in (0, 6)],
])
def test_load_balancer_controller_refused(changes, message):
    assert refusal(validate_load_balancer_controller_args, replace(CONTROLLER, **changes)) == message


@pytest.mark.parametrize(("field_name", "value", "message"), [
    ("target_port", True, "target_port: True is bool; expected an integer"),
    ("target_port", "8080", "target_port: '8080' is str; expected an integer"),
    ("target_port", 80.0, "target_port: 80.0 is float; expected an integer"),
    ("chart_version", 1.13, "chart_version: 1.13 is float; expected a string"),
    ("chart_version", None, "chart_version: None is None; expected a string"),
    ("replicas", True, "replicas: True is bool; expected an integer"),
    ("replicas", "2", "replicas: '2' is str; expected an integer"),
    ("replicas", 2.0, "replicas: 2.0 is float; expected an integer"),
    ("target_group_arns", "arn:tg/1", "target_group_arns: 'arn:tg/1' is str; expected a list or tuple of items that "
                                      "are a string or an Output"),
    ("target_group_arns", ("arn:tg/1", 2), "target_group_arns[1]: 2 is int; expected a string or an Output"),
    ("cluster_name", 1, "cluster_name: 1 is int; expected a string or an Output"),
    ("vpc_id", None, "vpc_id: None is None; expected a string or an Output"),
    ("oidc_provider_arn", 1, "oidc_provider_arn: 1 is int; expected a string or an Output"),
    ("oidc_issuer", 1, "oidc_issuer: 1 is int; expected a string or an Output"),
    ("load_balancer_security_group_id", 1, "load_balancer_security_group_id: 1 is int; expected a string or an Output"),
    ("node_security_group_id", 1, "node_security_group_id: 1 is int; expected a string or an Output"),
    ("environment", None, "environment: None is None; expected a string"),
    ("tags", {"team": 1}, "tags['team']: 1 is int; expected a string"),
])
def test_load_balancer_controller_names_a_wrong_type(field_name, value, message):
    common_rows(replace(CONTROLLER, target_group_arns=()), validate_load_balancer_controller_args,
                {field_name: (value, message)})


def test_load_balancer_controller_takes_outputs_where_resources_give_them():
    output = pulumi.Output.from_input("from a resource")
    assert validate_load_balancer_controller_args(replace(
        CONTROLLER, cluster_name=output, vpc_id=output, oidc_provider_arn=output, oidc_issuer=output,
        target_group_arns=[output], load_balancer_security_group_id=output, node_security_group_id=output)) is None


def test_load_balancer_controller_policy():
    assert json.loads(load_balancer_controller.controller_policy(["arn:tg/1", "arn:tg/2"])) == {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "Describe", "Effect": "Allow", "Resource": "*", "Action": [
                "ec2:DescribeAvailabilityZones", "ec2:DescribeInstances", "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
                "elasticloadbalancing:DescribeListeners", "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth"]},
            {"Sid": "RegisterPods", "Effect": "Allow",
             "Action": ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
             "Resource": ["arn:tg/1", "arn:tg/2"]},
        ]}
