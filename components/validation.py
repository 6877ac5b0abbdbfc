"""What every component's ``validate_*`` functions share: the error they raise and the checks that apply to
every argument class.

* ``ArgumentError`` carries the argument's path (``backend_port``, ``backends[1].weight``,
  ``database.replica_count``), so a caller can map it back to its own inputs: the stack's preflight turns
  ``node_max_size`` into ``scaling:eksNodeMaxSize``. It is a ``ValueError``, so ``except ValueError`` keeps
  working.
* ``check_argument_types`` compares every field of an ``*Args`` dataclass with its annotation before any
  rule reads it, so ``Network(NetworkArgs(az_count="3"))`` fails with ``az_count: '3' is a str; expected an
  integer`` instead of a comparison traceback from deep inside a validator.
* ``check_environment`` and ``resolve_protect``: one list of environments, one meaning of ``protect``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import inspect
import re
import sys
import types
import typing
from collections.abc import Iterable
from typing import Any, Optional, Union

import pulumi

from scaling_kit.environments import ENVIRONMENTS, PRODUCTION

# A Kubernetes object name or namespace (RFC 1123 label).
DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")

PROTECT_DOC = ("Whether Pulumi refuses to delete or replace the stateful resources (data, and the keys that "
               "encrypt it). Defaults to True when ``environment`` is ``prod``.")
"""The docstring of every stateful component's ``protect`` argument (a test keeps them identical)."""


class ArgumentError(ValueError):
    """A component argument is not allowed. ``paths`` names the argument(s) (several when a rule ties them,
    such as ``min_size/desired_capacity/max_size``); ``reason`` says what is wrong with the value and what is
    allowed; ``str()`` is ``"<paths>: <reason>"``."""

    def __init__(self, path: Union[str, Iterable[str]], reason: str, *, value: Any = None):
        self.paths = tuple(path.split("/")) if isinstance(path, str) else tuple(path)
        self.reason = reason
        self.value = value
        super().__init__(f"{self.path}: {reason}")

    @property
    def path(self) -> str:
        return "/".join(self.paths)

    def within(self, prefix: str) -> ArgumentError:
        """The same error seen from an enclosing argument (``replica_count`` -> ``database.replica_count``)."""
        error = type(self)([f"{prefix}.{p}" for p in self.paths], self.reason, value=self.value)
        error.__cause__ = self
        return error


class ArgumentTypeError(ArgumentError, TypeError):
    """An argument of the wrong type. Both a ``ValueError`` and a ``TypeError``, so callers catching
    either see it."""


def check_environment(environment: Any) -> None:
    if environment not in ENVIRONMENTS:
        raise ArgumentError("environment", f"{environment!r} is not allowed; expected one of "
                                           f"{', '.join(map(repr, ENVIRONMENTS))}", value=environment)


def resolve_protect(protect: Optional[bool], environment: str) -> bool:
    """``protect`` as given, else True in production."""
    return environment == PRODUCTION if protect is None else protect


def check_arguments(args: Any) -> None:
    """The checks every ``*Args`` class gets: types of all fields (nested ones too), then ``environment``."""
    check_argument_types(args)
    if any(f.name == "environment" for f in dataclasses.fields(args)):
        check_environment(args.environment)


# --------------------------------------------------------------------------------------------
# Types, from the annotations of the dataclass fields
# --------------------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class _Input:
    """``pulumi.Input[T]``: a plain ``T``, an ``Output`` or an awaitable (resolved by the engine later)."""
    inner: Any


class _PulumiForAnnotations:
    """Stands in for the ``pulumi`` module while annotations are evaluated: ``pulumi.Input[T]`` becomes a
    checkable marker instead of the SDK's Union with an unresolvable forward reference."""

    class Input:
        def __class_getitem__(cls, item: Any) -> _Input:
            return _Input(item)

    Output = pulumi.Output
    Resource = pulumi.Resource
    ResourceOptions = pulumi.ResourceOptions


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        namespace = dict(vars(sys.modules[cls.__module__]))
        namespace["pulumi"] = _PulumiForAnnotations
        _HINTS[cls] = {f.name: eval(f.type, namespace) if isinstance(f.type, str) else f.type
                       for f in dataclasses.fields(cls)}
    return _HINTS[cls]


