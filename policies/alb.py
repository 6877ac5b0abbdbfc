"""Application load balancer: the design's "Load Balancing" section and TLS at the edge."""

from __future__ import annotations

from scaling_kit.limits import LOAD_BALANCING

from .common import (
    CRITICAL,
    HIGH,
    MEDIUM,
    as_bool,
    as_number,
    fmt,
    get,
    integer,
    items,
    resource_policy,
    schema,
    string,
    string_list,
)

LOAD_BALANCER_TYPES = ("aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer")
TARGET_GROUP_TYPES = ("aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup")
LISTENER_TYPES = ("aws:lb/listener:Listener", "aws:alb/listener:Listener")

# Only HTTP(S) target groups of application load balancers take a load balancing algorithm.
_NON_HTTP_PROTOCOLS = {"TCP", "UDP", "TCP_UDP", "TLS", "GENEVE"}
# Security policies that negotiate nothing below TLS 1.2 (ELB predefined policy names).
TLS12_PLUS_POLICY_PREFIXES = ["ELBSecurityPolicy-TLS13-1-2-", "ELBSecurityPolicy-TLS13-1-3-",
                              "ELBSecurityPolicy-TLS-1-2-", "ELBSecurityPolicy-FS-1-2-"]


def _is_application(props) -> bool:
    return get(props, "loadBalancerType", default="application") == "application"


def _target_group_algorithm(args, k, violation):
    props = args.props
    if str(get(props, "protocol", default="HTTP")).upper() in _NON_HTTP_PROTOCOLS or \
            get(props, "targetType") == "lambda":
        return
    algorithm = get(props, "loadBalancingAlgorithmType")
    if algorithm is None:
        violation(f"loadBalancingAlgorithmType is not set (AWS uses round_robin); set {k['algorithm']!r}")
    elif algorithm != k["algorithm"]:
        violation(f"loadBalancingAlgorithmType is {algorithm!r}; the design uses {k['algorithm']!r} "
                  f"(nginx least_conn)")


target_group_algorithm = resource_policy(
    "aws-alb-target-group-load-balancing-algorithm",
    "ALB target groups route to the backend with the fewest outstanding requests (nginx least_conn).",
    TARGET_GROUP_TYPES, _target_group_algorithm, severity=MEDIUM,
    remediation="Set load_balancing_algorithm_type='least_outstanding_requests' on the target group.",
    config_schema=schema(algorithm=string(LOAD_BALANCING.algorithm, "Required load balancing algorithm.")))


# An AWS fact (the value when idleTimeout is absent), not a design number.
AWS_DEFAULT_IDLE_TIMEOUT_SECONDS = 60


def _idle_timeout(args, k, violation):
    if not _is_application(args.props):
        return
    timeout = as_number(get(args.props, "idleTimeout", default=AWS_DEFAULT_IDLE_TIMEOUT_SECONDS))
    if timeout != k["idleTimeoutSeconds"]:
        violation(f"idleTimeout is {fmt(timeout)} s; the design's proxy timeouts are "
                  f"{k['idleTimeoutSeconds']} s")


load_balancer_idle_timeout = resource_policy(
    "aws-alb-load-balancer-idle-timeout",
    f"Application load balancers use the design's {LOAD_BALANCING.idle_timeout_seconds} s idle timeout "
    f"(nginx proxy_*_timeout {LOAD_BALANCING.idle_timeout_seconds}s).",
    LOAD_BALANCER_TYPES, _idle_timeout, severity=MEDIUM,
    remediation=f"Set idle_timeout={LOAD_BALANCING.idle_timeout_seconds} on the load balancer.",
    config_schema=schema(idleTimeoutSeconds=integer(LOAD_BALANCING.idle_timeout_seconds,
                                                    "Required idle timeout in seconds.", 1)))


def _deletion_protection(args, k, violation):
    if as_bool(get(args.props, "enableDeletionProtection")) is not True:
        violation("enableDeletionProtection is not true: a stray delete would drop all traffic")


load_balancer_deletion_protection = resource_policy(
    "aws-alb-load-balancer-deletion-protection",
    "Load balancers have deletion protection enabled.",
    LOAD_BALANCER_TYPES, _deletion_protection, severity=HIGH,
    remediation="Set enable_deletion_protection=True on the load balancer.")


