import json

import pytest

from policies import waf
from tests.policies import run
from tests.policies.cases import Case, check_compliant, check_missing, check_other_type_ignored, check_violating

ACL = "aws:wafv2/webAcl:WebAcl"


def acl(limit=67.0, window=600.0, key="IP", action="block"):
    return {"scope": "REGIONAL", "defaultAction": {"allow": {}}, "rules": [
        {"name": "rate", "priority": 1.0, "action": {action: {}},
         "statement": {"rateBasedStatement": {"limit": limit, "evaluationWindowSec": window, "aggregateKeyType": key}}}]}


def managed(group, priority, override="none", **statement):
    return {"name": group, "priority": float(priority), "overrideAction": {override: {}}, "statement": {
        "managedRuleGroupStatement": {"name": group, "vendorName": "AWS", **statement}}}


def full_acl(*drop, **priorities):
    """The rate rule, then the three required groups (priorities overridable), without the groups in ``drop``."""
    props = acl()
    for i, group in enumerate(waf.REQUIRED_MANAGED_GROUPS):
        if group not in drop:
            props["rules"].append(managed(group, priorities.get(group, 2 + i)))
    return props


CASES = [
    Case(waf.web_acl_rate_limit, ACL, acl(), acl(limit=2000.0), {"scope": "REGIONAL", "rules": []}, True,
         "limit 2000 per 600 s"),
    Case(waf.web_acl_managed_rule_groups, ACL, full_acl(), full_acl("AWSManagedRulesKnownBadInputsRuleSet"), acl(),
         True, "lacks the AWS managed rule group(s) AWSManagedRulesKnownBadInputsRuleSet"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_compliant(case):
    check_compliant(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_violating(case):
    check_violating(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_missing_property(case):
    check_missing(case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_other_resource_types_are_ignored(case):
    check_other_type_ignored(case)


@pytest.mark.parametrize("limit,window,ok", [(66.0, 600.0, True), (67.0, 600.0, True), (68.0, 600.0, False),
                                             (33.0, 300.0, True), (34.0, 300.0, True), (100.0, 300.0, False)])
def test_equivalent_rate_within_rounding(limit, window, ok):
    assert (run(waf.web_acl_rate_limit, ACL, acl(limit=limit, window=window)) == []) is ok


def test_default_window_is_300_seconds():
    props = acl(limit=34.0)
    del props["rules"][0]["statement"]["rateBasedStatement"]["evaluationWindowSec"]
    assert run(waf.web_acl_rate_limit, ACL, props) == []


def test_count_action_and_global_key_are_reported():
    assert any("'count'" in m for m in run(waf.web_acl_rate_limit, ACL, acl(action="count")))
    assert any("per client" in m for m in run(waf.web_acl_rate_limit, ACL, acl(key="CONSTANT")))


def test_rule_json_in_api_form_is_read():
    rules = [{"Name": "rate", "Priority": 1, "Action": {"Block": {}}, "Statement": {"RateBasedStatement": {
        "Limit": 67, "EvaluationWindowSec": 600, "AggregateKeyType": "IP"}}}]
    assert run(waf.web_acl_rate_limit, ACL, {"scope": "REGIONAL", "ruleJson": json.dumps(rules)}) == []


def test_equivalent_limits_of_the_design():
    assert waf.equivalent_limits(100, 900, 600) == {66, 67}


def test_every_missing_managed_group_is_named():
    [message] = run(waf.web_acl_managed_rule_groups, ACL, acl())
    assert message.endswith(", ".join(waf.REQUIRED_MANAGED_GROUPS))


def test_a_group_overridden_to_count_blocks_nothing_but_single_rule_overrides_are_fine():
    props = full_acl("AWSManagedRulesAmazonIpReputationList")
    props["rules"].append(managed("AWSManagedRulesAmazonIpReputationList", 9, override="count"))
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == [
        "AWSManagedRulesAmazonIpReputationList has overrideAction count: the whole group only counts and blocks "
        "nothing (override single rules with ruleActionOverrides instead)"]
    tuned = full_acl("AWSManagedRulesCommonRuleSet")
    tuned["rules"].append(managed("AWSManagedRulesCommonRuleSet", 9, ruleActionOverrides=[
        {"name": "SizeRestrictions_BODY", "actionToUse": {"count": {}}}]))
    assert run(waf.web_acl_managed_rule_groups, ACL, tuned) == []


def test_a_managed_group_before_a_rate_rule_is_reported():
    assert run(waf.web_acl_managed_rule_groups, ACL, full_acl(AWSManagedRulesCommonRuleSet=0)) == [
        "AWSManagedRulesCommonRuleSet evaluate(s) before a rate-based rule: requests they block are never counted "
        "against the client's rate"]


def test_managed_groups_in_rule_json_count_and_the_list_is_a_knob():
    rule_json = json.dumps([{"Name": g, "Priority": 5 + i, "OverrideAction": {"None": {}},
                             "Statement": {"ManagedRuleGroupStatement": {"Name": g, "VendorName": "AWS"}}}
                            for i, g in enumerate(waf.REQUIRED_MANAGED_GROUPS)])
    assert run(waf.web_acl_managed_rule_groups, ACL, {**acl(), "ruleJson": rule_json}) == []
    only_common = {"requiredGroups": ["AWSManagedRulesCommonRuleSet"]}
    assert run(waf.web_acl_managed_rule_groups, ACL, full_acl("AWSManagedRulesKnownBadInputsRuleSet"), only_common) == []


# Whole messages and the branches of the rule readers (issue 19: the wording and every input form are checked).
PER = "100 requests per 900 s per client"


def rate_json(name="rate", priority=1, limit=67, window=600, key="IP", action="Block", **extra):
    statement = {"Limit": limit, "EvaluationWindowSec": window, "AggregateKeyType": key}
    rule = {"Name": name, "Priority": priority, "Action": {action: {}}, "Statement": {"RateBasedStatement": {
        k: v for k, v in statement.items() if v is not None}}, **extra}
    return {k: v for k, v in rule.items() if v is not None}


def json_acl(*rules):
    return {"scope": "REGIONAL", "ruleJson": json.dumps(list(rules))}


def test_an_acl_without_a_rate_rule_is_told_the_design_rate():
    assert run(waf.web_acl_rate_limit, ACL, {"scope": "REGIONAL", "rules": []}) == [
        f"web ACL has no rate-based rule; the design limits each client to {PER}"]


def test_every_problem_of_one_rule_is_in_one_message():
    assert run(waf.web_acl_rate_limit, ACL, acl(limit=2000.0, key="CONSTANT", action="count")) == [
        f"rule 'rate': limit 2000 per 600 s is not {PER} (expected 66 or 67); aggregateKeyType 'CONSTANT' does not "
        "count per client; action is 'count', so clients over the limit are not stopped"]


@pytest.mark.parametrize("action", ["count", "captcha", "challenge", "allow"])
def test_an_action_other_than_block_is_named(action):
    assert run(waf.web_acl_rate_limit, ACL, acl(action=action)) == [
        f"rule 'rate': action is {action!r}, so clients over the limit are not stopped"]


def test_a_rule_without_an_action_or_a_limit():
    props = acl()
    del props["rules"][0]["action"]
    del props["rules"][0]["statement"]["rateBasedStatement"]["limit"]
    assert run(waf.web_acl_rate_limit, ACL, props) == [
        f"rule 'rate': limit None per 600 s is not {PER} (expected 66 or 67); action is None, so clients over the "
        "limit are not stopped"]


def test_the_aggregate_key_defaults_to_ip_and_the_client_keys_are_a_knob():
    props = acl()
    del props["rules"][0]["statement"]["rateBasedStatement"]["aggregateKeyType"]
    assert run(waf.web_acl_rate_limit, ACL, props) == []
    assert run(waf.web_acl_rate_limit, ACL, props, {"clientKeys": ["CUSTOM_KEYS"]}) == [
        "rule 'rate': aggregateKeyType 'IP' does not count per client"]
    for key in ("FORWARDED_IP", "CUSTOM_KEYS"):
        assert run(waf.web_acl_rate_limit, ACL, acl(key=key)) == []


def test_the_design_rate_is_a_knob():
    config = {"maxRequests": 200, "windowSeconds": 600}
    assert run(waf.web_acl_rate_limit, ACL, acl(limit=200.0), config) == []
    assert run(waf.web_acl_rate_limit, ACL, acl(), config) == [
        "rule 'rate': limit 67 per 600 s is not 200 requests per 600 s per client (expected 200)"]


def test_one_compliant_rate_rule_is_enough_and_other_rules_are_skipped():
    props = acl(limit=2000.0)
    props["rules"].insert(0, managed("AWSManagedRulesCommonRuleSet", 0))
    props["rules"].append({**acl()["rules"][0], "name": "good", "priority": 9.0})
    assert run(waf.web_acl_rate_limit, ACL, props) == []
    props["rules"].pop()
    assert run(waf.web_acl_rate_limit, ACL, props) == [
        f"rule 'rate': limit 2000 per 600 s is not {PER} (expected 66 or 67)"]


def test_every_failing_rate_rule_is_reported_in_order():
    props = acl(limit=2000.0)
    props["rules"].append({**acl(action="count")["rules"][0], "name": "second", "priority": 2.0})
    assert run(waf.web_acl_rate_limit, ACL, props) == [
        f"rule 'rate': limit 2000 per 600 s is not {PER} (expected 66 or 67)",
        "rule 'second': action is 'count', so clients over the limit are not stopped"]


def test_rule_json_defaults_and_names():
    # AggregateKeyType absent: IP; EvaluationWindowSec absent: 300 s (34 is within rounding of 33.3).
    assert run(waf.web_acl_rate_limit, ACL, json_acl(rate_json(limit=34, window=None, key=None))) == []
    assert run(waf.web_acl_rate_limit, ACL, json_acl(rate_json(limit=67, window=None))) == [
        f"rule 'rate': limit 67 per 300 s is not {PER} (expected 33 or 34)"]
    assert run(waf.web_acl_rate_limit, ACL, json_acl(rate_json(name="json-rate", action="Count", key="CONSTANT"))) == [
        "rule 'json-rate': aggregateKeyType 'CONSTANT' does not count per client; action is 'count', so clients over "
        "the limit are not stopped"]
    no_action = rate_json(limit=None)
    del no_action["Action"]
    assert run(waf.web_acl_rate_limit, ACL, json_acl(no_action)) == [
        f"rule 'rate': limit None per 600 s is not {PER} (expected 66 or 67); action is None, so clients over the "
        "limit are not stopped"]


def test_rule_json_rules_that_are_not_rate_based_are_skipped():
    other = {"Name": "geo", "Priority": 0, "Action": {"Block": {}}, "Statement": {"GeoMatchStatement": {}}}
    no_statement = {"Name": "empty", "Priority": 0, "Action": {"Block": {}}}
    assert run(waf.web_acl_rate_limit, ACL, json_acl(other, no_statement, rate_json())) == []
    assert run(waf.web_acl_rate_limit, ACL, json_acl(other, no_statement)) == [
        f"web ACL has no rate-based rule; the design limits each client to {PER}"]


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_rule_json_is_no_rules(text):
    assert run(waf.web_acl_rate_limit, ACL, {"scope": "REGIONAL", "ruleJson": text}) == [
        f"web ACL has no rate-based rule; the design limits each client to {PER}"]
    assert run(waf.web_acl_managed_rule_groups, ACL, {**full_acl(), "ruleJson": text}) == []


def test_rules_and_rule_json_are_read_together():
    props = {**acl(limit=2000.0), "ruleJson": json.dumps([rate_json(limit=2000)])}
    assert run(waf.web_acl_rate_limit, ACL, props) == [
        f"rule 'rate': limit 2000 per 600 s is not {PER} (expected 66 or 67)"] * 2


MISSING_ALL = "web ACL lacks the AWS managed rule group(s) " + ", ".join(waf.REQUIRED_MANAGED_GROUPS)


def test_missing_groups_message_is_whole():
    assert run(waf.web_acl_managed_rule_groups, ACL, acl()) == [MISSING_ALL]
    assert run(waf.web_acl_managed_rule_groups, ACL, full_acl("AWSManagedRulesCommonRuleSet",
                                                              "AWSManagedRulesAmazonIpReputationList")) == [
        "web ACL lacks the AWS managed rule group(s) AWSManagedRulesCommonRuleSet, "
        "AWSManagedRulesAmazonIpReputationList"]


def test_only_aws_vendor_groups_count():
    props = acl()
    for i, group in enumerate(waf.REQUIRED_MANAGED_GROUPS):
        rule = managed(group, 2 + i)
        rule["statement"]["managedRuleGroupStatement"]["vendorName"] = "SomeMarketplaceVendor"
        props["rules"].append(rule)
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == [MISSING_ALL]
    rule_json = [{"Name": g, "Priority": 5, "Statement": {"ManagedRuleGroupStatement": {"Name": g, "VendorName": "F5"}}}
                 for g in waf.REQUIRED_MANAGED_GROUPS]
    assert run(waf.web_acl_managed_rule_groups, ACL, {**acl(), "ruleJson": json.dumps(rule_json)}) == [MISSING_ALL]


def test_rule_json_group_overridden_to_count_and_before_the_rate_rule():
    rule_json = [{"Name": g, "Priority": 5 + i, "OverrideAction": {"Count" if i == 1 else "None": {}},
                  "Statement": {"ManagedRuleGroupStatement": {"Name": g, "VendorName": "AWS"}}}
                 for i, g in enumerate(waf.REQUIRED_MANAGED_GROUPS)]
    rule_json.append({"Name": "geo", "Priority": 0, "Statement": {"GeoMatchStatement": {}}})
    rule_json.append({"Name": "nothing", "Priority": 0})
    rule_json.append(rate_json(priority=6))
    assert run(waf.web_acl_managed_rule_groups, ACL, {"scope": "REGIONAL", "ruleJson": json.dumps(rule_json)}) == [
        "AWSManagedRulesKnownBadInputsRuleSet has overrideAction count: the whole group only counts and blocks "
        "nothing (override single rules with ruleActionOverrides instead)",
        "AWSManagedRulesCommonRuleSet evaluate(s) before a rate-based rule: requests they block are never counted "
        "against the client's rate"]


def test_groups_before_the_last_rate_rule_are_named_sorted():
    props = full_acl(AWSManagedRulesCommonRuleSet=5, AWSManagedRulesKnownBadInputsRuleSet=3,
                     AWSManagedRulesAmazonIpReputationList=7)
    props["rules"].append({**acl()["rules"][0], "name": "late-rate", "priority": 6.0})
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == [
        "AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet evaluate(s) before a rate-based rule: "
        "requests they block are never counted against the client's rate"]
    # One step after the last rate rule is fine.
    props["rules"][-1]["priority"] = 2.0
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == []


def test_a_rate_rule_in_rule_json_orders_the_groups_in_rules():
    props = {**full_acl(), "ruleJson": json.dumps([rate_json(priority=3)])}
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == [
        "AWSManagedRulesCommonRuleSet evaluate(s) before a rate-based rule: requests they block are never counted "
        "against the client's rate"]


def test_rules_without_a_priority_are_not_ordered():
    props = full_acl()
    del props["rules"][0]["priority"]  # the rate rule
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == []
    props = full_acl(AWSManagedRulesCommonRuleSet=0)
    del props["rules"][1]["priority"]  # the common group, which would be before the rate rule
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == []
    no_priority = {k: v for k, v in rate_json().items() if k != "Priority"}
    assert run(waf.web_acl_managed_rule_groups, ACL, {**full_acl(), "ruleJson": json.dumps([no_priority])}) == []


def test_groups_without_any_rate_rule_are_not_ordered():
    props = full_acl()
    props["rules"].pop(0)
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == []


def test_the_last_rate_rule_counts_whether_in_rules_or_rule_json():
    props = full_acl()
    props["rules"][0]["priority"] = 10.0  # the rate rule in rules, after every group
    props["ruleJson"] = json.dumps([rate_json(name="early-rate", priority=1)])
    assert run(waf.web_acl_managed_rule_groups, ACL, props) == [
        f"{', '.join(sorted(waf.REQUIRED_MANAGED_GROUPS))} evaluate(s) before a rate-based rule: requests they block "
        "are never counted against the client's rate"]
