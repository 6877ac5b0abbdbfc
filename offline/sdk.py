"""Every private Pulumi SDK internal the offline engine uses, in one place, checked at import.

The mock engine of ``pulumi.runtime`` is public, but running a whole program outside ``pulumi.runtime.
run_in_stack`` (so synchronous invokes do not re-queue every pending callback) and resetting the
engine between evaluations needs a few private names. They have been stable across the 3.x SDK, but
nothing promises it: ``check_sdk`` fails loudly, naming what is missing, instead of a confusing error
deep inside an evaluation. The versions CI tested are pinned in ``constraints.txt``.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import os
import re
import sys
import types
from typing import Any, ForwardRef, Optional, get_type_hints

# (module, attribute) pairs the offline engine reaches into.
REQUIRED_INTERNALS = (
    ("pulumi.runtime.sync_await", "_sync_await"),
    ("pulumi.runtime.stack", "run_pulumi_func"),
    ("pulumi.runtime.settings", "SETTINGS"),
    ("pulumi.runtime.settings", "set_root_resource"),
    ("pulumi.runtime.mocks", "MockMonitor"),
    ("pulumi.runtime.mocks", "_resolve_callbacks"),
    ("pulumi.runtime.sync_await", "_ensure_event_loop"),
    ("pulumi.runtime.proto", "resource_pb2"),
    ("pulumi.runtime.rpc", "UNKNOWN"),
    ("pulumi.runtime.rpc", "is_rpc_secret"),
    ("pulumi.runtime.resource", "_get_stack_trace"),
    ("pulumi.runtime.proto", "source_pb2"),
    ("pulumi._types", "_raw_return_hints"),
    ("pulumi._types", "_globals_for_cls"),
    ("pulumi._types", "_py_properties"),
    ("pulumi._types", "unwrap_type"),
)
SUPPORTED_MAJOR = 3


class UnsupportedSdkError(RuntimeError):
    """The installed Pulumi SDK lacks an internal the offline engine needs."""


def check_sdk() -> None:
    """Raise ``UnsupportedSdkError`` naming every missing internal and the installed SDK version."""
    from importlib.metadata import version
    installed = version("pulumi")
    problems = []
    if not installed.startswith(f"{SUPPORTED_MAJOR}."):
        problems.append(f"major version {installed.split('.')[0]} (supported: {SUPPORTED_MAJOR}.x)")
    for module_name, attribute in REQUIRED_INTERNALS:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            problems.append(f"module {module_name}")
            continue
        if not hasattr(module, attribute):
            problems.append(f"{module_name}.{attribute}")
    if problems:
        raise UnsupportedSdkError(
            f"the offline engine does not support pulumi {installed}: missing {', '.join(problems)}. "
            "Install the versions in constraints.txt (pip install -c constraints.txt ...).")


check_sdk()

import pulumi._types as _sdk_types  # noqa: E402
import pulumi.runtime.resource as _sdk_resource  # noqa: E402
import pulumi.runtime.rpc as _sdk_rpc  # noqa: E402
from pulumi.runtime import MockResourceArgs  # noqa: E402
from pulumi.runtime.mocks import MockMonitor, _resolve_callbacks  # noqa: E402
from pulumi.runtime.proto import resource_pb2, source_pb2  # noqa: E402
from pulumi.runtime.resource import _get_stack_trace  # noqa: E402
from pulumi.runtime.rpc import UNKNOWN, is_rpc_secret  # noqa: E402
from pulumi.runtime.settings import SETTINGS, set_root_resource  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await  # noqa: E402

from .lazy_types import TYPE_MODULE_NAMES, SiblingTypesLoader, define_all, lazy_types_spec  # noqa: E402


def sync_await(awaitable: Any) -> Any:
    """Run the engine's event loop until ``awaitable`` is done (outside ``run_in_stack``)."""
    return _sync_await(awaitable)


