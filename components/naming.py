"""Physical names: one helper for every name a component spells out for AWS.

Most resources are auto-named by Pulumi (logical name plus a random suffix), which is unique by
construction. Where a component must choose the name itself (RDS identifiers, the EKS cluster, the WAF
log group, the ALB log bucket, final snapshots), two stacks called ``prod`` of two projects in one
account would collide on ``<stack>-<name>``; so every such name is ``<project>-<stack>-<name>``.

Changing a physical name replaces the resource (AWS cannot rename an RDS instance or an EKS cluster):
the names are part of the stack's contract once it is deployed.
"""

from __future__ import annotations

import hashlib
import re
from typing import Optional

import pulumi

HASH_LENGTH = 8
"""Hex digits of the digest appended to a truncated name: 32 bits, so two truncated names of one
account collide with a chance of about 1 in 4 billion."""


def physical_name(name: str, max_length: int, *, project: Optional[str] = None, stack: Optional[str] = None,
                  lowercase: bool = True, disallowed: str = r"[^a-z0-9-]+", must_start_with_letter: bool = False,
                  prefix: str = "") -> str:
    """``<prefix><project>-<stack>-<name>``, at most ``max_length`` characters.

    Runs of characters matching ``disallowed`` become one ``-`` (stack names may hold ``_`` and ``.``;
    most AWS names may not), leading and trailing ``-`` go. A name longer than ``max_length`` keeps its
    beginning and ends in ``-`` and the first 8 hex digits of the SHA-256 of the whole name, so two long
    names that share a beginning still differ. ``must_start_with_letter`` puts ``x-`` in front of a name
    that would start with a digit (RDS identifiers). ``project`` and ``stack`` default to the running
    program's."""
    project = pulumi.get_project() if project is None else project
    stack = pulumi.get_stack() if stack is None else stack
    full = f"{project}-{stack}-{name}"
    if lowercase:
        full = full.lower()
    full = re.sub(disallowed, "-", full)
    full = re.sub(r"-{2,}", "-", full).strip("-")
    if must_start_with_letter and not full[:1].isalpha():
        full = f"x-{full}"
    room = max_length - len(prefix)
    if room < HASH_LENGTH + 2:
        raise ValueError(f"max_length: {max_length} leaves {room} character(s) after the prefix {prefix!r}; "
                         f"expected room for at least {HASH_LENGTH + 2}")
    if len(full) > room:
        digest = hashlib.sha256(full.encode()).hexdigest()[:HASH_LENGTH]
        full = f"{full[:room - HASH_LENGTH - 1].rstrip('-')}-{digest}"
    return f"{prefix}{full}"
