"""Offline preview: evaluate a stack without the Pulumi CLI, cloud credentials or network.

    python -m offline.preview --stack dev            # component tree, key settings, counts
    scaling-preview --cwd ../my-program --stack dev   # any Pulumi Python program (installed command)
    python -m offline.preview --stack prod --json    # the same as JSON, for other tools
    python -m offline.preview --stack dev --set scaling:asgMaxSize=40   # try a value
    python -m offline.preview --stack prod --no-policies  # skip the policy pack
    python -m offline.preview --stack prod --markdown     # report for a PR comment or job summary

After the tree and counts, a policy pack runs against the evaluated resources, as
`pulumi preview --policy-pack DIR --policy-pack-config FILE` would: by default the bundled scaling pack
with its config/<stack>.json.

Exit codes: 0 fine, 1 a mandatory policy violation, 2 configuration error (one message per problem),
3 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from typing import Any, Optional

from pathlib import Path

from scaling_kit.stackfiles import StackFileError, parse_overrides, read_project

from .engine import Evaluation, RecordedResource, display_value, evaluate
from .policy_pack import BUNDLED_PACK_DIR, PolicyPackError, load_policy_pack

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_USAGE = 0, 1, 2, 3
# Inputs too noisy to show as key settings in the tree.
_HIDDEN_INPUTS = {"tags", "tagsAll", "name", "assumeRolePolicy", "policy"}
_MAX_KEY_SETTINGS = 6


def key_settings(resource: RecordedResource) -> str:
    """A short ``key=value`` summary of the scalar inputs of a resource."""
    parts = []
    for key, value in sorted(resource.inputs.items()):
        if key in _HIDDEN_INPUTS or isinstance(value, (dict, list)) and not _is_secret(value):
            continue
        shown = display_value(value)
        text = shown if isinstance(shown, str) else json.dumps(shown)
        parts.append(f"{key}={text[:48] + '...' if len(text) > 48 else text}")
    flags = [flag for flag, on in (("protect", resource.protect), ("retainOnDelete", resource.retain_on_delete))
             if on]
    if resource.ignore_changes:
        flags.append("ignoreChanges=" + ",".join(resource.ignore_changes))
    return " ".join(parts[:_MAX_KEY_SETTINGS] + [f"[{f}]" for f in flags])


def _is_secret(value: Any) -> bool:
    return display_value(value) == "[secret]"


def render_tree(evaluation: Evaluation) -> str:
    children: dict[str, list[RecordedResource]] = {}
    urns = {r.urn for r in evaluation.resources}
    for r in evaluation.resources:
        children.setdefault(r.parent if r.parent in urns else "", []).append(r)
    lines = [f"Stack {evaluation.project}-{evaluation.stack}"]

    def walk(parent: str, depth: int) -> None:
        for r in sorted(children.get(parent, []), key=lambda r: (r.custom, r.type, r.name)):
            settings = key_settings(r) if r.custom else ""
            lines.append(f"{'  ' * depth}{'+ ' if r.custom else '# '}{r.type}  {r.name}"
                         + (f"  {settings}" if settings else ""))
            walk(r.urn, depth + 1)

    walk("", 1)
    return "\n".join(lines)


def render_counts(evaluation: Evaluation) -> str:
    counts = Counter(r.type for r in evaluation.resources)
    width = max((len(t) for t in counts), default=0)
    lines = [f"Resources: {len(evaluation.resources)} ({sum(r.custom for r in evaluation.resources)} cloud "
             f"resources, {sum(not r.custom for r in evaluation.resources)} components)"]
    lines += [f"  {t.ljust(width)}  {n}" for t, n in sorted(counts.items())]
    return "\n".join(lines)


def as_json(evaluation: Evaluation) -> dict:
    return {
        "project": evaluation.project,
        "stack": evaluation.stack,
        "resources": [{
            "type": r.type, "name": r.name, "urn": r.urn, "parent": r.parent or None, "custom": r.custom,
            "inputs": display_value(r.inputs),
            "options": {"protect": r.protect, "retainOnDelete": r.retain_on_delete,
                        "ignoreChanges": r.ignore_changes, "replaceOnChanges": r.replace_on_changes,
                        "aliases": r.aliases, "dependsOn": r.depends_on,
                        "deleteBeforeReplace": r.delete_before_replace},
        } for r in evaluation.resources],
        "counts": dict(sorted(Counter(r.type for r in evaluation.resources).items())),
        "outputs": display_value(evaluation.outputs),
    }


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2, which is this tool's configuration-error code
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"error: {message}\n")


def main(argv: Optional[list[str]] = None) -> int:
    parser = _Parser(prog="python -m offline.preview", description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True, help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--cwd", type=Path, default=Path.cwd(), metavar="DIR",
                        help="folder of the Pulumi project to preview (default: the working directory)")
    parser.add_argument("--policy-pack", type=Path, default=BUNDLED_PACK_DIR, metavar="DIR",
                        help="folder of a Python policy pack (default: the bundled scaling-policies pack)")
    parser.add_argument("--policy-pack-config", type=Path, metavar="FILE",
                        help="policy pack config file (default: <pack>/config/<stack>.json when it exists)")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print JSON instead of the tree")
    fmt.add_argument("--markdown", action="store_true",
                     help="print a Markdown report (summary, policy verdicts, resources per component)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value (repeatable)")
    parser.add_argument("--no-policies", action="store_true", help="do not run the policy pack")
    args = parser.parse_args(argv)
    try:
        overrides = parse_overrides(args.set, read_project(args.cwd)["name"])
        evaluation = evaluate(args.stack, root=args.cwd, config_overrides=overrides)
    except (ValueError, FileNotFoundError, StackFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if evaluation.error is not None:
        print(f"error: stack {args.stack}: {evaluation.error}", file=sys.stderr)
        return EXIT_CONFIG
    report = None
    if not args.no_policies:
        from .policy_check import render as render_policies, run_policies
        try:
            pack = load_policy_pack(args.policy_pack)
            report = run_policies(evaluation, args.stack, config_path=args.policy_pack_config, pack=pack)
        except (ValueError, PolicyPackError) as exc:  # an invalid pack or policy config file
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        data = as_json(evaluation)
        if report is not None:
            data["policies"] = report.as_dict()
        print(json.dumps(data, indent=2))
    elif args.markdown:
        from .report import render_markdown
        print(render_markdown(evaluation, report))
    else:
        print(render_tree(evaluation))
        print()
        print(render_counts(evaluation))
        if report is not None:
            print()
            print(render_policies(report))
    return EXIT_POLICY if report is not None and report.mandatory else EXIT_OK


def cli() -> None:
    """Entry point of the installed ``scaling-preview`` command."""
    sys.exit(main())


if __name__ == "__main__":
    cli()
