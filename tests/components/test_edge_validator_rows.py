"""Pure rows for the remaining component validators (rate_limit, alarms, alertmanager, keda, app_identity,
certificate, app_settings, load_balancer_controller): each rule at its edge, each enum and pattern accepted and
refused, whole messages.

Engine-free and hypothesis-free like test_validator_boundaries.py, so ``scripts/mutation.py validators`` can fork
per mutant with this file (issue 19).
"""

from __future__ import annotations
