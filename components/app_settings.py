"""AppSettings: the application's plain settings, published once for every platform that runs it.

The EKS workload gets them as a ConfigMap; EC2 instances cannot read a ConfigMap, so the same map is
published as one SSM String parameter that the instances read at every start (``components/
container_app.py``). One map, two carriers: both platforms always run with the same settings.
Secrets never go here: the application reads them from Secrets Manager with its own identity.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import pulumi
import pulumi_aws as aws

from .tagging import house_tags, merge_tags
from .validation import ArgumentError, check_arguments

_PARAMETER_NAME = re.compile(r"(/[a-zA-Z0-9_.-]+){1,15}")
_ENV_NAME = re.compile(r"[A-Z_][A-Z0-9_]*")
_SECRET_WORDS = ("PASSWORD", "TOKEN", "SECRET", "CREDENTIAL", "PRIVATE_KEY")


@dataclass(frozen=True)
class AppSettingsArgs:
    """Arguments of :class:`AppSettings`."""

    parameter_name: str
    """Name of the SSM parameter (``/project/stack/app-settings``). Required."""
    values: Mapping[str, pulumi.Input[Any]] = field(default_factory=dict)
    """Settings by environment variable name; non-string values are stored as JSON. Defaults to none."""
    environment: str = "prod"
    """Environment for the house tags. Defaults to ``prod``."""
    tags: Mapping[str, str] = field(default_factory=dict)
    """Extra tags, merged over the house tags. Defaults to none."""


def validate_app_settings_args(args: AppSettingsArgs) -> None:
    """Raise ``ArgumentError`` naming the argument, its value and what is allowed."""
    check_arguments(args)
    if not _PARAMETER_NAME.fullmatch(args.parameter_name):
        raise ArgumentError("parameter_name", f"{args.parameter_name!r} is not an SSM parameter path such as "
                                              "/project/stack/app-settings")
    for key in args.values:
        if not _ENV_NAME.fullmatch(key):
            raise ArgumentError("values", f"key {key!r} is not an environment variable name (upper-case letters, "
                                          "digits, '_')")
        if any(word in key for word in _SECRET_WORDS):
            raise ArgumentError("values", f"{key!r} looks secret; secrets belong in Secrets Manager, never in plain "
                                          "settings")


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


class AppSettings(pulumi.ComponentResource):
    """The application settings as an SSM parameter, and as plain text values for a ConfigMap."""

    parameter_name: str
    """Name of the SSM parameter."""
    parameter_arn: pulumi.Output[str]
    """ARN of the SSM parameter (instance roles are granted ``ssm:GetParameter`` on it)."""
    parameter: aws.ssm.Parameter
    """The parameter resource, for ``depends_on`` of whatever reads it at boot."""
    values: dict[str, pulumi.Output[str]]
    """Each setting as text, for a ConfigMap."""

    def __init__(self, name: str, args: AppSettingsArgs, opts: Optional[pulumi.ResourceOptions] = None):
        validate_app_settings_args(args)
        super().__init__("scaling:app_settings:AppSettings", name, None, opts)
        tags = merge_tags(house_tags(args.environment), args.tags)
        self.values = {k: pulumi.Output.from_input(v).apply(as_text) for k, v in sorted(args.values.items())}
        document = pulumi.Output.all(**self.values).apply(lambda v: json.dumps(v, sort_keys=True))
        self.parameter = aws.ssm.Parameter(
            f"{name}-parameter", name=args.parameter_name, type="String", value=document,
            # Standard (4 KB) while it fits, Advanced (8 KB) once 16 shard endpoints and more outgrow it.
            tier="Intelligent-Tiering", description="Application settings (the EKS ConfigMap carries the same)",
            tags=tags, opts=pulumi.ResourceOptions(parent=self))
        self.parameter_name = args.parameter_name
        self.parameter_arn = self.parameter.arn
        self.register_outputs({"parameter_name": self.parameter_name, "parameter_arn": self.parameter_arn})
