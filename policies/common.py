"""Helpers shared by the policy modules: reading engine-form props, knobs, and building policies.

Props arrive as ``pulumi_policy`` proxies in the engine's camelCase wire form: numbers are floats,
some AWS booleans are strings (``"true"``), and reading an unknown value raises ``UnknownValueError``,
which the analyzer turns into a "can't run during preview" note. These helpers read through the
proxy (so unknowns still raise) and never swallow that error.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Callable, Iterable, Optional

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

    ``key in proxy`` would read the value through ``__getitem__`` and raise on unknowns."""
    return isinstance(props, Mapping) and key in list(iter(props))


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

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=DEFAULT_ENFORCEMENT,
        config_schema=config_schema, severity=severity, remediation_steps=remediation)


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

    def guard(self) -> "_Guard":
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


def of_type(args: StackValidationArgs, *types: str) -> list[PolicyResource]:
    return [r for r in args.resources if r.resource_type in types]


def depends_on(resource: PolicyResource, target: PolicyResource, prop: Optional[str] = None) -> bool:
    """Whether ``resource`` takes a value from ``target`` (in ``prop``, or anywhere).

    During a preview ids and ARNs are unknown, so links between resources are resolved through the
    dependencies the SDK registers for each input property."""
    if prop is not None:
        deps = (resource.property_dependencies or {}).get(prop, [])
    else:
        deps = list(resource.dependencies or [])
        for more in (resource.property_dependencies or {}).values():
            deps.extend(more)
    return any(d is target or getattr(d, "urn", None) == target.urn for d in deps)


def known_equal(value_of: Callable[[], Any], target: PolicyResource, *keys: str) -> bool:
    """Whether a known reference equals one of ``target``'s known identifiers (``arn``, ``id``, ...)."""
    try:
        value = value_of()
    except UnknownValueError:
        return False
    if value in (None, ""):
        return False
    for key in keys:
        try:
            if get(target.props, key) == value:
                return True
        except UnknownValueError:
            continue
    return False


def label(resource: Any) -> str:
    return f"{resource.resource_type} {resource.name}"
