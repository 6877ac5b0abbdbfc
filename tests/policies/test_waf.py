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
