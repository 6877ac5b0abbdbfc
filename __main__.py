"""Pulumi program: read the stack configuration, build every tier, export what consumers need.

Configuration errors stop the program before any resource is declared, with one message per problem.
"""

import pulumi

from stack.preflight import load_from_pulumi
from stack.program import build

settings = load_from_pulumi()
for name, value in build(settings).items():
    pulumi.export(name, value)
