"""URN stability guard.

A resource's URN is its identity: a changed URN (a renamed resource, a new parent, a new type token)
makes Pulumi delete the live resource and create a new one. The URNs of each stack are recorded in
tests/urns/<stack>.txt; any change fails here until the record is updated on purpose:

    UPDATE_URNS=1 python -m pytest tests/test_urn_stability.py

A rename of something that exists must carry ``aliases`` so the old URN maps onto the new one.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import stack_evaluation

RECORDS = Path(__file__).resolve().parent / "urns"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_urns_match_the_record(stack):
    current = sorted(r.urn for r in stack_evaluation(stack).resources)
    record = RECORDS / f"{stack}.txt"
    if os.environ.get("UPDATE_URNS") == "1":
        record.write_text("\n".join(current) + "\n")
    recorded = record.read_text().splitlines() if record.exists() else []
    removed = sorted(set(recorded) - set(current))
    added = sorted(set(current) - set(recorded))
    assert not removed and not added, (
        f"URNs of stack {stack} changed: {len(removed)} removed (would be DELETED), {len(added)} added.\n"
        + "".join(f"  - {u}\n" for u in removed[:20]) + "".join(f"  + {u}\n" for u in added[:20])
        + "If intended (and renames carry aliases), run: UPDATE_URNS=1 python -m pytest tests/test_urn_stability.py")
