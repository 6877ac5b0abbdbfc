"""Generated provider type modules (``_inputs.py``, ``outputs.py``) whose classes are defined on first use.

``pulumi_aws/wafv2/_inputs.py`` defines about 2,000 argument classes; a program that declares one web ACL
uses a few dozen of them. Defining a generated class is not free (its ``__init__`` and property annotations
run ``typing`` subscriptions, ``@pulumi.input_type`` walks its properties), and the classes a prod preview
never uses cost about as much as everything else the preview imports. This loader runs such a module's
header (its imports) at import time and each class's own source the first time something asks for the
class: an attribute of the module, a name looked up by a sibling module (``from ._inputs import *`` there),
or a forward reference the SDK resolves with ``typing.get_type_hints``.

Only modules laid out as the generator writes them are loaded this way: a header, then nothing at the top
level but decorators and classes, with the classes named exactly as ``__all__`` lists them. Anything else
loads as written. Offline engine only: ``pulumi up`` imports the SDK as it ships.
"""

from __future__ import annotations

import atexit
import builtins
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import marshal
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import CodeType
from typing import Any, Optional

from .cache import cache_directory

TYPE_MODULE_NAMES = ("_inputs", "outputs")
_ALL_LIST = re.compile(r"^__all__ = \[(.*?)^\]", re.MULTILINE | re.DOTALL)
# A line at column 0 that is neither a class, a decorator, a comment nor the end of a bracket: a statement
# that would be lost between the chunks (the generator writes none after the header).
_OTHER_TOP_LEVEL_LINE = re.compile(r"\n[^ \n#@)\]c]|\nc(?!lass )")


class _NameFallback(dict):
    """A module's ``__builtins__``: the real builtins, then the names a lazily defined module would have
    provided. Python looks a global name up in the module, then here, so ``WebAclRuleArgs`` in a function
    or a forward reference of the module finds the class even though it is not defined yet."""

    def __init__(self, resolve: Callable[[str], Any]):
        super().__init__(builtins.__dict__)
        self._resolve = resolve

    def __missing__(self, name: str) -> Any:
        try:
            return self._resolve(name)
        except AttributeError:
            raise KeyError(name) from None


def split_generated_module(source: str) -> Optional[tuple[str, dict[str, tuple[int, int, int]]]]:
    """``(header, {class name: (start, end, first line number)})``, or None when ``source`` is not laid out
    as the generator writes type modules (then it loads as written). String searches, not a parse: about
    10 ms for the largest module (2.8 MB)."""
    listed = _ALL_LIST.search(source)
    body_start = source.find("\n@")
    first_class = source.find("\nclass ")
    if listed is None or first_class == -1:
        return None
    body_start = first_class if body_start == -1 else min(body_start, first_class)
    if _OTHER_TOP_LEVEL_LINE.search(source, body_start) is not None:
        return None
    starts: list[tuple[int, str]] = []
    position = first_class
    while position != -1:
        name_start = position + len("\nclass ")
        name_end = name_start
        while name_end < len(source) and (source[name_end].isalnum() or source[name_end] == "_"):
            name_end += 1
        chunk_start = position + 1
        while True:  # take the decorator lines above the class with it
            previous = source.rfind("\n", 0, chunk_start - 1) + 1
            if previous < body_start or source[previous] != "@":
                break
            chunk_start = previous
        starts.append((chunk_start, source[name_start:name_end]))
        position = source.find("\nclass ", name_end)
    names = [name for _, name in starts]
    if sorted(names) != sorted(re.findall(r"'(\w+)'", listed.group(1))):
        return None
    chunks: dict[str, tuple[int, int, int]] = {}
    line = source.count("\n", 0, starts[0][0]) + 1
    for index, (start, name) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(source)
        chunks[name] = (start, end, line)
        line += source.count("\n", start, end)
    return source[:body_start + 1], chunks


