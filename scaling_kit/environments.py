"""The environments a stack can be: one list for the stack configuration, every component's ``environment``
argument and the policy pack's ``environment`` knob. ``prod`` is what protects stateful resources."""

from __future__ import annotations

PRODUCTION = "prod"
ENVIRONMENTS = ("dev", PRODUCTION)
