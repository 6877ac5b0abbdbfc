"""The offline engine's seam to private Pulumi SDK internals fails loudly on an SDK it does not support."""

from __future__ import annotations

import importlib.metadata

import pytest

from offline import sdk


def test_the_installed_sdk_is_supported():
    sdk.check_sdk()  # the pins of constraints.txt


def test_another_major_version_is_refused(monkeypatch):
    monkeypatch.setattr(importlib.metadata, "version", lambda name: "4.0.0")
    with pytest.raises(sdk.UnsupportedSdkError, match=r"does not support pulumi 4\.0\.0: missing major version 4 "
                                                      r"\(supported: 3\.x\)"):
        sdk.check_sdk()


def test_a_missing_internal_is_named(monkeypatch):
    import pulumi.runtime.stack
    monkeypatch.delattr(pulumi.runtime.stack, "run_pulumi_func")
    with pytest.raises(sdk.UnsupportedSdkError, match=r"missing pulumi\.runtime\.stack\.run_pulumi_func\. "
                                                      r"Install the versions in constraints\.txt"):
        sdk.check_sdk()


def test_only_the_seam_imports_sdk_internals_and_it_checks_each_one():
    """Every ``from pulumi.runtime.<module> import <name>`` of the offline package is in sdk.py, and each such
    import is one of the internals ``check_sdk`` verifies (``Mocks``/``MockResourceArgs`` are public API)."""
    import ast
    from pathlib import Path
    public = {("pulumi.runtime.mocks", "Mocks")}
    for path in Path(sdk.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pulumi.runtime."):
                for alias in node.names:
                    pair = (node.module, alias.name)
                    if pair in public:
                        continue
                    assert path.name == "sdk.py", f"{path.name} imports {pair}: only offline/sdk.py may"
                    assert pair in sdk.REQUIRED_INTERNALS, f"sdk.py imports {pair} without checking it"