def wait_for_pending_work() -> None:
    """Wait for every registration and ``apply`` the program started, as ``run_in_stack`` does at exit."""
    _sync_await(run_pulumi_func(lambda: None))


def reset_engine_state() -> None:
    """Forget the previous evaluation's root stack, pending RPCs and outputs."""
    set_root_resource(None)  # type: ignore[arg-type]
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()


# --- The mock monitor ---------------------------------------------------------------------------------------

_STACK_TYPE = "pulumi:pulumi:Stack"


class InputEchoingMonitor(MockMonitor):
    """``MockMonitor`` that answers a registration whose mocked state is exactly its inputs with the request's
    own properties, instead of serializing the state it just deserialized back into the same message.

    That serialization runs an event loop on the monitor's thread for every resource (about 5 % of a prod
    preview, whose mocks echo the inputs of nearly every resource). Anything else (another state, the stack)
    goes the SDK's way. With ``verify_echo`` the serialized message is computed too and must equal the echoed
    one (``tests/tools/test_sdk.py`` evaluates dev and prod that way)."""

    verify_echo = False

    def RegisterResource(self, request: Any) -> Any:
        if request.type == _STACK_TYPE:
            return super().RegisterResource(request)
        # MockMonitor.RegisterResource, up to the serialization of the state.
        urn = self.make_urn(request.parent, request.type, request.name)
        _ensure_event_loop()  # deserializing a resource reference needs one on this thread
        inputs = _sdk_rpc.deserialize_properties(request.object)
        resource_args = MockResourceArgs(
            typ=request.type, name=request.name, inputs=inputs, provider=request.provider,
            resource_id=request.importId, custom=request.custom or False,
            transforms=_resolve_callbacks(request.transforms))
        id_, state = self.mocks.new_resource(resource_args)
        if state == inputs:
            properties = request.object
            if self.verify_echo:
                serialized = _sync_await(_sdk_rpc.serialize_properties(state, {}))
                if serialized != properties:
                    raise AssertionError(f"{urn}: the echoed properties differ from the serialized state:\n"
                                         f"{properties}\n!=\n{serialized}")
        else:
            properties = _sync_await(_sdk_rpc.serialize_properties(state, {}))
        self.resources[urn] = MockMonitor.ResourceRegistration(urn, id_, state)  # type: ignore[arg-type]  # as the SDK
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=properties)


# --- What an offline evaluation does not need -------------------------------------------------------------

_SDK_STACK_TRACE = _get_stack_trace


def _no_stack_trace() -> source_pb2.StackTrace:
    return source_pb2.StackTrace()


def skip_stack_traces(skip: bool = True) -> None:
    """Stop (or, with ``skip=False``, restart) the SDK capturing a stack trace for every resource.

    ``register_resource`` calls ``traceback.extract_stack`` and builds one protobuf frame per Python frame
    so the Pulumi CLI can point at the line that declared a resource. The mock monitor throws both away,
    and with components several calls deep it cost about 2 ms a resource (0.9 s of a prod preview)."""
    _sdk_resource._get_stack_trace = _no_stack_trace if skip else _SDK_STACK_TRACE


# --- Type annotations, each evaluated once -------------------------------------------------------------------

_SDK_RAW_RETURN_HINTS = _sdk_types._raw_return_hints
_SDK_UNWRAP_TYPE = _sdk_types.unwrap_type
# What the SDK passes as locals when it evaluates a property's annotation (``Input[T]`` holds the forward
# reference ``"Output[T]"``).
_SDK_LOCAL_NAMES = frozenset(("Output", "T"))
# Keyed by ``id``, each holding the object it describes so the id cannot be reused while it is cached.
_evaluated: dict[tuple[int, Optional[tuple[str, ...]]], tuple[Any, Any]] = {}
_module_free: dict[int, tuple[Any, bool]] = {}
_unwrapped: dict[int, tuple[Any, Any]] = {}
_class_hints: dict[type, dict[str, Any]] = {}