def _describe(hint: Any) -> str:
    if isinstance(hint, _Input):
        return f"{_describe(hint.inner)} or an Output"
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        arms = [a for a in params if a is not type(None)]
        text = " or ".join(_describe(a) for a in arms)
        return text + " or None" if len(arms) < len(params) else text
    if hint is Any:
        return "any value"
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string"}
    if hint in names:
        return names[hint]
    if origin in (list, tuple, collections.abc.Sequence):
        item = params[0] if params else Any
        plural = {str: "strings", int: "integers", bool: "booleans"}.get(item, f"items that are {_describe(item)}")
        return "a list or tuple" + ("" if item is Any else f" of {plural}")
    if origin in (dict, collections.abc.Mapping):
        return "a mapping" + (f" of {_describe(params[0])} to {_describe(params[1])}" if params else "")
    if origin in (set, frozenset):
        return "a set"
    if isinstance(hint, type):
        return f"a {hint.__name__}"
    return str(hint)


def _is_deferred(value: Any) -> bool:
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def _mismatch(value: Any, hint: Any, path: str) -> Optional[ArgumentTypeError]:
    """None when ``value`` conforms to ``hint``; else the error for the innermost wrong part."""
    def wrong() -> ArgumentTypeError:
        return ArgumentTypeError(path, f"{value!r} is {type(value).__name__ if value is not None else 'None'}; "
                                       f"expected {_describe(hint)}", value=value)

    if hint is Any:
        return None
    def whole(error: Optional[ArgumentTypeError]) -> Optional[ArgumentTypeError]:
        # An error inside the value (an item, a key) is the precise one; one about the value itself says all
        # that ``hint`` allows ("a string or an Output or None", not only "a string").
        return error if error is None or error.path != path else wrong()

    if isinstance(hint, _Input):
        return None if _is_deferred(value) else whole(_mismatch(value, hint.inner, path))
    origin, params = typing.get_origin(hint), typing.get_args(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in params:
            return None
        errors = [_mismatch(value, arm, path) for arm in params if arm is not type(None)]
        if any(e is None for e in errors):
            return None
        # One arm: its (possibly nested) error is the precise one; several: say what all of them allow.
        return whole(errors[0]) if len(errors) == 1 else wrong()
    if hint is bool:
        return None if isinstance(value, bool) else wrong()
    if hint is int:
        return None if isinstance(value, int) and not isinstance(value, bool) else wrong()
    if hint is float:
        return None if isinstance(value, (int, float)) and not isinstance(value, bool) else wrong()
    if hint is str:
        return None if isinstance(value, str) else wrong()
    if origin in (list, tuple, collections.abc.Sequence):
        if not isinstance(value, (list, tuple)):
            return wrong()
        if origin is tuple and params and params[-1] is not Ellipsis:
            if len(value) != len(params):
                return wrong()
            item_hints = list(params)
        else:
            item_hints = [params[0] if params else Any] * len(value)
        for i, (item, item_hint) in enumerate(zip(value, item_hints, strict=True)):
            if (error := _mismatch(item, item_hint, f"{path}[{i}]")) is not None:
                return error
        return None
    if origin in (dict, collections.abc.Mapping):
        if not isinstance(value, collections.abc.Mapping):
            return wrong()
        key_hint, value_hint = params if params else (Any, Any)
        for key, item in value.items():
            if (error := _mismatch(key, key_hint, f"{path}[{key!r}]")) is not None:
                return error
            if (error := _mismatch(item, value_hint, f"{path}[{key!r}]")) is not None:
                return error
        return None
    if origin in (set, frozenset):
        return None if isinstance(value, (set, frozenset)) else wrong()
    if isinstance(hint, type):
        if not isinstance(value, hint):
            return wrong()
        if dataclasses.is_dataclass(hint):
            return _first_field_mismatch(value, f"{path}.")
        return None
    return None  # an annotation this checker does not model: the validators judge it


def _first_field_mismatch(args: Any, prefix: str) -> Optional[ArgumentTypeError]:
    hints = _hints(type(args))
    for f in dataclasses.fields(args):
        if (error := _mismatch(getattr(args, f.name), hints[f.name], f"{prefix}{f.name}")) is not None:
            return error
    return None


def check_argument_types(args: Any) -> None:
    """Raise ``ArgumentTypeError`` for the first field (nested dataclasses included) whose value does not
    match its annotation: ``az_count: '3' is str; expected an integer``."""
    if (error := _first_field_mismatch(args, "")) is not None:
        raise error


def check_pod_identity(args: Any) -> None:
    """``name`` and ``namespace`` are DNS labels and ``image`` is an image reference (workloads of a cluster)."""
    for name in ("name", "namespace"):
        value = getattr(args, name)
        if not DNS_LABEL.fullmatch(value):
            raise ArgumentError(name, f"{value!r} is not a DNS label (lower-case letters, digits, '-', at most 63)")
    if not args.image or any(c.isspace() for c in args.image):
        raise ArgumentError("image", f"{args.image!r} is not an image reference")
