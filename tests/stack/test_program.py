"""The whole stack program for dev and prod under the mock engine."""

from __future__ import annotations

import json

from offline import preview
from tests.conftest import OPERATOR_VALUES_FILE, evaluate_stack, stack_evaluation
from tests.helpers import untagged


def test_each_stack_evaluates_and_exports_the_network(each_stack):
    assert each_stack.error is None
    assert {"vpcId", "publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds"} <= set(each_stack.outputs)
    assert len(each_stack.outputs["availabilityZones"]) == 3


def test_every_taggable_resource_carries_the_house_tags(each_stack):
    assert untagged(each_stack) == []
    tags = next(r for r in each_stack.resources if r.type == "aws:ec2/vpc:Vpc").inputs["tags"]
    assert tags["Project"] == "scaling" and tags["Stack"] == each_stack.stack
    assert tags["Environment"] == each_stack.stack and tags["ManagedBy"] == "pulumi"


def test_dev_is_cheaper_than_prod():
    dev, prod = stack_evaluation("dev"), stack_evaluation("prod")
    assert len(dev.by_type("aws:ec2/natGateway:NatGateway")) == 1
    assert len(prod.by_type("aws:ec2/natGateway:NatGateway")) == 3


def test_configuration_error_declares_no_resource():
    ev = evaluate_stack("prod", {"scaling:asgMaxSize": "many"})
    assert ev.error is not None and ev.resources == []
    assert 'scaling:asgMaxSize: "many" is not an integer' in str(ev.error)


def test_preview_prints_tree_and_counts(capsys):
    assert preview.main(["--stack", "dev"]) == preview.EXIT_OK
    out = capsys.readouterr().out
    assert "# scaling:network:Network  network" in out
    assert "+ aws:ec2:Vpc  network-vpc  cidr=10.0.0.0/16" in out
    assert "+ aws:ec2:Subnet  network-isolated-0  tier=isolated" in out and "Outputs" in out


def test_preview_json_has_type_name_parent_inputs_and_options(capsys):
    # The policy verdicts (and their exit code) are tested in tests/test_offline_policies.py.
    argv = ["--stack", "prod", "--set-file", str(OPERATOR_VALUES_FILE), "--json", "--no-policies"]
    assert preview.main(argv) == preview.EXIT_OK
    data = json.loads(capsys.readouterr().out)
    vpc = next(r for r in data["resources"] if r["type"] == "aws:ec2/vpc:Vpc")
    assert vpc["parent"].endswith("scaling:network:Network::network")
    assert vpc["inputs"]["cidrBlock"] == "10.0.0.0/16"
    assert set(vpc["options"]) >= {"protect", "ignoreChanges", "aliases", "retainOnDelete"}
    assert data["counts"]["aws:ec2/subnet:Subnet"] == 12  # 3 zones x (3 tiers + the interface endpoints')


def test_preview_reports_configuration_errors_and_exits_non_zero(capsys):
    code = preview.main(["--stack", "dev", "--set", "asgMaxSize=abc"])
    err = capsys.readouterr().err
    assert code == preview.EXIT_CONFIG
    assert 'scaling:asgMaxSize: "abc" is not an integer' in err
    assert "Traceback" not in err
    # A component's own rule (Network: 2 to 8 zones) is reported by the preflight, under the key.
    code = preview.main(["--stack", "dev", "--set", "networkAzCount=9"])
    err = capsys.readouterr().err
    assert code == preview.EXIT_CONFIG
    assert "scaling:networkAzCount: 9 is out of range; expected 2 to 8" in err
    assert "Traceback" not in err


def test_preview_rejects_an_unknown_stack(capsys):
    assert preview.main(["--stack", "nope"]) == preview.EXIT_USAGE
    assert "no stack file Pulumi.nope.yaml" in capsys.readouterr().err


def test_secrets_are_masked_in_json():
    from pulumi.runtime import rpc

    from offline.engine import display_value
    assert display_value({"password": rpc.wrap_rpc_secret("hunter2")}) == {"password": "[secret]"}


import pytest  # noqa: E402


@pytest.mark.parametrize("key, value, message", [
    ("rateLimitRequests", 5, "scaling:rateLimitRequests/scaling:rateLimitWindowSeconds: 5 per 900 s cannot be "
                             "expressed"),
    ("kafkaBrokerCount", 4, "scaling:kafkaBrokerCount: 4 is not a multiple of the 3 zones"),
    ("networkAzCount", 2, "scaling:kafkaBrokerCount: 3 is not a multiple of the 2 zones"),
    ("asgInstanceType", "foo", "scaling:asgInstanceType: 'foo' is not an instance type"),
    ("appPort", 8080, "scaling:appPort: 8080 is the port of the proxy in the same pod"),
    ("cacheEngineVersion", "5.0", "scaling:cacheEngineVersion: '5.0' is not supported for valkey"),
    ("appArgs", ["a\nb"], "scaling:appArgs: ['a\\nb'] are not single-line strings"),
])
def test_component_validation_runs_before_any_resource_is_declared(key, value, message):
    """A value that passes the settings' own checks but not a component's (last tier included) is still a
    configuration error with no resource declared, not an exception half-way through the program."""
    ev = evaluate_stack("prod", {f"scaling:{key}": value})
    assert ev.error is not None and ev.resources == []
    assert any(p.startswith(message) for p in ev.error.problems), ev.error.problems
