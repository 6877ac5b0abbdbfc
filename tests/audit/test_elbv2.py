"""Load balancer, target groups, listeners and the WAF web ACL."""

import pytest
from botocore.stub import Stubber

from audit.findings import ERROR, WARNING

from .conftest import audit, make_clients, only, rate_rule, tags

SERVICES = ["elbv2"]


@pytest.fixture(scope="module")
def conforming(account):
    account.build_edge("lb-ok")
    return audit(account, "lb-ok", SERVICES)


def test_conforming_load_balancer_passes_every_check(conforming):
    assert conforming.findings == []
    # 2 counts, idle timeout, deletion protection, HTTPS listener + certificate + TLS + weights, HTTP redirect,
    # WAF association, rate rule presence + limit + window + key + action, port + algorithm of 3 target groups.
    assert conforming.checks == 21


def test_round_robin_target_group_is_reported(account):
    edge = account.build_edge("lb-algo")
    account.client("elbv2").modify_target_group_attributes(TargetGroupArn=edge["target_groups"][1], Attributes=[
        {"Key": "load_balancing.algorithm.type", "Value": "round_robin"}])
    finding = only(audit(account, "lb-algo", SERVICES), "load balancing algorithm")
    assert finding.resource.startswith("targetgroup/") and finding.resource.endswith("api2")
    assert (finding.expected, finding.actual) == ("least_outstanding_requests", "round_robin")


def test_changed_idle_timeout_and_disabled_deletion_protection(account):
    edge = account.build_edge("lb-attrs")
    account.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=edge["lb_arn"], Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "300"},
        {"Key": "deletion_protection.enabled", "Value": "false"}])
    report = audit(account, "lb-attrs", SERVICES)
    timeout = only(report, "idle timeout seconds")
    assert (timeout.resource, timeout.expected, timeout.actual) == (f"alb/{edge['lb_name']}", 60, 300)
    protection = only(report, "deletion protection")
    assert (protection.expected, protection.actual, protection.severity) == (True, False, ERROR)


def test_deletion_protection_is_not_required_when_the_stack_turns_it_off(account):
    edge = account.build_edge("lb-noprot")
    account.client("elbv2").modify_load_balancer_attributes(LoadBalancerArn=edge["lb_arn"], Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "false"}])
    report = audit(account, "lb-noprot", SERVICES, **{"scaling:lbDeletionProtection": False})
    assert report.findings == []


def test_removed_waf_association_is_reported(account):
    edge = account.build_edge("lb-nowaf")
    account.client("wafv2").disassociate_web_acl(ResourceArn=edge["lb_arn"])
    finding = only(audit(account, "lb-nowaf", SERVICES), "WAF web ACL association")
    assert (finding.expected, finding.actual, finding.severity) == ("a web ACL", "none", ERROR)


@pytest.mark.parametrize("limit, window, check, expected, actual", [
    (100, 600, "rate limit (requests per window)", 67, 100),
    (67, 300, "rate window seconds", 600, 300),
])
def test_changed_rate_rule_is_reported(account, limit, window, check, expected, actual):
    stack = f"lb-rate-{limit}-{window}"
    edge = account.build_edge(stack)
    waf = account.client("wafv2")
    current = waf.get_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"])
    waf.update_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"], LockToken=current["LockToken"],
                       DefaultAction={"Allow": {}}, Rules=[rate_rule(limit, window)],
                       VisibilityConfig=current["WebACL"]["VisibilityConfig"])
    finding = only(audit(account, stack, SERVICES), check)
    assert finding.resource == f"wafv2/{edge['acl_name']} rule rate-limit"
    assert (finding.expected, finding.actual) == (expected, actual)


