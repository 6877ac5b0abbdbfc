"""RateLimit: the WAF window conversion (examples and properties), validation, and the web ACL."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.rate_limit import (
    WAF_MAX_LIMIT,
    WAF_MIN_LIMIT,
    WAF_WINDOWS,
    RateLimit,
    RateLimitArgs,
    validate_rate_limit_args,
    waf_rate_limit,
)
from scaling_kit.limits import RATE_LIMIT
from tests.conftest import run_program, run_refused_program
from tests.helpers import untagged

ACL = "aws:wafv2/webAcl:WebAcl"


@pytest.mark.parametrize("requests, window, expected", [
    (RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds, (67, 600)),  # the design: 100 per 15 min
    (100, 300, (100, 300)),        # a WAF window is kept exactly
    (100, 3600, (17, 600)),        # longer than 600 s: scaled to 600 s, rounded up
    (50, 90, (34, 60)),            # the longest WAF window not longer than the documented one
    (5, 60, (10, 120)),            # 5 per minute is below 10 at 60 s: the next longer window carries it
    (10, 600, (10, 600)),          # the slowest expressible rate
])
def test_conversion_examples(requests, window, expected):
    assert waf_rate_limit(requests, window) == expected


@pytest.mark.parametrize("requests, window", [(9, 600), (10, 3600), (1, 86_400), (100, 6001)])
def test_rates_below_ten_per_600_seconds_are_rejected_naming_the_values(requests, window):
    with pytest.raises(ValueError) as info:
        waf_rate_limit(requests, window)
    assert f"{requests} per {window} s cannot be expressed" in str(info.value)
    assert "60, 120, 300, 600" in str(info.value)


@pytest.mark.parametrize("requests, window", [(0, 900), (100, 0), (True, 900), (1.5, 900)])
def test_non_positive_or_non_integer_inputs_are_rejected(requests, window):
    with pytest.raises(ValueError, match="expected a positive integer"):
        waf_rate_limit(requests, window)


rates = st.tuples(st.integers(1, 10_000_000), st.integers(1, 86_400))


@settings(max_examples=400)
@given(rates)
def test_conversion_keeps_the_average_rate_within_one_request_per_window(rate):
    requests, window = rate
    try:
        limit, waf_window = waf_rate_limit(requests, window)
    except ValueError:
        # Rejected only when no WAF window reaches the minimum limit without rounding up to it.
        assert all(Fraction(requests * w, window) < WAF_MIN_LIMIT for w in WAF_WINDOWS)
        return
    exact = Fraction(requests * waf_window, window)
    assert waf_window in WAF_WINDOWS and WAF_MIN_LIMIT <= limit <= WAF_MAX_LIMIT
    assert exact >= WAF_MIN_LIMIT            # never expressed by raising a too-low rate to the minimum
    assert limit - 1 < exact <= limit        # never stricter, and less than one request per window looser


@given(rates)
def test_the_longest_usable_window_not_longer_than_the_documented_one_is_chosen(rate):
    requests, window = rate
    try:
        _, waf_window = waf_rate_limit(requests, window)
    except ValueError:
        return
    shorter_or_equal = [w for w in WAF_WINDOWS if w <= window]
    usable = [w for w in WAF_WINDOWS if Fraction(requests * w, window) >= WAF_MIN_LIMIT]
    if shorter_or_equal and max(shorter_or_equal) in usable:
        assert waf_window == max(shorter_or_equal)
    else:
        assert waf_window == min(w for w in usable if w > max(shorter_or_equal, default=0))


@given(st.integers(WAF_MIN_LIMIT, WAF_MAX_LIMIT), st.sampled_from(WAF_WINDOWS))
def test_a_rate_wafs_own_terms_is_unchanged(limit, window):
    assert waf_rate_limit(limit, window) == (limit, window)


@pytest.mark.parametrize("args, message", [
    (RateLimitArgs(requests=1, window_seconds=3600), "requests/window_seconds: 1 per 3600 s cannot be expressed"),
    (RateLimitArgs(key_header="x user"), "key_header: 'x user' is not an HTTP header name"),
    (RateLimitArgs(mode="deny"), "mode: 'deny' is not allowed; expected one of ('block', 'count')"),
    (RateLimitArgs(log_retention_days=10), "log_retention_days: 10 is not a CloudWatch Logs retention"),
    (RateLimitArgs(response_body="slow down"), "response_body: 'slow down' is not JSON"),
])
def test_validation_names_argument_value_and_allowed(args, message):
    with pytest.raises(ValueError) as info:
        validate_rate_limit_args(args)
    assert str(info.value).startswith(message)


def test_bad_arguments_declare_no_resource():
    error, ev = run_refused_program(lambda: RateLimit("rl", RateLimitArgs(mode="deny")))
    assert str(error).startswith("mode: 'deny' is not allowed") and ev.resources == []


def build(**kwargs):
    return run_program(lambda: RateLimit("rl", RateLimitArgs(resource_arn="arn:aws:elasticloadbalancing:alb",
                                                              **kwargs)))


def rules(ev):
    return {r["name"]: r for r in ev.one(ACL, "rl-acl").inputs["rules"]}


def test_design_rate_blocks_per_ip_with_a_custom_429_and_the_managed_rules():
    ev = build()
    acl = ev.one(ACL, "rl-acl")
    assert acl.inputs["scope"] == "REGIONAL" and acl.inputs["defaultAction"] == {"allow": {}}
    by_name = rules(ev)
    assert set(by_name) == {"rate-limit-by-ip", "aws-common-rule-set", "aws-known-bad-inputs",
                            "aws-ip-reputation-list"}
    rate = by_name["rate-limit-by-ip"]
    assert rate["statement"]["rateBasedStatement"] == {"limit": 67, "evaluationWindowSec": 600,
                                                       "aggregateKeyType": "IP"}
    response = rate["action"]["block"]["customResponse"]
    assert response["responseCode"] == 429 and response["customResponseBodyKey"] == "rate-limited"
    body = acl.inputs["customResponseBodies"][0]
    assert body["key"] == "rate-limited" and body["contentType"] == "APPLICATION_JSON"
    assert json.loads(body["content"])["error"] == "too_many_requests"
    managed = by_name["aws-common-rule-set"]
    assert managed["statement"]["managedRuleGroupStatement"] == {"name": "AWSManagedRulesCommonRuleSet",
                                                                 "vendorName": "AWS"}
    assert managed["overrideAction"] == {"none": {}} and managed["priority"] > rate["priority"]
    assert all(r["visibilityConfig"]["cloudwatchMetricsEnabled"] for r in by_name.values())


def test_managed_groups_follow_the_rate_rules_in_a_fixed_order():
    for key_header, rate_rules in (("", ["rate-limit-by-ip"]), ("x-user-id", ["rate-limit-by-header", "rate-limit-by-ip"])):
        ordered = sorted(rules(build(key_header=key_header)).values(), key=lambda r: r["priority"])
        assert [r["priority"] for r in ordered] == list(range(len(rate_rules) + 3))
        assert [r["name"] for r in ordered] == [*rate_rules, "aws-common-rule-set", "aws-known-bad-inputs",
                                                "aws-ip-reputation-list"]
        assert [r["statement"]["managedRuleGroupStatement"] for r in ordered[len(rate_rules):]] == [
            {"name": "AWSManagedRulesCommonRuleSet", "vendorName": "AWS"},
            {"name": "AWSManagedRulesKnownBadInputsRuleSet", "vendorName": "AWS"},
            {"name": "AWSManagedRulesAmazonIpReputationList", "vendorName": "AWS"}]
        assert all(r["overrideAction"] == {"none": {}} for r in ordered[len(rate_rules):])


def test_rule_overrides_reach_their_group_only():
    by_name = rules(build(managed_rule_overrides=(
        "AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY:count",
        "AWSManagedRulesCommonRuleSet:NoUserAgent_HEADER:challenge",
        "AWSManagedRulesAmazonIpReputationList:AWSManagedIPDDoSList:block")))
    common = by_name["aws-common-rule-set"]["statement"]["managedRuleGroupStatement"]
    assert common["ruleActionOverrides"] == [
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}},
        {"name": "NoUserAgent_HEADER", "actionToUse": {"challenge": {}}}]
    reputation = by_name["aws-ip-reputation-list"]["statement"]["managedRuleGroupStatement"]
    assert reputation["ruleActionOverrides"] == [{"name": "AWSManagedIPDDoSList", "actionToUse": {"block": {}}}]
    assert "ruleActionOverrides" not in by_name["aws-known-bad-inputs"]["statement"]["managedRuleGroupStatement"]


@pytest.mark.parametrize("overrides, managed, message", [
    (("AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY",), True, "is not Group:RuleName:action"),
    (("AWSManagedRulesSQLiRuleSet:SQLi_BODY:count",), True, "names group 'AWSManagedRulesSQLiRuleSet'; expected one of"),
    (("AWSManagedRulesCommonRuleSet:bad rule:count",), True, "names rule 'bad rule'"),
    (("AWSManagedRulesCommonRuleSet:NoUserAgent_HEADER:ignore",), True, "has action 'ignore'; expected one of"),
    (("AWSManagedRulesCommonRuleSet:X:count", "AWSManagedRulesCommonRuleSet:X:block"), True,
     "overrides AWSManagedRulesCommonRuleSet:X a second time"),
    (("AWSManagedRulesCommonRuleSet:X:count",), False, "but managed_rules is False"),
])
def test_bad_rule_overrides_are_refused_naming_the_entry(overrides, managed, message):
    with pytest.raises(ValueError) as info:
        validate_rate_limit_args(RateLimitArgs(managed_rules=managed, managed_rule_overrides=overrides))
    assert str(info.value).startswith("managed_rule_overrides: ") and message in str(info.value)


def test_waf_logs_are_encrypted_with_a_key_for_this_log_group_only():
    ev = build()
    group = ev.one("aws:cloudwatch/logGroup:LogGroup", "rl-logs")
    key = ev.one("aws:kms/key:Key", "rl-logs-key")
    assert group.inputs["kmsKeyId"] == "arn:aws:kms:us-east-1:123456789012:rl-logs-key"
    assert group.inputs["retentionInDays"] == 365
    account, logs = json.loads(key.inputs["policy"])["Statement"]
    assert account["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    assert logs["Principal"] == {"Service": "logs.us-east-1.amazonaws.com"}
    assert logs["Condition"] == {"ArnEquals": {"kms:EncryptionContext:aws:logs:arn":
                                               f"arn:aws:logs:us-east-1:123456789012:log-group:{group.inputs['name']}"}}


def test_a_key_header_splits_traffic_into_per_header_and_per_ip_rules():
    by_name = rules(build(key_header="X-User-Id", managed_rules=False))
    assert set(by_name) == {"rate-limit-by-header", "rate-limit-by-ip"}
    header = by_name["rate-limit-by-header"]["statement"]["rateBasedStatement"]
    assert header["aggregateKeyType"] == "CUSTOM_KEYS"
    assert header["customKeys"][0]["header"]["name"] == "x-user-id"
    present = header["scopeDownStatement"]
    assert present["sizeConstraintStatement"]["fieldToMatch"] == {"singleHeader": {"name": "x-user-id"}}
    ip = by_name["rate-limit-by-ip"]["statement"]["rateBasedStatement"]
    assert ip["aggregateKeyType"] == "IP"
    # The IP rule covers exactly the complement of the header rule.
    assert ip["scopeDownStatement"] == {"notStatement": {"statement": present}}


def test_count_mode_only_counts_everywhere():
    by_name = rules(build(mode="count"))
    assert by_name["rate-limit-by-ip"]["action"] == {"count": {}}
    assert all(by_name[r]["overrideAction"] == {"count": {}}
               for r in ("aws-common-rule-set", "aws-known-bad-inputs", "aws-ip-reputation-list"))


def test_logging_goes_to_an_aws_waf_logs_group_with_credentials_redacted():
    ev = build(log_retention_days=30)
    group = ev.one("aws:cloudwatch/logGroup:LogGroup", "rl-logs")
    assert group.inputs["name"].startswith("aws-waf-logs-") and group.inputs["retentionInDays"] == 30
    logging = ev.one("aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration", "rl-logging")
    assert logging.inputs["resourceArn"].endswith(":rl-acl")
    [destination] = logging.inputs["logDestinationConfigs"]
    assert destination.endswith(":rl-logs") and not destination.endswith(":*")  # WAF rejects the :* form
    assert {f["singleHeader"]["name"] for f in logging.inputs["redactedFields"]} == {"authorization", "cookie"}
    policy = json.loads(ev.one("aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
                               "rl-log-delivery").inputs["policyDocument"])
    statement = policy["Statement"][0]
    assert statement["Principal"] == {"Service": "delivery.logs.amazonaws.com"}
    assert statement["Resource"].endswith(":rl-logs:*")
    assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"


def test_association_binds_the_acl_to_the_load_balancer_and_is_optional():
    ev = build()
    assoc = ev.one("aws:wafv2/webAclAssociation:WebAclAssociation", "rl-association")
    assert assoc.inputs == {"resourceArn": "arn:aws:elasticloadbalancing:alb",
                            "webAclArn": "arn:aws:wafv2:us-east-1:123456789012:rl-acl"}
    unbound = run_program(lambda: RateLimit("rl", RateLimitArgs()))
    assert unbound.by_type("aws:wafv2/webAclAssociation:WebAclAssociation") == []


def test_every_taggable_resource_has_the_house_tags():
    assert untagged(build(environment="dev", tags={"Team": "edge"})) == []
