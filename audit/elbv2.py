"""Application Load Balancer, its target groups and listeners, and the WAF web ACL on it."""

from __future__ import annotations

from typing import Any

from .context import AuditContext
from .expectations import ALLOWED_TLS_PROTOCOLS

SERVICE = "elbv2"
_TAGGING_SERVICE = "elasticloadbalancing"
# WAF uses a 300 s window when a rate-based statement does not say otherwise.
_DEFAULT_WAF_WINDOW = 300


def _attributes(ctx: AuditContext, operation: str, **kwargs: Any) -> dict[str, str]:
    response = getattr(ctx.client(SERVICE), operation)(**kwargs)
    return {a["Key"]: a["Value"] for a in response.get("Attributes", [])}


def audit(ctx: AuditContext) -> None:
    exp = ctx.expectations
    scope = f"stack {exp.stack}"
    with ctx.guard(scope, "load balancers and target groups",
                   "tag:GetResources, elasticloadbalancing:DescribeLoadBalancers, DescribeTargetGroups"):
        tagged = ctx.tagged_arns(_TAGGING_SERVICE, lambda arn: ":loadbalancer/app/" in arn or ":targetgroup/" in arn)
        balancers = [lb for lb in ctx.paginate(SERVICE, "describe_load_balancers", "LoadBalancers")
                     if lb["LoadBalancerArn"] in tagged]
        groups = [tg for tg in ctx.paginate(SERVICE, "describe_target_groups", "TargetGroups")
                  if tg["TargetGroupArn"] in tagged]
        ctx.expect_count("application load balancers", 1,
                         [(f"alb/{lb['LoadBalancerName']}", lb["CreatedTime"]) for lb in balancers])
        # Target groups have no creation time: one attached to no load balancer is the likelier surplus.
        ctx.expect_count("target groups", len(ctx.settings.load_balancer.backend_names),
                         [(f"targetgroup/{tg['TargetGroupName']}", (not tg.get("LoadBalancerArns"),
                                                                   tg["TargetGroupName"])) for tg in groups])
        for lb in balancers:
            _check_load_balancer(ctx, lb)
        for tg in groups:
            _check_target_group(ctx, tg)


def _check_load_balancer(ctx: AuditContext, lb: dict) -> None:
    cfg = ctx.settings.load_balancer
    resource = f"alb/{lb['LoadBalancerName']}"
    arn = lb["LoadBalancerArn"]
    with ctx.guard(resource, "load balancer attributes", "elasticloadbalancing:DescribeLoadBalancerAttributes"):
        attributes = _attributes(ctx, "describe_load_balancer_attributes", LoadBalancerArn=arn)
        ctx.check(resource, "idle timeout seconds", cfg.idle_timeout_seconds,
                  int(attributes.get("idle_timeout.timeout_seconds", 60)))
        if cfg.deletion_protection:
            ctx.check(resource, "deletion protection", True,
                      attributes.get("deletion_protection.enabled") == "true")
    with ctx.guard(resource, "listeners", "elasticloadbalancing:DescribeListeners, DescribeSSLPolicies"):
        _check_listeners(ctx, resource, ctx.paginate(SERVICE, "describe_listeners", "Listeners", LoadBalancerArn=arn))
    with ctx.guard(resource, "WAF web ACL association", "wafv2:GetWebACLForResource"):
        acl = ctx.client("wafv2").get_web_acl_for_resource(ResourceArn=arn).get("WebACL")
        if ctx.check(resource, "WAF web ACL association", "a web ACL", acl["Name"] if acl else "none",
                     ok=acl is not None):
            _check_rate_rule(ctx, acl)


def _listener_text(listener: dict) -> str:
    return f"{listener['Protocol']}:{listener['Port']}"


def _forward_weights(listener: dict) -> list[int]:
    weights: list[int] = []
    for action in listener.get("DefaultActions", []):
        if action.get("Type") != "forward":
            continue
        targets = (action.get("ForwardConfig") or {}).get("TargetGroups")
        if targets:
            weights += [t.get("Weight", 1) for t in targets]
        elif action.get("TargetGroupArn"):
            weights.append(1)
    return sorted(weights, reverse=True)


