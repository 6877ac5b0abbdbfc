"""AWS WAF: the design's "Rate Limiting" section (100 requests per 15 minutes per client), and the AWS managed
rule groups a web ACL needs beside it."""

from __future__ import annotations

import json
import math

from scaling_kit.limits import RATE_LIMIT
from scaling_kit.waf_rate import waf_rate_limit

from .common import HIGH, as_number, fmt, get, integer, items, resource_policy, schema, string_list

WEB_ACL_TYPES = ("aws:wafv2/webAcl:WebAcl",)
# WAF counts requests over one of scaling_kit.waf_rate.WAF_WINDOWS; 300 s when evaluationWindowSec is absent (an AWS fact).
DEFAULT_WINDOW = 300
# The documented rate as the rule the RateLimit component declares (100 per 900 s -> 67 per 600 s).
_DESIGN_LIMIT, _DESIGN_WINDOW = waf_rate_limit(RATE_LIMIT.max_requests, RATE_LIMIT.window_seconds)


def equivalent_limits(max_requests: int, window_seconds: int, waf_window: int) -> set[int]:
    """The WAF limits that express ``max_requests`` per ``window_seconds`` over ``waf_window`` seconds.

    The design's 100 per 900 s is 66.7 per 600 s: both roundings (66 and 67) are within one request."""
    exact = max_requests * waf_window / window_seconds
    return {math.floor(exact), math.ceil(exact)}


def _rules(props) -> list[dict]:
    """Rate-based rules as (limit, window, key, action) from ``rules`` or the API-form ``ruleJson``.

    ``window`` is None when absent (or not a number); ``_rate_limit`` applies AWS's DEFAULT_WINDOW in one place."""
    found = []
    for rule in items(get(props, "rules")):
        statement = get(rule, "statement", "rateBasedStatement")
        if statement is None:
            continue
        action = get(rule, "action")
        found.append({"name": get(rule, "name"), "limit": as_number(get(statement, "limit")),
                      "window": as_number(get(statement, "evaluationWindowSec")),
                      "key": get(statement, "aggregateKeyType", default="IP"),
                      "action": next((a for a in ("block", "count", "captcha", "challenge", "allow")
                                      if get(action, a) is not None), None)})
    text = get(props, "ruleJson")
    if isinstance(text, str) and text.strip():
        for rule in json.loads(text):
            statement = (rule.get("Statement") or {}).get("RateBasedStatement")
            if statement is None:
                continue
            found.append({"name": rule.get("Name"), "limit": as_number(statement.get("Limit")),
                          "window": as_number(statement.get("EvaluationWindowSec")),
                          "key": statement.get("AggregateKeyType", "IP"),
                          "action": next((a.lower() for a in (rule.get("Action") or {})), None)})
    return found


def _rate_limit(args, k, violation):
    rules = _rules(args.props)
    per = f"{k['maxRequests']} requests per {k['windowSeconds']} s per client"
    if not rules:
        violation(f"web ACL has no rate-based rule; the design limits each client to {per}")
        return
    problems = []
    for rule in rules:
        window = int(rule["window"] or DEFAULT_WINDOW)
        allowed = equivalent_limits(k["maxRequests"], k["windowSeconds"], window)
        issues = []
        if rule["limit"] is None or int(rule["limit"]) not in allowed:
            issues.append(f"limit {fmt(rule['limit'])} per {window} s is not {per} "
                          f"(expected {' or '.join(str(a) for a in sorted(allowed))})")
        if rule["key"] not in k["clientKeys"]:
            issues.append(f"aggregateKeyType {rule['key']!r} does not count per client")
        if rule["action"] != "block":
            issues.append(f"action is {rule['action']!r}, so clients over the limit are not stopped")
        if not issues:
            return
        problems.append(f"rule {rule['name']!r}: " + "; ".join(issues))
    for problem in problems:
        violation(problem)


