"""Every private Pulumi SDK internal the offline engine uses, in one place, checked at import.

The mock engine of ``pulumi.runtime`` is public, but running a whole program outside ``pulumi.runtime.
run_in_stack`` (so synchronous invokes do not re-queue every pending callback) and resetting the
engine between evaluations needs a few private names. They have been stable across the 3.x SDK, but
nothing promises it: ``check_sdk`` fails loudly, naming what is missing, instead of a confusing error
deep inside an evaluation. The versions CI tested are pinned in ``constraints.txt``.
"""

from __future__ import annotations

import importlib
from typing import Any

# (module, attribute) pairs the offline engine reaches into.
REQUIRED_INTERNALS = (
    ("pulumi.runtime.sync_await", "_sync_await"),
    ("pulumi.runtime.stack", "run_pulumi_func"),
    ("pulumi.runtime.settings", "SETTINGS"),
    ("pulumi.runtime.settings", "set_root_resource"),
    ("pulumi.runtime.mocks", "MockMonitor"),
    ("pulumi.runtime.rpc", "UNKNOWN"),
    ("pulumi.runtime.rpc", "is_rpc_secret"),
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

from pulumi.runtime.mocks import MockMonitor  # noqa: E402
from pulumi.runtime.rpc import UNKNOWN, is_rpc_secret  # noqa: E402
from pulumi.runtime.settings import SETTINGS, set_root_resource  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402


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


__all__ = ["MockMonitor", "UNKNOWN", "is_rpc_secret", "sync_await", "wait_for_pending_work",
           "reset_engine_state", "check_sdk", "UnsupportedSdkError"]
