"""Findings of the audit and how they are shown: a table with a summary, or JSON."""

from __future__ import annotations

import json
import shutil
import textwrap
from dataclasses import asdict, dataclass, field
from itertools import zip_longest
from typing import Any, Optional

ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
_COLUMNS = ("severity", "resource", "check", "expected", "actual")
# Widest each column may be before its text wraps onto more lines of the same row (never cut: the end of
# a connection error names the endpoint). "actual" takes what the terminal width leaves.
_MAX_WIDTHS = {"severity": 7, "resource": 44, "check": 30, "expected": 36}
_MIN_ACTUAL_WIDTH = 30
NOTHING_FOUND_CHECK = "resources found"


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
    hint: str = ""
    """What to try next, when the finding alone does not say (e.g. the account or region may be wrong)."""

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
    found: int = 0
    """Resources tagged for the stack that the audit found (0: probably the wrong account or region)."""

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

    @property
    def nothing_found(self) -> bool:
        return any(f.check == NOTHING_FOUND_CHECK for f in self.findings)

    def summary(self) -> str:
        found = "nothing tagged for the stack found; " if self.nothing_found else ""
        return (f"Audited stack {self.stack} in {self.region}: {found}{self.checks} checks on {len(self.resources)} "
                f"resources; {len(self.errors)} error(s), {len(self.warnings)} warning(s).")


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _wrap(text: str, width: int) -> list[str]:
    """``text`` over lines of at most ``width``; long words (ARNs, URLs) are split rather than cut."""
    return textwrap.wrap(text, width=width, break_on_hyphens=False) or [""]


def render_table(report: Report, width: Optional[int] = None) -> str:
    """Findings as an aligned text table (errors first; long cells wrap within their column, nothing is
    cut), each hint below its row, then the summary line. ``width`` defaults to the terminal's (or 120)."""
    if not report.findings:
        return "No findings.\n" + report.summary()
    width = width or shutil.get_terminal_size((120, 24)).columns
    ordered = sorted(report.findings, key=lambda f: (SEVERITIES.index(f.severity), f.check != NOTHING_FOUND_CHECK,
                                                     f.resource, f.check))
    texts = [{c: _text(getattr(f, c)) for c in _COLUMNS} for f in ordered]
    widths = {c: max([len(c)] + [min(len(t[c]), _MAX_WIDTHS.get(c, 10 ** 6)) for t in texts]) for c in _COLUMNS}
    # A narrow terminal: narrow the widest middle column until "actual" gets its minimum (or all are narrow).
    while width - sum(widths[c] + 2 for c in _COLUMNS[:-1]) < _MIN_ACTUAL_WIDTH:
        widest = max(("resource", "check", "expected"), key=lambda c: widths[c])
        if widths[widest] <= 12:
            break
        widths[widest] -= 1
    widths["actual"] = max(_MIN_ACTUAL_WIDTH, width - sum(widths[c] + 2 for c in _COLUMNS[:-1]))
    lines = ["  ".join(c.upper().ljust(widths[c]) for c in _COLUMNS).rstrip()]
    for finding, row in zip(ordered, texts, strict=True):
        cells = [_wrap(row[c], widths[c]) for c in _COLUMNS]
        for parts in zip_longest(*cells, fillvalue=""):
            lines.append("  ".join(part.ljust(widths[c]) for part, c in zip(parts, _COLUMNS, strict=True)).rstrip())
        if finding.hint:
            lines += _wrap_hint(finding.hint, width, widths["severity"] + 2)
    return "\n".join(lines) + "\n\n" + report.summary()


def _wrap_hint(hint: str, width: int, indent: int) -> list[str]:
    return textwrap.wrap(f"hint: {hint}", width=width, initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + 6), break_on_hyphens=False)


def to_json(report: Report) -> dict:
    return {
        "stack": report.stack,
        "region": report.region,
        "findings": [asdict(f) for f in report.findings],
        "summary": {"checks": report.checks, "resources": len(report.resources), "found": report.found,
                    "errors": len(report.errors), "warnings": len(report.warnings),
                    "nothingFound": report.nothing_found},
    }
