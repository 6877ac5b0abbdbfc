"""Offline diff: compare this preview with an earlier ``--json`` preview (say, of the base branch).

    python -m offline.preview --stack prod --json --no-policies > base.json      # on the base branch
    python -m offline.preview --stack prod --diff base.json                      # on the change

Resources are matched by URN, as the engine matches them: a renamed or re-parented resource without
``aliases`` shows as one removed and one added, which is what a real ``pulumi up`` would do to it.
Each changed input is listed with its old and new value (secrets masked, values the provider computes
shown as ``(known after apply)``), and whether it replaces the resource according to the curated table
in ``offline/replacement.py`` (read its docstring for where the facts come from and what they do not
cover). ``replaces`` is ``true``, ``false`` or ``null`` (not known offline: check with ``pulumi preview``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

from .key_settings import LINE_WIDTH, display_type, summarize
from .replacement import forces_replacement

MAX_TEXT_CHANGES = 12
"""Changed inputs shown per resource in the text and Markdown diff; JSON always has them all."""
_OPTIONS_COMPARED = ("protect", "retainOnDelete", "ignoreChanges", "replaceOnChanges", "deleteBeforeReplace")


class BaseFileError(ValueError):
    """The ``--diff`` file is missing or is not a preview made with ``--json``."""


@dataclass(frozen=True)
class InputChange:
    path: str
    old: Any
    new: Any
    replaces: Optional[bool]


@dataclass
class ResourceChange:
    urn: str
    type: str
    name: str
    action: str
    """``add``, ``remove`` or ``change``."""
    changes: list[InputChange] = field(default_factory=list)

    @property
    def replaces(self) -> Optional[bool]:
        """True if any change replaces the resource; False if none does; None if that is not known."""
        verdicts = [c.replaces for c in self.changes]
        if any(v is True for v in verdicts):
            return True
        return False if all(v is False for v in verdicts) else None


@dataclass
class Diff:
    base: str
    base_stack: str
    head_stack: str
    resources: list[ResourceChange]
    outputs: list[InputChange]

    def of(self, action: str) -> list[ResourceChange]:
        return [r for r in self.resources if r.action == action]

    @property
    def replaced(self) -> list[ResourceChange]:
        return [r for r in self.of("change") if r.replaces is True]

    def summary(self) -> str:
        changed = self.of("change")
        unknown = sum(r.replaces is None for r in changed)
        parts = [f"{len(self.of('add'))} to add", f"{len(self.of('remove'))} to remove",
                 f"{len(changed)} to change ({len(self.replaced)} replaced"
                 + (f", {unknown} not known offline" if unknown else "") + ")"]
        if self.outputs:
            parts.append(f"{len(self.outputs)} output(s) changed")
        return ", ".join(parts)

    def as_dict(self) -> dict:
        def resource(r: ResourceChange) -> dict:
            data: dict[str, Any] = {"urn": r.urn, "type": r.type, "name": r.name, "action": r.action}
            if r.action == "change":
                data["replaces"] = r.replaces
                data["changes"] = [asdict(c) for c in r.changes]
            return data
        return {"base": self.base, "baseStack": self.base_stack, "stack": self.head_stack,
                "summary": {"add": len(self.of("add")), "remove": len(self.of("remove")),
                            "change": len(self.of("change")), "replace": len(self.replaced)},
                "resources": [resource(r) for r in self.resources],
                "outputs": [asdict(c) for c in self.outputs]}


def load_base(path: Path) -> dict:
    """A preview written by ``--json``, checked enough to compare with."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise BaseFileError(f"--diff {path}: no such file; write one with "
                            "`python -m offline.preview --stack STACK --json > FILE`") from None
    except json.JSONDecodeError as error:
        raise BaseFileError(f"--diff {path}: not JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
                            "expected the output of `python -m offline.preview --json`") from None
    resources = data.get("resources") if isinstance(data, dict) else None
    if not isinstance(resources, list) or not all(isinstance(r, dict) and "urn" in r and "type" in r
                                                  for r in resources):
        raise BaseFileError(f"--diff {path}: not a preview made with --json (expected an object whose "
                            "'resources' is a list of objects with 'urn', 'type' and 'inputs')")
    return data


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """Leaf values by path: ``{"a": {"b": [1]}}`` -> ``{"a.b[0]": 1}``; empty maps and lists are leaves."""
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value:
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


_MISSING = "(absent)"


def _changes(type_: str, old: dict, new: dict, replace_on_changes: list[str]) -> list[InputChange]:
    before, after = flatten(old.get("inputs") or {}), flatten(new.get("inputs") or {})
    out = []
    for path in sorted(set(before) | set(after)):
        a, b = before.get(path, _MISSING), after.get(path, _MISSING)
        if a != b:
            out.append(InputChange(path, a, b, forces_replacement(type_, path, replace_on_changes)))
    old_options, new_options = old.get("options") or {}, new.get("options") or {}
    for option in _OPTIONS_COMPARED:
        if option in old_options and option in new_options and old_options[option] != new_options[option]:
            out.append(InputChange(f"options.{option}", old_options[option], new_options[option], False))
    return out


