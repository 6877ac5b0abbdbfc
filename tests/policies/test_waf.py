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


CASES = [
    Case(waf.web_acl_rate_limit, ACL, acl(), acl(limit=2000.0), {"scope": "REGIONAL", "rules": []}, True,
         "limit 2000 per 600 s"),
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
