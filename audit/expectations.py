"""What a deployed stack should look like: its configuration (whose defaults are the documented limits)
plus the fixed rules of ``scaling_kit/limits.py``.

The configuration is read exactly as the offline preview reads it (``Pulumi.yaml`` defaults, then
``Pulumi.<stack>.yaml``, then overrides) and typed and checked by ``stack.preflight.load_checked_settings``, so a bad value is
the same ``ConfigurationError`` here as in a preview.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from scaling_kit.limits import AUTO_SCALING, DATABASE, LOAD_BALANCING
from scaling_kit.stackfiles import read_project, read_stack_config, stringify
from scaling_kit.waf_rate import waf_rate_limit
from stack.config import StackSettings
from stack.preflight import load_checked_settings

# Stack files live beside this tool's program: the repository root.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The listener security policy must not offer anything older than TLS 1.2.
ALLOWED_TLS_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.3"})


@dataclass(frozen=True)
class Expectations:
    """The expected state of one stack. ``stack`` and ``project`` are the house tag values to look for."""
    project: str
    stack: str
    region: Optional[str]
    settings: StackSettings

    @property
    def tag_filters(self) -> list[dict[str, Any]]:
        """Resource Groups Tagging API filters for the house tags (both must match)."""
        return [{"Key": "Project", "Values": [self.project]}, {"Key": "Stack", "Values": [self.stack]}]

    @property
    def tag_text(self) -> str:
        return f"Project={self.project}, Stack={self.stack}"

    # Fixed rules of the design (documented_limits), not configurable per stack.
    @property
    def health_check_type(self) -> str:
        return AUTO_SCALING.health_check_type

    @property
    def algorithm(self) -> str:
        return LOAD_BALANCING.algorithm

    @property
    def database_engine(self) -> str:
        return DATABASE.engine

    @property
    def https(self) -> bool:
        """An HTTPS listener (and an HTTP->HTTPS redirect) is expected when a certificate is configured or
        requested for a domain."""
        lb = self.settings.load_balancer
        return bool(lb.certificate_arn or lb.domain_name)

    @property
    def waf_limit_and_window(self) -> tuple[int, int]:
        """(limit, window) of the WAF rate rule: the same pure conversion the RateLimit component deploys
        (100 per 900 s -> 67 per 600 s), so the audit can never disagree with the stack about it."""
        rate = self.settings.rate_limit
        return waf_rate_limit(rate.requests, rate.window_seconds)


def load_expectations(stack: str, overrides: Optional[Mapping[str, Any]] = None, *,
                      root: Path = PROJECT_ROOT) -> Expectations:
    """Expectations for ``stack`` from ``Pulumi.<stack>.yaml``; ``overrides`` maps full keys
    (``scaling:dbShardCount``) to values, ``None`` removes a key. Raises ``StackFileError`` for an
    unknown stack and ``stack.config.ConfigurationError`` for invalid configuration."""
    raw, _secret_keys = read_stack_config(stack, root)
    for key, value in (overrides or {}).items():
        if value is None:
            raw.pop(key, None)
        else:
            raw[key] = value if isinstance(value, str) else stringify(value)
    settings = load_checked_settings(raw, stack)
    return Expectations(project=read_project(root)["name"], stack=stack, region=raw.get("aws:region"),
                        settings=settings)