def _needs_no_module(annotation: Any) -> bool:
    """True when evaluating ``annotation`` reads no module's globals: it holds no string and no forward
    reference except to the names the SDK passes as locals. Anything else (a quoted class name, a
    ``Literal`` of strings) counts as needing its module, which only makes the memo key narrower."""
    cached = _module_free.get(id(annotation))
    if cached is not None:
        return cached[1]
    if isinstance(annotation, str):
        result = False
    elif isinstance(annotation, ForwardRef):
        result = (annotation.__forward_module__ is None
                  and set(annotation.__forward_code__.co_names) <= _SDK_LOCAL_NAMES)
    else:
        result = all(_needs_no_module(arg) for arg in getattr(annotation, "__args__", None) or ())
    _module_free[id(annotation)] = (annotation, result)
    return result


def _raw_return_hints(cls: type) -> dict[str, Any]:
    """``pulumi._types._raw_return_hints`` (cached per class, as the SDK's) with each distinct annotation
    evaluated once."""
    hints = _class_hints.get(cls)
    if hints is None:
        hints = _class_hints[cls] = _evaluate_return_hints(cls)
    return hints


def _evaluate_return_hints(cls: type) -> dict[str, Any]:
    """The return annotation of each property getter of ``cls``, by Pulumi name, as the SDK evaluates them.

    The SDK evaluates the return annotation of every property getter of every resource and argument class
    a program uses (``typing.get_type_hints`` per getter: about 3,400 in a prod preview, a tenth of its time).
    The generated classes repeat the same annotations (``pulumi.Output[Optional[builtins.str]]``; typing
    caches subscriptions, so they are one object): this evaluates each object once with the SDK's own call
    and arguments, once per module set when it names something a module defines."""
    from pulumi import Output
    localns = {"Output": Output, "T": type(None)}  # as the SDK passes them
    modules: Optional[tuple[str, ...]] = None
    globalns: Optional[dict[str, Any]] = None
    hints: dict[str, Any] = {}
    for _, pulumi_name, prop in _sdk_types._py_properties(cls):
        getter = prop.fget
        if not isinstance(getter, types.FunctionType):
            return _SDK_RAW_RETURN_HINTS(cls)  # not what the generator writes: the SDK's own path
        if "return" not in getter.__annotations__:
            continue
        annotation = getter.__annotations__["return"]
        if _needs_no_module(annotation):
            key: tuple[int, Optional[tuple[str, ...]]] = (id(annotation), None)
        else:
            if modules is None:  # the modules whose globals the SDK merges for this class
                modules = tuple(base.__module__ for base in reversed(cls.__mro__) if base.__module__ in sys.modules)
            key = (id(annotation), modules)
        cached = _evaluated.get(key)
        if cached is None:
            if globalns is None:
                globalns = _sdk_types._globals_for_cls(cls)
            cached = (annotation, get_type_hints(getter, globalns=globalns, localns=localns).get("return"))
            _evaluated[key] = cached
        if cached[1] is not None:
            hints[pulumi_name] = cached[1]
    return hints


def _unwrap_type(val: Any) -> Any:
    """``pulumi._types.unwrap_type`` (a pure function of the type) remembered: the SDK calls it for every
    property it serializes, about 15,000 times in a prod preview, for a few hundred distinct types."""
    cached = _unwrapped.get(id(val))
    if cached is None:
        cached = (val, _SDK_UNWRAP_TYPE(val))
        _unwrapped[id(val)] = cached
    return cached[1]


def evaluate_types_once(on: bool = True) -> None:
    """Let the SDK evaluate each type annotation once (or, with ``on=False``, as it ships). The results
    are the SDK's own: ``tests/tools/test_sdk.py`` compares both for every class a prod preview uses."""
    _sdk_types._raw_return_hints = _raw_return_hints if on else _SDK_RAW_RETURN_HINTS  # type: ignore[assignment]
    _sdk_types.unwrap_type = _unwrap_type if on else _SDK_UNWRAP_TYPE


