"""House tags: who owns a resource and where it belongs, on every AWS resource that takes tags."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

import pulumi

HOUSE_TAG_KEYS = ("Project", "Stack", "Environment", "ManagedBy")


def house_tags(environment: str, project: Optional[str] = None, stack: Optional[str] = None) -> dict[str, str]:
    """The four house tags for the running program (project and stack default to the engine's)."""
    return {
        "Project": project or pulumi.get_project(),
        "Stack": stack or pulumi.get_stack(),
        "Environment": environment,
        "ManagedBy": "pulumi",
    }


def merge_tags(house: Mapping[str, str], caller: Optional[Mapping[str, str]] = None,
               **extra: str) -> dict[str, str]:
    """House tags first, then the caller's, then per-resource extras (such as Name): later wins."""
    merged = dict(house)
    merged.update(caller or {})
    merged.update(extra)
    return merged
