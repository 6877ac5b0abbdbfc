"""Run the policy pack against an offline ``Evaluation``, the way the Pulumi engine runs it in a preview.

Same policy objects (``policies.registry.ALL_POLICIES``), same per-stack config file
(``policies/config/<stack>.json``), same arguments: props are the recorded engine-form inputs,
deserialized with ``pulumi_policy.deserialize.deserialize_properties`` and wrapped in
``unknown_checking_proxy`` exactly as pulumi-policy's analyzer does; an ``UnknownValueError`` skips that
policy for that resource (or stack) with an advisory "can't run during preview" note.

Enforcement follows the CLI's reconciliation of policy-pack config: each policy's own level (or the
pack's), then ``"all"`` from the file, then the policy's own entry; knobs start from the schema defaults
and are validated against the schema.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from inspect import isawaitable
from pathlib import Path
from typing import Any, Optional

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from .cache import cache_directory
from .engine import Evaluation, RecordedResource, fewer_collections
from .policy_pack import BUNDLED_PACK_DIR, LoadedPack, load_policy_pack


@dataclass
class Violation:
    policy: str
    enforcement: str
    severity: str
    resource_type: str
    resource_name: str
    urn: str
    message: str

    @property
    def resource(self) -> str:
        """The URN of the offending resource ("" for a stack-wide violation), as offline.report reads it."""
        return self.urn


@dataclass
class Skipped:
    """A policy that could not run on a resource during preview because a value it read is unknown."""
    policy: str
    resource_type: str
    resource_name: str
    urn: str
    message: str


@dataclass
class PolicyReport:
    pack: str
    stack: str
    config_path: Optional[str]
    policies_run: int
    violations: list[Violation] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    not_applicable: list[str] = field(default_factory=list)

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == EnforcementLevel.MANDATORY.value]

    @property
    def advisory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement == EnforcementLevel.ADVISORY.value]

    def summary(self) -> str:
        return (f"Policies: {self.policies_run} policies of {self.pack}, {len(self.mandatory)} mandatory and "
                f"{len(self.advisory)} advisory violation(s), {len(self.skipped)} skipped during preview "
                f"(unknown values)")

    def as_dict(self) -> dict[str, Any]:
        return {"pack": self.pack, "stack": self.stack, "config": self.config_path,
                "policiesRun": self.policies_run,
                "mandatory": len(self.mandatory), "advisory": len(self.advisory),
                "violations": [asdict(v) for v in self.violations],
                "skipped": [asdict(s) for s in self.skipped]}


@dataclass(frozen=True)
class PolicySettings:
    enforcement: EnforcementLevel
    config: dict[str, Any]


def config_path_for(stack: str, pack_dir: Path = BUNDLED_PACK_DIR) -> Optional[Path]:
    path = Path(pack_dir) / "config" / f"{stack}.json"
    return path if path.exists() else None


def _level(value: Any, where: str) -> EnforcementLevel:
    try:
        return EnforcementLevel(value)
    except ValueError:
        allowed = ", ".join(level.value for level in EnforcementLevel)
        raise ValueError(f"{where}: {value!r} is not a valid enforcement level; expected one of {allowed}") from None


def _parse_file(path: Path) -> dict[str, tuple[Optional[EnforcementLevel], dict[str, Any]]]:
    """The CLI's parsePolicyPackConfig: a string is a level, an object may carry enforcementLevel + knobs."""
    text = path.read_text()
    if not text.strip():
        return {}
    parsed: dict[str, tuple[Optional[EnforcementLevel], dict[str, Any]]] = {}
    for key, value in json.loads(text).items():
        if isinstance(value, str):
            parsed[key] = (_level(value, f"{path.name}: {key}"), {})
        elif isinstance(value, dict):
            props = dict(value)
            level = props.pop("enforcementLevel", None)
            parsed[key] = (_level(level, f"{path.name}: {key}.enforcementLevel") if level is not None else None,
                           props)
        else:
            raise ValueError(f"{path.name}: {key}: {value!r} is not valid; must be a string or object")
    return parsed


def reconcile(policies: Sequence[Policy], config_path: Optional[Path]) -> dict[str, PolicySettings]:
    """Per-policy enforcement and knobs, as the CLI's ReconcilePolicyPackConfig computes them."""
    result: dict[str, PolicySettings] = {}
    for policy in policies:
        defaults = {k: v["default"] for k, v in (policy.config_schema.properties if policy.config_schema else {}).items()
                    if "default" in v}
        result[policy.name] = PolicySettings(policy.enforcement_level or EnforcementLevel.MANDATORY, defaults)
    given = _parse_file(config_path) if config_path else {}
    all_level = given.get("all", (None, {}))[0]
    if all_level is not None:
        result = {name: PolicySettings(all_level, s.config) for name, s in result.items()}
    for name, (level, props) in given.items():
        if name == "all":
            continue
        if name not in result:
            raise ValueError(f"{config_path.name if config_path else 'config'}: no policy named {name!r} in "
                             "the policy pack")
        current = result[name]
        result[name] = PolicySettings(level or current.enforcement, {**current.config, **props})
    _validate(policies, result)
    return result


