"""Offline preview: evaluate a stack without the Pulumi CLI, cloud credentials or network.

    python -m offline.preview --stack dev            # component tree, key settings, counts
    scaling-preview --cwd ../my-program --stack dev   # any Pulumi Python program (installed command)
    python -m offline.preview --stack prod --json    # the same as JSON, for other tools
    python -m offline.preview --stack dev --set scaling:asgMaxSize=40   # try a value
    python -m offline.preview --stack prod --set-file tests/fixtures/prod-operator-values.yaml  # many values
    python -m offline.preview --stack prod --no-policies  # skip the policy pack
    python -m offline.preview --stack prod --markdown     # report for a PR comment or job summary
    python -m offline.preview --stack prod --diff base.json   # what changes from an earlier --json preview
    python -m offline.preview --stack prod --watch    # stay up: re-preview on every source or stack file change

The text preview shows, per resource, the settings a reviewer checks first (offline/key_settings.py), the
stack outputs and a summary line, in at most 120 columns; with colour and tables on a terminal (not
under NO_COLOR). After the tree and counts, a policy pack runs against the evaluated resources, as
`pulumi preview --policy-pack DIR --policy-pack-config FILE` would: by default the bundled scaling pack
with its config/<stack>.json.

Exit codes: 0 fine, 1 a mandatory policy violation, 2 configuration error (a stack file that does not
parse, invalid settings: one message per problem), 3 usage error (options, unknown stack, --diff file).
How to read the output: docs/preview.md.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Optional

if __name__ == "__main__":
    # A preview allocates about a million objects that nearly all live until it ends: the cycle collector
    # would walk them a dozen times (0.3 s) to free a few MB. See cli().
    gc.disable()

from scaling_kit.stackfiles import StackFileError, StackFileNotFound, parse_overrides, read_overrides_file, read_project

from .engine import Evaluation, RecordedResource, display_value, evaluate
from .key_settings import LINE_WIDTH, MAX_VALUE_WIDTH, SHOWN_UNKNOWN, display_type, key_settings, summarize
from .lazy_types import save_compiled_chunks
from .policy_pack import BUNDLED_PACK_DIR, PolicyPackError, load_policy_pack
from .report import summary_line

EXIT_OK, EXIT_POLICY, EXIT_CONFIG, EXIT_USAGE = 0, 1, 2, 3
COLOR_CHOICES = ("auto", "always", "never")


def _flags(resource: RecordedResource) -> list[str]:
    flags = [flag for flag, on in (("protect", resource.protect), ("retainOnDelete", resource.retain_on_delete))
             if on]
    if resource.ignore_changes:
        flags.append("ignoreChanges=" + ",".join(resource.ignore_changes))
    return flags


def settings_tokens(resource: RecordedResource, value_width: int = MAX_VALUE_WIDTH) -> list[str]:
    """``key=value`` pairs a reviewer checks first (offline/key_settings.py), then the resource options."""
    pairs = [f"{label}={value}"
             for label, value in key_settings(resource.type, display_value(resource.inputs), value_width)]
    return pairs + [f"[{flag}]" for flag in _flags(resource)]


def settings_text(resource: RecordedResource) -> str:
    return " ".join(settings_tokens(resource))


def pack(tokens: list[str], width: int, indent: str) -> list[str]:
    """Tokens on as few lines of at most ``width`` as fit, never splitting one ``key=value``."""
    lines: list[str] = []
    current = ""
    for token in tokens:
        token = _fit(token, width - len(indent))
        if current and len(current) + 1 + len(token) > width:
            lines.append(current)
            current = ""
        current = f"{current} {token}" if current else indent + token
    if current:
        lines.append(current)
    return lines


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:max(width - 3, 0)] + "..."


def wrap_line(line: str, width: int = LINE_WIDTH) -> list[str]:
    """An over-long line as several, each continuation indented 4 more than the original."""
    if len(line) <= width:
        return [line]
    indent = " " * (len(line) - len(line.lstrip()))
    return textwrap.wrap(line.strip(), width=width, initial_indent=indent, subsequent_indent=indent + "    ",
                         break_on_hyphens=False) or [_fit(line, width)]


def _children(evaluation: Evaluation) -> dict[str, list[RecordedResource]]:
    children: dict[str, list[RecordedResource]] = {}
    urns = {r.urn for r in evaluation.resources}
    for r in evaluation.resources:
        children.setdefault(r.parent if r.parent in urns else "", []).append(r)
    for siblings in children.values():
        siblings.sort(key=lambda r: (r.custom, r.type, r.name))
    return children


def render_tree(evaluation: Evaluation, width: int = LINE_WIDTH) -> str:
    """Components (``#``) and cloud resources (``+``) as an indented tree, each line at most ``width``:
    settings that do not fit beside the name continue on indented lines below it."""
    children = _children(evaluation)
    lines = [f"Stack {evaluation.project}-{evaluation.stack}"]

    def walk(parent: str, depth: int) -> None:
        for r in children.get(parent, []):
            indent = "  " * depth
            header = _fit(f"{indent}{'+ ' if r.custom else '# '}{display_type(r.type)}  {r.name}", width)
            tokens = settings_tokens(r) if r.custom else []
            settings = " ".join(tokens)
            if settings and len(header) + 2 + len(settings) <= width:
                lines.append(f"{header}  {settings}")
            else:
                lines.append(header)
                lines.extend(pack(tokens, width, indent + "    "))
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


def render_outputs(evaluation: Evaluation, width: int = LINE_WIDTH) -> str:
    """The stack outputs, one per line, values summarized to fit ``width``."""
    outputs = display_value(evaluation.outputs)
    if not outputs:
        return "Outputs: none"
    name_width = min(max(len(k) for k in outputs), 32)
    lines = [f"Outputs: {len(outputs)}"]
    for key, value in outputs.items():
        prefix = f"  {key.ljust(name_width)}  "
        lines.append(_fit(prefix + summarize(value, max(width - len(prefix), 10)), width))
    return "\n".join(lines)


def render_text(evaluation: Evaluation, report: Any = None, width: int = LINE_WIDTH) -> str:
    """The whole plain-text preview: tree, counts, outputs, policies, summary line."""
    parts = [render_tree(evaluation, width), render_counts(evaluation), render_outputs(evaluation, width)]
    if report is not None:
        from .policy_check import render as render_policies
        parts.append("\n".join(w for line in render_policies(report).splitlines() for w in wrap_line(line, width)))
    parts.append(_fit(summary_line(evaluation, report), width))
    return "\n\n".join(parts)


def use_rich(choice: str, stream: Any = None, environ: Optional[Mapping[str, str]] = None) -> bool:
    """Colour and tables for a terminal; plain text for pipes, files and under ``NO_COLOR``
    (https://no-color.org: any non-empty value). ``--color always``/``never`` override both."""
    if choice != "auto":
        return choice == "always"
    environ = os.environ if environ is None else environ
    if environ.get("NO_COLOR"):
        return False
    stream = sys.stdout if stream is None else stream
    return bool(getattr(stream, "isatty", lambda: False)())


def render_rich(evaluation: Evaluation, report: Any = None, file: Any = None, force: bool = False) -> None:
    """The preview with rich: a coloured tree, tables for counts and outputs."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text
    from rich.tree import Tree

    console = Console(file=file, force_terminal=force or None, highlight=False,
                      width=None if (file is None and not force) else LINE_WIDTH)
    children = _children(evaluation)
    tree = Tree(Text(f"Stack {evaluation.project}-{evaluation.stack}", style="bold"))

    def walk(parent: str, node: Any) -> None:
        for r in children.get(parent, []):
            label = Text()
            label.append(display_type(r.type), style="green" if r.custom else "magenta")
            label.append(f"  {r.name}", style="bold")
            if r.custom:
                for key, value in key_settings(r.type, display_value(r.inputs)):
                    label.append(f"  {key}=", style="dim")
                    label.append(value, style="yellow" if value == SHOWN_UNKNOWN else "cyan")
                for flag in _flags(r):
                    label.append(f"  [{flag}]", style="bold red")
            walk(r.urn, node.add(label))

    walk("", tree)
    console.print(tree)
    counts = Table(title=f"Resources: {len(evaluation.resources)}", title_justify="left")
    counts.add_column("type")
    counts.add_column("count", justify="right")
    for type_, n in sorted(Counter(r.type for r in evaluation.resources).items()):
        counts.add_row(type_, str(n))
    console.print(counts)
    outputs = Table(title="Outputs", title_justify="left")
    outputs.add_column("name", style="bold")
    outputs.add_column("value", overflow="fold")
    for key, value in display_value(evaluation.outputs).items():
        outputs.add_row(key, summarize(value, 80))
    console.print(outputs)
    if report is not None:
        from .policy_check import render as render_policies
        console.print(Text(render_policies(report), style="red" if report.mandatory else "yellow"))
    console.print(Text(summary_line(evaluation, report), style="bold"))


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


def _quiet_broken_pipe() -> None:
    """The reader went away (``| head``): send what is left to /dev/null so the interpreter's final flush
    does not print a BrokenPipeError traceback either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout without a file descriptor (tests capture it)
        pass


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m offline.preview", description=__doc__.split("\n\n", 1)[0],
                     epilog="Exit codes: 0 fine, 1 a mandatory policy violation, 2 configuration error (stack "
                            "files, settings), 3 usage error (options, unknown stack, --diff file). "
                            "See docs/preview.md.")
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
    parser.add_argument("--embed", action="append", default=[], type=Path, metavar="IMAGE",
                        help="with --markdown, show this image in the report (repeatable), e.g. the PNG of "
                             "`python -m simulator --plot`; the path is written as given, relative to the report")
    parser.add_argument("--diff", type=Path, metavar="BASE.json",
                        help="compare with an earlier --json preview: resources added, removed and changed, each "
                             "changed input old -> new and whether it replaces the resource")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="override one config value (repeatable)")
    parser.add_argument("--set-file", action="append", default=[], type=Path, metavar="FILE",
                        help="override the config values of a YAML/JSON mapping KEY: VALUE, as one --set each "
                             "(repeatable; applied in order, then the --set values)")
    parser.add_argument("--no-policies", action="store_true", help="do not run the policy pack")
    parser.add_argument("--color", choices=COLOR_CHOICES, default="auto",
                        help="colour and tables: auto (a terminal without NO_COLOR), always or never "
                             "(default: auto)")
    parser.add_argument("--watch", action="store_true",
                        help="stay up with the SDK imported: on every change of a source file of the project "
                             "(the program, its own modules, the policy pack) or of a stack or --set-file file, "
                             "evaluate again and print what changed since the previous preview (Ctrl-C stops)")
    parser.add_argument("--watch-interval", type=float, default=WATCH_INTERVAL_SECONDS, metavar="SECONDS",
                        help=f"with --watch, how often to look for changes (default: {WATCH_INTERVAL_SECONDS})")
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    missing = [str(path) for path in args.embed if not path.is_file()]
    if args.embed and not args.markdown or missing:
        print(f"error: --embed {' '.join(missing) + ': no such file' if missing else 'needs --markdown'}",
              file=sys.stderr)
        return EXIT_USAGE
    if args.watch:
        if args.json or args.markdown or args.diff is not None:
            print("error: --watch prints text previews; it does not combine with --json, --markdown or --diff",
                  file=sys.stderr)
            return EXIT_USAGE
        if args.watch_interval <= 0:
            print(f"error: --watch-interval must be a positive number of seconds, got {args.watch_interval}",
                  file=sys.stderr)
            return EXIT_USAGE
        return watch(args)
    from .diff import BaseFileError, compare, load_base
    try:
        project = read_project(args.cwd)["name"]
        overrides = {}
        for path in args.set_file:
            overrides.update(read_overrides_file(path, project))
        overrides.update(parse_overrides(args.set, project))
        base = load_base(args.diff) if args.diff is not None else None
        evaluation = evaluate(args.stack, root=args.cwd, config_overrides=overrides)
    except StackFileNotFound as exc:  # no Pulumi.yaml in --cwd, or no file for --stack: the command is wrong
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except StackFileError as exc:  # a stack or project file that does not parse: the configuration is wrong
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except (BaseFileError, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if evaluation.error is not None:
        print(f"error: stack {args.stack}: {evaluation.error}", file=sys.stderr)
        return EXIT_CONFIG
    report = None
    if not args.no_policies:
        from .policy_check import run_policies
        try:
            pack = load_policy_pack(args.policy_pack)
            report = run_policies(evaluation, args.stack, config_path=args.policy_pack_config, pack=pack)
        except (ValueError, PolicyPackError) as exc:  # an invalid pack or policy config file
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_USAGE
    # Only --json and --diff read the JSON form (building it is a tenth of a text preview's evaluation time).
    data = as_json(evaluation) if args.json or base is not None else {}
    diff = compare(base, data, base_name=str(args.diff)) if base is not None else None
    try:
        _print_result(args, evaluation, report, data, diff)
    except BrokenPipeError:
        _quiet_broken_pipe()
    return EXIT_POLICY if report is not None and report.mandatory else EXIT_OK


def _print_result(args: argparse.Namespace, evaluation: Evaluation, report: Any, data: dict, diff: Any) -> None:
    if args.json:
        if report is not None:
            data["policies"] = report.as_dict()
        if diff is not None:
            data["diff"] = diff.as_dict()
        print(json.dumps(data, indent=2))
    elif args.markdown:
        from .report import render_markdown
        text = render_markdown(evaluation, report, images=args.embed)
        if diff is not None:
            from .diff import render_markdown as render_diff_markdown
            head, sep, rest = text.partition("\n#### ")  # the diff right after the summary line
            text = head + render_diff_markdown(diff) + "\n" + sep.lstrip("\n") + rest
        print(text)
    elif diff is not None:
        from .diff import render_text as render_diff_text
        parts = [render_diff_text(diff)]
        if report is not None:
            from .policy_check import render as render_policies
            parts.append("\n".join(w for line in render_policies(report).splitlines() for w in wrap_line(line)))
        parts.append(_fit(summary_line(evaluation, report), LINE_WIDTH))
        print("\n\n".join(parts))
    elif use_rich(args.color):
        render_rich(evaluation, report, force=args.color == "always")
    else:
        print(render_text(evaluation, report))
    sys.stdout.flush()  # a closed pipe shows up here, inside the handler, not at interpreter exit


WATCH_INTERVAL_SECONDS = 0.25


class _WatchedPreviewFailed(Exception):
    """One evaluation in watch mode failed; the message is printed and watching goes on."""


def _watched_preview(args: argparse.Namespace) -> tuple[Evaluation, Any, dict]:
    """One evaluation (and policy run) for --watch, as ``main`` does it, errors raised as one message."""
    try:
        project = read_project(args.cwd)["name"]
        overrides = {}
        for path in args.set_file:
            overrides.update(read_overrides_file(path, project))
        overrides.update(parse_overrides(args.set, project))
        evaluation = evaluate(args.stack, root=args.cwd, config_overrides=overrides)
    except (StackFileError, ValueError, FileNotFoundError) as exc:
        raise _WatchedPreviewFailed(f"error: {exc}") from exc
    except Exception as exc:  # an edit in progress (a syntax error, a typo): say where, keep watching
        import traceback
        raise _WatchedPreviewFailed("error: the program failed:\n" + traceback.format_exc().rstrip()) from exc
    if evaluation.error is not None:
        raise _WatchedPreviewFailed(f"error: stack {args.stack}: {evaluation.error}")
    report = None
    if not args.no_policies:
        from .policy_check import run_policies
        try:
            report = run_policies(evaluation, args.stack, config_path=args.policy_pack_config,
                                  pack=load_policy_pack(args.policy_pack))
        except (ValueError, PolicyPackError) as exc:
            raise _WatchedPreviewFailed(f"error: {exc}") from exc
    return evaluation, report, as_json(evaluation)


def project_modules(root: Path) -> dict[str, Path]:
    """The imported modules that are the project's own source (its program's packages such as stack/ and
    components/, and the policy pack when it lives in the project): files under ``root``, outside this tool's
    own package and outside any virtualenv or site-packages."""
    # Plain string prefixes first: resolving the paths of all ~3,000 imported modules took 0.1 s a round.
    prefixes = (os.path.join(str(root), ""), os.path.join(os.path.realpath(root), ""))
    tool = os.path.join(os.path.dirname(os.path.realpath(__file__)), "")
    modules = {}
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if not file or not file.startswith(prefixes):
            continue
        real = os.path.realpath(file)
        if not real.startswith(tool) and not {"site-packages", ".venv", "venv"} & set(Path(real).parts):
            modules[name] = Path(real)
    return modules


def watched_files(args: argparse.Namespace) -> set[Path]:
    """What --watch polls: the stack and project files, the --set-file files, the program's own modules
    (imported ones, so a module the program stops using stops being watched), the policy pack's files."""
    root = Path(args.cwd).resolve()
    files = {root / "Pulumi.yaml", root / f"Pulumi.{args.stack}.yaml", *(Path(p).resolve() for p in args.set_file)}
    files.update(project_modules(root).values())
    files.update(root.glob("*.py"))  # the program file itself runs as __main__ and is not in sys.modules
    if not args.no_policies:
        pack = Path(args.policy_pack).resolve()
        files.update(pack.rglob("*.py"))
        files.update(pack.glob("config/*.json"))
        if args.policy_pack_config is not None:
            files.add(Path(args.policy_pack_config).resolve())
    return {f for f in files if "venv" not in f.parts}


def _mtimes(files: set[Path]) -> dict[Path, Optional[int]]:
    stamps: dict[Path, Optional[int]] = {}
    for file in files:
        try:
            stamps[file] = file.stat().st_mtime_ns
        except OSError:  # deleted (or not created yet): a change when it appears again
            stamps[file] = None
    return stamps


def forget_project_modules(root: Path) -> list[str]:
    """Drop the project's own modules (and a policy pack loaded from it) so the next evaluation imports them
    afresh from the edited files; the SDK and provider modules stay imported, which is what makes a watched
    re-preview fast."""
    from . import policy_pack
    names = sorted(project_modules(root))
    for name in names:
        del sys.modules[name]
    for name in [n for n in sys.modules if n.startswith("_policy_pack_")]:
        del sys.modules[name]
    policy_pack._CACHE.clear()
    return names


def watch(args: argparse.Namespace, *, max_previews: Optional[int] = None,
          after_preview: Optional[Callable[[int], None]] = None) -> int:
    """--watch: preview, then poll the watched files every ``args.watch_interval`` seconds and, after a change,
    re-evaluate and print the diff against the previous preview (or the error; the last good preview stays
    the base). ``max_previews`` stops after that many previews and ``after_preview(n)`` runs after the n-th
    (tests and the benchmark use both); otherwise it runs until Ctrl-C."""
    from .diff import compare
    from .diff import render_text as render_diff_text
    root = Path(args.cwd).resolve()
    previous: Optional[dict] = None
    previews = 0
    changed: list[Path] = []
    # Every file watched so far stays watched: a module whose edit broke the import is no longer in
    # sys.modules, and its fix must still be seen.
    watched: set[Path] = set()
    while True:
        started = time.perf_counter()
        watched |= watched_files(args)
        stamps = _mtimes(watched)  # before evaluating, so an edit made meanwhile is seen next round
        try:
            evaluation, report, data = _watched_preview(args)
        except _WatchedPreviewFailed as failure:
            print(str(failure), file=sys.stderr, flush=True)
            evaluation = None
        elapsed = time.perf_counter() - started
        # The modules the program imported are known only now: watch them from their current version on.
        new_files = watched_files(args) - watched
        watched |= new_files
        stamps.update(_mtimes(new_files))
        if evaluation is not None:
            if previous is None:
                print(render_text(evaluation, report))
            else:
                names = ", ".join(sorted(str(p.relative_to(root)) if p.is_relative_to(root) else str(p)
                                         for p in changed))
                print(f"\n--- {time.strftime('%H:%M:%S')} {names} changed; evaluated again in {elapsed:.2f} s")
                parts = [render_diff_text(compare(previous, data, base_name="the previous preview"))]
                if report is not None:
                    from .policy_check import render as render_policies
                    parts.append("\n".join(w for line in render_policies(report).splitlines()
                                           for w in wrap_line(line)))
                parts.append(_fit(summary_line(evaluation, report), LINE_WIDTH))
                print("\n\n".join(parts))
            previous = data
        print(f"watching {len(stamps)} files for changes (Ctrl-C stops)", file=sys.stderr, flush=True)
        sys.stdout.flush()
        previews += 1
        if after_preview is not None:
            after_preview(previews)
        if max_previews is not None and previews >= max_previews:
            return EXIT_OK
        gc.collect()  # the last evaluation's cycles, while nobody waits (cli() runs without the collector)
        while True:
            time.sleep(args.watch_interval)
            now = _mtimes(set(stamps))
            changed = [file for file, stamp in now.items() if stamp != stamps[file]]
            if changed:
                break
        forget_project_modules(root)


def cli() -> None:
    """Entry point of the installed ``scaling-preview`` command.

    Ends with ``os._exit`` once the output is flushed: tearing down the interpreter (a few hundred thousand
    objects of the SDK and the evaluation) took a sixth of a cold prod preview and serves nobody.

    Runs without the cycle collector: a prod preview's cyclic garbage is about 6 MB (133 MB peak instead of
    127) and its dozen collections cost 0.3 s of CPU. ``--watch`` collects after each preview instead."""
    gc.disable()
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    save_compiled_chunks()  # os._exit skips atexit
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    os._exit(code)


if __name__ == "__main__":
    cli()