def _compile_as_written(source: str, path: str) -> CodeType:
    """``source`` compiled as Python compiles the file on import: without this module's own ``from __future__
    import annotations`` (``compile`` inherits the caller's future statements), which would turn every
    annotation of the generated classes into a string that the SDK then evaluates one by one."""
    return compile(source, path, "exec", dont_inherit=True)


def _moved_down(code: CodeType, lines: int) -> CodeType:
    """``code`` compiled from a chunk alone, renumbered ``lines`` further down (so tracebacks and ``inspect``
    point into the real file). Line tables count from ``co_firstlineno``; each nested code object (the
    class body, its methods) carries its own."""
    consts = tuple(_moved_down(const, lines) if isinstance(const, CodeType) else const for const in code.co_consts)
    return code.replace(co_firstlineno=code.co_firstlineno + lines, co_consts=consts)


class CompiledChunks:
    """One generated type module split into chunks, with the code of the chunks compiled so far.

    Kept between processes in the cache directory (like ``__pycache__``, keyed by the file's path, size and
    modification time and by the interpreter's bytecode version): compiling the few hundred classes a prod
    preview uses took 0.3 s of every preview. A class nothing compiled yet is compiled from the source and
    saved by ``save_compiled_chunks`` (the preview calls it before it exits; ``atexit`` otherwise)."""

    def __init__(self, path: str, stamp: tuple[int, int], header: bytes, chunks: dict[str, tuple[int, int, int]],
                 codes: dict[str, bytes], source: Optional[str] = None, changed: bool = False):
        self.path, self.stamp, self.header, self.chunks, self.codes = path, stamp, header, chunks, codes
        self.source, self.changed = source, changed

    @classmethod
    def of(cls, path: str) -> Optional[CompiledChunks]:
        """The module at ``path`` split (from the cache when it is current), or None when it cannot be."""
        try:
            status = os.stat(path)
            stamp = (status.st_mtime_ns, status.st_size)
        except OSError:
            return None
        cached = _read_cache(path, stamp)
        if cached is not None:
            return cls(path, stamp, **cached)
        try:
            with open(path, encoding="utf-8") as file:
                source = file.read()
        except (OSError, UnicodeDecodeError):
            return None
        split = split_generated_module(source)
        if split is None:
            return None
        header, chunks = split
        chunked = cls(path, stamp, marshal.dumps(_compile_as_written(header, path)), chunks, {}, source, changed=True)
        _LOADED.append(chunked)
        return chunked

    def header_code(self) -> CodeType:
        return marshal.loads(self.header)

    def code(self, name: str) -> CodeType:
        compiled = self.codes.get(name)
        if compiled is not None:
            return marshal.loads(compiled)
        if self.source is None:
            status = os.stat(self.path)
            if (status.st_mtime_ns, status.st_size) != self.stamp:  # the offsets would point at other code
                raise ImportError(f"{self.path} changed after it was imported; run again", path=self.path)
            with open(self.path, encoding="utf-8") as file:
                self.source = file.read()
        start, end, line = self.chunks[name]
        code = _moved_down(_compile_as_written(self.source[start:end], self.path), line - 1)
        self.codes[name] = marshal.dumps(code)
        if not self.changed:
            self.changed = True
            _LOADED.append(self)
        return code


class LazyTypesLoader(importlib.abc.Loader):
    def __init__(self, chunked: CompiledChunks):
        self.chunked = chunked

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        namespace, chunked = module.__dict__, self.chunked
        pending = set(chunked.chunks)
        # The SDK runs monitor calls on executor threads: one class is defined once, whoever asks first;
        # re-entrant because defining a class can look up another.
        lock = threading.RLock()

        def define(name: str) -> Any:
            with lock:
                if name not in pending:
                    if name in namespace:
                        return namespace[name]
                    raise AttributeError(f"module {module.__name__!r} has no attribute {name!r}")
                pending.discard(name)
                try:
                    exec(chunked.code(name), namespace)
                except BaseException:
                    pending.add(name)  # asked again, it is tried again (and fails the same way)
                    raise
                return namespace[name]

        def lazy_getattr(name: str) -> Any:
            if name == "__all__":
                # A star import asks for __all__; without it, it copies only what is defined, which keeps a
                # sibling's ``from ._inputs import *`` lazy (its lookups fall back to this module).
                raise AttributeError(name)
            return define(name)

        namespace["__builtins__"] = _NameFallback(define)
        namespace["__lazy_type_names__"] = frozenset(chunked.chunks)
        exec(chunked.header_code(), namespace)
        namespace.pop("__all__", None)
        namespace["__getattr__"] = lazy_getattr