def compare(base: dict, head: dict, base_name: str = "base") -> Diff:
    """What changes from the ``base`` preview to the ``head`` preview (both in the ``--json`` form)."""
    old = {r["urn"]: r for r in base["resources"]}
    new = {r["urn"]: r for r in head["resources"]}
    resources = []
    for urn, r in new.items():
        if urn not in old:
            resources.append(ResourceChange(urn, r["type"], r.get("name", ""), "add"))
        else:
            replace_on = list(((r.get("options") or {}).get("replaceOnChanges")) or [])
            changes = _changes(r["type"], old[urn], r, replace_on)
            if changes:
                resources.append(ResourceChange(urn, r["type"], r.get("name", ""), "change", changes))
    resources += [ResourceChange(urn, r["type"], r.get("name", ""), "remove") for urn, r in old.items()
                  if urn not in new]
    old_out, new_out = flatten(base.get("outputs") or {}), flatten(head.get("outputs") or {})
    outputs = [InputChange(k, old_out.get(k, _MISSING), new_out.get(k, _MISSING), None)
               for k in sorted(set(old_out) | set(new_out)) if old_out.get(k, _MISSING) != new_out.get(k, _MISSING)]
    stack = lambda d: f"{d.get('project', '?')}-{d.get('stack', '?')}"  # noqa: E731
    return Diff(base_name, stack(base), stack(head), resources, outputs)


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------

_SYMBOL = {"add": "+", "remove": "-"}


def _symbol(r: ResourceChange) -> str:
    if r.action != "change":
        return _SYMBOL[r.action]
    return {True: "+-", False: "~", None: "~?"}[r.replaces]


def _verdict(r: ResourceChange) -> str:
    return {True: "REPLACE", False: "update in place", None: "update; replacement not known offline"}[r.replaces]


def _value_pair(change: InputChange, width: int, arrow: str) -> str:
    half = max((width - len(arrow) - 2) // 2, 12)
    return f"{summarize(change.old, half)} {arrow} {summarize(change.new, half)}"


def render_text(diff: Diff, width: int = LINE_WIDTH) -> str:
    """``+`` add, ``-`` remove, ``~`` update in place, ``+-`` replace, ``~?`` replacement not known."""
    # The file name only: a long temporary path would push the summary past the width.
    lines = [f"Diff against {Path(diff.base).name} ({diff.base_stack}): {diff.summary()}"[:width]]
    if not diff.resources and not diff.outputs:
        lines.append("  no change")
    for r in diff.resources:
        header = f"  {_symbol(r)} {display_type(r.type)}  {r.name}"
        if r.action == "change":
            header += f"  ({_verdict(r)})"
        lines.append(header if len(header) <= width else header[:width - 3] + "...")
        for change in r.changes[:MAX_TEXT_CHANGES]:
            mark = "  [forces replacement]" if change.replaces else ""
            prefix = f"      {change.path}: "
            if len(prefix) > width // 2:
                prefix = f"      ...{change.path[-(width // 2 - 12):]}: "
            lines.append(prefix + _value_pair(change, width - len(prefix) - len(mark), "->") + mark)
        if len(r.changes) > MAX_TEXT_CHANGES:
            lines.append(f"      ... {len(r.changes) - MAX_TEXT_CHANGES} more change(s); --json lists them all")
    if diff.outputs:
        lines.append("Outputs changed:")
        for change in diff.outputs:
            prefix = f"  {change.path}: "
            lines.append((prefix + _value_pair(change, width - len(prefix), "->"))[:width])
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(diff: Diff) -> str:
    """The diff as a GitHub-flavoured Markdown section for a pull-request comment or job summary."""
    lines = [f"#### Changes against the base ({diff.base_stack})", "", f"**{diff.summary()}**", ""]
    if not diff.resources and not diff.outputs:
        return "\n".join(lines + ["No change to resources or outputs.", ""])
    if diff.resources:
        lines += ["| | resource | type | input | old → new | replaces |", "|---|---|---|---|---|---|"]
        for r in diff.resources:
            title = f"`{_cell(r.name)}`"
            type_ = f"`{r.type}`"
            if r.action != "change":
                lines.append(f"| {_symbol(r)} | {title} | {type_} | | {r.action} | |")
                continue
            for i, change in enumerate(r.changes[:MAX_TEXT_CHANGES]):
                replaces = {True: "**yes**", False: "no", None: "not known"}[change.replaces]
                lines.append(f"| {_symbol(r) if i == 0 else ''} | {title if i == 0 else ''} | "
                             f"{type_ if i == 0 else ''} | `{_cell(change.path)}` | "
                             f"`{_cell(summarize(change.old, 50))}` → `{_cell(summarize(change.new, 50))}` | "
                             f"{replaces} |")
            if len(r.changes) > MAX_TEXT_CHANGES:
                lines.append(f"| | | | … {len(r.changes) - MAX_TEXT_CHANGES} more | | |")
        lines.append("")
    if diff.outputs:
        lines += ["| output | old → new |", "|---|---|"]
        lines += [f"| `{_cell(c.path)}` | `{_cell(summarize(c.old, 50))}` → `{_cell(summarize(c.new, 50))}` |"
                  for c in diff.outputs]
        lines.append("")
    lines.append("Replacement verdicts come from a curated table (offline/replacement.py), not the provider; "
                 "`not known` means run `pulumi preview`.")
    lines.append("")
    return "\n".join(lines)
