"""Helpers shared by the policy modules: reading engine-form props, knobs, and building policies.

Props arrive as ``pulumi_policy`` proxies in the engine's camelCase wire form: numbers are floats,
some AWS booleans are strings (``"true"``), and reading an unknown value raises ``UnknownValueError``,
which the analyzer turns into a "can't run during preview" note. These helpers read through the
proxy (so unknowns still raise) and never swallow that error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Optional

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

# Every policy is mandatory unless the stack's policy config says otherwise: secure by default when the
# pack runs without a config file. policies/config/dev.json turns the pack advisory.
DEFAULT_ENFORCEMENT = EnforcementLevel.MANDATORY

LOW, MEDIUM, HIGH, CRITICAL = Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL

Check = Callable[[ResourceValidationArgs, Mapping[str, Any], Callable[[str], None]], None]
StackCheck = Callable[[StackValidationArgs, Mapping[str, Any], ReportViolation], None]


def has(props: Any, key: str) -> bool:
    """Whether ``key`` is set, without reading its (possibly unknown) value.

    ``key in proxy`` would read the value through ``__getitem__`` and raise on unknowns; ``in`` over the
    key iterator compares keys only (in C, without building a list: stack policies call this per pair)."""
    return isinstance(props, Mapping) and key in iter(props)


def get(props: Any, *path: Any, default: Any = None) -> Any:
    """The value at ``path`` (keys and list indexes), or ``default`` when any step is absent or null.

    Reads through the proxy, so an unknown value on the path raises ``UnknownValueError``."""
    value = props
    for step in path:
        if isinstance(value, Mapping) and isinstance(step, str):
            if not has(value, step):
                return default
            value = value[step]
        elif isinstance(value, Sequence) and not isinstance(value, str) and isinstance(step, int):
            if step >= len(value):
                return default
            value = value[step]
        else:
            return default
        if value is None:
            return default
    return value


def items(value: Any) -> list[Any]:
    """The elements of a list value (``[]`` when absent)."""
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [value[i] for i in range(len(value))]
    return []


def as_bool(value: Any) -> Optional[bool]:
    """True/False for booleans and the strings pulumi-aws uses for some booleans; None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def as_number(value: Any) -> Optional[float]:
    """A number from a float/int or a numeric string; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def fmt(value: Any) -> str:
    """Numbers without a trailing .0 (the engine sends every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value) if isinstance(value, str) else str(value)


def knob(args: Any, name: str, default: Any) -> Any:
    """A policy config value. The CLI fills in schema defaults; direct calls in tests may not."""
    config = args.get_config() or {}
    return config.get(name, default)


def knobs(args: Any, schema: Optional[PolicyConfigSchema]) -> dict[str, Any]:
    """All knobs of a policy: schema defaults overlaid with the configured values."""
    values = {k: v.get("default") for k, v in ((schema.properties if schema else {}) or {}).items()}
    values.update(args.get_config() or {})
    return values


def schema(**properties: dict[str, Any]) -> PolicyConfigSchema:
    return PolicyConfigSchema(properties=properties)


def integer(default: int, description: str, minimum: int = 0) -> dict[str, Any]:
    return {"type": "integer", "default": default, "minimum": minimum, "description": description}


def string(default: str, description: str, enum: Optional[list[str]] = None) -> dict[str, Any]:
    prop: dict[str, Any] = {"type": "string", "default": default, "description": description}
    if enum:
        prop["enum"] = enum
    return prop