def lazy_types_spec(spec: importlib.machinery.ModuleSpec) -> importlib.machinery.ModuleSpec:
    """The spec of a generated type module, given the lazy loader when its layout allows."""
    chunked = CompiledChunks.of(spec.origin) if spec.origin else None
    if chunked is not None:
        spec.loader = LazyTypesLoader(chunked)
    return spec


# --- The cache of split modules and compiled chunks ---------------------------------------------------------

_LOADED: list[CompiledChunks] = []  # those holding something the cache does not have yet


_CACHE_FORMAT = 2  # 2: chunks compiled without this module's future statements


def _cache_file(path: str) -> Path:
    # The bytecode version is part of the key: marshalled code only loads in the interpreter that wrote it.
    key = f"{path}|{importlib.util.MAGIC_NUMBER.hex()}|{_CACHE_FORMAT}"
    return cache_directory("provider-types") / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.marshal"


def _read_cache(path: str, stamp: tuple[int, int]) -> Optional[dict[str, Any]]:
    try:
        with open(_cache_file(path), "rb") as file:
            cached = marshal.load(file)
        if cached["stamp"] != stamp:
            return None
        return {"header": cached["header"], "chunks": cached["chunks"], "codes": cached["codes"]}
    except (OSError, EOFError, ValueError, TypeError, KeyError):
        return None  # no cache yet, or an unreadable one: split the source again


def save_compiled_chunks() -> None:
    """Write what this process compiled to the cache (atomically; a cache that cannot be written is skipped).
    Like ``__pycache__``, nothing is written under ``PYTHONDONTWRITEBYTECODE``."""
    if sys.dont_write_bytecode:
        _LOADED.clear()
        return
    while _LOADED:
        chunked = _LOADED.pop()
        if not chunked.changed:
            continue
        target = _cache_file(chunked.path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=target.parent, delete=False) as file:
                marshal.dump({"stamp": chunked.stamp, "header": chunked.header, "chunks": chunked.chunks,
                              "codes": chunked.codes}, file)
            os.replace(file.name, target)
            chunked.changed = False
        except OSError:
            continue


atexit.register(save_compiled_chunks)


class SiblingTypesLoader(importlib.abc.Loader):
    """Loads a provider module (``wafv2/web_acl.py``) as written, with the classes of its package's lazy
    ``_inputs`` module reachable by name: its ``from ._inputs import *`` copies only the classes defined so
    far, and the rest are found on first lookup, as if the star import had copied them."""

    def __init__(self, loader: importlib.machinery.SourceFileLoader):
        self.loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        inputs_name = f"{module.__name__.rpartition('.')[0]}._inputs"

        def from_inputs(name: str) -> Any:
            inputs = sys.modules.get(inputs_name)
            if inputs is None or name not in inputs.__dict__.get("__lazy_type_names__", ()):
                raise AttributeError(name)
            return getattr(inputs, name)

        module.__dict__["__builtins__"] = _NameFallback(from_inputs)
        self.loader.exec_module(module)

    def get_code(self, fullname: str) -> Any:  # for runpy and inspect, as the wrapped loader
        return self.loader.get_code(fullname)

    def get_source(self, fullname: str) -> Any:
        return self.loader.get_source(fullname)


def define_all(module: Any) -> None:
    """Define every class of a lazily loaded type module (what a plain import would have done)."""
    for name in module.__dict__.get("__lazy_type_names__", ()):
        getattr(module, name)
