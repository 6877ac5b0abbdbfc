"""AWS WAF: the design's "Rate Limiting" section (100 requests per 15 minutes per client)."""

from __future__ import annotations

import json
import math

from .common import HIGH, as_number, fmt, get, integer, items, resource_policy, schema, string_list
from scaling_kit.limits import RATE_LIMIT
from scaling_kit.waf_rate import waf_rate_limit

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
    """Rate-based rules as (limit, window, key, action) from ``rules`` or the API-form ``ruleJson``."""
    found = []
    for rule in items(get(props, "rules")):
        statement = get(rule, "statement", "rateBasedStatement")
        if statement is None:
            continue
        action = get(rule, "action")
        found.append({"name": get(rule, "name"), "limit": as_number(get(statement, "limit")),
                      "window": as_number(get(statement, "evaluationWindowSec", default=DEFAULT_WINDOW)),
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
                          "window": as_number(statement.get("EvaluationWindowSec", DEFAULT_WINDOW)),
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

POLICIES = [web_acl_rate_limit]
