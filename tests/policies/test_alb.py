import pytest

from policies import alb
from tests.policies import run
from tests.policies.cases import Case, check_compliant, check_missing, check_other_type_ignored, check_violating

TG, LB, LISTENER = "aws:lb/targetGroup:TargetGroup", "aws:lb/loadBalancer:LoadBalancer", "aws:lb/listener:Listener"
HTTPS = {"protocol": "HTTPS", "port": 443.0, "certificateArn": "arn:aws:acm:us-east-1:1:certificate/x",
         "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}
REDIRECT = {"protocol": "HTTP", "port": 80.0, "defaultActions": [
    {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}]}

CASES = [
    Case(alb.target_group_algorithm, TG, {"protocol": "HTTP", "loadBalancingAlgorithmType": "least_outstanding_requests"},
         {"protocol": "HTTP", "loadBalancingAlgorithmType": "round_robin"}, {"protocol": "HTTP"}, True, "round_robin"),
    Case(alb.load_balancer_idle_timeout, LB, {"idleTimeout": 60.0}, {"idleTimeout": 300.0}, {}, False, "300 s"),
    Case(alb.load_balancer_deletion_protection, LB, {"enableDeletionProtection": True},
         {"enableDeletionProtection": False}, {}, True, "enableDeletionProtection"),
    Case(alb.listener_https_tls_policy, LISTENER, HTTPS, {**HTTPS, "sslPolicy": "ELBSecurityPolicy-2016-08"},
         {k: v for k, v in HTTPS.items() if k != "sslPolicy"}, True, "below TLS 1.2"),
    Case(alb.listener_http_redirect, LISTENER, REDIRECT,
         {"protocol": "HTTP", "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}]},
         {"protocol": "HTTP"}, True, "'forward'"),
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


def test_network_target_groups_take_no_algorithm():
    assert run(alb.target_group_algorithm, TG, {"protocol": "TCP"}) == []


def test_idle_timeout_knob_changes_the_limit():
    assert run(alb.load_balancer_idle_timeout, LB, {}, {"idleTimeoutSeconds": 30})


def test_tls13_only_policy_passes_and_tls11_fails():
    assert run(alb.listener_https_tls_policy, LISTENER, {**HTTPS, "sslPolicy": "ELBSecurityPolicy-TLS13-1-3-2021-06"}) == []
    assert run(alb.listener_https_tls_policy, LISTENER, {**HTTPS, "sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"})


def test_https_listener_without_certificate_is_reported():
    messages = run(alb.listener_https_tls_policy, LISTENER, {k: v for k, v in HTTPS.items() if k != "certificateArn"})
    assert any("certificateArn" in m for m in messages)


def test_redirect_to_http_is_not_enough():
    bad = {"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTP"}}]}
    assert run(alb.listener_http_redirect, LISTENER, bad)


# ---------------------------------------------------------------- aws-alb-target-group-https (issue 17.2)

PROD = {"environment": "prod"}
HTTPS_GROUP = {"protocol": "HTTPS", "healthCheck": {"protocol": "HTTPS", "path": "/health"}}


@pytest.mark.parametrize("props, expected", [
    (HTTPS_GROUP, []),
    ({"protocol": "HTTPS"}, []),  # the health check defaults to the group's protocol
    ({"protocol": "HTTP", "healthCheck": {"protocol": "HTTP"}}, ["protocol is 'HTTP'", "healthCheck.protocol is 'HTTP'"]),
    ({"protocol": "HTTPS", "healthCheck": {"protocol": "HTTP"}}, ["healthCheck.protocol is 'HTTP'"]),
    ({}, ["protocol is 'HTTP'", "healthCheck.protocol is 'HTTP'"]),  # AWS's default protocol is HTTP
    ({"protocol": "TCP"}, []),  # a network load balancer's group
    ({"targetType": "lambda"}, []),
])
def test_target_groups_use_https_in_prod(props, expected):
    messages = run(alb.target_group_https, TG, props, PROD)
    assert len(messages) == len(expected) and all(m.startswith(e) for m, e in zip(messages, expected, strict=True)), messages


def test_target_group_https_is_prod_only_and_defaults_to_prod():
    plain = {"protocol": "HTTP"}
    assert run(alb.target_group_https, TG, plain, {"environment": "dev"}) == []
    assert run(alb.target_group_https, TG, plain) != []  # without a config: the secure choice
    assert run(alb.target_group_https, LB, plain, PROD) == []


# ---------------------------------------------------------------- whole messages and branches (issue 19, mutation)

LEAST = "least_outstanding_requests"