def _validate(policies: Sequence[Policy], settings: dict[str, PolicySettings]) -> None:
    checks = []
    for policy in policies:
        if policy.config_schema is None:
            continue
        schema = {"type": "object", "properties": policy.config_schema.properties}
        if policy.config_schema.required:
            schema["required"] = policy.config_schema.required
        checks.append((policy.name, schema, settings[policy.name].config))
    # A configuration once found valid against these very schemas is valid again: importing jsonschema was
    # 2 % of a cold preview. The key is the schemas and the values themselves.
    key = hashlib.sha256(json.dumps(checks, sort_keys=True, default=repr).encode()).hexdigest()
    valid_marker = cache_directory("policy-config") / key
    if valid_marker.exists():
        return
    try:
        import jsonschema
    except ImportError:  # the CLI validates too; offline validation is a convenience
        return
    problems = [f"{name}: {error.message}" for name, schema, config in checks
                for error in jsonschema.Draft7Validator(schema).iter_errors(config)]
    if problems:
        raise ValueError("policy pack configuration is invalid: " + "; ".join(problems))
    try:
        valid_marker.parent.mkdir(parents=True, exist_ok=True)
        valid_marker.touch()
    except OSError:
        pass  # no cache: validated again next time


def _props(inputs: dict) -> Any:
    return unknown_checking_proxy(deserialize_properties(inputs))


def _options(resource: RecordedResource) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect, ignore_changes=list(resource.ignore_changes),
        delete_before_replace=resource.delete_before_replace or None, aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[],
        parent=resource.parent or None)


def _provider(resource: RecordedResource, by_urn: dict[str, RecordedResource]) -> Optional[PolicyProviderResource]:
    # A provider reference is "<urn>::<id>"; default providers are not recorded and yield None.
    provider = by_urn.get(resource.provider.rsplit("::", 1)[0]) if resource.provider else None
    if provider is None:
        return None
    return PolicyProviderResource(provider.type, _props(provider.inputs), provider.urn, provider.name)


def _run(result: Any) -> None:
    if result is None:  # a plain validate (nearly all): skip isawaitable, called once per policy and resource
        return
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def _stack_resources(evaluation: Evaluation, props: dict[str, Any], options: dict[str, PolicyResourceOptions],
                     providers: dict[str, Optional[PolicyProviderResource]]) -> list[PolicyResource]:
    """PolicyResources with parent, dependencies and property dependencies linked as the analyzer links them."""
    resources = {r.urn: PolicyResource(r.type, props[r.urn], r.urn, r.name, options[r.urn], providers[r.urn],
                                       None, [], {}) for r in evaluation.resources}
    for r in evaluation.resources:
        resource = resources[r.urn]
        resource.parent = resources.get(r.parent)
        resource.dependencies = [resources[u] for u in r.depends_on if u in resources]
        resource.property_dependencies = {k: [resources[u] for u in urns if u in resources]
                                          for k, urns in r.property_dependencies.items()}
    return list(resources.values())


def _resources_for(policy: Policy, resources: list[RecordedResource], by_type: dict[str, list[RecordedResource]],
                   position: dict[str, int]) -> list[RecordedResource]:
    """The resources a resource policy can judge, in the program's order: those of the types it declares
    (``policies.common.resource_policy`` sets ``applies_to``; its own guard returns on any other type), or
    all. Calling a policy for each of thousands of resources it ignores was most of the pack's time."""
    applies_to = getattr(policy, "applies_to", None)
    if applies_to is None:
        return resources
    chosen = [resource for resource_type in applies_to for resource in by_type.get(resource_type, ())]
    if len(applies_to) > 1:
        chosen.sort(key=lambda resource: position[resource.urn])
    return chosen


def run_policies(evaluation: Evaluation, stack: str, config_path: Optional[Path | str] = None,
                 policies: Optional[Sequence[Policy]] = None,
                 pack: Optional[LoadedPack] = None) -> PolicyReport:
    """Evaluate every policy of ``pack`` (default: the bundled pack) or of ``policies`` against
    ``evaluation``, with the pack's config for ``stack`` (``<pack>/config/<stack>.json``) or ``config_path``.

    Runs with fewer cycle collections, as ``evaluate`` does: the objects it makes live until it returns, and
    right after an evaluation a full collection walks every object of the evaluation too (0.6 s on 2,500
    resources, more than the policies themselves; the CLI, which runs without the collector, never paid it)."""
    with fewer_collections():
        return _run_policies(evaluation, stack, config_path, policies, pack)


