"""Checks of configuration keys that no typed setting can make: which namespaces exist, which keys of the
project's namespace exist, and whether ``aws:region`` names a real region. Each problem is one message
that names the key, the value and what is allowed, with a "did you mean" when a close match exists."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping
from typing import Optional

from .aws_limits import REGIONS

PROVIDER_NAMESPACES = ("aws", "kubernetes", "random", "pulumi")
"""Config namespaces of the providers (and the engine) the stack program uses."""


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest candidate, or ``""`` when none is close (difflib, 0.75)."""
    match = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.75)
    return f"; did you mean {match[0]!r}?" if match else ""


def key_problems(keys: Iterable[str], project: str, known: Iterable[str],
                 namespaces: Iterable[str] = PROVIDER_NAMESPACES) -> list[str]:
    """Unknown namespaces (``scalling:asgMaxSize``) and unknown keys of the project (``scaling:asgMaxsize``)."""
    known = set(known)
    namespaces = [project, *namespaces]
    problems = []
    for key in sorted(keys):
        namespace, sep, name = key.partition(":")
        if not sep:
            continue
        if namespace == project:
            if key not in known:
                problems.append(f"{key}: unknown setting; see the configuration reference in the README "
                                f"(settings are case-sensitive){did_you_mean(key, known)}")
        elif namespace not in namespaces:
            hint = did_you_mean(namespace, namespaces)
            suggestion = f"; did you mean {hint.split(chr(39))[1] + ':' + name!r}?" if hint else ""
            problems.append(f"{key}: unknown namespace {namespace!r}; expected one of "
                            f"{', '.join(map(repr, namespaces))}{suggestion}")
    return problems


def region_problem(raw: Mapping[str, str]) -> Optional[str]:
    """``aws:region`` must be a region of one of the AWS partitions, unless ``aws:skipRegionValidation`` is
    set, which the provider honours for regions newer than its own list."""
    region = raw.get("aws:region")
    if region is None or str(raw.get("aws:skipRegionValidation", "")).lower() == "true":
        return None
    everything = [r for regions in REGIONS.values() for r in regions]
    if region in everything:
        return None
    return (f"aws:region: {json.dumps(region)} is not an AWS region; expected one of the {len(everything)} regions "
            f"of the partitions {', '.join(REGIONS)} (e.g. us-east-1){did_you_mean(str(region), everything)}")