web_acl_rate_limit = resource_policy(
    "aws-wafv2-web-acl-rate-limit",
    f"Web ACLs block a client above {RATE_LIMIT.max_requests} requests per {RATE_LIMIT.window_seconds} s (or the same "
    "rate over a WAF window).",
    WEB_ACL_TYPES, _rate_limit, severity=HIGH,
    remediation=f"Add a rule with rate_based_statement(limit={_DESIGN_LIMIT}, evaluation_window_sec={_DESIGN_WINDOW}, "
                "aggregate_key_type='IP' or CUSTOM_KEYS on the user header) and action block.",
    config_schema=schema(
        maxRequests=integer(RATE_LIMIT.max_requests, "Requests allowed per client per window.", 1),
        windowSeconds=integer(RATE_LIMIT.window_seconds, "The design's window in seconds.", 60),
        clientKeys=string_list(["IP", "FORWARDED_IP", "CUSTOM_KEYS"],
                               "aggregateKeyType values that count per client.")))

# The AWS managed groups the CIS/FSBP-style reviews expect: OWASP-style common protections, exploit payloads such
# as Log4Shell, and addresses Amazon threat intelligence marks as malicious.
REQUIRED_MANAGED_GROUPS = ["AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet",
                           "AWSManagedRulesAmazonIpReputationList"]


def _managed_groups(props) -> list[dict]:
    """Managed rule group references as (group, priority, counting) from ``rules`` or the API-form ``ruleJson``."""
    found = []
    for rule in items(get(props, "rules")):
        statement = get(rule, "statement", "managedRuleGroupStatement")
        if statement is not None and get(statement, "vendorName") == "AWS":
            found.append({"group": get(statement, "name"), "priority": as_number(get(rule, "priority")),
                          "counting": get(rule, "overrideAction", "count") is not None})
    text = get(props, "ruleJson")
    if isinstance(text, str) and text.strip():
        for rule in json.loads(text):
            statement = (rule.get("Statement") or {}).get("ManagedRuleGroupStatement")
            if statement is not None and statement.get("VendorName") == "AWS":
                found.append({"group": statement.get("Name"), "priority": as_number(rule.get("Priority")),
                              "counting": "Count" in (rule.get("OverrideAction") or {})})
    return found


def _rate_priorities(props) -> list[float]:
    priorities = [as_number(get(rule, "priority")) for rule in items(get(props, "rules"))
                  if get(rule, "statement", "rateBasedStatement") is not None]
    text = get(props, "ruleJson")
    if isinstance(text, str) and text.strip():
        priorities += [as_number(r.get("Priority")) for r in json.loads(text)
                       if (r.get("Statement") or {}).get("RateBasedStatement") is not None]
    return [p for p in priorities if p is not None]


def _managed_rule_groups(args, k, violation):
    groups = _managed_groups(args.props)
    by_name = {g["group"]: g for g in groups}
    missing = [name for name in k["requiredGroups"] if name not in by_name]
    if missing:
        violation(f"web ACL lacks the AWS managed rule group(s) {', '.join(missing)}")
    for name in k["requiredGroups"]:
        if name in by_name and by_name[name]["counting"]:
            violation(f"{name} has overrideAction count: the whole group only counts and blocks nothing "
                      "(override single rules with ruleActionOverrides instead)")
    last_rate = max(_rate_priorities(args.props), default=None)
    early = sorted(g["group"] for g in groups if last_rate is not None and g["priority"] is not None
                   and g["priority"] < last_rate)
    if early:
        violation(f"{', '.join(early)} evaluate(s) before a rate-based rule: requests they block are never counted "
                  "against the client's rate")


web_acl_managed_rule_groups = resource_policy(
    "aws-wafv2-web-acl-managed-rule-groups",
    "Web ACLs use the AWS managed common, known-bad-inputs and IP-reputation rule groups, after the rate rules.",
    WEB_ACL_TYPES, _managed_rule_groups, severity=HIGH,
    remediation="Add a rule per group with managed_rule_group_statement(vendor_name='AWS', name=...) and "
                "override_action none, at priorities above the rate-based rules (components.rate_limit does with "
                "managed_rules=True); tune single rules with rule_action_overrides (scaling:rateLimitRuleOverrides).",
    config_schema=schema(requiredGroups=string_list(REQUIRED_MANAGED_GROUPS,
                                                    "AWS managed rule groups every web ACL must reference.")))

POLICIES = [web_acl_rate_limit, web_acl_managed_rule_groups]
