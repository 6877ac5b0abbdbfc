"""Generate the reference parts of docs/ from the code, so no table is kept by hand.

    python -m scripts.gen_docs           # rewrite the generated blocks in docs/*.md
    python -m scripts.gen_docs --check   # exit 1 and name the stale blocks, change nothing (the tests run this)

A document holds hand-written prose and any number of generated blocks:

    <!-- BEGIN GENERATED: component NetworkArgs -->
    ...replaced on every run...
    <!-- END GENERATED: component NetworkArgs -->

Blocks and their sources:

* ``component <Name>``: arguments of ``<Name>Args`` (and of the argument dataclasses it refers to) and the
  outputs of ``<Name>``, from ``components/``: names, types and docstrings read from the source with
  ``ast`` (the attribute docstring under each field), defaults from the imported dataclass, so a default
  that comes from ``scaling_kit.limits`` shows its value.
* ``policies``: every policy of ``policies.registry.ALL_POLICIES`` with its description, severity,
  enforcement per stack (``policies/config/<stack>.json``), configuration knobs and remediation.
* ``configuration``: ``stack.config.markdown_reference()`` (the same table as
  ``python -m stack.config --markdown``).

Every component that ``components`` exports must have a block in docs/components.md: a new component
without one fails ``--check``.
"""

from __future__ import annotations

import argparse
import ast
import dataclasses
import importlib
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<key>[^>]+?) -->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=key) -->)",
                   re.S)


# --- text helpers ---------------------------------------------------------------------------------------

def markdown_text(docstring: str) -> str:
    """One table cell from a docstring: reST literals and roles as Markdown, one line, pipes escaped."""
    text = " ".join(docstring.split())
    text = re.sub(r":(?:class|func|meth|attr|data|mod):`~?([^`]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    return text.replace("|", "\\|")


def code(text: str) -> str:
    text = text.replace("|", "\\|")
    return f"``{text}``" if "`" in text else f"`{text}`"


UNDOCUMENTED = "*undocumented*"  # tests/tools/test_docs.py fails on it for the `<Name>Args` classes


# --- components -----------------------------------------------------------------------------------------

@dataclasses.dataclass
class Attribute:
    name: str
    annotation: str
    doc: str


def documented_attributes(cls: ast.ClassDef) -> list[Attribute]:
    """Annotated class attributes in source order, each with the string literal right under it."""
    found = []
    body = cls.body
    for i, node in enumerate(body):
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            following = body[i + 1] if i + 1 < len(body) else None
            doc = ""
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant) \
                    and isinstance(following.value.value, str):
                doc = following.value.value
            found.append(Attribute(node.target.id, ast.unparse(node.annotation), doc))
    return found


def _classes(module_path: Path) -> dict[str, ast.ClassDef]:
    tree = ast.parse(module_path.read_text(), filename=str(module_path))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


def render_default(field: dataclasses.Field) -> str:
    if field.default is not dataclasses.MISSING:
        value = field.default
    elif field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
        if len(repr(value)) > 60:  # a long computed default (the design's app settings) reads better by name
            factory = field.default_factory
            return code(f"{getattr(factory, '__name__', repr(factory))}()")
    else:
        return "required"
    if value is None:
        return "`None`"
    if isinstance(value, (tuple, list)) and not value:
        return "`()`" if isinstance(value, tuple) else "`[]`"
    return code(repr(value))


def args_table(module, classes: dict[str, ast.ClassDef], name: str) -> list[str]:
    runtime_fields = {f.name: f for f in dataclasses.fields(getattr(module, name))}
    rows = [f"**`{name}`**" + (f": {markdown_text(ast.get_docstring(classes[name]) or '')}"
                               if ast.get_docstring(classes[name]) else ""), "",
            "| argument | type | default | description |", "|---|---|---|---|"]
    for attr in documented_attributes(classes[name]):
        if attr.name not in runtime_fields:  # a ClassVar or a constant, not an argument
            continue
        rows.append(f"| `{attr.name}` | {code(attr.annotation)} | {render_default(runtime_fields[attr.name])} | "
                    f"{markdown_text(attr.doc) or UNDOCUMENTED} |")
    return rows


def referenced_arg_classes(classes: dict[str, ast.ClassDef], module, name: str) -> list[str]:
    """Dataclasses of the same module that ``name``'s fields refer to (``BackendArgs``), depth first."""
    order: list[str] = []

    def visit(class_name: str) -> None:
        for attr in documented_attributes(classes[class_name]):
            for word in re.findall(r"\b[A-Z]\w+\b", attr.annotation):
                if word in classes and word not in order and word != name and \
                        dataclasses.is_dataclass(getattr(module, word, None)):
                    order.append(word)
                    visit(word)

    visit(name)
    return order


def component_reference(component: str) -> str:
    package = importlib.import_module("components")
    module_name = package._EXPORTS[component]
    module = importlib.import_module(f"components.{module_name}")
    path = ROOT / "components" / f"{module_name}.py"
    classes = _classes(path)
    args_name = f"{component}Args"
    lines = [f"Source: [`components/{module_name}.py`](../components/{module_name}.py). "
             f"Type token `{_type_token(path, component)}`.", ""]
    lines += args_table(module, classes, args_name)
    for extra in referenced_arg_classes(classes, module, args_name):
        lines += [""] + args_table(module, classes, extra)
    outputs = [a for a in documented_attributes(classes[component]) if a.annotation.startswith("pulumi.Output")
               or a.doc]
    if outputs:
        lines += ["", "| output | type | description |", "|---|---|---|"]
        for attr in outputs:
            lines.append(f"| `{attr.name}` | {code(attr.annotation)} | {markdown_text(attr.doc)} |")
    return "\n".join(lines) + "\n"


