"""Where the offline preview keeps what it can reuse between runs, like ``__pycache__``: derived from inputs
it names in the key, safe to delete at any time."""

from __future__ import annotations

import os
from pathlib import Path


def cache_directory(kind: str) -> Path:
    """``$SCALING_CACHE_DIR/<kind>``, else ``$XDG_CACHE_HOME/scaling-kit/<kind>``, else
    ``~/.cache/scaling-kit/<kind>``."""
    configured = os.environ.get("SCALING_CACHE_DIR")
    if configured:
        return Path(configured) / kind
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scaling-kit" / kind
