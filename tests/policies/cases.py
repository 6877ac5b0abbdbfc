"""Shared driver: each policy module's test lists (policy, type, compliant, violating, missing) cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from tests.policies import run


@dataclass
class Case:
    policy: Any
    resource_type: str
    compliant: dict
    violating: dict
    missing: dict
    """Props with the checked property absent."""
    missing_violates: bool
    """Whether the AWS/Kubernetes default that applies when the property is absent breaks the rule."""
    expect: str
    """A fragment of the violation message."""
    config: Optional[dict] = None
    protect: bool = False
    message: Optional[str] = None
    """The whole violation message of ``violating`` (then it must be the only one): wording mutations of a
    policy's text survive a fragment check."""
    id: str = field(default="")

    def __post_init__(self):
        self.id = self.id or self.policy.name


def check_compliant(case: Case) -> None:
    assert run(case.policy, case.resource_type, case.compliant, case.config, protect=case.protect) == []


def check_violating(case: Case) -> None:
    messages = run(case.policy, case.resource_type, case.violating, case.config, protect=case.protect)
    assert messages and all(isinstance(m, str) and m for m in messages), messages
    assert any(case.expect in m for m in messages), messages
    if case.message is not None:
        assert messages == [case.message]


def check_missing(case: Case) -> None:
    messages = run(case.policy, case.resource_type, case.missing, case.config, protect=case.protect)
    assert bool(messages) == case.missing_violates, messages
    assert all(isinstance(m, str) and m for m in messages), messages  # a violation always says what is wrong


def check_other_type_ignored(case: Case) -> None:
    assert run(case.policy, "aws:ec2/vpc:Vpc", case.violating, case.config) == []


def case_tests(cases: list[Case]):
    """The four standard tests over ``cases``: assign them to test_* names in the test module."""
    import pytest

    def wrap(check):
        def test(case: Case) -> None:
            check(case)
        test.__name__ = check.__name__.replace("check_", "test_")
        return pytest.mark.parametrize("case", cases, ids=lambda c: c.id)(test)

    return (wrap(check_compliant), wrap(check_violating), wrap(check_missing), wrap(check_other_type_ignored))
