"""--watch of the offline preview: re-evaluates after a change of the program's own modules or stack files and
prints what changed, keeps watching through a broken edit, and re-imports the project's modules only."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from offline import preview

PROGRAM = "import things\n\nthings.declare()\n"
THINGS = '''import pulumi


def declare():
    pulumi.CustomResource("test:index:Thing", "first", {"size": SIZE})
'''


def _write(path: Path, text: str) -> None:
    """Write and move the modification time a second on, so a poll sees the change even on coarse clocks."""
    previous = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(text)
    stamp = max(path.stat().st_mtime_ns, previous + 1_000_000_000)
    os.utime(path, ns=(stamp, stamp))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "Pulumi.yaml").write_text("name: tiny\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config:\n  tiny:size: 1\n")
    (tmp_path / "__main__.py").write_text(PROGRAM)
    (tmp_path / "things.py").write_text(THINGS.replace("SIZE", "1"))
    yield tmp_path
    sys.modules.pop("things", None)


def _watch(project: Path, edits: dict[int, callable], previews: int) -> None:
    args = preview.build_parser().parse_args(["--stack", "dev", "--cwd", str(project), "--no-policies", "--watch",
                                              "--watch-interval", "0.01"])
    preview.watch(args, max_previews=previews, after_preview=lambda n: edits[n]() if n in edits else None)


def test_an_edit_of_a_program_module_prints_the_diff_against_the_previous_preview(project, capsys):
    things = project / "things.py"
    edited = THINGS.replace("SIZE", "2") + '    pulumi.CustomResource("test:index:Thing", "second", {"size": 3})\n'
    _watch(project, {1: lambda: _write(things, edited)}, previews=2)
    out = capsys.readouterr().out
    first, _, second = out.partition("\n--- ")
    assert "test:index:Thing  first" in first and "second" not in first
    assert second.startswith(tuple("0123456789")) and "things.py changed; evaluated again in" in second
    assert "1 to add, 0 to remove, 1 to change" in second
    assert "second" in second and "size" in second
    assert "tiny-dev: 2 resources to create" in second


def test_a_stack_file_change_is_seen_too(project, capsys):
    stack_file = project / "Pulumi.dev.yaml"
    _write(project / "things.py", THINGS.replace('{"size": SIZE}', '{"size": pulumi.Config().require("size")}'))
    _watch(project, {1: lambda: _write(stack_file, "config:\n  tiny:size: 5\n")}, previews=2)
    second = capsys.readouterr().out.partition("\n--- ")[2]
    assert "Pulumi.dev.yaml changed" in second
    assert "0 to add, 0 to remove, 1 to change" in second and "5" in second


def test_a_broken_edit_prints_the_error_and_its_fix_is_still_watched(project, capsys):
    things = project / "things.py"
    edits = {1: lambda: _write(things, "def declare(:\n"),
             2: lambda: _write(things, THINGS.replace("SIZE", "7"))}
    _watch(project, edits, previews=3)
    captured = capsys.readouterr()
    assert "SyntaxError" in captured.err or "invalid syntax" in captured.err
    after_fix = captured.out.partition("\n--- ")[2]
    assert "things.py changed" in after_fix
    assert "0 to add, 0 to remove, 1 to change" in after_fix  # against the last good preview


def test_only_the_project_modules_are_forgotten_between_previews(project):
    sys.path.insert(0, str(project))
    try:
        import things  # noqa: F401 - the project's own module, as the program imports it
    finally:
        sys.path.remove(str(project))
    forgotten = preview.forget_project_modules(project)
    assert forgotten == ["things"]
    assert "things" not in sys.modules
    assert "pulumi" in sys.modules and "offline.preview" in sys.modules


@pytest.mark.parametrize("extra", [["--json"], ["--markdown"], ["--diff", "base.json"],
                                   ["--watch-interval", "0"]])
def test_watch_refuses_what_it_cannot_do(extra, capsys):
    assert preview.main(["--stack", "dev", "--watch", *extra]) == preview.EXIT_USAGE
    assert "error: --watch" in capsys.readouterr().err
