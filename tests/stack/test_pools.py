"""Weighted backends are distinct pools (issue 13): listener -> target group -> its own pool -> a running app.

Walks the declared resources of each stack: every weighted target group is served by exactly one pool,
an EC2 pool (an Auto Scaling group of its own, running the application image) or the EKS workload
(registered by the AWS Load Balancer Controller through a TargetGroupBinding), and no pool is behind two.
"""

from __future__ import annotations

import base64
import json

import pytest

from offline.engine import evaluate
from stack.config import ConfigurationError
from tests.conftest import ROOT, evaluate_stack, stack_evaluation

TG = "aws:lb/targetGroup:TargetGroup"
ASG = "aws:autoscaling/group:Group"
LT = "aws:ec2/launchTemplate:LaunchTemplate"
TGB = "kubernetes:elbv2.k8s.aws/v1beta1:TargetGroupBinding"
LISTENER = "aws:lb/listener:Listener"


def _test_mode(stack: str):
    evaluation = evaluate_stack(stack, preview=False)
    assert evaluation.error is None, evaluation.error
    return evaluation


@pytest.fixture(scope="module", params=["dev", "prod"])
def known(request):
    """The stack in test mode: ids and ARNs are known, so references can be followed."""
    return _test_mode(request.param)


def _target_group_arn(evaluation, backend: str) -> str:
    group = evaluation.one(TG, f"edge-lb-tg-{backend}")
    return f"arn:aws:lb:us-east-1:123456789012:{group.name}"


def test_every_weighted_target_group_has_exactly_one_pool_of_its_own(known):
    forward = [r for r in known.by_type(LISTENER) if r.inputs["defaultActions"][0]["type"] == "forward"]
    assert forward, "no listener forwards to the target groups"
    weighted = forward[0].inputs["defaultActions"][0]["forward"]["targetGroups"]
    assert [w["weight"] for w in weighted] == [5, 5, 3]
    pools: dict[str, list[str]] = {}
    for group in known.by_type(ASG):
        for arn in group.inputs.get("targetGroupArns", []):
            pools.setdefault(arn, []).append(f"asg:{group.name}")
    for binding in known.by_type(TGB):
        pools.setdefault(binding.inputs["spec"]["targetGroupARN"], []).append(f"eks:{binding.name}")
    assert {w["arn"] for w in weighted} == set(pools), "a weighted target group has no pool"
    assert all(len(members) == 1 for members in pools.values()), pools
    assert len({m for members in pools.values() for m in members}) == len(weighted), "a pool serves two groups"


def test_the_default_layout_is_api1_api2_on_ec2_and_api3_on_eks(known):
    groups = {g.name: g.inputs["targetGroupArns"] for g in known.by_type(ASG)}
    assert groups == {"edge-asg-api1-asg": [_target_group_arn(known, "api1")],
                      "edge-asg-api2-asg": [_target_group_arn(known, "api2")]}
    (binding,) = known.by_type(TGB)
    assert binding.inputs["spec"] == {"serviceRef": {"name": "ai-agent-system", "port": 80},
                                      "targetGroupARN": _target_group_arn(known, "api3"), "targetType": "ip"}
    assert known.one(TG, "edge-lb-tg-api3").inputs["targetType"] == "ip"
    assert {known.one(TG, f"edge-lb-tg-{b}").inputs["targetType"] for b in ("api1", "api2")} == {"instance"}


def test_each_ec2_pool_runs_the_application_and_keeps_the_design_bounds():
    prod = stack_evaluation("prod")
    for backend in ("api1", "api2"):
        group = prod.one(ASG, f"edge-asg-{backend}-asg")
        assert (group.inputs["minSize"], group.inputs["maxSize"], group.inputs["desiredCapacity"]) == (2, 20, 5)
        template = prod.one(LT, f"edge-asg-{backend}-lt")
        script = base64.b64decode(template.inputs["userData"]).decode()
        # Prod turns end-to-end TLS on (scaling:lbBackendTls): the host's app port leads to the TLS sidecar.
        assert "ExecStart=/usr/bin/docker run" in script and "--publish 3000:8080" in script
        assert "cat > /etc/systemd/system/app-tls.service" in script
        assert "--name /scaling/prod/app-settings" in script


