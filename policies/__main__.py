"""Entry point of the policy pack for the Pulumi CLI:

    pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

# The CLI runs this file with policies/ as the working directory; the modules import as the package
# `policies` (shared with the offline preview and the tests), so the repository root goes on the path.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policies.registry import ALL_POLICIES  # noqa: E402

PolicyPack(name="scaling-policies", policies=ALL_POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
