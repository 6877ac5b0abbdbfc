"""The offline engine's seam to private Pulumi SDK internals fails loudly on an SDK it does not support."""

from __future__ import annotations

import importlib.metadata
import sys
from typing import ForwardRef, Literal, Optional

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


# --- Type annotations evaluated once: the SDK's own results ------------------------------------------------

def test_each_class_a_prod_preview_uses_gets_the_sdks_own_hints_and_unwrapped_types():
    """``evaluate_types_once`` changes how often the SDK evaluates annotations, never what they evaluate to:
    for every class the shared prod evaluation asked about, the memo's answer is the SDK's, computed afresh."""
    from tests.conftest import stack_evaluation
    assert stack_evaluation("prod").error is None
    classes = list(sdk._class_hints)
    assert len(classes) > 300  # resources and argument classes of pulumi-aws, pulumi-kubernetes and pulumi-random
    types_seen = []
    for cls in classes:
        sdk_hints = sdk._SDK_RAW_RETURN_HINTS.__wrapped__(cls)
        assert sdk._raw_return_hints(cls) == sdk_hints, cls
        types_seen.extend(sdk_hints.values())
    for hint in types_seen:
        assert sdk._unwrap_type(hint) == sdk._SDK_UNWRAP_TYPE(hint), hint
    assert len(sdk._unwrapped) > 100


def test_the_same_quoted_name_in_two_modules_is_evaluated_in_each(tmp_path, monkeypatch):
    """An annotation that names a class of its module (``Optional['Thing']``, one object shared through
    typing's cache) means a different class in each module: the memo keys it by module."""
    monkeypatch.syspath_prepend(str(tmp_path))
    source = ("import pulumi\nfrom typing import Optional\n\n"
              "class Thing:\n    pass\n\n"
              "@pulumi.output_type\nclass Holder(dict):\n"
              "    @property\n    @pulumi.getter\n    def thing(self) -> Optional['Thing']:\n"
              "        return pulumi.get(self, 'thing')\n")
    for name in ("memo_probe_one", "memo_probe_two"):
        (tmp_path / f"{name}.py").write_text(source)
        monkeypatch.delitem(sys.modules, name, raising=False)  # forgotten again after the test
    import memo_probe_one as module_one
    import memo_probe_two as module_two
    assert (module_one.Holder.thing.fget.__annotations__["return"]
            is module_two.Holder.thing.fget.__annotations__["return"])
    assert sdk._raw_return_hints(module_one.Holder) == {"thing": Optional[module_one.Thing]}
    assert sdk._raw_return_hints(module_two.Holder) == {"thing": Optional[module_two.Thing]}


def test_an_input_annotation_needs_no_module_and_a_quoted_name_does():
    import pulumi
    assert sdk._needs_no_module(pulumi.Input[Optional[str]])  # its "Output[T]" names only the SDK's locals
    assert sdk._needs_no_module(pulumi.Output[list[int]])
    assert not sdk._needs_no_module(Optional[ForwardRef("Thing")])
    assert not sdk._needs_no_module(Literal["a", "b"])  # strings, though not names: keyed by module, harmlessly
    assert not sdk._needs_no_module("pulumi.Output[str]")


def test_types_are_evaluated_as_the_sdk_ships_them_when_switched_off():
    import pulumi._types
    try:
        sdk.evaluate_types_once(False)
        assert pulumi._types._raw_return_hints is sdk._SDK_RAW_RETURN_HINTS
        assert pulumi._types.unwrap_type is sdk._SDK_UNWRAP_TYPE
    finally:
        sdk.evaluate_types_once()
    assert pulumi._types._raw_return_hints is sdk._raw_return_hints
    assert pulumi._types.unwrap_type is sdk._unwrap_type


def test_a_generated_package_loads_lazily_and_any_other_as_written():
    """``pulumi_aws.ec2``'s ``__init__`` is the generated list of star imports: using ``Vpc`` imports the one
    module that defines it. ``pulumi_aws.config``'s swaps its module class: it runs as written."""
    import subprocess
    from pathlib import Path
    probe = ("import sys, offline.engine, pulumi_aws; pulumi_aws.ec2.Vpc; pulumi_aws.config.region; "
             "print(sorted(m for m in sys.modules if m.startswith('pulumi_aws.ec2.'))); "
             "print(type(sys.modules['pulumi_aws.config']).__name__)")
    run = subprocess.run([sys.executable, "-c", probe], cwd=Path(__file__).resolve().parents[2],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    ec2_modules, config_class = run.stdout.splitlines()
    assert ec2_modules == "['pulumi_aws.ec2.vpc']"
    assert config_class == "_ExportableConfig"


# --- The echoing monitor: the SDK's own response -----------------------------------------------------------

@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_echoed_properties_are_what_the_sdk_would_have_serialized(stack, monkeypatch):
    """Every registration of the stack's program is answered with the request's own properties only where
    serializing the mocked state gives exactly that message (checked for each one)."""
    from offline.engine import evaluate
    from tests.conftest import ROOT, operator_values
    monkeypatch.setattr(sdk.InputEchoingMonitor, "verify_echo", True)
    serialized_by_the_sdk = []
    original = sdk.MockMonitor.RegisterResource
    monkeypatch.setattr(sdk.MockMonitor, "RegisterResource",
                        lambda self, request: serialized_by_the_sdk.append(request.type) or original(self, request))
    evaluation = evaluate(stack, root=ROOT, config_overrides=operator_values(stack))  # afresh, not shared
    assert evaluation.error is None, evaluation.error
    # Only the stack went the SDK's way: the offline mocks echo every resource's inputs in a preview.
    assert serialized_by_the_sdk == ["pulumi:pulumi:Stack"]
    assert len(evaluation.resources) > 250


def test_a_state_other_than_the_inputs_is_serialized_as_the_sdk_does():
    """Outside a preview the offline mocks add computed properties (an ARN): that state is serialized, so the
    program sees it."""
    import pulumi_aws as aws

    from offline.engine import resolve
    from tests.conftest import run_program
    seen = {}

    def program() -> None:
        seen["arn"] = aws.sns.Topic("alerts").arn

    evaluation = run_program(program, preview=False)
    assert evaluation.error is None
    value, known, _ = resolve(seen["arn"])
    assert known and value.startswith("arn:aws:sns:") and value.endswith(":alerts")
