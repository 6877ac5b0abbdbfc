"""Entry point of the policy pack for the Pulumi CLI:

    pulumi preview --policy-pack policies --policy-pack-config policies/config/<stack>.json
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

if __package__:
    # Imported as a package: the offline preview loads this folder under a private name.
    from .registry import ALL_POLICIES
else:
    # The CLI runs this file as a script from this folder. The pack's modules need the package beside
    # them (scaling_kit, the design's numbers): the repository root here, site-packages when installed.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from policies.registry import ALL_POLICIES

PolicyPack(name="scaling-policies", policies=ALL_POLICIES, enforcement_level=EnforcementLevel.MANDATORY)
