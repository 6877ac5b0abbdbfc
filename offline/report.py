"""Markdown report of an offline preview, for a pull-request comment or a GitHub job summary.

    python -m offline.preview --stack prod --markdown >> "$GITHUB_STEP_SUMMARY"

The report has three parts: a summary line (``scaling-prod: 412 resources to create, 0 mandatory and
3 advisory policy violations``), the policy violations (mandatory first) when a policy report is
given, and the resources to create grouped by top-level component (count per resource type).

The policy report is read duck-typed, so this module does not depend on how the policy runner is
built. It reads only:

* ``report.violations``: an iterable of violations, each with
  * ``.enforcement``: ``"mandatory"``, ``"advisory"`` (or ``"remediate"``/``"disabled"``); a string
    or an enum whose ``.value`` is such a string, any case;
  * ``.policy``: the policy name (``aws-rds-instance-encrypted``);
  * ``.resource``: the URN of the offending resource, a plain name, or ``None``/``""`` for a
    stack-level policy;
  * ``.message``: the violation message (may span lines).

and, when present (optional): ``report.policies_run`` (how many policies ran) and ``report.skipped``
(a list of policy checks that could not run because a value they read is known only after apply),
shown as counts in one line.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Optional

from .engine import Evaluation, RecordedResource

# Mandatory violations block a real `pulumi preview`/`up`, so they lead; unknown levels go last.
ENFORCEMENT_ORDER = ("mandatory", "remediate", "advisory", "disabled")
NO_COMPONENT = "(no component)"


@dataclass(frozen=True)
class ComponentGroup:
    """One top-level component and what it (and its descendants) adds."""
    name: str
    type: str
    """Type token of the component, or ``""`` for resources declared directly on the stack."""
    counts: Counter
    """Descendants (cloud resources and nested components) by type; the component itself excluded."""

    @property
    def total(self) -> int:
        """Resources this group creates: the descendants, plus the component itself."""
        return sum(self.counts.values()) + (1 if self.type else 0)


def group_by_component(evaluation: Evaluation) -> list[ComponentGroup]:
    """Group every resource under its top-level component (a child of the stack), in declaration order.

    Cloud resources declared directly on the stack land in one group named ``(no component)``."""
    by_urn = {r.urn: r for r in evaluation.resources}

    def top(resource: RecordedResource) -> RecordedResource:
        seen = set()
        while resource.parent in by_urn and resource.urn not in seen:
            seen.add(resource.urn)  # guards against a malformed parent cycle
            resource = by_urn[resource.parent]
        return resource

    groups: dict[str, tuple[RecordedResource, Counter]] = {}
    loose: Counter[str] = Counter()
    for r in evaluation.resources:
        root = top(r)
        if root is r:
            if r.custom:
                loose[r.type] += 1
            else:
                groups.setdefault(r.urn, (r, Counter()))
            continue
        groups.setdefault(root.urn, (root, Counter()))[1][r.type] += 1
    result = [ComponentGroup(root.name, root.type, counts) for root, counts in groups.values()]
    if loose:
        result.append(ComponentGroup(NO_COMPONENT, "", loose))
    return result


def _enforcement(violation: Any) -> str:
    level = getattr(violation, "enforcement", "")
    return str(getattr(level, "value", level) or "").lower()


def _resource_label(resource: Optional[str]) -> str:
    """``name`` (``type``) for a URN, the value itself otherwise, ``(stack)`` when empty."""
    if not resource:
        return "(stack)"
    resource = str(resource)
    if resource.startswith("urn:pulumi:"):
        parts = resource.split("::")
        if len(parts) >= 4:
            type_ = parts[2].rsplit("$", 1)[-1]
            return f"`{parts[-1]}` (`{type_}`)"
    return f"`{resource}`"


def _cell(text: Any) -> str:
    """Make ``text`` safe inside one Markdown table cell."""
    return (str(text).strip().replace("|", "\\|")
            .replace("\r\n", "\n").replace("\n", "<br>"))


def sorted_violations(violations: Iterable[Any]) -> list[Any]:
    """Mandatory first, then remediate, advisory, disabled, unknown; then by policy and resource."""
    def key(v: Any) -> tuple:
        level = _enforcement(v)
        rank = ENFORCEMENT_ORDER.index(level) if level in ENFORCEMENT_ORDER else len(ENFORCEMENT_ORDER)
        return rank, str(getattr(v, "policy", "")), str(getattr(v, "resource", "") or "")
    return sorted(violations, key=key)


def _plural(n: int, noun: str) -> str:
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") else f"{n} {noun}s"


def summary_line(evaluation: Evaluation, policy_report: Any = None) -> str:
    """``scaling-prod: 412 resources to create, 0 mandatory and 3 advisory policy violations``."""
    stack = f"{evaluation.project}-{evaluation.stack}"
    if evaluation.error is not None:
        return f"{stack}: the program failed, nothing to create"
    created = f"{stack}: {_plural(len(evaluation.resources), 'resource')} to create"
    if policy_report is None:
        return f"{created}, policies not evaluated"
    levels = Counter(_enforcement(v) for v in policy_report.violations)
    return (f"{created}, {levels['mandatory']} mandatory and "
            f"{_plural(levels['advisory'], 'advisory policy violation')}")


def render_markdown(evaluation: Evaluation, policy_report: Any = None, images: Iterable[Any] = ()) -> str:
    """The whole report as GitHub-flavoured Markdown (see the module docstring for ``policy_report``); ``images``
    (paths, such as the simulator's ``--plot`` PNG) are shown after the policy verdicts."""
    stack = f"{evaluation.project}-{evaluation.stack}"
    lines = [f"### Offline preview of `{stack}`", "", f"**{summary_line(evaluation, policy_report)}**", ""]
    if evaluation.error is not None:
        lines += ["```text", str(evaluation.error).strip(), "```", ""]
        return "\n".join(lines)

    if policy_report is not None:
        violations = sorted_violations(policy_report.violations)
        lines += ["#### Policy violations", ""]
        notes = []
        if isinstance(getattr(policy_report, "policies_run", None), int):
            notes.append(f"{_plural(policy_report.policies_run, 'policy')} evaluated.")
        skipped = list(getattr(policy_report, "skipped", None) or [])
        if skipped:
            notes.append(f"{_plural(len(skipped), 'check')} skipped: a value they read is known only after apply.")
        if notes:
            lines += [" ".join(notes), ""]
        if violations:
            lines += ["| enforcement | policy | resource | message |", "|---|---|---|---|"]
            for v in violations:
                level = _enforcement(v) or "unknown"
                shown = f"**{level}**" if level == "mandatory" else level
                lines.append(f"| {shown} | `{_cell(getattr(v, 'policy', ''))}` | "
                             f"{_cell(_resource_label(getattr(v, 'resource', None)))} | "
                             f"{_cell(getattr(v, 'message', ''))} |")
        else:
            lines.append("No policy violations.")
        lines.append("")

    images = [str(image) for image in images]
    if images:
        lines += ["#### Attachments", ""]
        lines += [f"![{image.rsplit('/', 1)[-1]}]({image})" for image in images] + [""]

    groups = group_by_component(evaluation)
    custom = sum(r.custom for r in evaluation.resources)
    lines += ["#### Resources to create by component", "",
              f"{_plural(len(evaluation.resources), 'resource')}: {_plural(custom, 'cloud resource')} and "
              f"{_plural(len(evaluation.resources) - custom, 'component')}.", ""]
    if groups:
        lines += ["| component | resource type | count |", "|---|---|---:|"]
        for group in groups:
            title = (f"`{_cell(group.name)}` (`{group.type}`), {group.total} in all" if group.type
                     else f"{NO_COMPONENT}, {group.total} in all")
            first = True
            for type_, n in sorted(group.counts.items()):
                lines.append(f"| {title if first else ''} | `{type_}` | {n} |")
                first = False
            if first:  # a component with no children still creates itself
                lines.append(f"| {title} | (no children) | 0 |")
        lines.append("")
    return "\n".join(lines)