def test_rate_rule_in_count_mode_and_missing_rate_rule(account):
    edge = account.build_edge("lb-count")
    waf = account.client("wafv2")
    current = waf.get_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"])
    waf.update_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"], LockToken=current["LockToken"],
                       DefaultAction={"Allow": {}}, Rules=[rate_rule(67, 600, action="Count")],
                       VisibilityConfig=current["WebACL"]["VisibilityConfig"])
    action = only(audit(account, "lb-count", SERVICES), "rate rule action")
    assert (action.expected, action.actual) == ("Block", "Count")
    # The same web ACL is right for a stack configured to count only (the rollout mode).
    assert audit(account, "lb-count", SERVICES, **{"scaling:rateLimitMode": "count"}).findings == []

    # The rate rule replaced by another rule (moto 5.2 ignores an update to an empty rule list).
    current = waf.get_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"])
    managed = {**rate_rule(67, 600), "Name": "common", "OverrideAction": {"None": {}}, "Statement": {
        "ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}}
    del managed["Action"]
    waf.update_web_acl(Name=edge["acl_name"], Scope="REGIONAL", Id=edge["acl_id"], LockToken=current["LockToken"],
                       DefaultAction={"Allow": {}}, Rules=[managed],
                       VisibilityConfig=current["WebACL"]["VisibilityConfig"])
    missing = only(audit(account, "lb-count", SERVICES), "rate-based rule")
    assert (missing.expected, missing.actual) == ("present", "0 rate-based rule(s)")


def test_http_listener_forwarding_instead_of_redirecting(account):
    edge = account.build_edge("lb-http")
    account.client("elbv2").modify_listener(ListenerArn=edge["http_listener"], DefaultActions=[
        {"Type": "forward", "TargetGroupArn": edge["target_groups"][0]}])
    finding = only(audit(account, "lb-http", SERVICES), "HTTP redirects to HTTPS")
    assert (finding.resource, finding.expected, finding.actual) == (
        f"alb/{edge['lb_name']} HTTP:80", "redirect to HTTPS", "forward")


def test_old_tls_policy_and_changed_weights(account):
    edge = account.build_edge("lb-tls")
    account.client("elbv2").modify_listener(
        ListenerArn=edge["https_listener"], SslPolicy="ELBSecurityPolicy-2016-08",
        DefaultActions=[{"Type": "forward", "ForwardConfig": {"TargetGroups": [
            {"TargetGroupArn": arn, "Weight": 1} for arn in edge["target_groups"]]}}])
    report = audit(account, "lb-tls", SERVICES)
    tls = only(report, "TLS policy (TLS 1.2 or newer only)")
    assert (tls.expected, tls.actual) == ("TLSv1.2+", "ELBSecurityPolicy-2016-08 (TLSv1, TLSv1.1, TLSv1.2)")
    weights = only(report, "forward weights")
    assert (weights.expected, weights.actual) == ([5, 5, 3], [1, 1, 1])


def test_missing_https_listener(account):
    edge = account.build_edge("lb-nohttps")
    account.client("elbv2").delete_listener(ListenerArn=edge["https_listener"])
    finding = only(audit(account, "lb-nohttps", SERVICES), "HTTPS listener")
    assert (finding.expected, finding.actual) == ("HTTPS:443", "HTTP:80")


def test_missing_target_group_and_missing_load_balancer(account):
    edge = account.build_edge("lb-fewer")
    elb = account.client("elbv2")
    elb.modify_listener(ListenerArn=edge["https_listener"], DefaultActions=[{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": arn, "Weight": 5} for arn in edge["target_groups"][:2]]}}])
    elb.delete_target_group(TargetGroupArn=edge["target_groups"][2])
    report = audit(account, "lb-fewer", SERVICES)
    count = only(report, "target groups count")
    assert (count.resource, count.expected, count.actual) == ("stack lb-fewer", 3, 2)

    empty = audit(account, "lb-nothing", SERVICES)
    assert (only(empty, "application load balancers count").expected,
            only(empty, "application load balancers count").actual) == (1, 0)


def test_surplus_tagged_target_group_is_a_warning(account):
    account.build_edge("lb-extra")
    account.client("elbv2").create_target_group(Name="lb-extra-by-hand", Protocol="HTTP", Port=3000,
                                                VpcId=account.vpc_id, Tags=tags("lb-extra"))
    report = audit(account, "lb-extra", SERVICES)
    surplus = only(report, "declared by the stack")
    assert (surplus.resource, surplus.severity) == ("targetgroup/lb-extra-by-hand", WARNING)
    # Still checked like a declared one: it was left on the default algorithm.
    assert only(report, "load balancing algorithm").resource == "targetgroup/lb-extra-by-hand"


def test_waf_permission_denied_is_reported_for_that_check_only(account):
    account.build_edge("lb-denied")
    clients = make_clients()
    with Stubber(clients("wafv2")) as stub:
        stub.add_client_error("get_web_acl_for_resource", service_error_code="AccessDeniedException",
                              service_message="not authorized to perform wafv2:GetWebACLForResource",
                              http_status_code=403)
        report = audit(account, "lb-denied", SERVICES, clients=clients)
    finding = only(report, "WAF web ACL association")
    assert finding.severity == ERROR
    assert finding.expected == "readable (wafv2:GetWebACLForResource)"
    assert finding.actual.startswith("permission denied on GetWebACLForResource: AccessDeniedException")
    assert len(report.findings) == 1  # every other check of the load balancer still ran and passed
    # The six WAF checks are replaced by the one finding that says why they could not run.
    assert report.checks == 21 - 6 + 1


def test_rate_rules_keyed_by_header_and_by_ip(account):
    edge = account.build_edge("lb-header", with_waf=False)
    waf = account.client("wafv2")
    by_header = {**rate_rule(67, 600), "Name": "rate-limit-by-header", "Statement": {"RateBasedStatement": {
        "Limit": 67, "EvaluationWindowSec": 600, "AggregateKeyType": "CUSTOM_KEYS",
        "CustomKeys": [{"Header": {"Name": "x-user-id", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}}]}}}
    by_ip = {**rate_rule(67, 600), "Name": "rate-limit-by-ip", "Priority": 2}
    acl = waf.create_web_acl(Name="lb-header-acl", Scope="REGIONAL", DefaultAction={"Allow": {}},
                             VisibilityConfig={"SampledRequestsEnabled": True, "CloudWatchMetricsEnabled": True,
                                               "MetricName": "m"}, Rules=[by_header, by_ip])["Summary"]
    waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=edge["lb_arn"])
    assert audit(account, "lb-header", SERVICES, **{"scaling:rateLimitKeyHeader": "X-User-Id"}).findings == []
    # The stack without a key header expects one rule per client IP only.
    keys = only(audit(account, "lb-header", SERVICES), "rate rule keys")
    assert (keys.expected, keys.actual) == (["IP"], ["IP", "header x-user-id"])
