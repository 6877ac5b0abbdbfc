"""Helpers for the policy tests: build the arguments the analyzer builds and collect violations.

Props are given in engine (camelCase) form and go through the same deserialization and
``unknown_checking_proxy`` as in ``pulumi_policy``'s analyzer, so unknown values raise as in a preview."""

from __future__ import annotations

from typing import Any, Optional

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    StackValidationArgs,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import unknown_checking_proxy

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # the engine's unknown string during preview


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def proxy(props: dict) -> Any:
    return unknown_checking_proxy(deserialize_properties(props))


def run(policy, resource_type: str, props: dict, config: Optional[dict] = None, *, protect: bool = False,
        name: str = "r") -> list[str]:
    """Messages a resource policy reports for one resource."""
    found: list[str] = []
    args = ResourceValidationArgs(resource_type, proxy(props), f"urn:pulumi:test::p::{resource_type}::{name}", name,
                                  options(protect), None, config or {})
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def resource(resource_type: str, name: str, props: dict, *, protect: bool = False) -> PolicyResource:
    return PolicyResource(resource_type, proxy(props), f"urn:pulumi:test::p::{resource_type}::{name}", name,
                          options(protect), None, None, [], {})


def link(dependent: PolicyResource, prop: str, *targets: PolicyResource) -> PolicyResource:
    """Record that ``dependent``'s input ``prop`` takes a value from ``targets`` (as the SDK registers it)."""
    dependent.property_dependencies.setdefault(prop, []).extend(targets)
    dependent.dependencies.extend(targets)
    return dependent


def run_stack(policy, resources: list[PolicyResource], config: Optional[dict] = None) -> list[tuple[str, Optional[str]]]:
    """(message, urn) pairs a stack policy reports."""
    found: list[tuple[str, Optional[str]]] = []
    policy.validate(StackValidationArgs(resources, config or {}), lambda message, urn=None: found.append((message, urn)))
    return found
