"""The pack as a whole: names, metadata, and a test for every policy."""

import importlib
import re
from pathlib import Path

import pytest
from pulumi_policy import EnforcementLevel, Severity

from policies import registry

MODULES = ["alb", "waf", "autoscaling", "ec2", "rds", "elasticache", "msk", "eks", "kubernetes", "s3", "secrets", "iam",
           "durability", "stack_rules", "pools", "cloudwatch", "keda", "kubernetes_security"]
NAME = re.compile(r"^(aws|kubernetes|pulumi)-[a-z0-9]+(-[a-z0-9]+){2,}$")


@pytest.mark.parametrize("policy", registry.ALL_POLICIES, ids=lambda p: p.name)
def test_policy_metadata(policy):
    assert NAME.match(policy.name), policy.name
    assert policy.description and policy.remediation_steps
    assert isinstance(policy.severity, Severity)
    assert policy.enforcement_level == EnforcementLevel.MANDATORY
    for knob, spec in (policy.config_schema.properties if policy.config_schema else {}).items():
        assert "default" in spec and "type" in spec and spec.get("description"), knob


def test_every_policy_is_registered_once_and_tested_in_its_module():
    seen = []
    for name in MODULES:
        module = importlib.import_module(f"policies.{name}")
        source = (Path(__file__).parent / f"test_{name}.py").read_text()
        for policy in module.POLICIES:
            attribute = next(a for a, v in vars(module).items() if v is policy)
            assert f"{name}.{attribute}" in source, f"{policy.name} has no test in test_{name}.py"
            seen.append(policy)
    assert seen == registry.ALL_POLICIES and len(registry.BY_NAME) == len(seen)


def test_pack_entry_point_only_assembles_the_pack():
    text = (Path(registry.__file__).parent / "__main__.py").read_text()
    assert 'PolicyPack(name="scaling-policies", policies=ALL_POLICIES' in text
    assert text.count("PolicyPack(") == 1
