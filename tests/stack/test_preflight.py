"""The preflight reports each component's own validation error under the configuration key the user edits."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from components.load_balancer import LoadBalancerArgs, validate_load_balancer_args
from components.validation import ArgumentError
from stack import argument_keys, config
from stack.config import ConfigurationError
from stack.preflight import load_checked_settings

ROOT = Path(__file__).resolve().parents[2]
DEV = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]


def problems(**values) -> list[str]:
    """Problems of the committed dev stack with ``values`` (config keys without the namespace) changed."""
    raw = {**DEV, **{f"scaling:{k}": v for k, v in values.items()}}
    with pytest.raises(ConfigurationError) as info:
        load_checked_settings(raw, "dev")
    return info.value.problems


def test_the_committed_dev_stack_passes_the_preflight():
    assert load_checked_settings(DEV, "dev").environment == "dev"


@pytest.mark.parametrize("values, expected", [
    # The EKS capacity rule names the key, not the component argument node_max_size.
    (dict(eksNodeMaxSize=1, eksNodeMinSize=1),
     "scaling:eksNodeMaxSize: 1 "),
    (dict(asgMinSize=5, asgDesiredCapacity=3, asgMaxSize=4),
     "scaling:asgMinSize/scaling:asgDesiredCapacity/scaling:asgMaxSize: 5/3/4 is not allowed; expected 0 <= "
     "scaling:asgMinSize <= scaling:asgDesiredCapacity <= scaling:asgMaxSize and scaling:asgMaxSize >= 1"),
    (dict(lbBackendWeights=[0, 0, 0]), "scaling:lbBackendNames/scaling:lbBackendWeights: weights [0, 0, 0] are all zero"),
    (dict(lbSlowStartSeconds=10), "scaling:lbSlowStartSeconds: 10 is not allowed; expected 0 (off) or 30 to 900"),
    (dict(rateLimitKeyHeader="x user"), "scaling:rateLimitKeyHeader: 'x user' is not an HTTP header name"),
    (dict(networkAzCount=9), "scaling:networkAzCount: 9 is out of range; expected 2 to 8"),
    (dict(networkAzCount=3, networkAvailabilityZones=["us-east-1a"]),
     "scaling:networkAvailabilityZones: ['us-east-1a'] names fewer zones than scaling:networkAzCount (3)"),
    (dict(dbAllocatedStorageGb=500, dbMaxAllocatedStorageGb=100),
     "scaling:dbMaxAllocatedStorageGb: 100 is out of range; expected scaling:dbAllocatedStorageGb (500) to 65536"),
    (dict(eksHpaMinReplicas=60, eksHpaMaxReplicas=50),
     "scaling:eksHpaMinReplicas: 60 is above scaling:eksHpaMaxReplicas (50)"),
    (dict(kafkaExtraTopics=["features"]),
     "scaling:kafkaTopicPartitions/scaling:kafkaTopicReplicationFactor/scaling:kafkaExtraTopics: "
     "['features', 'features'] has duplicates"),
    (dict(kafkaDeployedTopics=["features:20:3"]),
     "scaling:kafkaTopicPartitions/scaling:kafkaTopicReplicationFactor/scaling:kafkaExtraTopics: 'features' "
     "partitions"),
])
def test_a_component_rule_is_reported_under_the_keys_the_user_edits(values, expected):
    found = problems(**values)
    assert any(p.startswith(expected) for p in found), found
    assert not any(p.startswith("scaling:") and "*" in p.split(":", 2)[1] for p in found
                   if expected.split(":")[1] in p), found


def test_reason_names_other_settings_by_key_and_no_component_argument():
    found = "\n".join(problems(eksNodeMaxSize=1, eksNodeMinSize=1))
    assert "node_max_size" not in found and "scaling:eksNodeMaxSize" in found


def test_every_mapped_argument_names_a_setting_that_exists():
    for tier, mapping in argument_keys.ARGUMENT_SETTINGS.items():
        for argument, settings in mapping.items():
            assert argument_keys.keys_of(tier, argument), \
                f"{tier}: {argument} maps to {settings}, none of which is a setting any more"


def test_nested_paths_map_through_their_argument():
    assert argument_keys.keys_of("lb", "backends[1].weight") == ["scaling:lbBackendNames", "scaling:lbBackendWeights"]
    assert argument_keys.keys_of("db", "database.replica_count") == ["scaling:dbReplicaCount"]
    assert argument_keys.keys_of("db", "database.identifier") == []


def test_the_certificate_the_load_balancer_validates_is_reported_under_the_lb_keys():
    """The load balancer runs DnsValidatedCertificate's validator on its domain and zone: its paths map too."""
    error = refused_by_load_balancer(domain_name="a.com", hosted_zone_id="z1")
    assert argument_keys.config_problem("lb*", error) == (
        "scaling:lbHostedZoneId: 'z1': expected a Route 53 hosted zone ID such as Z0123456789ABCDEFGHIJ (Z, then "
        "upper-case letters and digits)")
    error = refused_by_load_balancer(domain_name="API.example.com", hosted_zone_id="Z1")
    assert argument_keys.config_problem("lb*", error).startswith("scaling:lbDomainName: 'API.example.com': expected ")


def refused_by_load_balancer(**changes) -> ArgumentError:
    with pytest.raises(ArgumentError) as caught:
        validate_load_balancer_args(LoadBalancerArgs(vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], **changes))
    return caught.value


def test_an_unmapped_argument_keeps_the_tier_and_the_argument_name():
    message = argument_keys.config_problem("lb*", ArgumentError("health_check_matcher", "'x' is not allowed"))
    assert message == "scaling:lb* settings: health_check_matcher: 'x' is not allowed"


def test_the_config_layer_no_longer_restates_component_rules():
    """az_count, slow start, the key header and min <= desired <= max have one home: the component."""
    fields = {(cls.__name__, f.name): f.metadata for cls in config.SECTIONS.values() for f in dataclasses.fields(cls)}
    az = fields[("NetworkSettings", "az_count")]
    assert az["minimum"] is None and az["maximum"] is None
    assert fields[("LoadBalancerSettings", "slow_start_seconds")]["check"] is None
    assert fields[("RateLimitSettings", "key_header")]["check"] is None
    assert not hasattr(config.AutoScalingSettings, "check")