def _https_tls_policy(args, k, violation):
    props = args.props
    if str(get(props, "protocol", default="")).upper() != "HTTPS":
        return
    policy = get(props, "sslPolicy")
    allowed = k["allowedPolicyPrefixes"]
    if policy is None:
        violation("sslPolicy is not set (AWS uses ELBSecurityPolicy-2016-08, which allows TLS 1.0); "
                  "use a TLS 1.2+/1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06")
    elif not any(str(policy).startswith(prefix) for prefix in allowed):
        violation(f"sslPolicy {policy!r} allows protocols below TLS 1.2; allowed prefixes: {', '.join(allowed)}")
    if get(props, "certificateArn") in (None, ""):
        violation("HTTPS listener has no certificateArn")


listener_https_tls_policy = resource_policy(
    "aws-alb-listener-https-tls-policy",
    "HTTPS listeners negotiate TLS 1.2 or newer only and carry a certificate.",
    LISTENER_TYPES, _https_tls_policy, severity=CRITICAL,
    remediation="Set ssl_policy='ELBSecurityPolicy-TLS13-1-2-2021-06' (TLS 1.3 + 1.2) and certificate_arn.",
    config_schema=schema(allowedPolicyPrefixes=string_list(
        TLS12_PLUS_POLICY_PREFIXES, "Name prefixes of ELB security policies that allow only TLS 1.2+.")))


def _http_redirects(args, k, violation):
    props = args.props
    if str(get(props, "protocol", default="")).upper() != "HTTP":
        return
    actions = items(get(props, "defaultActions"))
    if not actions:
        violation("HTTP listener has no default action; it must redirect to HTTPS")
        return
    for index, action in enumerate(actions):
        kind = get(action, "type")
        protocol = str(get(action, "redirect", "protocol", default="#{protocol}")).upper()
        if kind != "redirect" or protocol != "HTTPS":
            violation(f"defaultActions[{index}] is {kind!r}"
                      + (f" to {protocol}" if kind == "redirect" else "")
                      + "; plain HTTP may only redirect to HTTPS")


listener_http_redirect = resource_policy(
    "aws-alb-listener-http-redirect-to-https",
    "HTTP listeners only redirect to HTTPS; no content is served in clear text.",
    LISTENER_TYPES, _http_redirects, severity=CRITICAL,
    remediation="Give the port 80 listener one default action: type='redirect', "
                "redirect={'protocol': 'HTTPS', 'port': '443', 'status_code': 'HTTP_301'}.")


def _target_group_https(args, k, violation):
    props = args.props
    # Lambda targets take no protocol; network and gateway load balancers' groups speak TCP/UDP/TLS/GENEVE.
    if get(props, "targetType") == "lambda":
        return
    protocol = str(get(props, "protocol", default="HTTP")).upper()
    if protocol in _NON_HTTP_PROTOCOLS:
        return
    if protocol != "HTTPS":
        violation(f"protocol is {protocol!r}: the load balancer sends requests to the targets in clear text; "
                  "use HTTPS (end-to-end TLS)")
    # AWS's default health check protocol is the group's own; an explicit HTTP probe leaks nothing but proves
    # only that the plain port answers, not the TLS one the traffic uses.
    health = str(get(props, "healthCheck", "protocol", default=protocol)).upper()
    if health != "HTTPS":
        violation(f"healthCheck.protocol is {health!r}; probe the targets over HTTPS as the traffic reaches them")


target_group_https = resource_policy(
    "aws-alb-target-group-https",
    "ALB target groups use HTTPS to their targets and for their health checks (end-to-end TLS); the targets may "
    "present self-signed certificates, which ALB accepts without validating.",
    TARGET_GROUP_TYPES, _target_group_https, severity=HIGH, prod_only=True,
    remediation="Set scaling:lbBackendTls true (protocol='HTTPS' and health_check.protocol='HTTPS' on the target "
                "group, with the targets serving TLS: docs/application.md, End-to-end TLS).")


POLICIES = [target_group_algorithm, load_balancer_idle_timeout, load_balancer_deletion_protection,
            listener_https_tls_policy, listener_http_redirect, target_group_https]