def test_dev_pools_serve_plain_http_without_the_tls_sidecar():
    dev = stack_evaluation("dev")
    for template in dev.by_type(LT):
        script = base64.b64decode(template.inputs["userData"]).decode()
        assert "--publish 3000:3000" in script and "app-tls" not in script


def test_the_first_pool_carries_an_alias_to_the_single_group_it_replaces():
    prod = stack_evaluation("prod")
    first = prod.one("scaling:auto_scaling_group:AutoScalingGroup", "edge-asg-api1")
    second = prod.one("scaling:auto_scaling_group:AutoScalingGroup", "edge-asg-api2")
    assert (first.aliases, second.aliases) == (1, 0)


def test_instances_read_the_settings_the_workload_gets():
    dev = _test_mode("dev")
    parameter = dev.one("aws:ssm/parameter:Parameter", "app-settings-parameter")
    assert parameter.inputs["name"] == "/scaling/dev/app-settings"
    value = parameter.inputs["value"]
    # pulumi-aws marks a parameter's value secret whatever its type; the engine form wraps it.
    stored = json.loads(value["value"] if isinstance(value, dict) else value)
    config_map = dev.one("kubernetes:core/v1:ConfigMap", "app-config").inputs["data"]
    assert stored == config_map
    assert {"PORT", "DB_SHARD_MAP", "KAFKA_BOOTSTRAP_BROKERS", "CACHE_CONFIGURATION_ENDPOINT"} <= set(stored)
    # The groups (whose creation boots the instances) wait for the parameter: instances read it at boot.
    for backend in ("api1", "api2"):
        assert parameter.urn in dev.one("aws:autoscaling/group:Group", f"edge-asg-{backend}-asg").depends_on


def test_the_target_group_binding_waits_for_the_controller_chart():
    dev = stack_evaluation("dev")
    release = dev.one("kubernetes:helm.sh/v3:Release", "lb-controller-release")
    assert release.urn in dev.one(TGB, "app-target-group-binding").depends_on


def test_two_weighted_groups_may_not_share_the_workload_pool():
    evaluation = evaluate("dev", root=ROOT, config_overrides={
        "scaling:lbBackendPlatforms": ["ec2", "eks", "eks"]})
    assert isinstance(evaluation.error, ConfigurationError)
    assert any("scaling:lbBackendPlatforms" in p and "Name 'eks' once" in p for p in evaluation.error.problems)
    assert evaluation.resources == []


def test_an_all_ec2_layout_declares_no_controller_and_no_binding():
    evaluation = evaluate("dev", root=ROOT, config_overrides={"scaling:lbBackendPlatforms": ["ec2", "ec2", "ec2"]})
    assert evaluation.error is None, evaluation.error
    assert len(evaluation.by_type(ASG)) == 3
    assert evaluation.by_type(TGB) == []
    assert evaluation.by_type("scaling:load_balancer_controller:LoadBalancerController") == []


def test_the_workload_pods_serve_through_the_request_counting_proxy():
    dev = stack_evaluation("dev")
    pod = dev.one("kubernetes:apps/v1:Deployment", "app-deployment").inputs["spec"]["template"]
    containers = {c["name"]: c for c in pod["spec"]["containers"]}
    assert set(containers) == {"app", "proxy"}
    assert containers["app"]["image"] == "docker.io/hashicorp/http-echo:1.0"
    assert containers["app"]["args"] == ["-listen=:3000", "-text=ok"]
    assert [p["containerPort"] for p in containers["proxy"]["ports"]] == [8080, 9902]
    assert pod["metadata"]["annotations"]["prometheus.io/port"] == "9902"
    service = dev.one("kubernetes:core/v1:Service", "app-service").inputs["spec"]
    assert service["ports"][0]["targetPort"] == "http"   # the proxy's port name
    rule = next(r for r in dev.by_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
                if r.name == "lb-controller-nodes-in-from-alb")
    assert (rule.inputs["fromPort"], rule.inputs["toPort"]) == (8080, 8080)
