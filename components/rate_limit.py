"""RateLimit: the design's "100 requests per 15 minutes per client" as an AWS WAFv2 web ACL.

express-rate-limit counts in a fixed window of any length; a WAF rate-based rule looks back over a
sliding window of only 60, 120, 300 or 600 seconds with a limit of at least 10. ``waf_rate_limit``
converts the documented rate into the nearest WAF window with the same average rate, rounding the
limit up so WAF is never stricter than documented (100 per 900 s -> 67 per 600 s), and rejects rates
that no WAF rule can express.

The design keys clients by user id, else IP. With ``key_header`` set, two complementary rules do the
same at the edge: requests that carry the header are counted per header value, requests without it per
client IP. WAF cannot authenticate the header: only key by a header that a trusted layer sets or
validates, because a client that rotates its value gets a fresh budget each time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional, cast

import pulumi
import pulumi_aws as aws

from scaling_kit.aws_limits import LOG_RETENTION_DAYS
from scaling_kit.limits import RATE_LIMIT

# The WAF bounds are re-exported (the `X as X` form): callers of the component read them here.
from scaling_kit.waf_rate import WAF_MAX_LIMIT as WAF_MAX_LIMIT
from scaling_kit.waf_rate import WAF_MIN_LIMIT as WAF_MIN_LIMIT
from scaling_kit.waf_rate import WAF_WINDOWS as WAF_WINDOWS
from scaling_kit.waf_rate import waf_rate_limit

from .encryption import log_group_key
from .naming import physical_name
from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments, resolve_protect

MODES = ("block", "count")
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"   # WAF delivers only to log groups whose name starts so
LOG_GROUP_NAME_MAX_LENGTH = 512
RESPONSE_BODY_KEY = "rate-limited"
_HEADER = re.compile(r"[A-Za-z0-9-]{1,64}")
# Credentials never belong in logs: WAF replaces these headers with REDACTED.
REDACTED_HEADERS = ("authorization", "cookie")
# AWS managed rule groups, evaluated after the rate rules in this order (rule name in the web ACL, group).
# Common: OWASP-style protections (700 WCU); known bad inputs: Log4j/Log4Shell, Java deserialization and
# similar exploit payloads (200 WCU); IP reputation: addresses Amazon threat intelligence marks as bots or
# attackers (25 WCU). With the rate rules the ACL stays under the 1,500 WCU a web ACL gets without extra cost.
MANAGED_RULE_GROUPS = (("aws-common-rule-set", "AWSManagedRulesCommonRuleSet"),
                       ("aws-known-bad-inputs", "AWSManagedRulesKnownBadInputsRuleSet"),
                       ("aws-ip-reputation-list", "AWSManagedRulesAmazonIpReputationList"))
OVERRIDE_ACTIONS = ("allow", "block", "captcha", "challenge", "count")
_RULE_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")


@dataclass(frozen=True)
class RateLimitArgs:
    """Arguments of :class:`RateLimit`."""

    resource_arn: Optional[pulumi.Input[str]] = None
    """ARN of the load balancer to protect. Defaults to none (the web ACL is created but not associated)."""
    requests: int = RATE_LIMIT.max_requests
    """Requests a client may make per window. Defaults to 100 (the design)."""
    window_seconds: int = RATE_LIMIT.window_seconds
    """Length of the documented window in seconds. Defaults to 900 (the design's 15 minutes)."""
    key_header: str = ""
    """Header identifying the client (e.g. ``x-user-id``); requests without it are counted per IP.
    Defaults to empty: every request is counted per client IP."""
    mode: str = "block"
    """``block`` answers 429 above the limit; ``count`` only counts (rollout). Defaults to ``block``."""
    managed_rules: bool = True
    """Add the AWS managed rule groups after the rate rules: the common rule set (OWASP-style protections),
    known bad inputs (Log4j and similar exploit payloads) and the Amazon IP reputation list. Defaults to True."""
    managed_rule_overrides: Sequence[str] = ()
    """Per-rule action overrides inside the managed groups, each ``Group:RuleName:action`` with a group of
    ``MANAGED_RULE_GROUPS`` (e.g. ``AWSManagedRulesCommonRuleSet:SizeRestrictions_BODY:count`` for an API that
    takes large bodies) and an action of ``OVERRIDE_ACTIONS``. Defaults to none."""
    log_retention_days: int = 365
    """Retention of the ``aws-waf-logs-`` log group in days. Defaults to 365."""
    response_body: str = '{"error":"too_many_requests","message":"Rate limit exceeded, retry later."}'
    """JSON body of the 429 response. Defaults to a short error object."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_rate_limit_args(args: RateLimitArgs) -> tuple[int, int]:
    """Raise ``ValueError`` naming the argument, its value and what is allowed; return the WAF rule."""
    check_arguments(args)
    try:
        rule = waf_rate_limit(args.requests, args.window_seconds)
    except ValueError as error:  # scaling_kit stays free of component types: give the error its path here
        path, _, reason = str(error).partition(": ")
        raise ArgumentError(path, reason) from error
    if args.key_header and not _HEADER.fullmatch(args.key_header):
        raise ArgumentError("key_header", f"{args.key_header!r} is not an HTTP header name; expected 1 to 64 letters, "
                         "digits or '-', or an empty string for the client IP")
    if args.mode not in MODES:
        raise ArgumentError("mode", f"{args.mode!r} is not allowed; expected one of {MODES}")
    if args.log_retention_days not in LOG_RETENTION_DAYS:
        raise ArgumentError("log_retention_days", f"{args.log_retention_days} is not a CloudWatch Logs retention; "
                         f"expected one of {LOG_RETENTION_DAYS}")
    parse_rule_overrides(args.managed_rule_overrides)
    if args.managed_rule_overrides and not args.managed_rules:
        raise ArgumentError("managed_rule_overrides", f"{list(args.managed_rule_overrides)!r} overrides rules of the "
                            "managed groups, but managed_rules is False; expected no overrides")
    try:
        json.loads(args.response_body)
    except ValueError:
        raise ArgumentError("response_body", f"{args.response_body[:60]!r} is not JSON; the 429 response is "
                         "served as application/json") from None
    if not 0 < len(args.response_body.encode()) <= 4096:
        raise ArgumentError("response_body", f"{len(args.response_body.encode())} bytes; WAF allows 1 to 4096")
    return rule


def parse_rule_overrides(overrides: Sequence[str]) -> dict[str, dict[str, str]]:
    """``{group: {rule name: action}}`` from ``Group:RuleName:action`` entries; raise naming the bad entry."""
    groups = [group for _, group in MANAGED_RULE_GROUPS]
    parsed: dict[str, dict[str, str]] = {}
    for entry in overrides:
        parts = entry.split(":")
        if len(parts) != 3:
            raise ArgumentError("managed_rule_overrides", f"{entry!r} is not Group:RuleName:action")
        group, rule, action = parts
        if group not in groups:
            raise ArgumentError("managed_rule_overrides", f"{entry!r} names group {group!r}; expected one of {groups}")
        if not _RULE_NAME.fullmatch(rule):
            raise ArgumentError("managed_rule_overrides", f"{entry!r} names rule {rule!r}; expected 1 to 128 letters, "
                                "digits, '_' or '-' (the rule's name in the group)")
        if action not in OVERRIDE_ACTIONS:
            raise ArgumentError("managed_rule_overrides", f"{entry!r} has action {action!r}; expected one of "
                                f"{OVERRIDE_ACTIONS}")
        if rule in parsed.get(group, {}):
            raise ArgumentError("managed_rule_overrides", f"{entry!r} overrides {group}:{rule} a second time")
        parsed.setdefault(group, {})[rule] = action
    return parsed


def _metric(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", name)[:128]


class RateLimit(pulumi.ComponentResource):
    """A regional WAFv2 web ACL with a rate-based rule (429 above the limit), logging, and association."""

    web_acl_arn: pulumi.Output[str]
    """ARN of the web ACL."""
    web_acl_id: pulumi.Output[str]
    """ID of the web ACL."""
    limit: int
    """The WAF limit the documented rate converts to (67 for 100 per 900 s)."""
    evaluation_window_seconds: int
    """The WAF evaluation window (600 for 100 per 900 s)."""
    log_group_name: pulumi.Output[str]
    """CloudWatch log group of the WAF logs (``aws-waf-logs-...``)."""
    web_acl_name: pulumi.Output[str]
    """Name of the web ACL (the ``WebACL`` dimension of its CloudWatch metrics)."""
    rate_rule_metric_names: list[str]
    """CloudWatch metric names of the rate-based rules (the ``Rule`` dimension), in priority order."""

    def __init__(self, name: str, args: RateLimitArgs, opts: Optional[pulumi.ResourceOptions] = None):
        limit, window = validate_rate_limit_args(args)
        super().__init__("scaling:rate_limit:RateLimit", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        child = pulumi.ResourceOptions(parent=self)
        counting = args.mode == "count"
        action = {"count": {}} if counting else {"block": {"custom_response": {
            "response_code": 429, "custom_response_body_key": RESPONSE_BODY_KEY,
            # WAF re-checks the rate every few seconds; a client is certain to be under it after one window.
            "response_headers": [{"name": "Retry-After", "value": str(window)}]}}}

        def visibility(metric: str) -> aws.wafv2.WebAclVisibilityConfigArgsDict:
            return {"cloudwatch_metrics_enabled": True, "metric_name": _metric(metric),
                    "sampled_requests_enabled": True}

        def rate_rule(rule_name: str, priority: int, key: dict, scope_down: Optional[dict]) -> dict:
            statement = {"limit": limit, "evaluation_window_sec": window, **key}
            if scope_down:
                statement["scope_down_statement"] = scope_down
            return {"name": rule_name, "priority": priority, "action": action,
                    "statement": {"rate_based_statement": statement},
                    "visibility_config": visibility(f"{name}-{rule_name}")}

        rules: list[dict[str, Any]] = []
        if args.key_header:
            header = args.key_header.lower()
            has_header = {"size_constraint_statement": {
                "comparison_operator": "GT", "size": 0,
                "field_to_match": {"single_header": {"name": header}},
                "text_transformations": [{"priority": 0, "type": "NONE"}]}}
            # Two rules partition the traffic: per header value when present, per client IP otherwise.
            rules.append(rate_rule("rate-limit-by-header", 0, {
                "aggregate_key_type": "CUSTOM_KEYS",
                "custom_keys": [{"header": {"name": header,
                                            "text_transformations": [{"priority": 0, "type": "NONE"}]}}]},
                has_header))
            rules.append(rate_rule("rate-limit-by-ip", 1, {"aggregate_key_type": "IP"},
                                   {"not_statement": {"statement": has_header}}))
        else:
            rules.append(rate_rule("rate-limit-by-ip", 0, {"aggregate_key_type": "IP"}, None))
        if args.managed_rules:
            overrides = parse_rule_overrides(args.managed_rule_overrides)
            # Rate rules come first so every request is counted, even ones the managed rules would block.
            for rule_name, group in MANAGED_RULE_GROUPS:
                statement: dict = {"name": group, "vendor_name": "AWS"}
                if group in overrides:
                    statement["rule_action_overrides"] = [
                        {"name": rule, "action_to_use": {action: {}}} for rule, action in overrides[group].items()]
                rules.append({
                    "name": rule_name, "priority": len(rules),
                    "override_action": {"count": {}} if counting else {"none": {}},
                    "statement": {"managed_rule_group_statement": statement},
                    "visibility_config": visibility(f"{name}-{rule_name}")})

        acl = aws.wafv2.WebAcl(
            f"{name}-acl", scope="REGIONAL",
            description=f"{args.requests} requests per {args.window_seconds} s per client "
                        f"(WAF: {limit} per {window} s), mode {args.mode}",
            default_action={"allow": {}},
            custom_response_bodies=[{"key": RESPONSE_BODY_KEY, "content": args.response_body,
                                     "content_type": "APPLICATION_JSON"}],
            # The rules are nested plain dicts assembled by rate_rule (a statement merges its key with **key),
            # a shape the SDK's TypedDicts cannot follow; the mock-engine tests check what the engine receives.
            rules=cast("list[aws.wafv2.WebAclRuleArgsDict]", rules),
            visibility_config=visibility(name), tags=tags, opts=child)

        # WAF accepts only log groups whose name starts with aws-waf-logs-; project and stack keep the
        # stacks of one account apart.
        log_group_name = physical_name(name, LOG_GROUP_NAME_MAX_LENGTH, prefix=WAF_LOG_GROUP_PREFIX)
        # A key of its own, usable by CloudWatch Logs for this group only: WAF logs hold client IPs and URIs.
        key = log_group_key(f"{name}-logs-key", f"{name}: WAF logs", tags, self,
                            resolve_protect(None, args.environment), [log_group_name])
        log_group = aws.cloudwatch.LogGroup(f"{name}-logs", name=log_group_name, kms_key_id=key.arn,
                                            retention_in_days=args.log_retention_days, tags=tags, opts=child)
        invoke = pulumi.InvokeOptions(parent=self)
        account = aws.get_caller_identity(opts=invoke).account_id
        region = aws.get_region(opts=invoke).region
        partition = aws.get_partition(opts=invoke).partition
        # Explicit delivery permission scoped to this group and account, instead of relying on WAF to
        # write a broad account-wide policy with the deploying role's logs:PutResourcePolicy right.
        delivery = aws.cloudwatch.LogResourcePolicy(
            f"{name}-log-delivery", policy_name=f"{log_group_name}-delivery"[:255],
            policy_document=log_group.arn.apply(lambda arn: json.dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "AWSWAFLogDelivery", "Effect": "Allow",
                    "Principal": {"Service": "delivery.logs.amazonaws.com"},
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{arn}:*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": account},
                                  "ArnLike": {"aws:SourceArn": f"arn:{partition}:logs:{region}:{account}:*"}},
                }],
            })), opts=pulumi.ResourceOptions(parent=log_group))
        aws.wafv2.WebAclLoggingConfiguration(
            f"{name}-logging", resource_arn=acl.arn, log_destination_configs=[log_group.arn],
            redacted_fields=[{"single_header": {"name": h}} for h in REDACTED_HEADERS],
            opts=pulumi.ResourceOptions(parent=acl, depends_on=[delivery]))

        if args.resource_arn is not None:
            aws.wafv2.WebAclAssociation(f"{name}-association", resource_arn=args.resource_arn,
                                        web_acl_arn=acl.arn, opts=pulumi.ResourceOptions(parent=acl))

        self.web_acl_arn = acl.arn
        self.web_acl_id = acl.id
        self.limit = limit
        self.evaluation_window_seconds = window
        self.log_group_name = log_group.name
        self.web_acl_name = acl.name
        self.rate_rule_metric_names = [r["visibility_config"]["metric_name"] for r in rules
                                       if "rate_based_statement" in r["statement"]]
        self.register_outputs({"web_acl_arn": self.web_acl_arn, "web_acl_id": self.web_acl_id,
                               "limit": limit, "evaluation_window_seconds": window,
                               "log_group_name": self.log_group_name})
