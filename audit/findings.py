"""Findings of the audit and how they are shown: a table with a summary, or JSON."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
_COLUMNS = ("severity", "resource", "check", "expected", "actual")
_MAX_CELL = 60


@dataclass(frozen=True)
class Finding:
    """One check that did not hold. ``expected`` and ``actual`` are plain JSON values."""
    resource: str
    """What was checked, e.g. ``asg/web-asg-1a2b3c`` or ``stack prod`` for counts."""
    check: str
    """The rule, e.g. ``max size``."""
    expected: Any
    actual: Any
    severity: str = ERROR

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity {self.severity!r} is not allowed; expected one of {SEVERITIES}")


@dataclass
class Report:
    """Everything one audit run found, plus how much it checked (so a clean run is visibly not empty)."""
    stack: str
    region: str
    findings: list[Finding] = field(default_factory=list)
    checks: int = 0
    resources: set[str] = field(default_factory=set)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    def find(self, resource_prefix: str = "", check: str = "") -> list[Finding]:
        """Findings whose resource starts with ``resource_prefix`` and whose check equals ``check``."""
        return [f for f in self.findings if f.resource.startswith(resource_prefix) and (not check or f.check == check)]

    def summary(self) -> str:
        return (f"Audited stack {self.stack} in {self.region}: {self.checks} checks on {len(self.resources)} "
                f"resources; {len(self.errors)} error(s), {len(self.warnings)} warning(s).")


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= _MAX_CELL else text[:_MAX_CELL - 3] + "..."


def render_table(report: Report) -> str:
    """Findings as an aligned text table (errors first), then the summary line."""
    if not report.findings:
        return "No findings.\n" + report.summary()
    rows = [tuple(c.upper() for c in _COLUMNS)]
    ordered = sorted(report.findings, key=lambda f: (SEVERITIES.index(f.severity), f.resource, f.check))
    rows += [tuple(_cell(getattr(f, c)) for c in _COLUMNS) for f in ordered]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines) + "\n\n" + report.summary()


def to_json(report: Report) -> dict:
    return {
        "stack": report.stack,
        "region": report.region,
        "findings": [asdict(f) for f in report.findings],
        "summary": {"checks": report.checks, "resources": len(report.resources),
                    "errors": len(report.errors), "warnings": len(report.warnings)},
    }