# The provider SDKs' generated package __init__ files that are nothing but these lines can be loaded lazily.
_GENERATED_INIT_LINE = re.compile(
    r"from \.(?P<module>\w*) import (?P<names>\*|[\w, ]+)$|import builtins as _builtins$"
    r"|from \.\.+ import _utilities$|import typing$")
LAZY_PROVIDER_PACKAGES = ("pulumi_aws", "pulumi_kubernetes", "pulumi_random")
_NAME_SUFFIXES = ("ArgsDict", "Args", "Result", "_output")


def _snake_case(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def _modules_that_may_define(name: str) -> list[str]:
    """Submodules of a generated provider package that may define ``name``, most likely first: pulumi-aws
    names files in snake case (``SecurityGroupArgs`` in ``security_group``, ``get_ami_output`` and
    ``AwaitableGetAmiResult`` in ``get_ami``), pulumi-kubernetes by class (``ConfigMap.py``); nested
    argument and output types live in ``_inputs`` and ``outputs``."""
    base = name[len("Awaitable"):] if name.startswith("Awaitable") else name
    for suffix in _NAME_SUFFIXES:
        if base.endswith(suffix) and len(base) > len(suffix):
            base = base[:-len(suffix)]
            break
    return [name, base, _snake_case(base), _snake_case(base[0].lower() + base[1:]), "_inputs", "outputs", "_enums"]


def _generated_package_init(path: str) -> Optional[tuple[set[str], set[str], str]]:
    """``(star-imported modules, plainly imported modules, source)`` of a provider package's ``__init__`` when
    it is nothing but the generated imports, else None."""
    try:
        with open(path, encoding="utf-8") as file:
            source = file.read()
    except (OSError, UnicodeDecodeError):
        return None
    star_modules: set[str] = set()
    plain_modules: set[str] = set()
    for line in source.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _GENERATED_INIT_LINE.match(line)
        if match is None:
            return None  # anything else (a TYPE_CHECKING block, a module class swap): load it as written
        if match["module"] is None:
            continue
        if match["names"] == "*":
            star_modules.add(match["module"])
        elif match["module"] == "":
            plain_modules.update(name.strip() for name in match["names"].split(","))
        else:
            return None
    return star_modules, plain_modules, source


class _LazyPackageLoader(importlib.abc.Loader):
    """Executes a generated provider package's ``__init__`` lazily: a name is imported from the one
    submodule that defines it, on first use, instead of all of the package's few hundred modules. A package
    whose ``__init__`` is anything else loads as written, by the loader the import system found.

    The ``__init__`` is read when the package is executed, not when it is found: ``import pulumi_aws`` finds
    all of its ~240 sub-packages (``lazy_import``) and a program executes a tenth of them."""

    def __init__(self, loader: Any, path: str):
        self.loader, self.path = loader, path

    def __getattr__(self, name: str) -> Any:  # get_code, get_source, is_package...: the found loader's
        if name == "loader":  # not set yet (a copy being made): no recursion
            raise AttributeError(name)
        return getattr(self.loader, name)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None  # the default module

    def exec_module(self, module: Any) -> None:
        generated = _generated_package_init(self.path)
        if generated is None:
            self.loader.exec_module(module)
            return
        star_modules, plain_modules, source = generated
        namespace, fullname = module.__dict__, module.__name__

        def load_everything() -> None:
            # What the package would have done on import: a star import of every submodule, with every
            # class of its type modules defined (a star import copies only what a lazy one has defined).
            namespace.pop("__getattr__", None)
            for type_module in TYPE_MODULE_NAMES:
                if type_module in star_modules or type_module in plain_modules:
                    define_all(importlib.import_module(f"{fullname}.{type_module}"))
            # The package's own __init__, as written (and compiled as on import: without this module's futures).
            exec(compile(source, self.path, "exec", dont_inherit=True), namespace)

        def lazy_getattr(name: str) -> Any:
            if name in plain_modules:
                return importlib.import_module(f"{fullname}.{name}")
            if name.startswith("__"):
                if name != "__all__":
                    raise AttributeError(f"module {fullname!r} has no attribute {name!r}")
                load_everything()
                return [key for key in namespace if not key.startswith("_")]
            for candidate in dict.fromkeys(_modules_that_may_define(name)):
                if candidate in star_modules:
                    submodule = importlib.import_module(f"{fullname}.{candidate}")
                    if name in submodule.__dict__ or name in submodule.__dict__.get("__lazy_type_names__", ()):
                        namespace[name] = getattr(submodule, name)
                        return namespace[name]
            if name in star_modules:
                # A submodule that defines no name of its own (its module is then what the package holds).
                return importlib.import_module(f"{fullname}.{name}")
            load_everything()
            try:
                return namespace[name]
            except KeyError:
                raise AttributeError(f"module {fullname!r} has no attribute {name!r}") from None

        namespace["__getattr__"] = lazy_getattr


class _LazyProviderPackages(importlib.abc.MetaPathFinder):
    """Finds the sub-packages of the provider SDKs (``pulumi_aws.ec2``) and gives them ``_LazyPackageLoader``
    (lazy when their ``__init__`` is the generated list of star imports); with ``lazy_types``, their generated
    type modules ``LazyTypesLoader`` and their other modules ``SiblingTypesLoader``. Anything else loads as
    usual."""

    def __init__(self, lazy_types: bool):
        self.lazy_types = lazy_types

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Optional[importlib.machinery.ModuleSpec]:
        top, dot, _ = fullname.partition(".")
        if not dot or top not in LAZY_PROVIDER_PACKAGES:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or not spec.origin:
            return spec
        if spec.submodule_search_locations is None:  # a module, not a package
            if not self.lazy_types:
                return spec
            if fullname.rpartition(".")[2] in TYPE_MODULE_NAMES:
                return lazy_types_spec(spec)
            if isinstance(spec.loader, importlib.machinery.SourceFileLoader):
                spec.loader = SiblingTypesLoader(spec.loader)
            return spec
        spec.loader = _LazyPackageLoader(spec.loader, spec.origin)
        return spec


def load_provider_packages_lazily(lazy_types: Optional[bool] = None) -> None:
    """Import only the provider SDK modules a program uses (idempotent).

    ``aws.ec2.SecurityGroup`` runs ``pulumi_aws/ec2/__init__.py``, which imports every one of the package's
    ~180 resource modules; a prod preview used about 30 of the 990 modules that loaded and spent 1.7 s on
    the rest. With ``lazy_types``, the classes of the generated ``_inputs`` and ``outputs`` modules are
    defined on first use too (``offline/lazy_types.py``). Must run before the program first touches a
    provider sub-package. ``SCALING_PREVIEW_EAGER_TYPES=1`` turns the lazy classes off (to compare, or
    should a future SDK layout defeat the checks that keep them equivalent)."""
    if lazy_types is None:
        lazy_types = os.environ.get("SCALING_PREVIEW_EAGER_TYPES", "") in ("", "0")
    if not any(isinstance(finder, _LazyProviderPackages) for finder in sys.meta_path):
        sys.meta_path.insert(0, _LazyProviderPackages(lazy_types))


__all__ = ["MockMonitor", "InputEchoingMonitor", "UNKNOWN", "is_rpc_secret", "sync_await", "wait_for_pending_work",
           "reset_engine_state", "check_sdk", "UnsupportedSdkError", "skip_stack_traces", "evaluate_types_once",
           "load_provider_packages_lazily", "LAZY_PROVIDER_PACKAGES"]
