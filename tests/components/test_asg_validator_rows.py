"""Pure rows for the Auto Scaling group validators (components/auto_scaling_group.py): each rule at its edge, each enum and pattern accepted and refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations
