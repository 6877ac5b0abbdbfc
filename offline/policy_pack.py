"""Load a Python policy pack from its folder, as ``pulumi preview --policy-pack DIR`` would.

The pack's ``__main__.py`` builds a ``PolicyPack``, whose constructor starts the analyzer server the
CLI talks to. Here the constructor is replaced while ``__main__`` runs, so the pack's policies are
captured instead: any pack works, not only ours. The folder is imported as a package under a private
name, so a pack's relative imports work and its folder name (usually ``policies``) never collides with
a package of the program being previewed.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:  # pulumi_policy is imported when a pack is loaded, so --no-policies never imports it
    from pulumi_policy import EnforcementLevel, Policy

# The pack shipped beside this tool: policies/ of the repository, or scaling_kit/policies installed.
BUNDLED_PACK_DIR = Path(__file__).resolve().parent.parent / "policies"


@dataclass(frozen=True)
class LoadedPack:
    name: str
    policies: Sequence[Policy]
    enforcement_level: Optional[EnforcementLevel]
    path: Path

    def config_for(self, stack: str) -> Optional[Path]:
        """``config/<stack>.json`` beside the pack, the convention this project's CI follows."""
        path = self.path / "config" / f"{stack}.json"
        return path if path.exists() else None


class PolicyPackError(ValueError):
    """The folder is not a loadable Python policy pack."""


_CACHE: dict[Path, LoadedPack] = {}


def load_policy_pack(path: Path | str = BUNDLED_PACK_DIR) -> LoadedPack:
    """The policies of the pack in ``path`` (loaded once per process)."""
    folder = Path(path).resolve()
    if folder in _CACHE:
        return _CACHE[folder]
    import pulumi_policy
    if not (folder / "PulumiPolicy.yaml").exists() or not (folder / "__main__.py").exists():
        raise PolicyPackError(f"{path}: not a Python policy pack (expected PulumiPolicy.yaml and __main__.py)")
    package = "_policy_pack_" + hashlib.sha1(str(folder).encode()).hexdigest()[:12]
    init = folder / "__init__.py"
    spec = importlib.util.spec_from_file_location(package, init if init.exists() else None,
                                                  submodule_search_locations=[str(folder)])
    if spec is None or spec.loader is None and init.exists():
        raise PolicyPackError(f"{path}: cannot import the pack as a package")
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    if init.exists():
        spec.loader.exec_module(module)  # type: ignore[union-attr]

    captured: list[dict[str, Any]] = []

    class _CapturingPack:
        def __init__(self, name: str, policies: Sequence[Policy],
                     enforcement_level: Optional[EnforcementLevel] = None, **_: Any) -> None:
            captured.append(dict(name=name, policies=list(policies), enforcement_level=enforcement_level))

    original = pulumi_policy.PolicyPack
    pulumi_policy.PolicyPack = _CapturingPack  # type: ignore[misc,assignment]
    try:
        importlib.import_module(f"{package}.__main__")
    finally:
        pulumi_policy.PolicyPack = original  # type: ignore[misc]
    if len(captured) != 1:
        raise PolicyPackError(f"{path}: __main__.py built {len(captured)} PolicyPack objects; expected one")
    pack = LoadedPack(path=folder, **captured[0])
    _CACHE[folder] = pack
    return pack
