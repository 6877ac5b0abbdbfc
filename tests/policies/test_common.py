"""The helpers every policy reads props and builds policies with (policies/common.py), tried directly.

The policy tests reach these helpers only through the few shapes each policy sees; here each helper's own
contract is pinned with exact values: absent and null steps, list indexes at and past the end, strings that
are not lists, booleans that are not numbers, the knob overlay, the prod-only guard, and the stack index and
link lookups the stack policies share."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

import pytest
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationArgs, Severity, StackValidationArgs
from pulumi_policy.proxy import UnknownValueError

from policies import common
from tests.policies import UNKNOWN, link, options, proxy, resource, run


class Args:
    """What knob/knobs read: only ``get_config``."""

    def __init__(self, config: Optional[dict]) -> None:
        self.config = config

    def get_config(self) -> Optional[dict]:
        return self.config


class CountingProps(Mapping):
    """Props that count how often each key is read (the identifier cache promises one read per key)."""

    def __init__(self, values: dict) -> None:
        self.values = values
        self.reads: dict[str, int] = {}

    def __getitem__(self, key: str) -> Any:
        self.reads[key] = self.reads.get(key, 0) + 1
        return self.values[key]

    def __iter__(self):
        return iter(self.values)

    def __len__(self) -> int:
        return len(self.values)


# --- reading props

def test_has_compares_keys_without_reading_values():
    props = proxy({"a": UNKNOWN, "b": None})
    assert common.has(props, "a") is True and common.has(props, "b") is True
    assert common.has(props, "c") is False
    assert common.has(["a"], "a") is False  # a list is not a map, even when it holds the key as an element
    assert common.has(None, "a") is False


def test_get_follows_keys_and_indexes():
    props = {"a": {"b": [10.0, {"c": "deep"}]}, "n": None, "zero": 0}
    assert common.get(props, "a", "b", 1, "c") == "deep"
    assert common.get(props, "a", "b", 0) == 10.0
    assert common.get(props, "zero") == 0  # falsy values are values, not absent
    assert common.get(props) is props


@pytest.mark.parametrize("path", [("missing",), ("n",), ("a", "b", 2), ("a", "b", "c"), ("a", 0), ("zero", "x"),
                                  ("a", "b", 1, "c", 0)])
def test_get_returns_the_default_for_absent_null_or_mistyped_steps(path):
    props = {"a": {"b": [10.0, {"c": "deep"}]}, "n": None, "zero": 0}
    assert common.get(props, *path) is None
    assert common.get(props, *path, default="fallback") == "fallback"


def test_get_index_at_the_end_and_one_before():
    assert common.get([1, 2, 3], 2) == 3
    assert common.get([1, 2, 3], 3, default="past") == "past"


def test_get_does_not_index_strings_or_maps_by_position():
    assert common.get("abc", 0, default="none") == "none"
    assert common.get({0: "zero"}, 0, default="none") == "none"


def test_get_reads_through_the_proxy_so_unknowns_raise():
    with pytest.raises(UnknownValueError):
        common.get(proxy({"a": {"b": UNKNOWN}}), "a", "b")
    assert common.get(proxy({"a": {"b": UNKNOWN}}), "a", "c", default=1) == 1


def test_items():
    assert common.items([1, 2]) == [1, 2] and type(common.items((1, 2))) is list
    assert common.items(proxy({"l": [1.0, 2.0]})["l"]) == [1.0, 2.0]
    assert common.items("ab") == [] and common.items(None) == [] and common.items({"a": 1}) == []


@pytest.mark.parametrize("value, expected", [
    (True, True), (False, False), ("true", True), ("TRUE", True), ("false", False), ("False", False),
    ("yes", None), ("", None), (1, None), (0, None), (None, None)])
def test_as_bool(value, expected):
    assert common.as_bool(value) is expected


@pytest.mark.parametrize("value, expected", [
    (3, 3.0), (2.5, 2.5), (0, 0.0), ("4", 4.0), ("-1.5", -1.5), (True, None), (False, None), ("x", None),
    ("", None), (None, None), ([1], None)])
def test_as_number(value, expected):
    result = common.as_number(value)
    assert result == expected and (result is None or type(result) is float)


@pytest.mark.parametrize("value, expected", [
    (3.0, "3"), (2.5, "2.5"), (-0.0, "0"), (3, "3"), ("a", "'a'"), ("3", "'3'"), (None, "None"), (True, "True"),
    ([1.0], "[1.0]")])
def test_fmt(value, expected):
    assert common.fmt(value) == expected


# --- knobs and schemas

def test_knob_reads_the_config_or_the_default():
    assert common.knob(Args({"x": 2}), "x", 1) == 2
    assert common.knob(Args({"y": 2}), "x", 1) == 1
    assert common.knob(Args(None), "x", 1) == 1


def test_knobs_overlay_the_config_on_the_schema_defaults():
    schema = common.schema(a=common.integer(1, "a"), b=common.integer(2, "b"))
    assert common.knobs(Args({"b": 5, "c": 7}), schema) == {"a": 1, "b": 5, "c": 7}
    assert common.knobs(Args(None), schema) == {"a": 1, "b": 2}
    assert common.knobs(Args({"c": 7}), None) == {"c": 7}
    assert common.knobs(Args(None), PolicyConfigSchema(properties={})) == {}


def test_schema_builders():
    assert common.schema(a={"type": "integer"}).properties == {"a": {"type": "integer"}}
    assert common.integer(5, "five") == {"type": "integer", "default": 5, "minimum": 0, "description": "five"}
    assert common.integer(5, "five", 1)["minimum"] == 1
    assert common.string("a", "letter") == {"type": "string", "default": "a", "description": "letter"}
    assert common.string("a", "letter", []) == {"type": "string", "default": "a", "description": "letter"}
    assert common.string("a", "letter", ["a", "b"]) == {"type": "string", "default": "a", "description": "letter",
                                                        "enum": ["a", "b"]}
    assert common.string_list(["x"], "xs") == {"type": "array", "items": {"type": "string"}, "default": ["x"],
                                               "description": "xs"}


# --- building policies

def recording_policy(calls: list, **options):
    def check(args, k, violation):
        calls.append((args.resource_type, dict(k)))
        violation(f"seen {args.resource_type}")
    options.setdefault("severity", common.HIGH)
    options.setdefault("remediation", "fix it")
    return common.resource_policy("aws-test-policy-name", "A test policy.", options.pop("types", ("aws:a:A",)), check,
                                  **options)


def test_resource_policy_runs_its_check_on_its_types_only():
    calls: list = []
    policy = recording_policy(calls, config_schema=common.schema(n=common.integer(3, "n")))
    assert run(policy, "aws:a:A", {}, {"n": 4}) == ["seen aws:a:A"]
    assert run(policy, "aws:b:B", {}) == []
    assert calls == [("aws:a:A", {"n": 4})]


def test_resource_policy_reports_without_a_urn():
    policy = recording_policy([])
    found = []
    args = ResourceValidationArgs("aws:a:A", proxy({}), "urn:a", "a", options(), None, {})
    policy.validate(args, lambda message, urn="default": found.append((message, urn)))
    assert found == [("seen aws:a:A", None)]


def test_resource_policy_without_types_leaves_the_guard_to_the_check():
    calls: list = []
    policy = recording_policy(calls, types=None)
    assert run(policy, "aws:b:B", {}) == ["seen aws:b:B"]
    assert calls == [("aws:b:B", {})]
    assert policy.applies_to is None  # the offline runner must call it for every type


def test_resource_policy_tells_a_runner_the_types_it_applies_to():
    policy = recording_policy([], types=["aws:a:A", "aws:b:B", "aws:a:A"])
    assert policy.applies_to == frozenset({"aws:a:A", "aws:b:B"})


def test_resource_policy_metadata():
    schema = common.schema(n=common.integer(3, "n"))
    policy = recording_policy([], severity=common.LOW, remediation="do this", config_schema=schema)
    assert (policy.name, policy.description, policy.severity, policy.remediation_steps) == (
        "aws-test-policy-name", "A test policy.", Severity.LOW, "do this")
    assert policy.enforcement_level == EnforcementLevel.MANDATORY == common.DEFAULT_ENFORCEMENT
    assert policy.config_schema is schema
    assert recording_policy([]).config_schema is None


def test_prod_only_adds_the_environment_knob_and_skips_other_environments():
    calls: list = []
    policy = recording_policy(calls, prod_only=True, config_schema=common.schema(n=common.integer(3, "n")))
    assert policy.config_schema.properties == {"n": common.integer(3, "n"), "environment": common.ENVIRONMENT_KNOB}
    assert common.ENVIRONMENT_KNOB == {"type": "string", "default": "prod", "enum": ["prod", "dev"],
                                       "description": "Environment of the stack; the rule applies only in prod."}
    assert run(policy, "aws:a:A", {}, {"environment": "dev"}) == []
    assert run(policy, "aws:a:A", {}) == ["seen aws:a:A"]  # the schema default is prod
    assert run(policy, "aws:a:A", {}, {"environment": "prod"}) == ["seen aws:a:A"]
    assert calls == [("aws:a:A", {"n": 3, "environment": "prod"})] * 2
    bare = recording_policy([], prod_only=True)
    assert bare.config_schema.properties == {"environment": common.ENVIRONMENT_KNOB}


def test_without_prod_only_the_environment_is_just_another_knob():
    policy = recording_policy([])
    assert run(policy, "aws:a:A", {}, {"environment": "dev"}) == ["seen aws:a:A"]


def test_stack_policy_hands_the_knobs_and_the_reporter_to_its_check():
    calls = []

    def check(args, k, report):
        calls.append((len(args.resources), dict(k)))
        report("whole stack", "urn:x")

    schema = common.schema(n=common.integer(3, "n"))
    policy = common.stack_policy("pulumi-test-stack-policy", "A stack policy.", check, severity=common.CRITICAL,
                                 remediation="fix the stack", config_schema=schema)
    found = []
    policy.validate(StackValidationArgs([], {"m": 1}), lambda message, urn=None: found.append((message, urn)))
    assert found == [("whole stack", "urn:x")] and calls == [(0, {"n": 3, "m": 1})]
    assert (policy.name, policy.description, policy.severity, policy.remediation_steps, policy.config_schema) == (
        "pulumi-test-stack-policy", "A stack policy.", Severity.CRITICAL, "fix the stack", schema)
    assert policy.enforcement_level == EnforcementLevel.MANDATORY


# --- unknown values in stack policies

def test_unknown_collector_keeps_going_and_raises_the_first_at_the_end():
    collector = common.UnknownCollector()
    first, second = UnknownValueError(UNKNOWN, ["a"]), UnknownValueError(UNKNOWN, ["b"])
    done = []
    for error in (first, second):
        with collector.guard() as entered:
            assert entered is None
            done.append(error)
            raise error
    assert done == [first, second] and collector.errors == [first, second]
    with pytest.raises(UnknownValueError) as raised:
        collector.raise_first()
    assert raised.value is first


def test_unknown_collector_lets_other_errors_through_and_is_quiet_without_unknowns():
    collector = common.UnknownCollector()
    with pytest.raises(KeyError):
        with collector.guard():
            raise KeyError("x")
    with collector.guard():
        pass
    assert collector.errors == []
    collector.raise_first()  # nothing recorded: returns


# --- the stack index

A, B, C = "aws:a:A", "aws:b:B", "aws:c:C"


def stack():
    return [resource(A, "a1", {}), resource(B, "b1", {}), resource(A, "a2", {}), resource(C, "c1", {})]


def test_stack_index_by_type_and_urn():
    resources = stack()
    index = common.StackIndex(resources)
    assert index.size == 4 and index.resources is resources
    assert index.of_type([A]) == [resources[0], resources[2]]
    assert index.of_type([C, A]) == [resources[0], resources[2], resources[3]]  # the stack's order, not the types'
    assert index.of_type([B, B]) == [resources[1]]
    assert index.of_type([B, "aws:x:X"]) == [resources[1]]
    assert index.of_type(["aws:x:X"]) == [] and index.of_type([]) == []
    assert index.by_urn == {r.urn: r for r in resources}
    assert index.by_type[A] == [(0, resources[0]), (2, resources[2])]


def test_stack_index_is_shared_until_the_list_changes():
    resources = stack()
    args = StackValidationArgs(resources, {})
    index = common.stack_index(args)
    assert common.stack_index(StackValidationArgs(resources, {})) is index
    assert common.of_type(args, C, B) == [resources[1], resources[3]]
    resources.append(resource(B, "b2", {}))
    grown = common.stack_index(args)
    assert grown is not index and common.of_type(args, B) == [resources[1], resources[4]]
    copy = list(resources)
    assert common.stack_index(StackValidationArgs(copy, {})).resources is copy


def test_a_new_stack_empties_the_identifier_cache():
    target = resource(A, "t", {"arn": "arn:1"})
    assert common.known_equal(lambda: "arn:1", target, "arn")
    assert id(target) in common._identifiers
    common.stack_index(StackValidationArgs(stack(), {}))
    assert common._identifiers == {}


# --- links between resources

def test_depends_on_through_a_named_input():
    target, other = resource(A, "t", {}), resource(A, "o", {})
    same_urn = resource(A, "t", {})  # another object for the same resource
    dependent = link(resource(B, "d", {}), "targetArn", target)
    assert common.depends_on(dependent, target, "targetArn") is True
    assert common.depends_on(dependent, same_urn, "targetArn") is True
    assert common.depends_on(dependent, target, "otherArn") is False
    assert common.depends_on(dependent, other, "targetArn") is False
    assert common.depends_on(dependent, target) is True and common.depends_on(dependent, same_urn) is True
    assert common.depends_on(dependent, other) is False


def test_depends_on_anywhere_reads_both_dependency_lists():
    target = resource(A, "t", {})
    only_listed = resource(B, "d", {})
    only_listed.dependencies.append(target)
    same_urn = resource(A, "t", {})  # another object for the same resource: matched by URN
    assert common.depends_on(only_listed, target) is True and common.depends_on(only_listed, same_urn) is True
    assert common.depends_on(only_listed, target, "targetArn") is False  # not through the named input
    only_property = resource(B, "e", {})
    only_property.property_dependencies["x"] = [resource(C, "c", {}), target]
    assert common.depends_on(only_property, target) is True and common.depends_on(only_property, same_urn) is True
    nothing = resource(B, "f", {})
    nothing.property_dependencies = None
    nothing.dependencies = None
    assert common.depends_on(nothing, target) is False and common.depends_on(nothing, target, "x") is False


def test_depends_on_skips_dependencies_without_a_urn():
    target = resource(A, "t", {})
    dependent = resource(B, "d", {})
    dependent.property_dependencies["x"] = [object()]
    dependent.dependencies.append(object())
    assert common.depends_on(dependent, target, "x") is False and common.depends_on(dependent, target) is False


def test_known_equal_matches_any_named_identifier():
    target = resource(A, "t", {"arn": "arn:t", "id": "t-1", "name": UNKNOWN})
    assert common.known_equal(lambda: "t-1", target, "arn", "id") is True
    assert common.known_equal(lambda: "arn:t", target, "arn", "id") is True
    assert common.known_equal(lambda: "t-1", target, "arn") is False
    assert common.known_equal(lambda: "t-2", target, "arn", "id") is False
    assert common.known_equal(lambda: "x", target, "name", "missing") is False  # unknown and absent: no match


def test_known_equal_unknown_or_empty_references_match_nothing():
    target = resource(A, "t", {"arn": "", "id": None})

    def unknown():
        raise UnknownValueError(UNKNOWN, ["ref"])

    assert common.known_equal(unknown, target, "arn") is False
    assert common.known_equal(lambda: "", target, "arn") is False
    assert common.known_equal(lambda: None, target, "id") is False


def test_identifiers_are_read_once_per_target_and_again_for_new_props():
    common.stack_index(StackValidationArgs(stack(), {}))  # a fresh cache
    props = CountingProps({"arn": "arn:t", "id": "t-1"})
    target = resource(A, "t", {})
    target.props = props
    for _ in range(3):
        assert common.known_equal(lambda: "t-1", target, "arn", "id") is True
    assert props.reads == {"arn": 1, "id": 1}
    target.props = CountingProps({"arn": "arn:new"})
    assert common.known_equal(lambda: "arn:new", target, "arn") is True
    assert common.known_equal(lambda: "arn:t", target, "arn") is False


def test_identifier_cache_is_emptied_when_full(monkeypatch):
    common.stack_index(StackValidationArgs(stack(), {}))
    monkeypatch.setattr(common, "_IDENTIFIERS_KEPT", 2)
    targets = [resource(A, f"t{i}", {"arn": f"arn:{i}"}) for i in range(3)]
    common.known_equal(lambda: "arn:0", targets[0], "arn")
    common.known_equal(lambda: "arn:1", targets[1], "arn")
    assert set(common._identifiers) == {id(targets[0]), id(targets[1])}
    common.known_equal(lambda: "arn:1", targets[1], "arn")  # a cached target: nothing is dropped
    assert len(common._identifiers) == 2
    assert common.known_equal(lambda: "arn:2", targets[2], "arn") is True
    assert set(common._identifiers) == {id(targets[2])}


def test_a_cached_entry_of_another_resource_is_not_reused():
    common.stack_index(StackValidationArgs(stack(), {}))
    target = resource(A, "t", {"arn": "arn:real"})
    impostor = resource(A, "i", {"arn": "arn:other"})
    common._identifiers[id(target)] = (impostor, target.props, {"arn": "arn:other"})
    assert common.known_equal(lambda: "arn:real", target, "arn") is True


def test_linked_sources_by_dependency_and_by_known_value_in_source_order():
    t1 = resource(A, "t1", {"arn": "arn:1", "id": "id-1"})
    t2 = resource(A, "t2", {"arn": UNKNOWN, "id": "id-2"})
    # A map value is unhashable: compared one by one (the analyzer's map proxies compare by content).
    t3 = resource(A, "t3", {"arn": {"k": "arn:3"}, "id": None})
    by_value = resource(B, "s1", {"target": "arn:1"})
    by_id = resource(B, "s2", {"target": "id-2"})
    both = link(resource(B, "s3", {"target": "id-1"}), "target", t1)
    unknown = link(resource(B, "s4", {"target": UNKNOWN}), "target", t2)
    empty = resource(B, "s5", {"target": ""})
    listed = resource(B, "s6", {"target": {"k": "arn:3"}})
    other_input = link(resource(B, "s7", {"other": "arn:1"}), "other", t1)
    sources = [by_value, by_id, both, unknown, empty, listed, other_input]
    assert common.linked_sources(sources, [t2, t1, t3], "target", "arn", "id") == [
        [by_id, unknown], [by_value, both], [listed]]
    assert common.linked_sources(sources, [t1], "target") == [[both]]
    assert common.linked_sources(sources, [t1], "target", "id") == [[both]]
    assert common.linked_sources([], [t1], "target", "arn") == [[]]
    assert common.linked_sources(sources, [], "target", "arn") == []


def test_linked_sources_agrees_with_depends_on_and_known_equal():
    targets = [resource(A, f"t{i}", {"arn": f"arn:{i}", "id": f"id-{i}"}) for i in range(3)]
    sources = [resource(B, "a", {"ref": "arn:0"}), resource(B, "b", {"ref": "id-2"}),
               link(resource(B, "c", {"ref": UNKNOWN}), "ref", targets[1]), resource(B, "d", {"ref": {"k": "id-0"}}),
               resource(B, "e", {}), link(resource(B, "f", {"ref": "arn:2"}), "ref", targets[0])]
    expected = [[s for s in sources if common.depends_on(s, t, "ref")
                 or common.known_equal(lambda s=s: common.get(s.props, "ref"), t, "arn", "id")] for t in targets]
    assert common.linked_sources(sources, targets, "ref", "arn", "id") == expected
    assert [[s.name for s in found] for found in expected] == [["a", "f"], ["c"], ["b", "f"]]


def test_label():
    assert common.label(resource(A, "thing", {})) == "aws:a:A thing"


def test_linked_sources_empty_values_and_dependencies_without_a_urn_link_nothing():
    target = resource(A, "t", {"arn": "", "id": "id-1"})
    empty = resource(B, "empty", {"ref": ""})
    odd = resource(B, "odd", {"ref": "id-2"})
    odd.property_dependencies["ref"] = [object()]  # no urn: skipped, as depends_on skips it
    assert common.linked_sources([empty, odd], [target], "ref", "arn", "id") == [[]]
    assert common.known_equal(lambda: "", target, "arn") is False


def test_linked_sources_keeps_every_source_whose_map_value_matches():
    target = resource(A, "t", {"arn": {"k": "v"}})
    first, second = resource(B, "s1", {"ref": {"k": "v"}}), resource(B, "s2", {"ref": {"k": "v"}})
    other = resource(B, "s3", {"ref": {"k": "w"}})
    assert common.linked_sources([first, other, second], [target], "ref", "arn") == [[first, second]]
