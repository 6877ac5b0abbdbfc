"""Issue 17 items 2 and 6 at the stack level: prod runs end-to-end TLS and digest-pinned images, dev keeps
plain HTTP; both run the workload behind its NetworkPolicies with secrets as files. Then the pods' HTTPS egress
(prod: the interface endpoints only; dev: outside the VPC) and an alarm pair on every NAT gateway."""

from __future__ import annotations

import json

import pytest

from stack.config import ConfigurationError, load_settings
from tests.conftest import evaluate_stack, operator_values, stack_evaluation

TG = "aws:lb/targetGroup:TargetGroup"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DIGEST = "@sha256:" + "0123456789abcdef" * 4


def prod_raw(**values) -> dict:
    return {"scaling:environment": "prod", **operator_values("prod"), **values}


def test_prod_refuses_an_image_without_a_digest_and_names_the_setting():
    with pytest.raises(ConfigurationError) as refused:
        load_settings(prod_raw(**{"scaling:appImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0"}),
                      "prod")
    [problem] = refused.value.problems
    assert problem.startswith('scaling:appImage: "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0" names a '
                              "tag only; prod runs images pinned by digest")


@pytest.mark.parametrize("image", [f"123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1.0.0{DIGEST}",
                                   f"registry.example/team/app{DIGEST}"])
def test_prod_accepts_an_image_pinned_by_digest_with_or_without_a_tag(image):
    assert load_settings(prod_raw(**{"scaling:appImage": image}), "prod").app.image == image


def test_dev_takes_a_tag():
    settings = load_settings({"scaling:environment": "dev", "scaling:appImage": "registry.example/app:1.0"}, "dev")
    assert settings.app.image == "registry.example/app:1.0"


def test_prod_target_groups_use_https_and_dev_keeps_http():
    for stack, protocol in (("prod", "HTTPS"), ("dev", "HTTP")):
        groups = stack_evaluation(stack).by_type(TG)
        assert groups and {(g.inputs["protocol"], g.inputs["healthCheck"]["protocol"]) for g in groups} == {
            (protocol, protocol)}, stack


def test_prod_pods_create_their_certificate_and_dev_pods_do_not():
    prod_pod = stack_evaluation("prod").one(DEPLOYMENT, "app-deployment").inputs["spec"]["template"]["spec"]
    assert [c["name"] for c in prod_pod["initContainers"]] == ["certificate"]
    assert "initContainers" not in stack_evaluation("dev").one(DEPLOYMENT, "app-deployment").inputs["spec"][
        "template"]["spec"]


def test_backend_tls_can_be_switched_on_in_dev():
    dev = evaluate_stack("dev", {"scaling:lbBackendTls": "true"})
    assert {g.inputs["protocol"] for g in dev.by_type(TG)} == {"HTTPS"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_load_balancer_reaches_the_pods_from_its_public_subnets_only(stack):
    evaluation = stack_evaluation(stack)
    public = sorted(s.inputs["cidrBlock"] for s in evaluation.by_type("aws:ec2/subnet:Subnet")
                    if s.inputs["tags"]["Tier"] == "public")
    vpc_cidr = evaluation.one("aws:ec2/vpc:Vpc", "network-vpc").inputs["cidrBlock"]
    allow = evaluation.one(NETWORK_POLICY, "app-network-policy").inputs["spec"]
    assert sorted(block["ipBlock"]["cidr"] for block in allow["ingress"][0]["from"]) == public
    assert allow["egress"][1]["to"] == [{"ipBlock": {"cidr": vpc_cidr}}]
    deny = evaluation.one(NETWORK_POLICY, "app-default-deny").inputs
    assert deny["metadata"]["namespace"] == "ai-agent-system" and deny["spec"]["podSelector"] == {}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_cache_token_reaches_the_pods_as_a_file(stack):
    app = stack_evaluation(stack).one(DEPLOYMENT, "app-deployment").inputs["spec"]["template"]["spec"]["containers"][0]
    assert "secretRef" not in json.dumps(app.get("envFrom")) and "secretKeyRef" not in json.dumps(app["env"])
    assert {"name": "secrets", "mountPath": "/var/run/secrets/app", "readOnly": True} in app["volumeMounts"]


def test_the_vpc_cni_enforces_network_policies_in_both_stacks():
    for stack in ("dev", "prod"):
        [cni] = [a for a in stack_evaluation(stack).by_type("aws:eks/addon:Addon") if a.inputs["addonName"] == "vpc-cni"]
        assert json.loads(cni.inputs["configurationValues"])["enableNetworkPolicy"] == "true"


def _https_egress(ev, policy_name: str) -> dict:
    spec = ev.one(NETWORK_POLICY, policy_name).inputs["spec"]
    [https] = [rule for rule in spec["egress"] if rule["ports"] == [{"protocol": "TCP", "port": 443}]]
    return https


def test_prod_pods_reach_aws_through_the_vpc_endpoints_and_nothing_else_on_443():
    ev = stack_evaluation("prod")
    endpoint_subnets = sorted(s.inputs["cidrBlock"] for s in ev.by_type("aws:ec2/subnet:Subnet")
                              if s.inputs["tags"]["Tier"] == "endpoints")
    assert len(endpoint_subnets) == 3
    endpoints = {e.inputs["serviceName"].rsplit(".", 1)[-1] for e in ev.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")}
    assert {"sts", "secretsmanager"} <= endpoints
    for policy in ("app-network-policy", "feature-processors-network-policy"):
        assert sorted(peer["ipBlock"]["cidr"] for peer in _https_egress(ev, policy)["to"]) == endpoint_subnets


def test_dev_has_no_interface_endpoints_and_its_pods_keep_https_outside_the_vpc():
    ev = stack_evaluation("dev")
    assert [e.name for e in ev.by_type("aws:ec2/vpcEndpoint:VpcEndpoint")] == ["network-endpoint-s3"]
    for policy in ("app-network-policy", "feature-processors-network-policy"):
        assert _https_egress(ev, policy)["to"] == [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["10.0.0.0/16"]}}]


def test_closing_the_internet_needs_the_endpoints_the_pods_call():
    with pytest.raises(ConfigurationError) as refused:
        load_settings(prod_raw(**{"scaling:networkInterfaceEndpoints": '["sts", "ecr.api"]'}), "prod")
    [problem] = refused.value.problems
    assert problem.startswith("scaling:appInternetHttps: false, but scaling:networkInterfaceEndpoints lacks "
                              "secretsmanager")
    opened = load_settings(prod_raw(**{"scaling:networkInterfaceEndpoints": "[]", "scaling:appInternetHttps": "true"}),
                           "prod")
    assert opened.network.interface_endpoints == [] and opened.app.internet_https is True


@pytest.mark.parametrize("stack, gateways", [("dev", 1), ("prod", 3)])
def test_every_nat_gateway_of_the_stack_is_watched(stack, gateways):
    ev = stack_evaluation(stack)
    nats = sorted(n.urn for n in ev.by_type("aws:ec2/natGateway:NatGateway"))
    assert len(nats) == gateways
    alarms = [a for a in ev.by_type("aws:cloudwatch/metricAlarm:MetricAlarm") if a.name.startswith("observability-nat-")]
    # A preview knows no NAT gateway ID yet: each alarm's dimension is linked to its gateway by dependency.
    for kind in ("port-allocation", "packets-dropped"):
        watched = sorted(urn for a in alarms if a.name.endswith(kind)
                         for urn in a.property_dependencies.get("dimensions" if kind == "port-allocation"
                                                                else "metricQueries", []))
        assert watched == nats, kind
