"""offline/lazy_types.py: generated provider type classes defined on first use, and never anything else.

The guard that matters is the last test: a prod preview with lazy classes says exactly what one with the
classes defined as the SDK ships them says.
"""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from offline import lazy_types
from offline.lazy_types import CompiledChunks, LazyTypesLoader, SiblingTypesLoader, split_generated_module
from tests.conftest import stack_evaluation

ROOT = Path(__file__).resolve().parents[2]
OPERATOR_VALUES = ROOT / "tests" / "fixtures" / "prod-operator-values.yaml"

HEADER = textwrap.dedent('''\
    # coding=utf-8
    import builtins as _builtins
    import pulumi

    __all__ = [
        'FirstArgs',
        'SecondArgs',
    ]

''')
BODY = textwrap.dedent('''\
    @pulumi.input_type
    class FirstArgs:
        def __init__(__self__, *, size: pulumi.Input[_builtins.int]):
            pulumi.set(__self__, "size", size)

        @_builtins.property
        @pulumi.getter
        def size(self) -> pulumi.Input[_builtins.int]:
            return pulumi.get(self, "size")


    class SecondArgs:
        """A docstring line at column 0 follows.
    ## Example (markdown heading at column 0 inside a docstring)
        """
        def first(self):
            return FirstArgs(size=1)
''')


def write_package(tmp_path: Path, body: str = BODY, header: str = HEADER) -> Path:
    package = tmp_path / "fakeprovider"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "_inputs.py").write_text(header + body)
    (package / "thing.py").write_text("from ._inputs import *\n\ndef make():\n    return SecondArgs().first()\n")
    return package


