"""policies/config/*.json cannot import scaling_kit.limits: this test is what keeps them in step with it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from policies import registry
from scaling_kit.limits import DATABASE

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policies" / "config"

# (policy, knob) -> the design's value per environment. Every numeric knob a config file sets must be here,
# so a number added to a file without a source in scaling_kit.limits fails below.
DESIGN_KNOBS = {
    ("aws-rds-instance-read-replicas", "minReplicas"): {"dev": DATABASE.min_read_replicas,
                                                        "prod": DATABASE.min_read_replicas_prod},
    ("aws-rds-instance-shard-count", "shardCount"): {"dev": DATABASE.shard_count, "prod": DATABASE.shard_count},
}
CONFIG_FILES = sorted(CONFIG_DIR.glob("*.json"))


def numeric_knobs(path: Path) -> dict[tuple[str, str], object]:
    found = {}
    for policy, knobs in json.loads(path.read_text()).items():
        if isinstance(knobs, dict):
            found.update({(policy, knob): value for knob, value in knobs.items()
                          if isinstance(value, (int, float)) and not isinstance(value, bool)})
    return found


def test_there_is_a_config_file_per_environment():
    assert [p.stem for p in CONFIG_FILES] == ["dev", "prod"]


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda p: p.name)
def test_every_number_in_a_policy_config_file_is_the_documented_limit(path):
    found = numeric_knobs(path)
    unexplained = sorted(set(found) - set(DESIGN_KNOBS))
    assert not unexplained, f"{path.name}: {unexplained} have no source in scaling_kit.limits; add them to DESIGN_KNOBS"
    for key, expected in DESIGN_KNOBS.items():
        assert found.get(key) == expected[path.stem], \
            f"{path.name}: {key[0]}.{key[1]} is {found.get(key)!r}; scaling_kit.limits says {expected[path.stem]!r}"


def test_the_prod_values_are_the_policies_own_defaults():
    """Without a config file the pack enforces prod: its schema defaults must be the prod column."""
    by_name = {p.name: p for p in registry.ALL_POLICIES}
    for (policy, knob), expected in DESIGN_KNOBS.items():
        assert by_name[policy].config_schema.properties[knob]["default"] == expected["prod"], (policy, knob)


def test_every_knob_named_in_a_config_file_exists():
    by_name = {p.name: p for p in registry.ALL_POLICIES}
    for path in CONFIG_FILES:
        for policy, knobs in json.loads(path.read_text()).items():
            if policy == "all":
                continue
            assert policy in by_name, f"{path.name}: unknown policy {policy!r}"
            declared = by_name[policy].config_schema.properties if by_name[policy].config_schema else {}
            if isinstance(knobs, dict):
                assert set(knobs) <= set(declared) | {"enforcementLevel"}, (path.name, policy, knobs)
