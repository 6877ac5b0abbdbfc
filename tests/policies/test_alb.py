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