def load(package: Path, monkeypatch) -> tuple:
    """Import fakeprovider._inputs with LazyTypesLoader and fakeprovider.thing with SiblingTypesLoader."""
    monkeypatch.syspath_prepend(str(package.parent))
    for name in [n for n in sys.modules if n.startswith("fakeprovider")]:
        monkeypatch.delitem(sys.modules, name)
    modules = []
    for name, make_loader in (("_inputs", lambda spec: LazyTypesLoader(CompiledChunks.of(spec.origin))),
                              ("thing", lambda spec: SiblingTypesLoader(spec.loader))):
        spec = importlib.util.spec_from_file_location(f"fakeprovider.{name}", package / f"{name}.py")
        spec.loader = make_loader(spec)
        module = importlib.util.module_from_spec(spec)
        monkeypatch.setitem(sys.modules, spec.name, module)
        spec.loader.exec_module(module)
        modules.append(module)
    return tuple(modules)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("SCALING_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(lazy_types, "_LOADED", [])
    monkeypatch.setattr(sys, "dont_write_bytecode", False)


def test_split_gives_the_header_and_each_class_with_its_decorators_and_first_line():
    source = HEADER + BODY
    header, chunks = split_generated_module(source)
    assert header == HEADER
    assert list(chunks) == ["FirstArgs", "SecondArgs"]
    first_start, first_end, first_line = chunks["FirstArgs"]
    assert source[first_start:].startswith("@pulumi.input_type\nclass FirstArgs:")
    assert source[first_end:].startswith("class SecondArgs:")
    assert first_line == HEADER.count("\n") + 1
    second_start, second_end, second_line = chunks["SecondArgs"]
    assert second_end == len(source)
    assert source.splitlines()[second_line - 1] == "class SecondArgs:"


@pytest.mark.parametrize("stray", ["SOME_ALIAS = 1\n", "if True:\n    pass\n", "def helper():\n    pass\n",
                                   "classify = 2\n"])
def test_a_top_level_statement_besides_classes_keeps_the_module_whole(stray):
    # The statement would run only when the class before it is first used, or never: not split.
    assert split_generated_module(HEADER + BODY + "\n" + stray) is None


def test_classes_that_differ_from_all_keep_the_module_whole():
    assert split_generated_module(HEADER.replace("'SecondArgs',", "'ThirdArgs',") + BODY) is None
    assert split_generated_module(HEADER.replace("'SecondArgs',\n", "") + BODY) is None
    assert split_generated_module(BODY) is None  # no __all__ at all


def test_a_class_is_defined_when_first_asked_for_and_not_before(tmp_path, monkeypatch):
    inputs, thing = load(write_package(tmp_path), monkeypatch)
    assert inputs.__lazy_type_names__ == {"FirstArgs", "SecondArgs"}
    assert "FirstArgs" not in vars(inputs) and "SecondArgs" not in vars(inputs)
    # The sibling's star import copied no class, yet its code finds both by name, defining them then.
    made = thing.make()
    assert type(made) is inputs.FirstArgs and made.size == 1
    assert {"FirstArgs", "SecondArgs"} <= set(vars(inputs))
    assert type(made).__module__ == "fakeprovider._inputs"


def test_an_unknown_name_is_still_an_error(tmp_path, monkeypatch):
    inputs, thing = load(write_package(tmp_path), monkeypatch)
    with pytest.raises(AttributeError, match="module 'fakeprovider._inputs' has no attribute 'Missing'"):
        inputs.Missing  # noqa: B018
    with pytest.raises(NameError, match="Missing"):
        exec("Missing", vars(thing))


def test_a_lazily_defined_class_has_the_annotations_an_import_gives_it():
    """Evaluated when the class is defined, as on import, not strings (``compile`` would otherwise inherit
    lazy_types' own ``from __future__ import annotations``)."""
    import pulumi
    import pulumi_aws.wafv2._inputs as inputs
    assert "__lazy_type_names__" in vars(inputs)
    getter = inputs.WebAclRuleArgs.name.fget
    assert getter.__annotations__["return"] == pulumi.Input[str]
    assert inputs.WebAclRuleArgs.__init__.__annotations__["name"] == pulumi.Input[str]


def test_a_lazily_defined_class_points_at_its_real_lines(tmp_path, monkeypatch):
    package = write_package(tmp_path)
    inputs, _ = load(package, monkeypatch)
    lines = (package / "_inputs.py").read_text().splitlines()
    first_line = inspect.getsourcelines(inputs.SecondArgs)[1]
    assert lines[first_line - 1] == "class SecondArgs:"
    method_line = inputs.SecondArgs.first.__code__.co_firstlineno
    assert lines[method_line - 1].strip() == "def first(self):"


def test_the_compiled_classes_are_kept_and_a_changed_file_is_split_again(tmp_path, monkeypatch):
    package = write_package(tmp_path)
    inputs, _ = load(package, monkeypatch)
    inputs.FirstArgs  # noqa: B018
    lazy_types.save_compiled_chunks()
    path = str(package / "_inputs.py")
    cached = CompiledChunks.of(path)
    assert cached.source is None and set(cached.codes) == {"FirstArgs"}  # from the cache, source unread
    assert not cached.changed
    (package / "_inputs.py").write_text(HEADER + BODY + "\n\nclass ThirdArgs:\n    pass\n")
    assert CompiledChunks.of(path) is None  # ThirdArgs is not in __all__: the new file loads whole
    (package / "_inputs.py").write_text(HEADER.replace("'SecondArgs',", "'SecondArgs',\n    'ThirdArgs',")
                                        + BODY + "\n\nclass ThirdArgs:\n    pass\n")
    fresh = CompiledChunks.of(path)
    assert fresh.codes == {} and set(fresh.chunks) == {"FirstArgs", "SecondArgs", "ThirdArgs"}


def test_nothing_is_cached_under_pythondontwritebytecode(tmp_path, monkeypatch):
    package = write_package(tmp_path)
    inputs, _ = load(package, monkeypatch)
    inputs.FirstArgs  # noqa: B018
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    lazy_types.save_compiled_chunks()
    assert not (tmp_path / "cache").exists()
    assert CompiledChunks.of(str(package / "_inputs.py")).codes == {}


def test_every_generated_type_module_the_prod_preview_uses_is_split_to_its_all():
    assert stack_evaluation("prod").error is None  # the shared evaluation: its modules are what a preview loads
    type_modules = [module for name, module in list(sys.modules.items())
                    if name.startswith(("pulumi_aws.", "pulumi_kubernetes.", "pulumi_random."))
                    and name.rpartition(".")[2] in lazy_types.TYPE_MODULE_NAMES]
    assert len(type_modules) > 30
    for module in type_modules:
        # Lazily loaded, with the very names the generator listed.
        source = Path(module.__file__).read_text(encoding="utf-8")
        listed = set(eval(source[source.index("__all__ = ["):].split("\n]", 1)[0].split("=", 1)[1] + "]"))
        assert module.__dict__.get("__lazy_type_names__") == listed, module.__name__


def test_a_prod_preview_with_lazy_classes_says_what_one_with_all_classes_says(tmp_path, capsys):
    from offline import preview
    assert preview.main(["--stack", "prod", "--set-file", str(OPERATOR_VALUES), "--json"]) == 0
    lazy = in_stable_order(json.loads(capsys.readouterr().out))
    # This process defined its provider classes lazily (tests/conftest.py imports the offline engine).
    assert "__lazy_type_names__" in vars(sys.modules["pulumi_aws.wafv2._inputs"])
    eager_run = subprocess.run(
        [sys.executable, "-m", "offline.preview", "--stack", "prod", "--set-file", str(OPERATOR_VALUES), "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "SCALING_CACHE_DIR": str(tmp_path / "cache"), "SCALING_PREVIEW_EAGER_TYPES": "1"})
    assert eager_run.returncode == 0, eager_run.stderr
    eager = in_stable_order(json.loads(eager_run.stdout))
    assert len(lazy["resources"]) > 400
    assert lazy == eager


def in_stable_order(preview: dict) -> dict:
    """The preview with the orders two runs of the same program may differ in (any two runs, lazy or not:
    registrations finish in the event loop's order and dependsOn comes from a set) made canonical."""
    resources = {}
    for resource in preview["resources"]:
        options = resource.get("options") or {}
        if isinstance(options.get("dependsOn"), list):
            options["dependsOn"] = sorted(options["dependsOn"])
        resources[resource["urn"]] = resource
    policies = {key: sorted(json.dumps(item, sort_keys=True) for item in value) if isinstance(value, list) else value
                for key, value in preview["policies"].items()}
    return {**preview, "resources": resources, "policies": policies}


@pytest.mark.parametrize(("setting", "lazy"), [("1", False), ("0", True), ("", True)])
def test_scaling_preview_eager_types_turns_the_lazy_classes_off(setting, lazy, tmp_path):
    probe = ("import sys, offline.engine, pulumi_aws.wafv2 as wafv2; wafv2.WebAclRuleArgs; "
             "print('__lazy_type_names__' in vars(sys.modules['pulumi_aws.wafv2._inputs']))")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "SCALING_CACHE_DIR": str(tmp_path), "SCALING_PREVIEW_EAGER_TYPES": setting})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(lazy)
