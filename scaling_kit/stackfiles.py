"""Read a Pulumi project the way the CLI does: ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml``.

One reader for every tool: the offline preview evaluates a program with this configuration and the live
audit derives what it expects from it. Errors are ``StackFileError`` with a message that names the file,
never a YAML traceback.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Optional

import yaml

SECRET_PLACEHOLDER = "[secret]"


class StackFileError(ValueError):
    """A project or stack file is missing or unreadable."""


class StackFileNotFound(StackFileError, FileNotFoundError):
    """The project has no file for the stack (or no ``Pulumi.yaml`` at all)."""


# Parsed files by (path, modification time, size): one preview reads Pulumi.yaml several times (the project
# name, the config defaults, the program path); an edited file (watch mode) has a new key and is read again.
_PARSED: dict[tuple[str, int, int], Any] = {}


def _load_yaml(path: Path) -> Any:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _PARSED:
        _PARSED[key] = _parse_yaml(path)
    return copy.deepcopy(_PARSED[key])  # callers get their own copy to change


# libyaml's loader parses Pulumi.yaml (18 KB) in a seventh of the pure-Python one's time; it builds the same
# data for any file both accept. The pure-Python loader reports errors: its line, column and wording are
# what the error messages (and their tests) use.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(path: Path) -> Any:
    text = path.read_text()
    try:
        return yaml.load(text, Loader=_FAST_LOADER)
    except yaml.YAMLError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise StackFileError(f"{path.name}: not valid YAML{where}: {problem}") from None


def read_project(root: Path) -> dict:
    """The parsed ``Pulumi.yaml`` of the project in ``root``."""
    path = Path(root) / "Pulumi.yaml"
    if not path.exists():
        raise StackFileNotFound(f"no Pulumi.yaml in {root}: expected the folder of a Pulumi project")
    project = _load_yaml(path)
    if not isinstance(project, dict) or not project.get("name"):
        raise StackFileError(f"{path}: expected a mapping with at least 'name' and 'runtime'")
    return project


def stack_names(root: Path) -> list[str]:
    """The stacks that have a stack file in ``root``."""
    return sorted(p.name[len("Pulumi."):-len(".yaml")] for p in Path(root).glob("Pulumi.*.yaml"))


def stringify(value: Any) -> str:
    """Config values reach a Python program as strings: JSON for lists and maps, 'true'/'false'."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def read_stack_config(stack: str, root: Path) -> tuple[dict[str, str], list[str]]:
    """The configuration the CLI would pass for ``stack``: project defaults, then the stack file.

    Returns the values as strings (as a program receives them) and the keys that are secure (encrypted)
    values. Those cannot be decrypted offline: they are passed as a placeholder and marked secret,
    which is all a program may rely on anyway."""
    root = Path(root)
    project = read_project(root)
    name = project["name"]
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        known = stack_names(root)
        raise StackFileNotFound(f"no stack file {path.name} in {root}; stacks with a file: "
                             f"{', '.join(known) if known else 'none'}")
    raw: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(decl, dict) and "default" in decl:
            raw[full] = decl["default"]
        elif not isinstance(decl, dict):
            raw[full] = decl
    secret_keys = []
    document = _load_yaml(path) or {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise StackFileError(f"{path.name}: expected a mapping with a 'config:' mapping")
    for key, value in (document.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            value = SECRET_PLACEHOLDER
            secret_keys.append(full)
        raw[full] = value
    return {k: stringify(v) for k, v in raw.items()}, secret_keys


def parse_overrides(pairs: list[str], project: str) -> dict[str, str]:
    """``--set KEY=VALUE`` arguments of the command-line tools as raw configuration; a key without a
    namespace is taken to be the project's (``asgMaxSize`` -> ``scaling:asgMaxSize``)."""
    overrides = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--set {pair!r}: expected KEY=VALUE, e.g. {project}:asgMaxSize=20")
        if not value.strip():
            # An empty value is almost always a shell variable that was not set (--set aws:region=$REGION).
            raise ValueError(f"--set {pair!r}: empty value for {key}; give a value, e.g. {project}:asgMaxSize=20, "
                             "or leave the option out to keep the stack file's value")
        overrides[key if ":" in key else f"{project}:{key}"] = value
    return overrides


def read_overrides_file(path: Path, project: str) -> dict[str, str]:
    """``--set-file FILE``: a YAML (or JSON) mapping of key to value, meaning one ``--set KEY=VALUE`` per entry
    (lists and maps as JSON, booleans as true/false, as the engine passes them). A key without a namespace is
    the project's."""
    path = Path(path)
    if not path.is_file():
        raise StackFileNotFound(f"--set-file {path}: no such file")
    document = _load_yaml(path)
    if not isinstance(document, dict) or not all(isinstance(k, str) and k for k in document):
        raise StackFileError(f"--set-file {path}: expected a mapping of config keys to values, e.g. "
                             f"{project}:lbDomainName: api.example.com")
    return {(key if ":" in key else f"{project}:{key}"): stringify(value) for key, value in document.items()}


def program_path(root: Path, project: Optional[dict] = None) -> Path:
    """The program file the Python language host would run: ``main`` of Pulumi.yaml, else ``__main__.py``."""
    project = project if project is not None else read_project(root)
    main = Path(root) / str(project.get("main") or ".")
    return main / "__main__.py" if main.is_dir() else main
