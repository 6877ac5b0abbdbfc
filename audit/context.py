"""What every service module gets: the expectations, the clients, the report, and two helpers -
``check`` (compare and record) and ``guard`` (turn an AWS error into a finding of its own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Optional

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from .expectations import Expectations
from .findings import ERROR, WARNING, Finding, Report
from .session import Clients, ServiceUnreachable

# Error codes that mean "the caller may not do this", across the services the audit calls.
ACCESS_DENIED_CODES = frozenset({
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess",
    "UnrecognizedClientException", "InvalidClientTokenId", "AuthFailure", "ForbiddenException",
    "NotAuthorized", "AuthorizationError", "SignatureDoesNotMatch", "ExpiredToken", "ExpiredTokenException",
})
THROTTLING_CODES = frozenset({"Throttling", "ThrottlingException", "ThrottledException", "RequestLimitExceeded",
                              "TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
                              "SlowDown", "WAFLimitsExceededException"})


def describe_error(exc: BaseException, max_attempts: int) -> str:
    """A one-line account of why a call failed, for the ``actual`` column."""
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "?"), error.get("Message", "")
        if code in ACCESS_DENIED_CODES:
            kind = "permission denied"
        elif code in THROTTLING_CODES:
            kind = f"throttled after {max_attempts} attempt(s)"
        else:
            kind = "AWS error"
        return f"{kind} on {exc.operation_name}: {code}" + (f": {message}" if message else "")
    if isinstance(exc, ServiceUnreachable):
        return f"skipped: {exc}"
    if isinstance(exc, NoCredentialsError):
        return "no credentials in the standard chain"
    return f"unreachable: {type(exc).__name__}: {exc}"


@dataclass
class AuditContext:
    expectations: Expectations
    clients: Clients
    report: Report
    cache: dict = field(default_factory=dict)
    """Per-run memo of lookups shared by resources (e.g. SSL policy protocols)."""
    count_checks: int = 0
    """How many "how many resources are there" checks ran (none: nothing could be looked for)."""

    @property
    def settings(self):
        return self.expectations.settings

    def client(self, service: str) -> Any:
        return self.clients(service)

    def check(self, resource: str, check: str, expected: Any, actual: Any, *, ok: Optional[bool] = None,
              severity: str = ERROR) -> bool:
        """Count one check; record a finding when it fails. ``ok`` defaults to ``expected == actual``."""
        self.report.checks += 1
        self.report.resources.add(resource)
        passed = (expected == actual) if ok is None else ok
        if not passed:
            self.report.add(Finding(resource, check, expected, actual, severity))
        return passed

    @contextmanager
    def guard(self, resource: str, check: str, needs: str) -> Iterator[None]:
        """Run AWS calls; an error becomes a finding for ``check`` (severity error: the audit cannot vouch
        for what it could not read, so a clean exit code must mean that everything was read).
        ``needs`` names the API permission(s) the check uses, e.g. ``elasticloadbalancing:DescribeTags``."""
        try:
            yield
        except (ClientError, BotoCoreError, ServiceUnreachable) as exc:
            self.report.checks += 1
            self.report.add(Finding(resource, check, f"readable ({needs})",
                                    describe_error(exc, self.clients.options.max_attempts), ERROR))

    def paginate(self, service: str, operation: str, key: str, **kwargs: Any) -> list[dict]:
        """All items under ``key`` of every page of ``operation``."""
        items: list[dict] = []
        for page in self.client(service).get_paginator(operation).paginate(**kwargs):
            items.extend(page.get(key, []))
        return items

    def tagged_arns(self, service: str, is_kind: Callable[[str], bool]) -> dict[str, dict[str, str]]:
        """ARN -> tags of the stack's resources of one service, from the Resource Groups Tagging API.

        Filters by service (``rds``) rather than by ``service:type`` because type names differ between
        AWS and emulators (moto 5.2 calls replication groups ``elasticache:replication-group``, AWS
        ``elasticache:replicationgroup``); ``is_kind`` picks the resources by ARN instead."""
        found = {}
        for mapping in self.paginate("resourcegroupstaggingapi", "get_resources", "ResourceTagMappingList",
                                     TagFilters=self.expectations.tag_filters, ResourceTypeFilters=[service]):
            arn = mapping["ResourceARN"]
            if is_kind(arn):
                found[arn] = {t["Key"]: t["Value"] for t in mapping.get("Tags", [])}
        return found

    def expect_count(self, kind: str, expected: int, found: Sequence[tuple[str, Any]]) -> None:
        """Fewer resources than ``expected`` is one error (expected vs found count). Each surplus resource is
        a warning: tagged like the stack but not declared by it. ``found`` pairs each resource with a rank;
        the highest ranks (e.g. the newest creation times) are reported as the surplus. A warning, because
        the audit cannot tell a deliberate copy (say a snapshot restored for an investigation) from a
        mistake; surplus resources are still checked like declared ones, so a bad copy also shows errors."""
        scope = f"stack {self.expectations.stack}"
        self.report.found += len(found)
        self.count_checks += 1
        self.check(scope, f"{kind} count", expected, len(found), ok=len(found) >= expected)
        if len(found) > expected:
            ranked = sorted(found, key=lambda item: item[1], reverse=True)
            for resource, _rank in ranked[:len(found) - expected]:
                self.report.add(Finding(
                    resource, "declared by the stack",
                    f"{expected} {kind} tagged {self.expectations.tag_text}",
                    f"{len(found)} tagged; this one is surplus", WARNING))