def _run_policies(evaluation: Evaluation, stack: str, config_path: Optional[Path | str],
                  policies: Optional[Sequence[Policy]], pack: Optional[LoadedPack]) -> PolicyReport:
    pack = pack or load_policy_pack()
    policies = pack.policies if policies is None else policies
    path = Path(config_path) if config_path is not None else pack.config_for(stack)
    settings = reconcile(policies, path)
    by_urn = {r.urn: r for r in evaluation.resources}
    shown = None
    if path is not None:
        cwd = Path.cwd()
        shown = str(path.resolve().relative_to(cwd)) if path.resolve().is_relative_to(cwd) else str(path)
    report = PolicyReport(pack=pack.name, stack=stack, config_path=shown, policies_run=0)
    # Deserialize each resource once: policies only read their arguments, so every policy can share them
    # (the engine deserializes per policy; the result is the same).
    props = {r.urn: _props(r.inputs) for r in evaluation.resources}
    options = {r.urn: _options(r) for r in evaluation.resources}
    providers = {r.urn: _provider(r, by_urn) for r in evaluation.resources}
    stack_resources: list[PolicyResource] = []
    by_type: dict[str, list[RecordedResource]] = {}
    for resource in evaluation.resources:
        by_type.setdefault(resource.type, []).append(resource)
    position = {resource.urn: index for index, resource in enumerate(evaluation.resources)}

    def reporter(policy: Policy, level: EnforcementLevel, default: Optional[RecordedResource]):
        def report_violation(message: str, urn: Optional[str] = None) -> None:
            target = by_urn.get(urn or "") or default
            report.violations.append(Violation(
                policy=policy.name, enforcement=level.value,
                severity=policy.severity.value if policy.severity else "", message=message or policy.description,
                resource_type=target.type if target else "", resource_name=target.name if target else "",
                urn=(urn or (target.urn if target else ""))))
        return report_violation

    for policy in policies:
        level = settings[policy.name].enforcement
        if level == EnforcementLevel.DISABLED:
            continue
        if level == EnforcementLevel.REMEDIATE:
            level = EnforcementLevel.MANDATORY  # a violation left after remediation blocks, as in the engine
        report.policies_run += 1
        config = dict(settings[policy.name].config)
        if isinstance(policy, ResourceValidationPolicy):
            for resource in _resources_for(policy, evaluation.resources, by_type, position):
                args = ResourceValidationArgs(resource.type, props[resource.urn], resource.urn, resource.name,
                                              options[resource.urn], providers[resource.urn], config)
                try:
                    _run(policy.validate(args, reporter(policy, level, resource)))
                except UnknownValueError as exc:
                    report.skipped.append(Skipped(policy.name, resource.type, resource.name, resource.urn,
                                                  f"can't run policy '{policy.name}' during preview: {exc.message}"))
                except _NotApplicableError as exc:
                    report.not_applicable.append(f"{policy.name}: {exc.reason or ''}")
        elif isinstance(policy, StackValidationPolicy):
            stack_resources = stack_resources or _stack_resources(evaluation, props, options, providers)
            stack_args = StackValidationArgs(stack_resources, config)
            try:
                _run(policy.validate(stack_args, reporter(policy, level, None)))
            except UnknownValueError as exc:
                report.skipped.append(Skipped(policy.name, "", "", "",
                                              f"can't run policy '{policy.name}' during preview: {exc.message}"))
            except _NotApplicableError as exc:
                report.not_applicable.append(f"{policy.name}: {exc.reason or ''}")
    return report


def render(report: PolicyReport) -> str:
    """Violations as the CLI groups them: one line per violation, mandatory first, then the summary."""
    lines = [f"Policy pack {report.pack} (config: {report.config_path or 'none, policies at their own levels'})"]
    for v in sorted(report.violations, key=lambda v: (v.enforcement != "mandatory", v.policy, v.urn)):
        where = f"{v.resource_type}  {v.resource_name}" if v.resource_type else "stack"
        lines.append(f"  [{v.enforcement}] {v.policy}  {where}")
        lines.append(f"      {v.message}")
    for s in report.skipped:
        where = f"{s.resource_type}  {s.resource_name}" if s.resource_type else "stack"
        lines.append(f"  [skipped] {s.policy}  {where}: {s.message.split(': ', 1)[-1]}")
    lines.append(report.summary())
    return "\n".join(lines)
