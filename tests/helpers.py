"""Small helpers shared by tests."""

from __future__ import annotations

import importlib
import inspect
from functools import cache

from offline.engine import Evaluation


@cache
def takes_tags(type_token: str) -> bool:
    """Whether the pulumi-aws resource behind ``type_token`` (aws:ec2/vpc:Vpc) accepts ``tags``."""
    package, module_path, class_name = type_token.split(":")
    if package != "aws":
        return False
    module = importlib.import_module(f"pulumi_aws.{module_path.split('/')[0]}")
    cls = getattr(module, class_name, None)
    return cls is not None and "tags" in inspect.signature(cls._internal_init).parameters


def tag_keys(tags) -> set[str]:
    """Keys of a tags input: a map, or a list of ``{key, value, ...}`` (Auto Scaling group tags)."""
    if isinstance(tags, list):
        return {t.get("key") for t in tags if isinstance(t, dict)}
    return set(tags or {})


def untagged(evaluation: Evaluation, keys=("Project", "Stack", "Environment", "ManagedBy")) -> list[str]:
    """Names of taggable resources that lack one of the house tags."""
    return [f"{r.type} {r.name}" for r in evaluation.resources
            if r.custom and takes_tags(r.type) and not set(keys) <= tag_keys(r.inputs.get("tags"))]