@pytest.mark.parametrize("props, config, expected", [
    ({"protocol": "HTTP"}, None,
     ["loadBalancingAlgorithmType is not set (AWS uses round_robin); set 'least_outstanding_requests'"]),
    ({"protocol": "HTTPS", "loadBalancingAlgorithmType": "round_robin"}, None,
     ["loadBalancingAlgorithmType is 'round_robin'; the design uses 'least_outstanding_requests' (nginx least_conn)"]),
    ({}, None,  # AWS's default protocol is HTTP: the group takes an algorithm
     ["loadBalancingAlgorithmType is not set (AWS uses round_robin); set 'least_outstanding_requests'"]),
    ({"protocol": "http", "loadBalancingAlgorithmType": LEAST}, None, []),
    ({"protocol": "HTTP", "loadBalancingAlgorithmType": "round_robin"}, {"algorithm": "round_robin"}, []),
    ({"protocol": "HTTP", "loadBalancingAlgorithmType": LEAST}, {"algorithm": "round_robin"},
     ["loadBalancingAlgorithmType is 'least_outstanding_requests'; the design uses 'round_robin' (nginx least_conn)"]),
    # network/gateway load balancers' groups and Lambda targets take no algorithm (any case of the protocol)
    *[({"protocol": p}, None, []) for p in ("TCP", "UDP", "TCP_UDP", "TLS", "GENEVE", "tcp", "tls")],
    ({"targetType": "lambda"}, None, []),
    ({"targetType": "instance", "protocol": "HTTP"}, None,
     ["loadBalancingAlgorithmType is not set (AWS uses round_robin); set 'least_outstanding_requests'"]),
])
def test_target_group_algorithm_messages(props, config, expected):
    assert run(alb.target_group_algorithm, TG, props, config) == expected


@pytest.mark.parametrize("props, config, expected", [
    ({"idleTimeout": 60.0}, None, []),
    ({}, None, []),  # AWS's default (60 s) is the design's
    ({"idleTimeout": 61.0}, None, ["idleTimeout is 61 s; the design's proxy timeouts are 60 s"]),
    ({"idleTimeout": 59.0}, None, ["idleTimeout is 59 s; the design's proxy timeouts are 60 s"]),
    ({"idleTimeout": 300.0, "loadBalancerType": "application"}, None,
     ["idleTimeout is 300 s; the design's proxy timeouts are 60 s"]),
    ({"idleTimeout": 300.0, "loadBalancerType": "network"}, None, []),  # NLBs have no idle timeout setting
    ({}, {"idleTimeoutSeconds": 30}, ["idleTimeout is 60 s; the design's proxy timeouts are 30 s"]),
    ({"idleTimeout": 30.0}, {"idleTimeoutSeconds": 30}, []),
])
def test_idle_timeout_messages(props, config, expected):
    assert run(alb.load_balancer_idle_timeout, LB, props, config) == expected


@pytest.mark.parametrize("value, ok", [(True, True), ("true", True), (False, False), ("false", False), (None, False)])
def test_deletion_protection_values(value, ok):
    props = {} if value is None else {"enableDeletionProtection": value}
    expected = [] if ok else ["enableDeletionProtection is not true: a stray delete would drop all traffic"]
    assert run(alb.load_balancer_deletion_protection, LB, props) == expected


ALLOWED_PREFIXES = ("ELBSecurityPolicy-TLS13-1-2-, ELBSecurityPolicy-TLS13-1-3-, ELBSecurityPolicy-TLS-1-2-, "
                    "ELBSecurityPolicy-FS-1-2-")
NO_POLICY = ("sslPolicy is not set (AWS uses ELBSecurityPolicy-2016-08, which allows TLS 1.0); "
             "use a TLS 1.2+/1.3 policy such as ELBSecurityPolicy-TLS13-1-2-2021-06")
NO_CERTIFICATE = "HTTPS listener has no certificateArn"
WITHOUT_POLICY = {k: v for k, v in HTTPS.items() if k != "sslPolicy"}
WITHOUT_CERTIFICATE = {k: v for k, v in HTTPS.items() if k != "certificateArn"}


