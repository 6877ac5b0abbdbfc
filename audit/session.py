"""boto3 clients for the audit: the standard credential chain, one retry configuration, fast failure.

* Credentials come from the standard chain (environment, ``AWS_PROFILE`` / shared config, SSO, web
  identity, instance or container role); the audit never reads or stores them itself.
* Region: ``--region``, else ``AWS_REGION``, else the stack's ``aws:region`` (where the stack is
  deployed), else the chain's default (``AWS_DEFAULT_REGION`` or the profile's region).
* Endpoint: ``--endpoint-url``, else botocore's own handling of ``AWS_ENDPOINT_URL`` and
  ``AWS_ENDPOINT_URL_<SERVICE>``, so the audit can point at any AWS-compatible endpoint.
* Throttling is botocore's job: every client shares one ``Config`` with retry mode ``standard``
  (exponential backoff with jitter, retries throttling and transient errors) or ``adaptive``
  (the same plus client-side rate limiting), and a maximum number of attempts.
* A service whose endpoint cannot be reached is remembered: later calls to it fail at once instead
  of waiting for every retry again, and each skipped check is still reported.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ProxyConnectionError,
)

RETRY_MODES = ("standard", "adaptive")
DEFAULT_RETRY_MODE = "standard"
# Enough to ride out bursts of throttling on a describe-heavy run without hiding a dead endpoint for
# minutes (standard mode backs off up to 20 s between attempts).
DEFAULT_MAX_ATTEMPTS = 6
USER_AGENT_EXTRA = "scaling-audit"
_UNREACHABLE_ERRORS = (EndpointConnectionError, ConnectTimeoutError, ConnectionClosedError, ProxyConnectionError)


class ServiceUnreachable(Exception):
    """A call was skipped because an earlier call to the same service could not reach its endpoint."""

    def __init__(self, service: str, reason: str):
        self.service = service
        self.reason = reason
        super().__init__(f"{service} endpoint unreachable (earlier call: {reason})")


@dataclass(frozen=True)
class SessionOptions:
    region: Optional[str] = None
    profile: Optional[str] = None
    endpoint_url: Optional[str] = None
    retry_mode: str = DEFAULT_RETRY_MODE
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 5.0
    read_timeout: float = 30.0


def resolve_options(*, region: Optional[str] = None, profile: Optional[str] = None,
                    endpoint_url: Optional[str] = None, retry_mode: Optional[str] = None,
                    max_attempts: Optional[int] = None, stack_region: Optional[str] = None,
                    env: Mapping[str, str] = os.environ) -> SessionOptions:
    """Merge command-line values, the environment and the stack's region; raise ValueError on bad input."""
    mode = retry_mode or env.get("AWS_RETRY_MODE") or DEFAULT_RETRY_MODE
    if mode not in RETRY_MODES:
        raise ValueError(f"retry mode {mode!r} is not allowed; expected one of {', '.join(RETRY_MODES)}")
    attempts: Any = max_attempts if max_attempts is not None else env.get("AWS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    try:
        attempts = int(attempts)
    except (TypeError, ValueError):
        raise ValueError(f"max attempts {attempts!r} is not an integer; expected 1 to 20") from None
    if not 1 <= attempts <= 20:
        raise ValueError(f"max attempts {attempts} is out of range; expected 1 to 20")
    return SessionOptions(
        region=region or env.get("AWS_REGION") or stack_region or None,
        profile=profile or None,  # None lets boto3 read AWS_PROFILE itself
        endpoint_url=endpoint_url or None,
        retry_mode=mode, max_attempts=attempts)


def client_config(options: SessionOptions) -> Config:
    # total_max_attempts counts the first attempt too, like AWS_MAX_ATTEMPTS (botocore's max_attempts
    # counts retries only).
    return Config(retries={"mode": options.retry_mode, "total_max_attempts": options.max_attempts},
                  connect_timeout=options.connect_timeout, read_timeout=options.read_timeout,
                  user_agent_extra=USER_AGENT_EXTRA)


class Clients:
    """One cached client per service, all from one session and one ``Config``."""

    def __init__(self, options: SessionOptions, session: Optional[boto3.session.Session] = None):
        self.options = options
        self.session = session or boto3.session.Session(profile_name=options.profile, region_name=options.region)
        self.config = client_config(options)
        self.unreachable: dict[str, str] = {}
        self._clients: dict[str, Any] = {}

    @property
    def region(self) -> Optional[str]:
        return self.session.region_name

    def has_credentials(self) -> bool:
        return self.session.get_credentials() is not None

    def __call__(self, service: str) -> Any:
        if service not in self._clients:
            kwargs: dict[str, Any] = {"config": self.config}
            if self.options.endpoint_url:
                kwargs["endpoint_url"] = self.options.endpoint_url
            client = self.session.client(service, **kwargs)
            client.meta.events.register("before-call", self._skip_if_unreachable(service))
            client.meta.events.register("after-call-error", self._remember_unreachable(service))
            self._clients[service] = client
        return self._clients[service]

    def _skip_if_unreachable(self, service: str):
        def handler(**_: Any) -> None:
            if service in self.unreachable:
                raise ServiceUnreachable(service, self.unreachable[service])
        return handler

    def _remember_unreachable(self, service: str):
        def handler(exception: Optional[BaseException] = None, **_: Any) -> None:
            if isinstance(exception, _UNREACHABLE_ERRORS):
                self.unreachable.setdefault(service, f"{type(exception).__name__}: {exception}")
        return handler