def _check_listeners(ctx: AuditContext, resource: str, listeners: list[dict]) -> None:
    cfg = ctx.settings.load_balancer
    expected_weights = sorted(cfg.backend_weights, reverse=True)
    secure = [listener for listener in listeners if listener["Protocol"] == "HTTPS"]
    plain = [listener for listener in listeners if listener["Protocol"] == "HTTP"]
    if not ctx.expectations.https:
        for listener in plain:
            ctx.check(f"{resource} {_listener_text(listener)}", "forward weights", expected_weights,
                      _forward_weights(listener))
        return
    ctx.check(resource, "HTTPS listener", "HTTPS:443", ", ".join(map(_listener_text, listeners)) or "none",
              ok=bool(secure))
    for listener in secure:
        name = f"{resource} {_listener_text(listener)}"
        certificates = [c["CertificateArn"] for c in listener.get("Certificates", [])]
        ctx.check(name, "certificate", cfg.certificate_arn, ", ".join(certificates) or "none",
                  ok=cfg.certificate_arn in certificates)
        policy = listener.get("SslPolicy", "")
        protocols = _ssl_protocols(ctx, policy)
        ctx.check(name, "TLS policy (TLS 1.2 or newer only)", "TLSv1.2+",
                  f"{policy} ({', '.join(sorted(protocols))})",
                  ok=bool(protocols) and set(protocols) <= ALLOWED_TLS_PROTOCOLS)
        ctx.check(name, "forward weights", expected_weights, _forward_weights(listener))
    for listener in plain:
        actions = listener.get("DefaultActions", [])
        redirect = next((a.get("RedirectConfig") or {} for a in actions if a.get("Type") == "redirect"), None)
        actual = ("redirect to " + redirect.get("Protocol", "#{protocol}")) if redirect is not None else \
            ", ".join(a.get("Type", "?") for a in actions) or "none"
        ctx.check(f"{resource} {_listener_text(listener)}", "HTTP redirects to HTTPS", "redirect to HTTPS", actual)


def _ssl_protocols(ctx: AuditContext, policy: str) -> list[str]:
    if not policy:
        return []
    cache = ctx.cache.setdefault("ssl_policies", {})
    if policy not in cache:
        policies = ctx.paginate(SERVICE, "describe_ssl_policies", "SslPolicies", Names=[policy])
        cache[policy] = policies[0].get("SslProtocols", []) if policies else []
    return cache[policy]


def _rate_key(statement: dict) -> str:
    kind = statement.get("AggregateKeyType", "IP")
    if kind == "FORWARDED_IP":
        return f"forwarded IP in header {statement.get('ForwardedIPConfig', {}).get('HeaderName', '?').lower()}"
    if kind == "CUSTOM_KEYS":
        parts = []
        for key in statement.get("CustomKeys", []):
            parts += [f"header {key['Header'].get('Name', '?').lower()}" if k == "Header" else k for k in key]
        return " + ".join(parts) or "custom keys"
    return kind


def _check_rate_rule(ctx: AuditContext, acl: dict) -> None:
    rate = ctx.settings.rate_limit
    resource = f"wafv2/{acl['Name']}"
    limit, window = ctx.expectations.waf_limit_and_window
    rules = [r for r in acl.get("Rules", []) if "RateBasedStatement" in r.get("Statement", {})]
    if not ctx.check(resource, "rate-based rule", "present", f"{len(rules)} rate-based rule(s)", ok=bool(rules)):
        return
    # With a key header the stack splits clients in two rules: per header value when the header is
    # present, per client IP otherwise. Both carry the same limit.
    expected_keys = sorted({"IP"} | ({f"header {rate.key_header.lower()}"} if rate.key_header else set()))
    ctx.check(resource, "rate rule keys", expected_keys,
              sorted({_rate_key(r["Statement"]["RateBasedStatement"]) for r in rules}))
    for rule in rules:
        name = f"{resource} rule {rule['Name']}"
        statement = rule["Statement"]["RateBasedStatement"]
        ctx.check(name, "rate limit (requests per window)", limit, statement.get("Limit"))
        ctx.check(name, "rate window seconds", window, statement.get("EvaluationWindowSec", _DEFAULT_WAF_WINDOW))
        action = next(iter(rule.get("Action") or {"none": None}))
        ctx.check(name, "rate rule action", "Block" if rate.mode == "block" else "Count", action)


def _check_target_group(ctx: AuditContext, tg: dict) -> None:
    resource = f"targetgroup/{tg['TargetGroupName']}"
    ctx.check(resource, "port", ctx.settings.app.port, tg.get("Port"))
    with ctx.guard(resource, "target group attributes", "elasticloadbalancing:DescribeTargetGroupAttributes"):
        attributes = _attributes(ctx, "describe_target_group_attributes", TargetGroupArn=tg["TargetGroupArn"])
        ctx.check(resource, "load balancing algorithm", ctx.expectations.algorithm,
                  attributes.get("load_balancing.algorithm.type", "round_robin"))
