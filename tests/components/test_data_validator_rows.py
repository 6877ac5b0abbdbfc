"""Pure rows for the data-tier, network and validation helpers (database, sharded_database, streaming, network, network_policy, metrics_pipeline, validation): each rule at its edge, each enum and pattern accepted and refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations
