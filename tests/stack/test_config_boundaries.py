"""The configuration loader at every declared bound, and its coercion, one value at a time (issue 19: every
upper bound off by one and ``min == max`` rejected for the HPA went unnoticed).

The bounds are read from the declarations in ``stack/config.py``: the loader's contract is "a value at a
declared bound loads, one past it is refused with a message naming key, value and range", and that
contract must hold for each field, whatever its numbers are. Pure: no engine, well under a second.
"""

from __future__ import annotations

import dataclasses
import json
import typing

import pytest

from scaling_kit.limits import AUTO_SCALING, HPA
from stack import config
from stack.config import ConfigurationError, load_settings
from stack.preflight import load_checked_settings
from tests.conftest import operator_values

FIELDS = [(section, f, typing.get_type_hints(section)[f.name]) for section in config.SECTIONS.values()
          for f in dataclasses.fields(section)]
INT_FIELDS = [(section, f) for section, f, kind in FIELDS if kind is int and f.metadata["choices"] is None]


def key(section: type, f: dataclasses.Field) -> str:
    return f"scaling:{config.config_key(section, f.name)}"


def problems_of(**values) -> list[str]:
    raw = {"scaling:environment": "prod", **operator_values("prod"), **values}
    try:
        load_settings(raw, "test")
    except ConfigurationError as error:
        return error.problems
    return []


def checked_problems_of(**values) -> list[str]:
    """Problems after the preflight too: the rules a component owns (its validation, under the keys)."""
    raw = {"scaling:environment": "prod", **operator_values("prod"), **values}
    try:
        load_checked_settings(raw, "test")
    except ConfigurationError as error:
        return error.problems
    return []


# Settings whose range is a component's rule, reported by the preflight (one place per rule).
COMPONENT_RANGES = {"scaling:networkAzCount"}


def range_text(f: dataclasses.Field) -> str:
    lo, hi = f.metadata["minimum"], f.metadata["maximum"]
    return f"an integer from {lo} to {hi}" if hi is not None else f"an integer of at least {lo}"


def bound_cases():
    for section, f in INT_FIELDS:
        lo, hi = f.metadata["minimum"], f.metadata["maximum"]
        name = config.config_key(section, f.name)
        if lo is not None:
            yield pytest.param(section, f, lo, True, id=f"{name}-minimum")
            yield pytest.param(section, f, lo - 1, False, id=f"{name}-below-minimum")
            yield pytest.param(section, f, lo + 1, True, id=f"{name}-above-minimum")
        if hi is not None:
            yield pytest.param(section, f, hi, True, id=f"{name}-maximum")
            yield pytest.param(section, f, hi + 1, False, id=f"{name}-above-maximum")
            yield pytest.param(section, f, hi - 1, True, id=f"{name}-below-maximum")


def test_every_integer_setting_has_both_bounds():
    """A bound left out would make the boundary cases below silently skip that side."""
    assert INT_FIELDS
    assert [key(s, f) for s, f in INT_FIELDS if (f.metadata["minimum"] is None or f.metadata["maximum"] is None)
            and key(s, f) not in COMPONENT_RANGES] == []


@pytest.mark.parametrize("section, f, value, ok", list(bound_cases()))
def test_integer_bounds(section, f, value, ok):
    name = key(section, f)
    own = [p for p in problems_of(**{name: value}) if p.startswith(f"{name}: {value} ")]
    # Only range problems of this key count: a value at a bound may still break a cross-field rule
    # (asgMinSize=1000 is above asgMaxSize), which names several keys and is tested separately.
    if ok:
        assert [p for p in own if "out of range" in p] == []
    else:
        assert own == [f"{name}: {value} is out of range; expected {range_text(f)}"]


def test_the_issue_examples():
    assert problems_of(**{"scaling:asgMaxSize": 1001}) == [
        "scaling:asgMaxSize: 1001 is out of range; expected an integer from 1 to 1000"]
    assert problems_of(**{"scaling:asgMaxSize": 1000}) == []


@pytest.mark.parametrize("low_key, high_key, low, high", [
    ("eksHpaMinReplicas", "eksHpaMaxReplicas", HPA.min_replicas, HPA.min_replicas),
    # At the default maximum: fewer nodes could not hold the prod HPA's 50 pods (the EKS capacity rule).
    ("eksNodeMinSize", "eksNodeMaxSize", 12, 12),
    ("dbAllocatedStorageGb", "dbMaxAllocatedStorageGb", 200, 200),
    ("kafkaVolumeSizeGb", "kafkaMaxVolumeSizeGb", 200, 200),
    ("kafkaTopicReplicationFactor", "kafkaBrokerCount", 3, 3),
])
def test_equal_pairs_are_allowed_and_one_step_apart_the_wrong_way_is_not(low_key, high_key, low, high):
    assert checked_problems_of(**{f"scaling:{low_key}": low, f"scaling:{high_key}": high}) == []
    found = checked_problems_of(**{f"scaling:{low_key}": low + 1, f"scaling:{high_key}": high})
    assert len(found) == 1 and f"scaling:{low_key}" in found[0] and f"scaling:{high_key}" in found[0], found
    assert f"{low + 1}" in found[0] and f"{high}" in found[0], found


def test_hpa_min_above_max_message():
    found = checked_problems_of(**{"scaling:eksHpaMinReplicas": HPA.max_replicas + 1})
    assert len(found) == 1 and found[0].startswith(
        f"scaling:eksHpaMinReplicas: {HPA.max_replicas + 1} is above scaling:eksHpaMaxReplicas ({HPA.max_replicas})")


@pytest.mark.parametrize("minimum, desired, maximum, ok", [
    (AUTO_SCALING.min_size, AUTO_SCALING.min_size, AUTO_SCALING.min_size, True),
    (AUTO_SCALING.min_size, AUTO_SCALING.max_size, AUTO_SCALING.max_size, True),
    (AUTO_SCALING.min_size, AUTO_SCALING.min_size - 1, AUTO_SCALING.max_size, False),
    (AUTO_SCALING.min_size, AUTO_SCALING.max_size + 1, AUTO_SCALING.max_size, False),
])
def test_asg_min_desired_max_order(minimum, desired, maximum, ok):
    found = checked_problems_of(**{"scaling:asgMinSize": minimum, "scaling:asgDesiredCapacity": desired,
                                   "scaling:asgMaxSize": maximum})
    assert found == ([] if ok else [
        "scaling:asgMinSize/scaling:asgDesiredCapacity/scaling:asgMaxSize: "
        f"{minimum}/{desired}/{maximum} is not allowed; expected 0 <= scaling:asgMinSize <= "
        "scaling:asgDesiredCapacity <= scaling:asgMaxSize and scaling:asgMaxSize >= 1"])


# --- list bounds: item ranges and item counts

def test_list_item_bounds_and_counts():
    weights = config.LoadBalancerSettings.__dataclass_fields__["backend_weights"].metadata
    top, names = weights["item_maximum"], "scaling:lbBackendNames"
    assert problems_of(**{"scaling:lbBackendWeights": [top, 0, 1]}) == []
    assert problems_of(**{"scaling:lbBackendWeights": [top + 1, 0, 1]}) == [
        f"scaling:lbBackendWeights: item {top + 1} of {json.dumps([top + 1, 0, 1])} is out of range; expected each "
        f"from {weights['item_minimum']} to {top}"]
    assert problems_of(**{"scaling:lbBackendWeights": [-1, 1, 1]})[0].startswith(
        "scaling:lbBackendWeights: item -1 of [-1, 1, 1] is out of range")
    most = weights["max_items"]
    many = [f"b{i}" for i in range(most + 1)]
    assert f"{names}: {json.dumps(many)} has {most + 1} item(s); expected at most {most}" in \
        problems_of(**{names: many})
    assert f"{names}: [] has 0 item(s); expected at least 1" in problems_of(**{names: []})


# --- coercion: engine strings and YAML natives

@pytest.mark.parametrize("raw, expected", [("7", 7), (" 7 ", 7), ("-3", -3), (7, 7)])
def test_integers_from_strings_and_natives(raw, expected):
    assert config._coerce(int, raw) == expected


@pytest.mark.parametrize("raw", ["7.0", "1e3", "", "seven", True, False, 7.0, None, [7]])
def test_non_integers_are_refused(raw):
    with pytest.raises(ValueError):
        config._coerce(int, raw)


@pytest.mark.parametrize("raw, expected", [(True, True), (False, False), ("true", True), ("False", False),
                                           ("TRUE", True)])
def test_booleans(raw, expected):
    assert config._coerce(bool, raw) is expected


@pytest.mark.parametrize("raw", ["yes", "1", 1, 0, None, ""])
def test_non_booleans_are_refused(raw):
    with pytest.raises(ValueError):
        config._coerce(bool, raw)


def test_strings_and_lists():
    assert config._coerce(str, "x") == "x"
    assert config._coerce(list[int], "[1, 2]") == [1, 2]
    assert config._coerce(list[str], ["a"]) == ["a"]
    for kind, raw in ((str, 3), (list[int], "{}"), (list[int], "[1.5]"), (list[str], "x"), (list[str], '"x"'),
                      (list[int], '["1", true]')):
        with pytest.raises(ValueError):
            config._coerce(kind, raw)


def test_type_errors_name_key_value_and_allowed():
    assert problems_of(**{"scaling:asgMaxSize": "1.5"}) == [
        'scaling:asgMaxSize: "1.5" is not an integer; expected an integer from 1 to 1000']
    assert problems_of(**{"scaling:lbDeletionProtection": "yes"}) == [
        'scaling:lbDeletionProtection: "yes" is not a boolean (true or false); expected a boolean (true or false)']
    assert problems_of(**{"scaling:lbBackendNames": 3}) == [
        "scaling:lbBackendNames: 3 is not a list of strings; expected a list of strings"]
    assert problems_of(**{"scaling:lbCertificateArn": 3}) == [
        "scaling:lbCertificateArn: 3 is not a string; expected a string"]


def test_choices_are_described_in_order():
    assert problems_of(**{"scaling:cacheEngine": "memcached"}) == [
        "scaling:cacheEngine: \"memcached\" is not allowed; expected one of 'valkey', 'redis'"]


def test_a_check_runs_only_on_a_value_in_range():
    # slow start: 0 or 30..900; 29 is in range but refused by the LoadBalancer, 901 already by the range.
    assert checked_problems_of(**{"scaling:lbSlowStartSeconds": 29}) == [
        "scaling:lbSlowStartSeconds: 29 is not allowed; expected 0 (off) or 30 to 900"]
    assert problems_of(**{"scaling:lbSlowStartSeconds": 901}) == [
        "scaling:lbSlowStartSeconds: 901 is out of range; expected an integer from 0 to 900"]
    assert problems_of(**{"scaling:lbSlowStartSeconds": 30}) == []


def test_allowed_values_are_described():
    meta = {"choices": None, "minimum": 1, "maximum": 5}
    assert config._describe_allowed(int, meta) == "an integer from 1 to 5"
    assert config._describe_allowed(int, {**meta, "maximum": None}) == "an integer of at least 1"
    assert config._describe_allowed(int, {**meta, "minimum": None, "maximum": None}) == "an integer"
    assert config._describe_allowed(str, {**meta, "choices": ("a", 1)}) == "one of 'a', 1"
