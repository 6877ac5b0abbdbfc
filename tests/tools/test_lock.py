"""constraints.txt pins exactly what the requirements files pull in, and the tests run on those versions.

Refresh with ``make lock`` (``./scaling lock``) after editing a requirements file; see the README's
"Reproducible installs".
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
CONSTRAINTS = ROOT / "constraints.txt"
POLICY_PACK_LOCK = ROOT / "policies" / "requirements.txt"


def requirement_lines(path: Path) -> list[str]:
    """Requirement strings of a pip requirements file, following ``-r`` includes, comments dropped."""
    found = []
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if line.startswith(("-r ", "--requirement ")):
            found += requirement_lines(path.parent / line.split(None, 1)[1])
        elif line.startswith(("-c ", "--constraint ")):
            continue
        else:
            found.append(line)
    return found


def pins(path: Path) -> dict[str, str]:
    """Name -> version of the lines of a compiled file whose marker applies to this interpreter."""
    result = {}
    for line in requirement_lines(path):
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{path.name}: {line} is not an exact pin"
        result[canonicalize_name(requirement.name)] = specifiers[0].version
    return result


def test_every_requirement_is_pinned_within_its_range():
    locked = pins(CONSTRAINTS)
    for source in ("requirements.txt", "requirements-dev.txt"):
        for line in requirement_lines(ROOT / source):
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate():
                continue
            name = canonicalize_name(requirement.name)
            assert name in locked, f"{source}: {requirement.name} has no pin in constraints.txt; run `make lock`"
            assert requirement.specifier.contains(locked[name], prereleases=True), \
                f"constraints.txt pins {name}=={locked[name]}, outside {source}'s {requirement.specifier}; " \
                "run `make lock`"


def test_constraints_hold_no_extras_so_pip_accepts_them():
    """pip refuses a constraints file with extras (``moto[all]==...``) or unpinned lines."""
    for line in requirement_lines(CONSTRAINTS):
        assert "[" not in line.split(";", 1)[0], line


def test_policy_pack_pins_are_the_constraints_pins():
    locked, pack = pins(CONSTRAINTS), pins(POLICY_PACK_LOCK)
    assert {"pulumi", "pulumi-policy"} <= set(pack)
    assert {name: version for name, version in pack.items() if locked.get(name) != version} == {}, \
        "policies/requirements.txt differs from constraints.txt; run `make lock`"


def test_policy_pack_lock_covers_its_input():
    pack = pins(POLICY_PACK_LOCK)
    for line in requirement_lines(ROOT / "policies" / "requirements.in"):
        requirement = Requirement(line)
        assert requirement.specifier.contains(pack[canonicalize_name(requirement.name)])


def test_pins_parse_markers_for_other_pythons():
    """The file is universal: lines for another Python carry a marker instead of being left out."""
    marked = [line for line in requirement_lines(CONSTRAINTS) if ";" in line]
    assert marked and all(Requirement(line).marker is not None for line in marked)
    assert any("python_full_version < '3.11'" in line for line in marked)


@pytest.mark.skipif(not (Path(sys.prefix) / ".installed-requirements-dev").exists() and
                    Path(sys.prefix) != ROOT / ".venv",
                    reason="not the project's .venv: an environment installed some other way")
def test_the_running_environment_is_the_locked_one():
    """What the tests run on is what constraints.txt says (./scaling installs with -c constraints.txt)."""
    different = {}
    for name, version in pins(CONSTRAINTS).items():
        try:
            installed = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # pinned for another platform, or a dependency of a tool not installed here
        if installed != version:
            different[name] = f"{installed} installed, {version} pinned"
    assert different == {}, "run ./scaling test (it re-installs when constraints.txt changes) or make lock"


def test_lock_command_compiles_both_files_from_the_requirements():
    script = (ROOT / "scaling").read_text()
    lock = script.split("    lock)", 1)[1].split(";;", 1)[0]
    assert "requirements-dev.txt -o constraints.txt" in lock
    assert "policies/requirements.in -c constraints.txt -o policies/requirements.txt" in lock
    assert re.search(r"^lock:.*\n\t@\./scaling lock", (ROOT / "Makefile").read_text(), re.M)