def string_list(default: list[str], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": default, "description": description}


ENVIRONMENT_KNOB = string("prod", "Environment of the stack; the rule applies only in prod.", ["prod", "dev"])


def resource_policy(name: str, description: str, resource_types: Optional[Iterable[str]], check: Check, *,
                    severity: Severity, remediation: str, config_schema: Optional[PolicyConfigSchema] = None,
                    prod_only: bool = False) -> ResourceValidationPolicy:
    """A resource policy that runs ``check(args, knobs, violation)`` only on ``resource_types``.

    ``resource_types=None`` leaves the type guard to ``check`` (for a list of types that is itself a knob).
    ``prod_only`` adds the ``environment`` knob; in any other environment the policy is not applicable."""
    types = frozenset(resource_types) if resource_types is not None else None
    if prod_only:
        props = dict(config_schema.properties) if config_schema else {}
        props["environment"] = ENVIRONMENT_KNOB
        config_schema = PolicyConfigSchema(properties=props)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if types is not None and args.resource_type not in types:
            return
        values = knobs(args, config_schema)
        if prod_only and values.get("environment") != "prod":
            return
        check(args, values, lambda message: report_violation(message, None))

    policy = ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=DEFAULT_ENFORCEMENT,
        config_schema=config_schema, severity=severity, remediation_steps=remediation)
    # The types the guard above lets through, for a runner that can skip the rest without calling validate
    # (the offline preview does; the Pulumi CLI calls validate for every resource, which returns at once).
    policy.applies_to = types  # type: ignore[attr-defined]
    return policy


def stack_policy(name: str, description: str, check: StackCheck, *, severity: Severity, remediation: str,
                 config_schema: Optional[PolicyConfigSchema] = None) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        check(args, knobs(args, config_schema), report_violation)

    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=DEFAULT_ENFORCEMENT,
        config_schema=config_schema, severity=severity, remediation_steps=remediation)


class UnknownCollector:
    """Lets a stack policy judge every resource it can and still report what it could not.

    A stack policy that let the first ``UnknownValueError`` escape would skip the whole stack during
    preview. ``with collector.guard():`` records the error for one resource; ``raise_first()`` at the end
    re-raises it, so the analyzer still prints its "can't run during preview" note after the violations
    that could be decided."""

    def __init__(self) -> None:
        self.errors: list[UnknownValueError] = []

    def guard(self) -> _Guard:
        return _Guard(self)

    def raise_first(self) -> None:
        if self.errors:
            raise self.errors[0]


class _Guard:
    def __init__(self, collector: UnknownCollector) -> None:
        self.collector = collector

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type, exc, tb) -> bool:
        if isinstance(exc, UnknownValueError):
            self.collector.errors.append(exc)
            return True
        return False


class StackIndex:
    """The resources of one stack validation indexed once: by type (each with its position in the stack, so a
    lookup of several types keeps the stack's order) and by URN. Every stack policy of a pack run shares it."""

    def __init__(self, resources: Sequence[PolicyResource]) -> None:
        self.resources = resources
        self.size = len(resources)
        self.by_type: dict[str, list[tuple[int, PolicyResource]]] = {}
        self.by_urn: dict[str, PolicyResource] = {}
        for position, resource in enumerate(resources):
            self.by_type.setdefault(resource.resource_type, []).append((position, resource))
            self.by_urn[resource.urn] = resource

    def of_type(self, types: Sequence[str]) -> list[PolicyResource]:
        if len(types) == 1:
            return [r for _, r in self.by_type.get(types[0], ())]
        found = [entry for t in dict.fromkeys(types) for entry in self.by_type.get(t, ())]
        found.sort(key=lambda entry: entry[0])
        return [r for _, r in found]


# The index of the stack validated last. Each stack policy gets its own StackValidationArgs but the same
# resource list, so the index is built once per evaluation (and again if the list object or its length
# changes). Holding the list keeps its identity from being reused by another list.
_last_index: Optional[StackIndex] = None


def stack_index(args: StackValidationArgs) -> StackIndex:
    """The ``StackIndex`` of ``args.resources``, built on first use and shared by every stack policy."""
    global _last_index
    resources = args.resources
    index = _last_index
    if index is None or index.resources is not resources or index.size != len(resources):
        index = _last_index = StackIndex(resources)
        _identifiers.clear()
    return index


def of_type(args: StackValidationArgs, *types: str) -> list[PolicyResource]:
    """The stack's resources of ``types``, in the stack's order (from the shared index: no scan per call)."""
    return stack_index(args).of_type(types)


