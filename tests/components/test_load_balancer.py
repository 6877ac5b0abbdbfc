"""LoadBalancer: backend validation (examples and properties), and the ALB under the mock engine."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from components.load_balancer import (
    DESIGN_BACKENDS,
    ELB_LOG_DELIVERY_SERVICE,
    TLS13_SSL_POLICY,
    BackendArgs,
    LoadBalancer,
    LoadBalancerArgs,
    access_log_bucket_name,
    access_log_bucket_policy,
    validate_backends,
    validate_load_balancer_args,
)
from scaling_kit.limits import LOAD_BALANCING
from tests.conftest import run_program
from tests.helpers import untagged

TG = "aws:lb/targetGroup:TargetGroup"
LISTENER = "aws:lb/listener:Listener"
CERT = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"


def lb_args(**kwargs) -> LoadBalancerArgs:
    return LoadBalancerArgs(vpc_id="vpc-1", subnet_ids=("subnet-a", "subnet-b"), **kwargs)


def test_design_backends_are_api1_to_api3_weighted_5_5_3():
    assert [(b.name, b.weight) for b in DESIGN_BACKENDS] == [("api1", 5), ("api2", 5), ("api3", 3)]
    assert tuple(b.weight for b in DESIGN_BACKENDS) == LOAD_BALANCING.backend_weights


@pytest.mark.parametrize("backends, message", [
    ((), "backends: 0 given; expected 1 to 5"),
    (tuple(BackendArgs(f"b{i}") for i in range(6)), "backends: 6 given; expected 1 to 5"),
    ((BackendArgs("a", 0), BackendArgs("b", 0)), "backends: weights [0, 0] are all zero"),
    ((BackendArgs("a", 1000),), "backends: weight 1000 of 'a' is out of range; expected 0 to 999"),
    ((BackendArgs("a", -1),), "backends: weight -1 of 'a' is out of range"),
    ((BackendArgs("a"), BackendArgs("a")), "backends: names ['a', 'a'] have duplicates"),
    ((BackendArgs("Api"),), "backends: name 'Api' is not allowed"),
])
def test_backend_validation_names_argument_value_and_allowed(backends, message):
    with pytest.raises(ValueError) as info:
        validate_backends(backends)
    assert str(info.value).startswith(message)


backend_lists = st.lists(st.tuples(st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True),
                                   st.integers(-5, 1100)), min_size=0, max_size=7)


@given(backend_lists)
def test_backends_are_accepted_exactly_when_aws_would_accept_the_forward_action(pairs):
    backends = tuple(BackendArgs(n, w) for n, w in pairs)
    names, weights = [n for n, _ in pairs], [w for _, w in pairs]
    valid = (1 <= len(pairs) <= 5 and len(set(names)) == len(names) and all(0 <= w <= 999 for w in weights)
             and any(weights))
    if valid:
        validate_backends(backends)
    else:
        with pytest.raises(ValueError, match=r"^backends: "):
            validate_backends(backends)


@pytest.mark.parametrize("args, message", [
    (LoadBalancerArgs(vpc_id="v", subnet_ids=("s",)), "subnet_ids: 1 subnet(s) given"),
    (lb_args(ingress_cidrs=("10.0.0.1/16",)), "ingress_cidrs: '10.0.0.1/16' is not an IPv4 CIDR"),
    (lb_args(ingress_cidrs=()), "ingress_cidrs: empty"),
    (lb_args(certificate_arn="my-cert"), "certificate_arn: 'my-cert': expected an ACM certificate ARN"),
    (lb_args(ssl_policy="ELBSecurityPolicy-2016-08"), "ssl_policy: 'ELBSecurityPolicy-2016-08' does not offer TLS 1.3"),
    (lb_args(slow_start_seconds=10), "slow_start_seconds: 10 is not allowed; expected 0 (off) or 30 to 900"),
    (lb_args(idle_timeout_seconds=0), "idle_timeout_seconds: 0 is out of range"),
    (lb_args(deregistration_delay_seconds=4000), "deregistration_delay_seconds: 4000 is out of range"),
    (lb_args(health_check_path="health"), "health_check_path: 'health' is not allowed"),
    (lb_args(health_check_matcher="ok"), "health_check_matcher: 'ok' is not allowed"),
    (lb_args(backend_port=0), "backend_port: 0 is out of range"),
])
def test_validation_names_argument_value_and_allowed(args, message):
    with pytest.raises(ValueError) as info:
        validate_load_balancer_args(args)
    assert str(info.value).startswith(message)


def build(**kwargs):
    return run_program(lambda: LoadBalancer("lb", lb_args(**kwargs)))


def test_one_least_outstanding_requests_target_group_per_backend():
    ev = build(slow_start_seconds=60)
    groups = {g.name: g.inputs for g in ev.by_type(TG)}
    assert set(groups) == {"lb-tg-api1", "lb-tg-api2", "lb-tg-api3"}
    for tg in groups.values():
        assert tg["loadBalancingAlgorithmType"] == "least_outstanding_requests"
        assert tg["port"] == 3000 and tg["protocol"] == "HTTP" and tg["protocolVersion"] == "HTTP1"
        assert tg["targetType"] == "instance" and tg["vpcId"] == "vpc-1"
        assert tg["deregistrationDelay"] == 60 and tg["slowStart"] == 60
        assert tg["healthCheck"]["path"] == "/health" and tg["healthCheck"]["matcher"] == "200"


def test_https_listener_forwards_by_weight_and_http_redirects():
    ev = build(certificate_arn=CERT)
    https = ev.one(LISTENER, "lb-https").inputs
    assert https["port"] == 443 and https["protocol"] == "HTTPS"
    assert https["sslPolicy"] == TLS13_SSL_POLICY and https["certificateArn"] == CERT
    [action] = https["defaultActions"]
    assert action["type"] == "forward"
    assert [(g["arn"].rsplit(":", 1)[1], g["weight"]) for g in action["forward"]["targetGroups"]] == [
        ("lb-tg-api1", 5), ("lb-tg-api2", 5), ("lb-tg-api3", 3)]
    [redirect] = ev.one(LISTENER, "lb-http").inputs["defaultActions"]
    assert redirect == {"type": "redirect", "redirect": {"protocol": "HTTPS", "port": "443",
                                                         "statusCode": "HTTP_301"}}


def test_without_a_certificate_http_forwards_and_443_stays_closed():
    ev = build()
    assert [r.name for r in ev.by_type(LISTENER)] == ["lb-http"]
    assert ev.one(LISTENER, "lb-http").inputs["defaultActions"][0]["type"] == "forward"
    ingress = ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {(r.inputs["fromPort"], r.inputs["cidrIpv4"]) for r in ingress} == {(80, "0.0.0.0/0")}


def test_security_group_admits_80_and_443_from_each_cidr_and_has_no_egress_of_its_own():
    ev = build(certificate_arn=CERT, ingress_cidrs=("203.0.113.0/24", "198.51.100.0/24"))
    ingress = ev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    assert {(r.inputs["fromPort"], r.inputs["toPort"], r.inputs["cidrIpv4"]) for r in ingress} == {
        (p, p, c) for p in (80, 443) for c in ("203.0.113.0/24", "198.51.100.0/24")}
    assert {r.inputs["securityGroupId"] for r in ingress} == {"lb-sg-id"}
    assert ev.by_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule") == []
    sg = ev.one("aws:ec2/securityGroup:SecurityGroup", "lb-sg").inputs
    assert "ingress" not in sg and "egress" not in sg  # inline rules would fight the rule resources


def test_alb_settings_follow_the_design_and_secure_defaults():
    alb = build().one("aws:lb/loadBalancer:LoadBalancer", "lb-alb")
    i = alb.inputs
    assert i["loadBalancerType"] == "application" and i["internal"] is False
    assert i["idleTimeout"] == 60 and i["dropInvalidHeaderFields"] is True
    assert i["enableDeletionProtection"] is True and i["subnets"] == ["subnet-a", "subnet-b"]
    assert i["securityGroups"] == ["lb-sg-id"]
    # The bucket name is computed by the provider (autonaming), so only the switch and prefix are known here.
    assert i["accessLogs"]["enabled"] is True and i["accessLogs"]["prefix"] == "alb"
    # Enabling access logs fails unless the bucket policy is in place first.
    assert any(d.endswith("::lb-logs-policy") for d in alb.depends_on)


def test_dev_can_switch_deletion_protection_off_and_the_log_bucket_then_empties_on_destroy():
    ev = build(deletion_protection=False, environment="dev")
    assert ev.one("aws:lb/loadBalancer:LoadBalancer", "lb-alb").inputs["enableDeletionProtection"] is False
    dev_bucket = ev.one("aws:s3/bucket:Bucket", "lb-logs")
    assert dev_bucket.inputs["forceDestroy"] is True and dev_bucket.protect is False
    prod_bucket = build().one("aws:s3/bucket:Bucket", "lb-logs")
    assert prod_bucket.inputs["forceDestroy"] is False and prod_bucket.protect is True


@pytest.mark.parametrize("environment, protect, expected", [("dev", True, True), ("prod", False, False),
                                                            ("dev", None, False), ("prod", None, True)])
def test_protect_of_the_log_bucket_defaults_to_the_environment_and_can_be_set(environment, protect, expected):
    bucket = build(environment=environment, protect=protect).one("aws:s3/bucket:Bucket", "lb-logs")
    assert bucket.protect is expected


@given(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,60}", fullmatch=True),
       st.from_regex(r"[a-z][a-z0-9-]{0,60}", fullmatch=True))
def test_access_log_bucket_names_are_valid_s3_names_and_keep_account_and_region(stack, name):
    bucket = access_log_bucket_name("scaling", stack, name, "123456789012", "ap-southeast-3")
    assert 3 <= len(bucket) <= 63 and bucket.endswith("-123456789012-ap-southeast-3")
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*[a-z0-9]", bucket) and "--" not in bucket


def test_access_log_bucket_is_private_encrypted_expiring_and_tls_only():
    ev = build(access_log_retention_days=30)
    pab = ev.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "lb-logs-public-access").inputs
    assert all(pab[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls",
                                        "restrictPublicBuckets"))
    sse = ev.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                 "lb-logs-encryption").inputs
    assert sse["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"
    ownership = ev.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "lb-logs-ownership").inputs
    assert ownership["rule"]["objectOwnership"] == "BucketOwnerEnforced"
    [rule] = ev.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                    "lb-logs-lifecycle").inputs["rules"]
    assert rule["status"] == "Enabled" and rule["expiration"]["days"] == 30
    policy = json.loads(ev.one("aws:s3/bucketPolicy:BucketPolicy", "lb-logs-policy").inputs["policy"])
    allow, deny = policy["Statement"]
    # us-east-1 predates August 2022: the regional ELB account writes the logs.
    assert allow["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"}
    bucket = "scaling-dev-lb-logs-123456789012-us-east-1"
    assert ev.one("aws:s3/bucket:Bucket", "lb-logs").inputs["bucket"] == bucket
    assert allow["Action"] == "s3:PutObject"
    assert allow["Resource"] == f"arn:aws:s3:::{bucket}/alb/AWSLogs/123456789012/*"
    assert deny["Resource"] == [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_newer_regions_grant_the_log_delivery_service_principal():
    statement = json.loads(access_log_bucket_policy("arn:aws:s3:::logs", "111122223333", None))["Statement"][0]
    assert statement["Principal"] == {"Service": ELB_LOG_DELIVERY_SERVICE}
    assert statement["Resource"] == "arn:aws:s3:::logs/alb/AWSLogs/111122223333/*"


def test_outputs_list_target_groups_in_backend_order():
    captured = {}

    def program():
        captured["lb"] = LoadBalancer("lb", lb_args(backends=(BackendArgs("blue", 9), BackendArgs("green", 1))))
    run_program(program)
    lb = captured["lb"]
    assert lb.backend_names == ["blue", "green"] and lb.backend_weights == [9, 1]
    assert len(lb.target_group_arns) == 2 and lb.https_listener_arn is None


def test_every_taggable_resource_has_the_house_tags():
    assert untagged(build(environment="dev", certificate_arn=CERT)) == []


EDGE_EXPORTS = {"albArn", "albArnSuffix", "albDnsName", "albZoneId", "albSecurityGroupId", "httpListenerArn",
                "targetGroupArns", "webAclArn", "asgNames", "asgRoleNames", "appSecurityGroupId"}


def test_stacks_wire_the_edge_tier_and_export_it():
    from tests.conftest import stack_evaluation
    dev, prod = stack_evaluation("dev"), stack_evaluation("prod")
    assert EDGE_EXPORTS | {"httpsListenerArn"} <= set(prod.outputs)   # prod has a certificate
    assert EDGE_EXPORTS <= set(dev.outputs) and "httpsListenerArn" not in dev.outputs
    assert len(prod.by_type(TG)) == 3  # the exported ARNs are unknown until apply
    alb = {s.stack: s.one("aws:lb/loadBalancer:LoadBalancer", "edge-lb-alb").inputs for s in (dev, prod)}
    assert alb["prod"]["enableDeletionProtection"] is True and alb["dev"]["enableDeletionProtection"] is False
    group = {s.stack: s.one("aws:autoscaling/group:Group", "edge-asg-api1-asg").inputs for s in (dev, prod)}
    assert (group["prod"]["minSize"], group["prod"]["maxSize"], group["prod"]["desiredCapacity"]) == (2, 20, 5)
    assert (group["dev"]["minSize"], group["dev"]["maxSize"], group["dev"]["desiredCapacity"]) == (1, 3, 1)
    # The ALB lives in the public subnets, the instances in the private ones.
    assert len(alb["prod"]["subnets"]) == 3 and len(group["prod"]["vpcZoneIdentifiers"]) == 3
    rate = {r["name"]: r for r in prod.one("aws:wafv2/webAcl:WebAcl", "edge-rate-limit-acl").inputs["rules"]}
    assert rate["rate-limit-by-ip"]["statement"]["rateBasedStatement"]["limit"] == 67


def test_backend_tls_makes_target_groups_and_health_checks_https():
    ev = build(backend_tls=True)
    for tg in (g.inputs for g in ev.by_type(TG)):
        assert tg["protocol"] == "HTTPS" and tg["healthCheck"]["protocol"] == "HTTPS"
        # Same port and HTTP version: the targets serve TLS where they served HTTP.
        assert tg["port"] == 3000 and tg["protocolVersion"] == "HTTP1"
    assert all(g.inputs["healthCheck"]["protocol"] == "HTTP" for g in build().by_type(TG))