@pytest.mark.parametrize("props, config, expected", [
    *[({**HTTPS, "sslPolicy": policy}, None, []) for policy in (
        "ELBSecurityPolicy-TLS13-1-2-2021-06", "ELBSecurityPolicy-TLS13-1-3-2021-06",
        "ELBSecurityPolicy-TLS-1-2-2017-01", "ELBSecurityPolicy-FS-1-2-Res-2020-10")],
    ({**HTTPS, "sslPolicy": "ELBSecurityPolicy-2016-08"}, None,
     [f"sslPolicy 'ELBSecurityPolicy-2016-08' allows protocols below TLS 1.2; allowed prefixes: {ALLOWED_PREFIXES}"]),
    ({**HTTPS, "sslPolicy": "ELBSecurityPolicy-TLS13-1-1-2021-06"}, None,
     ["sslPolicy 'ELBSecurityPolicy-TLS13-1-1-2021-06' allows protocols below TLS 1.2; allowed prefixes: "
      f"{ALLOWED_PREFIXES}"]),
    (WITHOUT_POLICY, None, [NO_POLICY]),
    ({**WITHOUT_POLICY, "protocol": "https"}, None, [NO_POLICY]),
    (WITHOUT_CERTIFICATE, None, [NO_CERTIFICATE]),
    ({**HTTPS, "certificateArn": ""}, None, [NO_CERTIFICATE]),
    ({"protocol": "HTTPS"}, None, [NO_POLICY, NO_CERTIFICATE]),
    ({"protocol": "HTTP"}, None, []),  # plain listeners are the redirect policy's business
    ({}, None, []),
    ({**HTTPS, "sslPolicy": "Custom-TLS12"}, {"allowedPolicyPrefixes": ["Custom-", "Other-"]}, []),
    ({**HTTPS, "sslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06"}, {"allowedPolicyPrefixes": ["Custom-", "Other-"]},
     ["sslPolicy 'ELBSecurityPolicy-TLS13-1-2-2021-06' allows protocols below TLS 1.2; allowed prefixes: "
      "Custom-, Other-"]),
])
def test_https_listener_messages(props, config, expected):
    assert run(alb.listener_https_tls_policy, LISTENER, props, config) == expected


ONLY_HTTPS = "; plain HTTP may only redirect to HTTPS"
TO_HTTPS = {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}}


@pytest.mark.parametrize("props, expected", [
    (REDIRECT, []),
    ({"protocol": "http", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "https"}}]}, []),
    ({"protocol": "HTTP"}, ["HTTP listener has no default action; it must redirect to HTTPS"]),
    ({"protocol": "HTTP", "defaultActions": []}, ["HTTP listener has no default action; it must redirect to HTTPS"]),
    ({"protocol": "http"}, ["HTTP listener has no default action; it must redirect to HTTPS"]),
    ({"protocol": "HTTP", "defaultActions": [{"type": "forward", "targetGroupArn": "arn:tg"}]},
     ["defaultActions[0] is 'forward'" + ONLY_HTTPS]),
    ({"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"protocol": "HTTP"}}]},
     ["defaultActions[0] is 'redirect' to HTTP" + ONLY_HTTPS]),
    # without a protocol the redirect keeps the request's (#{protocol}): HTTP stays HTTP
    ({"protocol": "HTTP", "defaultActions": [{"type": "redirect", "redirect": {"port": "443"}}]},
     ["defaultActions[0] is 'redirect' to #{PROTOCOL}" + ONLY_HTTPS]),
    ({"protocol": "HTTP", "defaultActions": [TO_HTTPS, {"type": "fixed-response"}, TO_HTTPS,
                                             {"type": "redirect", "redirect": {"protocol": "HTTP"}}]},
     ["defaultActions[1] is 'fixed-response'" + ONLY_HTTPS, "defaultActions[3] is 'redirect' to HTTP" + ONLY_HTTPS]),
    ({"protocol": "HTTPS", "defaultActions": [{"type": "forward"}]}, []),  # HTTPS listeners may forward
    ({"defaultActions": [{"type": "forward"}]}, []),
])
def test_http_listener_messages(props, expected):
    assert run(alb.listener_http_redirect, LISTENER, props) == expected


CLEAR_TEXT = ("protocol is 'HTTP': the load balancer sends requests to the targets in clear text; "
              "use HTTPS (end-to-end TLS)")
HTTP_PROBE = "healthCheck.protocol is 'HTTP'; probe the targets over HTTPS as the traffic reaches them"


@pytest.mark.parametrize("props, expected", [
    ({"protocol": "https", "healthCheck": {"protocol": "https"}}, []),
    ({"protocol": "HTTP"}, [CLEAR_TEXT, HTTP_PROBE]),
    ({"protocol": "http", "healthCheck": {"protocol": "HTTPS"}}, [CLEAR_TEXT]),
    ({"protocol": "HTTPS", "healthCheck": {"protocol": "http"}}, [HTTP_PROBE]),
    ({}, [CLEAR_TEXT, HTTP_PROBE]),
    ({"protocol": "HTTPS", "healthCheck": {"protocol": "TCP"}},
     ["healthCheck.protocol is 'TCP'; probe the targets over HTTPS as the traffic reaches them"]),
    *[({"protocol": p}, []) for p in ("TCP", "UDP", "TCP_UDP", "TLS", "GENEVE", "tls")],
    ({"targetType": "lambda", "protocol": "HTTP"}, []),
    ({"targetType": "ip", "protocol": "HTTP"}, [CLEAR_TEXT, HTTP_PROBE]),
])
def test_target_group_https_messages(props, expected):
    assert run(alb.target_group_https, TG, props, PROD) == expected