def depends_on(resource: PolicyResource, target: PolicyResource, prop: Optional[str] = None) -> bool:
    """Whether ``resource`` takes a value from ``target`` (in ``prop``, or anywhere).

    During a preview ids and ARNs are unknown, so links between resources are resolved through the
    dependencies the SDK registers for each input property. Stack policies call this for pairs of
    resources, so it is a plain loop over ``resource``'s few dependencies, without building lists."""
    urn = target.urn
    if prop is not None:
        for dependency in (resource.property_dependencies or {}).get(prop) or ():
            if dependency is target or getattr(dependency, "urn", None) == urn:
                return True
        return False
    for dependency in resource.dependencies or ():
        if dependency is target or getattr(dependency, "urn", None) == urn:
            return True
    for dependencies in (resource.property_dependencies or {}).values():
        for dependency in dependencies:
            if dependency is target or getattr(dependency, "urn", None) == urn:
                return True
    return False


_UNKNOWN = object()
# Identifier values read per target resource: {id(resource): (resource, props, {key: value or _UNKNOWN})}.
# Stack policies compare every candidate with every target, so each target's identifiers are read once.
# The entries hold their resource and props, so an id is never reused while cached; the cache is emptied
# whenever a new stack is indexed and when it grows large.
_identifiers: dict[int, tuple[PolicyResource, Any, dict[str, Any]]] = {}
_IDENTIFIERS_KEPT = 100_000


def _identifier(target: PolicyResource, key: str) -> Any:
    entry = _identifiers.get(id(target))
    if entry is None or entry[0] is not target or entry[1] is not target.props:
        if len(_identifiers) >= _IDENTIFIERS_KEPT:
            _identifiers.clear()
        entry = _identifiers[id(target)] = (target, target.props, {})
    values = entry[2]
    if key not in values:
        try:
            values[key] = get(target.props, key)
        except UnknownValueError:
            values[key] = _UNKNOWN
    return values[key]


def known_equal(value_of: Callable[[], Any], target: PolicyResource, *keys: str) -> bool:
    """Whether a known reference equals one of ``target``'s known identifiers (``arn``, ``id``, ...)."""
    try:
        value = value_of()
    except UnknownValueError:
        return False
    if value is None or value == "":
        return False
    for key in keys:
        known = _identifier(target, key)
        if known is not _UNKNOWN and known == value:
            return True
    return False


def linked_sources(sources: Sequence[PolicyResource], targets: Sequence[PolicyResource], prop: str,
                   *keys: str) -> list[list[PolicyResource]]:
    """For each of ``targets``, the ``sources`` that take a value from it in ``prop`` - what
    ``[s for s in sources if depends_on(s, t, prop) or known_equal(lambda: get(s.props, prop), t, *keys)]``
    computes, in the same order, but from two indexes built once (by dependency URN and by known value)
    instead of comparing every source with every target."""
    position = {id(source): index for index, source in enumerate(sources)}
    by_dependency: dict[Any, list[PolicyResource]] = {}
    by_value: dict[Any, list[PolicyResource]] = {}
    unhashable: list[tuple[PolicyResource, Any]] = []
    for source in sources:
        for dependency in (source.property_dependencies or {}).get(prop) or ():
            by_dependency.setdefault(getattr(dependency, "urn", None), []).append(source)
        try:
            value = get(source.props, prop)
        except UnknownValueError:
            continue
        if value is None or value == "":
            continue
        try:
            by_value.setdefault(value, []).append(source)
        except TypeError:  # a list or mapping: compared one by one, as known_equal does
            unhashable.append((source, value))
    result = []
    for target in targets:
        found = {id(source): source for source in by_dependency.get(target.urn, ())}
        for key in keys:
            known = _identifier(target, key)
            if known is _UNKNOWN:
                continue
            try:
                matches = by_value.get(known, ())
            except TypeError:  # an unhashable identifier (a map): only the one-by-one comparison below applies
                matches = ()
            found.update((id(source), source) for source in matches)
            found.update((id(source), source) for source, value in unhashable if value == known)
        result.append(sorted(found.values(), key=lambda source: position[id(source)]))
    return result


def label(resource: Any) -> str:
    return f"{resource.resource_type} {resource.name}"