def _type_token(path: Path, component: str) -> str:
    match = re.search(r'super\(\).__init__\(\s*"([^"]+:' + re.escape(component) + r')"', path.read_text())
    return match.group(1) if match else "?"


def exported_components() -> list[str]:
    package = importlib.import_module("components")
    return sorted(name for name in package._EXPORTS if f"{name}Args" in package._EXPORTS)


# --- policies -------------------------------------------------------------------------------------------

def _stack_levels() -> dict[str, dict]:
    return {path.stem: json.loads(path.read_text()) for path in sorted((ROOT / "policies" / "config").glob("*.json"))}


def _enforcement(policy, config: dict) -> str:
    entry = config.get(policy.name)
    level = config.get("all", policy.enforcement_level.value if policy.enforcement_level else "advisory")
    if isinstance(entry, str):
        level = entry
    elif isinstance(entry, dict) and "enforcementLevel" in entry:
        level = entry["enforcementLevel"]
    return str(getattr(level, "value", level))


def _settings(policy) -> dict:
    """The policy's configuration knobs and their defaults (its config schema)."""
    schema = getattr(policy, "config_schema", None)
    properties = getattr(schema, "properties", None) or {}
    return {knob: spec.get("default") for knob, spec in properties.items() if knob != "enforcementLevel"}


def _render_settings(settings: dict) -> str:
    return ", ".join(f"`{knob}`: `{json.dumps(value)}`" for knob, value in settings.items())


def policies_reference() -> str:
    from policies.registry import ALL_POLICIES

    stacks = _stack_levels()
    header = "| policy | enforces | severity | settings (defaults) | " + " | ".join(stacks) + " | remediation |"
    rows = [header, "|" + "---|" * (5 + len(stacks))]
    for policy in ALL_POLICIES:
        severity = getattr(policy.severity, "value", policy.severity) or ""
        settings = _settings(policy)
        levels = []
        for config in stacks.values():
            entry = config.get(policy.name)
            # What this stack's config file changes; the defaults are in the settings column.
            changed = {k: v for k, v in (entry.items() if isinstance(entry, dict) else ())
                       if k in settings and v != settings[k]}
            levels.append(_enforcement(policy, config) + (f" ({_render_settings(changed)})" if changed else ""))
        rows.append(f"| `{policy.name}` | {markdown_text(policy.description)} | {severity} | "
                    f"{markdown_text(_render_settings(settings))} | "
                    + " | ".join(markdown_text(level) for level in levels)
                    + f" | {markdown_text(policy.remediation_steps or '')} |")
    return "\n".join(rows) + "\n"


# --- configuration --------------------------------------------------------------------------------------

def configuration_reference() -> str:
    from stack import config

    return config.markdown_reference()


# --- blocks ---------------------------------------------------------------------------------------------

def generator_for(key: str) -> Callable[[], str]:
    kind, _, argument = key.partition(" ")
    if kind == "component":
        if argument not in exported_components():
            raise SystemExit(f"docs: block {key!r} names no exported component; expected one of "
                             f"{', '.join(exported_components())}")
        return lambda: component_reference(argument)
    if key == "policies":
        return policies_reference
    if key == "configuration":
        return configuration_reference
    raise SystemExit(f"docs: unknown generated block {key!r}; expected 'component <Name>', 'policies' or "
                     "'configuration'")


def regenerate(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + generator_for(m.group("key"))() + m.group(4), text)


def problems_and_updates() -> tuple[list[str], dict[Path, str]]:
    problems, updates = [], {}
    components_doc = DOCS / "components.md"
    seen = set()
    for path in sorted(DOCS.glob("*.md")):
        text = path.read_text()
        keys = [m.group("key") for m in BLOCK.finditer(text)]
        seen.update(keys)
        new = regenerate(text)
        if new != text:
            updates[path] = new
            stale = [k for k in keys if _body(text, k) != _body(new, k)]
            problems.append(f"docs/{path.name}: stale block(s): {', '.join(stale)}")
    for component in exported_components():
        if f"component {component}" not in seen:
            problems.append(f"docs/{components_doc.name}: no generated block for component {component} "
                            f"(add <!-- BEGIN GENERATED: component {component} --> ... <!-- END GENERATED: "
                            f"component {component} -->)")
    for required in ("policies", "configuration"):
        if required not in seen:
            problems.append(f"docs/: no generated block {required!r}")
    return problems, updates


def _body(text: str, key: str) -> str:
    for match in BLOCK.finditer(text):
        if match.group("key") == key:
            return match.group("body")
    return ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.gen_docs", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report stale blocks and exit 1; write nothing")
    args = parser.parse_args(argv)
    problems, updates = problems_and_updates()
    if args.check:
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print("run `./scaling docs` (python -m scripts.gen_docs) and commit docs/", file=sys.stderr)
        return 1 if problems else 0
    for path, text in updates.items():
        path.write_text(text)
        print(f"wrote docs/{path.name}")
    missing = [p for p in problems if "stale block" not in p]
    for problem in missing:
        print(problem, file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
